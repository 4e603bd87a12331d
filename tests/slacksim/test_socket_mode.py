"""A real Bolt AsyncApp over Socket Mode: the sim sends envelopes, Bolt acks on the socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import WSMessage
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APP_ID,
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_APP_TOKEN,
    DEFAULT_BOT_TOKEN,
    SlackSim,
)
from tests.helpers import assert_eventually
from tests.slacksim.cards import (
    APPROVE,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT,
    approval_bot,
    card_blocks,
    click_home_item,
)

WITHIN = 5.0
CONNECTIONS_OPEN = "apps.connections.open"


async def approve(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    """Approve answers ephemerally (a Socket Mode payload has a response_url too; this takes
    the Web API instead)."""
    await ack()
    await client.chat_postEphemeral(
        channel=body["channel"]["id"], user=body["user"]["id"], text="You approved wf-1"
    )


@dataclass
class SocketBot:
    """The running handler and every socket message its client received."""

    handler: AsyncSocketModeHandler
    received: list[dict[str, Any]] = field(default_factory=list)
    home_events: list[dict[str, Any]] = field(default_factory=list)

    async def record(self, message: WSMessage) -> None:
        # A raw-message listener: slack_sdk handles "disconnect" before its parsed listeners.
        self.received.append(json.loads(message.data))

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("type") == kind]


def open_sockets(sim: SlackSim) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return sim.socket_connections

    return count


@pytest.fixture
async def socket_bot(sim: SlackSim) -> AsyncIterator[SocketBot]:
    """The Bolt app connected over Socket Mode; no bot_url, so HTTP cannot be the way in."""
    home_events: list[dict[str, Any]] = []
    slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
    app = approval_bot(slack, home_events, approve)
    # web_client defaults to app.client, so apps.connections.open goes to the sim too.
    bot = SocketBot(AsyncSocketModeHandler(app, DEFAULT_APP_TOKEN), home_events=home_events)
    bot.handler.client.on_message_listeners.append(bot.record)
    try:
        await bot.handler.connect_async()
        await assert_eventually(open_sockets(sim), lambda n: n == 1, within=WITHIN)
        yield bot
    finally:
        await bot.handler.close_async()
    await assert_eventually(open_sockets(sim), lambda n: n == 0, within=WITHIN)


async def post_card(sim: SlackSim) -> str:
    client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
    posted = await client.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="Approve wf-1?", blocks=card_blocks()
    )
    return str(posted["ts"])


async def approve_and_see_ephemeral(sim: SlackSim, ts: str, count: int) -> None:
    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE)

    assert (delivery.transport, delivery.ok, delivery.status, delivery.body) == (
        "socket",
        True,
        None,
        "",
    )

    async def shown() -> list[str]:
        return [e["text"] for e in sim.ephemerals(APPROVER_ID)]

    texts = await assert_eventually(shown, lambda found: len(found) == count, within=WITHIN)
    assert texts == ["You approved wf-1"] * count


async def test_handler_opens_a_connection_and_gets_hello(
    sim: SlackSim, socket_bot: SocketBot
) -> None:
    async def hellos() -> list[dict[str, Any]]:
        return socket_bot.of_type("hello")

    [hello] = await assert_eventually(hellos, lambda found: len(found) == 1, within=WITHIN)

    assert (hello["num_connections"], hello["connection_info"]) == (1, {"app_id": APP_ID})
    [opened] = sim.calls_to(CONNECTIONS_OPEN)
    assert (opened.status, opened.ok, opened.params) == (200, True, {})
    assert sim.delivery.transport == "socket"
    assert await socket_bot.handler.client.is_connected() is True


async def test_click_goes_over_the_socket_to_the_listener(
    sim: SlackSim, socket_bot: SocketBot
) -> None:
    ts = await post_card(sim)

    await approve_and_see_ephemeral(sim, ts, count=1)

    [delivery] = sim.deliveries
    assert delivery.envelope is not None
    assert (delivery.envelope["type"], delivery.envelope["accepts_response_payload"]) == (
        "interactive",
        True,
    )
    assert delivery.envelope["payload"]["actions"][0]["action_id"] == APPROVE
    assert delivery.request is None
    [envelope] = socket_bot.of_type("interactive")
    assert envelope["envelope_id"] == delivery.envelope["envelope_id"]


async def test_modal_error_ack_over_the_socket_is_applied(
    sim: SlackSim, socket_bot: SocketBot
) -> None:
    ts = await post_card(sim)
    await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, REJECT)

    async def views() -> list[dict[str, Any]]:
        return sim.open_views(APPROVER_ID)

    [view] = await assert_eventually(views, lambda found: len(found) == 1, within=WITHIN)
    empty = await sim.submit_view(APPROVER_ID, view["id"], {REASON_BLOCK: {REASON_INPUT: ""}})
    errored = sim.open_views(APPROVER_ID)
    given = await sim.submit_view(APPROVER_ID, view["id"], {REASON_BLOCK: {REASON_INPUT: "No"}})

    assert (empty.transport, empty.error, empty.errors) == (
        "socket",
        None,
        {REASON_BLOCK: "Please give a reason"},
    )
    assert json.loads(empty.body)["response_action"] == "errors"
    assert [v["errors"] for v in errored] == [{REASON_BLOCK: "Please give a reason"}]
    assert (given.transport, given.ok, given.body, given.errors) == ("socket", True, "", {})
    assert sim.open_views(APPROVER_ID) == []


async def test_slash_command_text_ack_becomes_an_ephemeral(
    sim: SlackSim, socket_bot: SocketBot
) -> None:
    delivery = await sim.slash(APPROVER_ID, APPROVALS_CHANNEL_ID, "/workflow", "help")

    text = "Usage: /workflow status <id> (got 'help')"
    assert (delivery.transport, delivery.ok, json.loads(delivery.body)) == (
        "socket",
        True,
        {"text": text},
    )
    assert delivery.envelope is not None
    assert delivery.envelope["type"] == "slash_commands"
    assert delivery.envelope["payload"]["command"] == "/workflow"
    assert [e["text"] for e in sim.ephemerals(APPROVER_ID)] == [text]


async def test_disconnect_makes_the_client_reconnect(sim: SlackSim, socket_bot: SocketBot) -> None:
    ts = await post_card(sim)
    await approve_and_see_ephemeral(sim, ts, count=1)

    asked = await sim.disconnect_all()

    async def reconnected() -> tuple[int, int, int]:
        return len(sim.calls_to(CONNECTIONS_OPEN)), sim.socket_mode.opened, sim.socket_connections

    await assert_eventually(reconnected, lambda got: got == (2, 2, 1), within=WITHIN)
    assert asked == 1
    [disconnect] = socket_bot.of_type("disconnect")
    assert disconnect["reason"] == "refresh_requested"
    [connection] = sim.socket_mode.connections.values()
    assert (connection.number, connection.draining) == (2, False)
    await approve_and_see_ephemeral(sim, ts, count=2)


async def test_apps_connections_open_wants_the_app_token(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    errors = []
    for token in (DEFAULT_BOT_TOKEN, "xapp-not-ours"):
        with pytest.raises(SlackApiError) as refused:
            await slack.apps_connections_open(app_token=token)
        errors.append(refused.value.response["error"])
    with pytest.raises(SlackApiError) as misused:
        await AsyncWebClient(token=DEFAULT_APP_TOKEN, base_url=sim.api_url).auth_test()
    opened = await slack.apps_connections_open(app_token=DEFAULT_APP_TOKEN)

    assert errors == ["not_allowed_token_type", "invalid_auth"]
    assert misused.value.response["error"] == "not_allowed_token_type"
    assert str(opened["url"]).startswith(f"ws://127.0.0.1:{sim.port}/link/?ticket=")
    assert [c.ok for c in sim.calls_to(CONNECTIONS_OPEN)] == [False, False, True]


async def test_app_home_opened_goes_over_the_socket_as_events_api(
    sim: SlackSim, socket_bot: SocketBot
) -> None:
    delivery = await sim.open_home(APPROVER_ID)

    async def published() -> dict[str, Any] | None:
        return sim.home_view(APPROVER_ID)

    await assert_eventually(published, lambda view: view is not None, within=WITHIN)
    assert (delivery.transport, delivery.ok, delivery.body, delivery.request) == (
        "socket",
        True,
        "",
        None,
    )
    assert delivery.envelope is not None
    assert {k: v for k, v in delivery.envelope.items() if k not in ("envelope_id", "payload")} == {
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
    }
    assert delivery.envelope["payload"]["type"] == "event_callback"
    [event] = socket_bot.home_events
    assert event == delivery.envelope["payload"]["event"]
    [envelope] = socket_bot.of_type("events_api")
    assert envelope["envelope_id"] == delivery.envelope["envelope_id"]


async def test_a_home_click_over_the_socket_opens_a_modal(
    sim: SlackSim, socket_bot: SocketBot
) -> None:
    delivery, modal = await click_home_item(sim, APPROVER_ID, "wf-1", WITHIN)
    assert (delivery.transport, delivery.ok) == ("socket", True)
    assert delivery.envelope is not None
    assert delivery.envelope["payload"]["container"]["type"] == "view"
    assert modal["title"]["text"] == "Reject wf-1"
