"""Raw HTTP: the transports slack_sdk uses, response_urls and the ``/_sim`` endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_BOT_TOKEN, SlackSim

AUTH = {"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP session for raw requests."""
    async with aiohttp.ClientSession() as session:
        yield session


async def test_get_with_query_and_form_with_token_param(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sim.api_url}users.info?user={APPROVER_ID}", headers=AUTH) as got:
        user = await got.json()
    form = {"token": DEFAULT_BOT_TOKEN, "channel": "approvals", "text": "form post"}
    async with http.post(f"{sim.api_url}chat.postMessage", data=form) as posted:
        message = await posted.json()

    assert user["user"]["name"] == "alex.approver"
    assert message["channel"] == APPROVALS_CHANNEL_ID
    [call] = sim.calls_to("chat.postMessage")
    assert call.params == {"channel": "approvals", "text": "form post"}


async def test_form_encoded_blocks_are_decoded(sim: SlackSim, http: aiohttp.ClientSession) -> None:
    blocks = '[{"type": "divider", "block_id": "d"}]'
    form = {"channel": APPROVALS_CHANNEL_ID, "text": "x", "blocks": blocks}
    async with http.post(f"{sim.api_url}chat.postMessage", data=form, headers=AUTH) as posted:
        message = (await posted.json())["message"]

    assert message["blocks"] == [{"type": "divider", "block_id": "d"}]


async def test_response_url_replaces_then_answers_ephemerally(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
    hook = sim.hook_url(sim.workspace.new_hook(APPROVALS_CHANNEL_ID, APPROVER_ID, posted["ts"]))

    replace = {"text": "Approved", "replace_original": True, "delete_original": False}
    async with http.post(hook, json=replace) as replaced:
        assert (replaced.status, await replaced.text()) == (200, "ok")
    notice = {"text": "Thanks", "response_type": "ephemeral", "replace_original": False}
    async with http.post(hook, json=notice) as noticed:
        assert noticed.status == 200

    assert sim.message(APPROVALS_CHANNEL_ID, posted["ts"])["text"] == "Approved"
    assert [e["text"] for e in sim.ephemerals(APPROVER_ID)] == ["Thanks"]
    assert [c.ok for c in sim.calls_to("response_url")] == [True, True]


async def test_response_url_delete_and_use_limit(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
    hook = sim.hook_url(sim.workspace.new_hook(APPROVALS_CHANNEL_ID, APPROVER_ID, posted["ts"]))

    statuses = []
    for body in [{"delete_original": True}] + [{"text": "again"}] * 5:
        async with http.post(hook, json=body) as answer:
            statuses.append((answer.status, await answer.text()))

    assert sim.messages(APPROVALS_CHANNEL_ID) == []
    assert statuses == [(200, "ok")] * 5 + [(404, "used_url")]


async def test_sim_state_calls_and_reset(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    async with http.get(f"{sim.base_url}_sim/state") as got:
        state = await got.json()
    async with http.get(f"{sim.base_url}_sim/calls") as got:
        calls = await got.json()
    async with http.post(f"{sim.base_url}_sim/reset", json={}) as reset:
        assert reset.status == 200

    assert [m["text"] for m in state["messages"][APPROVALS_CHANNEL_ID]] == ["card"]
    assert [(c["method"], c["status"], c["ok"]) for c in calls] == [("chat.postMessage", 200, True)]
    assert "token" not in calls[0]["params"]
    assert (sim.messages(APPROVALS_CHANNEL_ID), sim.calls) == ([], [])
