"""``POST /hooks/flows`` over real HTTP: signed as the agent-task hook, bodies checked field by
field, who may start (the policy's flows list, groups asked of the Slack stand-in), and
idempotent starts through a stand-in for the driver (tests/flow_fakes.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client

from bot.app import build_web_app
from bot.flow_hook import FLOWS_PATH, FlowHook
from bot.slack_client import group_members
from cli.standin import STAND_IN
from orchestration.decisions import TemporalUnreachable
from orchestration.flow_starts import FlowStartRefused
from slacksim import (
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    OUTSIDER_ID,
    REQUESTER_ID,
    running_sim,
)
from tests.bot.test_hooks import JSON, SECRET, post, post_signed, signed
from tests.flow_fakes import FakeStarter
from tests.helpers import unique
from tests.stack import bot_app, flow_settings, serve


@asynccontextmanager
async def flow_hook(starter: FakeStarter, secret: str | None = SECRET) -> AsyncIterator[str]:
    """The bot's web app with the flow hook on a real port; yields the hook's URL."""
    settings = flow_settings(unique("tq")).model_copy(
        update={"webhook_secret": SecretStr(secret) if secret else None}
    )
    temporal = cast(Client, object())  # the fake starter never calls Temporal
    async with running_sim() as sim:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        hook = FlowHook(temporal, settings.with_stand_in(STAND_IN), starter, group_members(slack))
        app = bot_app(temporal, sim)
        runner, port = await serve(
            build_web_app(app, signing_secret=DEFAULT_SIGNING_SECRET, flows=hook)
        )
        try:
            yield f"http://127.0.0.1:{port}{FLOWS_PATH}"
        finally:
            await runner.cleanup()


def refund(**fields: Any) -> bytes:
    inputs = {"order_id": unique("ORD"), "amount": 7500, "customer": "Ada"}
    return json.dumps({"flow": "refund", "inputs": inputs, **fields}).encode()


async def test_signatures_are_checked_as_the_agent_hooks_are() -> None:
    starter = FakeStarter()
    async with flow_hook(starter) as url:
        body = refund()
        wrong = await post(url, body, signed(body, secret="not-the-secret-at-all"))
        old = await post_signed(url, body, at=0)
        bearer = await post(url, body, {"Authorization": f"Bearer {SECRET}", "Content-Type": JSON})
        as_text = await post_signed(url, body, content_type="text/plain")
        huge = await post_signed(url, refund(id="x" * 70_000))
    assert [wrong[0], old[0], bearer[0], as_text[0], huge[0]] == [401, 401, 401, 415, 413]
    assert wrong[1]["error"].startswith("wrong signature")
    assert starter.calls == []
    async with flow_hook(starter, secret=None) as url:
        disabled = await post_signed(url, body)
    assert disabled == (
        503,
        {"error": "the flow webhook is disabled: set CHATOPS_WEBHOOK_SECRET to enable it"},
    )


async def test_body_problems_are_named_field_by_field() -> None:
    starter = FakeStarter()
    body = {
        "flow": "Refund!",
        "inputs": {"amount": [1, 2]},
        "id": "has spaces",
        "requested_by": "<!channel>",
        "extra": 1,
    }
    async with flow_hook(starter) as url:
        status, answer = await post_signed(url, json.dumps(body).encode())
        not_json = await post_signed(url, b"{flow")
    assert status == 400 and answer["error"] == "not a valid flow start"
    fields = {problem["field"]: problem["message"] for problem in answer["problems"]}
    assert set(fields) == {"flow", "id", "requested_by", "extra", "inputs"}
    assert fields["inputs"] == "Value error, input 'amount' must be a string, a number or a boolean"
    assert not_json[0] == 400 and not_json[1]["error"].startswith("the body is not valid JSON")
    assert starter.calls == []


async def test_who_may_start_is_the_policys_flows_list() -> None:
    starter = FakeStarter()
    async with flow_hook(starter) as url:
        outsider = await post_signed(url, refund(requested_by=OUTSIDER_ID))
        unlisted = await post_signed(url, json.dumps({"flow": "deploy-web"}).encode())
        grouped = await post_signed(url, refund(requested_by=APPROVER_ID))
        anonymous = await post_signed(url, refund())
    assert outsider[0] == 403 and outsider[1]["reason"] == "not_allowed"
    assert outsider[1]["error"].startswith("You may not start flow refund: the policy")
    assert unlisted[0] == 403 and unlisted[1]["reason"] == "not_listed"
    assert (grouped[0], anonymous[0]) == (202, 202)
    assert [call["started_by"] for call in starter.calls] == [APPROVER_ID, "webhook"]


async def test_the_id_makes_a_second_start_start_nothing() -> None:
    starter = FakeStarter()
    key = unique("refund")
    async with flow_hook(starter) as url:
        first = await post_signed(url, refund(id=key, requested_by=REQUESTER_ID))
        again = await post_signed(url, refund(id=key, requested_by=REQUESTER_ID))
    assert first == (202, {"workflow_id": f"flow-refund-{key}"})
    assert again == (200, {"workflow_id": f"flow-refund-{key}", "already_started": True})
    assert [call["business_key"] for call in starter.calls] == [key, key]
    assert starter.calls[0]["inputs"]["amount"] == 7500  # JSON numbers stay numbers


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (FlowStartRefused("input 'amount' is required"), 400, "input 'amount' is required"),
        (
            TemporalUnreachable("could not reach Temporal (UNAVAILABLE)"),
            503,
            "could not reach Temporal (UNAVAILABLE); try again shortly",
        ),
    ],
)
async def test_refusals_of_the_start_itself(error: Exception, status: int, message: str) -> None:
    async with flow_hook(FakeStarter(raises=error)) as url:
        answer = await post_signed(url, refund())
    assert answer[0] == status and answer[1]["error"] == message
