"""Another web page cannot drive the stand-in: form posts, other origins and other host names
are refused, and change nothing; its own page and local programs still can."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_BOT_TOKEN, SlackSim
from tests.slacksim.cards import APPROVE, card_blocks
from tests.slacksim.conftest import FakeBot

EVIL = "http://evil.example"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def posted_card(slack: AsyncWebClient) -> str:
    posted = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="Approve wf-1?", blocks=card_blocks()
    )
    return str(posted["ts"])


def actions(ts: str) -> dict[str, dict[str, Any]]:
    """Every state-changing control route, with a body it would accept as JSON."""
    click = {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "ts": ts, "action_id": APPROVE}
    return {
        "_sim/act/click": click,
        "_sim/act/slash": {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "command": "/w"},
        "_sim/reset": {},
        "_sim/faults": {"method": "*", "kind": "error"},
        "_sim/post-limit": {"rate": 1, "burst": 3},
    }


async def send(
    http: aiohttp.ClientSession, sim: SlackSim, path: str, **request: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{sim.base_url}{path}", **request) as response:
        return response.status, await response.json()


def assert_unchanged(sim: SlackSim, bot: FakeBot, ts: str) -> None:
    assert [m["ts"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == [ts]
    assert (bot.received, sim.deliveries, sim.faults.pending()) == ([], [], [])
    assert sim.post_limits.enabled is False


async def test_form_posts_are_refused_and_change_nothing(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    ts = await posted_card(slack)
    for path, body in actions(ts).items():
        form = {key: str(value) for key, value in body.items()}
        # What a cross-site <form> sends, and the text/plain trick that carries JSON.
        for request in (
            {"data": form, "headers": {"Origin": "null"}},
            {"data": form},
            {"data": json.dumps(body), "headers": {"Content-Type": "text/plain"}},
        ):
            status, answer = await send(http, sim, path, **request)
            assert status in (403, 415), (path, request)
            assert answer["ok"] is False and answer["error"], (path, request)
    async with http.delete(f"{sim.base_url}_sim/faults") as cleared:
        assert cleared.status == 415
    assert_unchanged(sim, bot, ts)


async def test_other_origins_and_host_names_are_refused(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    ts = await posted_card(slack)
    rebound = f"evil.example:{sim.port}"  # a DNS-rebinding page's own name for 127.0.0.1
    for path, body in actions(ts).items():
        for headers in (
            {"Origin": EVIL},
            {"Origin": "null"},
            {"Host": rebound},
            {"Host": rebound, "Origin": f"http://{rebound}"},
        ):
            status, answer = await send(http, sim, path, json=body, headers=headers)
            assert (status, answer["ok"]) == (403, False), (path, headers)
    # The Web API too: a page must not post messages as the bot with its public token.
    form = {"token": DEFAULT_BOT_TOKEN, "channel": APPROVALS_CHANNEL_ID, "text": "phish"}
    status, _ = await send(http, sim, "api/chat.postMessage", data=form, headers={"Origin": EVIL})
    assert status == 403
    async with http.get(f"{sim.base_url}_sim/state", headers={"Host": rebound}) as read:
        assert read.status == 403
    assert_unchanged(sim, bot, ts)


async def test_the_stand_ins_own_origin_may_act(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    ts = await posted_card(slack)
    click = actions(ts)["_sim/act/click"]
    own = {"Origin": sim.base_url.rstrip("/")}
    status, delivery = await send(http, sim, "_sim/act/click", json=click, headers=own)
    assert (status, delivery["status"], delivery["kind"]) == (200, 200, "block_actions")
    # The same stand-in reached as localhost, as a browser may open it.
    local = {"Host": f"localhost:{sim.port}", "Origin": f"http://localhost:{sim.port}"}
    status, answer = await send(http, sim, "_sim/faults", json={"method": "x"}, headers=local)
    assert (status, answer["faults"][0]["method"]) == (200, "x")
    assert [r.data["actions"][0]["action_id"] for r in bot.received] == [APPROVE]
