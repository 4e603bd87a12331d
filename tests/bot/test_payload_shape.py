"""Signed requests of a shape Slack never sends get 400 saying which field, before Bolt.

Before, a signed click with no user, an action that was not an object, a value that was not
text or a view without its type made Bolt or a listener raise: 500 with a trace, or no answer
at all within Slack's 3 seconds (the person saw "operation_timeout").
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio

from bot.app import EVENTS_PATH, build_web_app
from bot.payload_shape import shape_problem
from slacksim import APPROVALS_CHANNEL_ID, DEFAULT_SIGNING_SECRET, OUTSIDER_ID
from tests.bot.test_verify import signed
from tests.stack import Stack, bot_app, serve


def click(**changes: Any) -> dict[str, Any]:
    """A click on a card as Slack sends it, with ``changes`` applied (None drops a key)."""
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": OUTSIDER_ID},
        "container": {"type": "message", "channel_id": APPROVALS_CHANNEL_ID},
        "channel": {"id": APPROVALS_CHANNEL_ID},
        "response_url": "https://hooks.slack.com/actions/T/1/x",
        "trigger_id": "1.2.3",
        "actions": [{"action_id": "approval_approve", "value": "w|1", "action_ts": "1.2"}],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


MALFORMED: dict[str, tuple[object, str]] = {
    "not an object": ([1], "the payload must be an object"),
    "no user": (click(user=None), "user must be an object"),
    "user as text": (click(user="U0OUTSIDE1"), "user must be an object"),
    "user id not an id": (click(user={"id": "U" + "A" * 100}), "user.id must be a Slack user id"),
    "no actions": (click(actions=[]), "actions must be a list of at least one action"),
    "action as text": (click(actions=["approve"]), "actions[0] must be an object"),
    "value not text": (
        click(actions=[{"action_id": "approval_approve", "value": 5}]),
        "actions[0].value must be text of at most 2000 characters",
    ),
    "value too long": (
        click(actions=[{"action_id": "approval_approve", "value": "w" * 2001}]),
        "actions[0].value must be text of at most 2000 characters",
    ),
    "timestamp too long": (
        click(actions=[{"action_id": "approval_approve", "action_ts": "9" * 500}]),
        "actions[0].action_ts must be text of at most 32 characters",
    ),
    "no container": (click(container=None), "container must be an object"),
    "no channel": (
        click(channel=None, container={"type": "message"}),
        "a click on a message must name its channel",
    ),
    "no response_url": (click(response_url=None), "response_url must be text"),
    "team as a list": (click(team=[1]), "team must be an object or an id"),
    "view without its type": (
        {"type": "view_submission", "user": {"id": OUTSIDER_ID}, "view": {"id": "V1"}},
        "view.type must be text",
    ),
    "values not objects": (
        {
            "type": "view_submission",
            "user": {"id": OUTSIDER_ID},
            "view": {"id": "V1", "type": "modal", "callback_id": "c", "state": {"values": []}},
        },
        "view.state.values must be an object",
    ),
    "home opened by nobody": (
        {"type": "event_callback", "event": {"type": "app_home_opened", "user": 5}},
        "event.user must be a Slack user id",
    ),
}


@pytest.mark.unit
@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_each_malformed_shape_names_its_field(case: str) -> None:
    body, reason = MALFORMED[case]
    problem = shape_problem(body)
    assert problem is not None and problem.startswith(reason), problem


@pytest.mark.unit
def test_what_slack_sends_passes() -> None:
    assert shape_problem(click()) is None
    home = click(container={"type": "view", "view_id": "V1"}, channel=None, response_url=None)
    assert shape_problem(home) is None
    command = {"command": "/workflow", "user_id": OUTSIDER_ID, "channel_id": "C1", "text": ""}
    assert shape_problem(command) is None
    assert shape_problem({"type": "url_verification", "challenge": "c"}) is None


@pytest_asyncio.fixture
async def events_url(stack: Stack) -> AsyncIterator[str]:
    web_app = build_web_app(bot_app(stack.client, stack.sim), signing_secret=DEFAULT_SIGNING_SECRET)
    runner, port = await serve(web_app)
    try:
        yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("case", ["no user", "user as text", "action as text", "team as a list"])
async def test_a_signed_malformed_request_gets_400_and_reaches_no_listener(
    stack: Stack, events_url: str, case: str
) -> None:
    payload, reason = MALFORMED[case]
    body = urlencode({"payload": json.dumps(payload)}).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(events_url, data=body, headers=signed(body, int(time.time()))) as response,
    ):
        status, answer = response.status, await response.json()
    assert (status, answer["error"]) == (400, "invalid payload")
    assert answer["reason"].startswith(reason)
    assert stack.sim.workspace.ephemerals == []
