"""Socket Mode on the wire, with a bare websocket client: tickets, envelopes, acks, failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_APP_TOKEN,
    Delivery,
    SlackSim,
)
from tests.slacksim.conftest import FakeBot

WITHIN = 5.0


class RawClient:
    """One websocket to the sim that acks only when told to."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, hello: dict[str, Any]) -> None:
        self.ws = ws
        self.hello = hello

    async def receive(self) -> dict[str, Any]:
        message: dict[str, Any] = await asyncio.wait_for(self.ws.receive_json(), WITHIN)
        return message

    async def ack(self, envelope: dict[str, Any], payload: dict[str, Any] | None = None) -> None:
        answer: dict[str, Any] = {"envelope_id": envelope["envelope_id"]}
        if payload is not None:
            answer["payload"] = payload
        await self.ws.send_json(answer)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def link_url(sim: SlackSim) -> str:
    app_client = AsyncWebClient(base_url=sim.api_url)
    return str((await app_client.apps_connections_open(app_token=DEFAULT_APP_TOKEN))["url"])


async def connect(sim: SlackSim, http: aiohttp.ClientSession) -> RawClient:
    ws = await http.ws_connect(await link_url(sim))
    return RawClient(ws, await asyncio.wait_for(ws.receive_json(), WITHIN))


async def slash_acked_with(
    sim: SlackSim, raw: RawClient, payload: dict[str, Any] | None
) -> tuple[Delivery, dict[str, Any]]:
    """Run /workflow, answer its envelope on ``raw``, and return the delivery and envelope."""
    sent = asyncio.create_task(sim.slash(APPROVER_ID, APPROVALS_CHANNEL_ID, "/workflow", "x"))
    envelope = await raw.receive()
    await raw.ack(envelope, payload)
    return await sent, envelope


async def test_hello_counts_connections_and_tickets_are_single_use(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    url = await link_url(sim)
    first = await http.ws_connect(url)
    hello = await asyncio.wait_for(first.receive_json(), WITHIN)
    with pytest.raises(aiohttp.WSServerHandshakeError) as reused:
        await http.ws_connect(url)
    second = await connect(sim, http)

    assert (hello["type"], hello["num_connections"]) == ("hello", 1)
    assert reused.value.status == 401
    assert second.hello["num_connections"] == 2
    assert sim.socket_connections == 2
    await first.close()
    await second.ws.close()


async def test_envelope_shape_and_a_json_ack_in_channel(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    raw = await connect(sim, http)

    delivery, envelope = await slash_acked_with(
        sim, raw, {"response_type": "in_channel", "text": "Working on it"}
    )

    assert set(envelope) == {"envelope_id", "type", "payload", "accepts_response_payload"}
    assert (envelope["type"], envelope["accepts_response_payload"]) == ("slash_commands", True)
    assert (envelope["payload"]["command"], envelope["payload"]["text"]) == ("/workflow", "x")
    assert delivery.envelope == envelope
    assert (delivery.transport, delivery.kind, delivery.ok) == ("socket", "slash_command", True)
    assert [m["text"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == ["Working on it"]
    await raw.ws.close()


async def test_no_ack_is_an_operation_timeout_and_a_late_ack_is_ignored(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    raw = await connect(sim, http)
    sim.delivery.timeout = 0.1  # stands in for Slack's 3 s, to keep the test fast

    sent = asyncio.create_task(sim.slash(APPROVER_ID, APPROVALS_CHANNEL_ID, "/workflow", "x"))
    envelope = await raw.receive()
    delivery = await sent
    await raw.ack(envelope, {"text": "too late"})
    after = await slash_acked_with(sim, raw, None)

    assert (delivery.transport, delivery.error, delivery.status) == (
        "socket",
        "operation_timeout",
        None,
    )
    assert delivery.elapsed_ms >= 100
    assert (after[0].ok, sim.ephemerals(APPROVER_ID)) == (True, [])
    await raw.ws.close()


async def test_envelopes_take_turns_over_connections(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    one, two = await connect(sim, http), await connect(sim, http)

    first, _ = await slash_acked_with(sim, one, None)
    second, _ = await slash_acked_with(sim, two, None)

    assert (first.ok, second.ok) == (True, True)
    await one.ws.close()
    await two.ws.close()


async def test_socket_closed_before_ack_then_http_takes_over(
    sim: SlackSim, http: aiohttp.ClientSession, bot: FakeBot
) -> None:
    raw = await connect(sim, http)

    sent = asyncio.create_task(sim.slash(APPROVER_ID, APPROVALS_CHANNEL_ID, "/workflow", "x"))
    await raw.receive()
    await raw.ws.close()
    dropped = await sent
    over_http = await sim.slash(APPROVER_ID, APPROVALS_CHANNEL_ID, "/workflow", "y")

    assert (dropped.transport, dropped.error) == ("socket", "dispatch_failed")
    assert (over_http.transport, over_http.status, over_http.envelope) == ("http", 200, None)
    assert [r.data["text"] for r in bot.received] == ["y"]
    assert sim.socket_connections == 0


async def test_redeliver_sends_the_same_payload_in_a_new_envelope(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    raw = await connect(sim, http)
    earlier, envelope = await slash_acked_with(sim, raw, None)

    again = asyncio.create_task(sim.redeliver(earlier))
    repeated = await raw.receive()
    await raw.ack(repeated)
    redelivered = await again

    assert repeated["payload"] == envelope["payload"]
    assert repeated["envelope_id"] != envelope["envelope_id"]
    assert (redelivered.transport, redelivered.kind, redelivered.ok) == (
        "socket",
        "slash_command",
        True,
    )
    await raw.ws.close()


async def test_sim_endpoints_show_deliveries_and_connections(
    sim: SlackSim, http: aiohttp.ClientSession, bot: FakeBot
) -> None:
    over_http = await sim.slash(APPROVER_ID, APPROVALS_CHANNEL_ID, "/workflow", "y")
    raw = await connect(sim, http)
    await slash_acked_with(sim, raw, None)

    async with http.get(f"{sim.base_url}_sim/deliveries") as got:
        deliveries = await got.json()
    async with http.get(f"{sim.base_url}_sim/state") as got:
        state = await got.json()

    assert [d["transport"] for d in deliveries] == ["http", "socket"]
    assert over_http.request is not None
    assert deliveries[0]["request"] == [over_http.request[0].decode(), over_http.request[1]]
    assert deliveries[1]["envelope"]["type"] == "slash_commands"
    assert state["socket_mode"] == {
        "opened": 1,
        "connections": [{"number": 1, "draining": False, "awaiting_acks": 0}],
    }
    assert json.loads(json.dumps(state["deliveries"])) == deliveries
    await raw.ws.close()
