"""A real Bolt AsyncApp against the sim: signatures, payloads and acks as Bolt sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_SIGNING_SECRET, SlackSim
from tests.helpers import assert_eventually
from tests.slacksim.cards import (
    APPROVE,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT,
    add_reject_and_command_listeners,
    card_blocks,
)

WITHIN = 5.0


def build_app(client: AsyncWebClient) -> AsyncApp:
    """A tiny approval bot: Approve replaces the card, Reject asks for a reason."""
    app = AsyncApp(client=client, signing_secret=DEFAULT_SIGNING_SECRET)

    @app.action(APPROVE)
    async def approve(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(text="Approved", replace_original=True, delete_original=False)

    add_reject_and_command_listeners(app)
    return app


@pytest.fixture
async def bolt(sim: SlackSim, slack: AsyncWebClient) -> AsyncIterator[AsyncApp]:
    """The Bolt app served over HTTP, with the sim delivering to it."""
    app = build_app(slack)
    runner = web.AppRunner(app.web_app(path="/slack/events"))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    sim.bot_url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    try:
        yield app
    finally:
        await runner.cleanup()


async def post_card(slack: AsyncWebClient) -> str:
    posted = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="Approve wf-1?", blocks=card_blocks()
    )
    return str(posted["ts"])


async def test_approve_click_is_answered_through_the_response_url(
    sim: SlackSim, slack: AsyncWebClient, bolt: AsyncApp
) -> None:
    ts = await post_card(slack)

    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE)

    assert (delivery.status, delivery.error) == (200, None)

    async def card_text() -> str:
        return str(sim.message(APPROVALS_CHANNEL_ID, ts)["text"])

    await assert_eventually(card_text, lambda text: text == "Approved", within=WITHIN)


async def test_reject_opens_a_modal_that_validates_its_reason(
    sim: SlackSim, slack: AsyncWebClient, bolt: AsyncApp
) -> None:
    ts = await post_card(slack)
    await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, REJECT)

    async def views() -> list[dict[str, Any]]:
        return sim.open_views(APPROVER_ID)

    [view] = await assert_eventually(views, lambda found: len(found) == 1, within=WITHIN)
    empty = await sim.submit_view(APPROVER_ID, view["id"], {REASON_BLOCK: {REASON_INPUT: ""}})
    given = await sim.submit_view(APPROVER_ID, view["id"], {REASON_BLOCK: {REASON_INPUT: "No"}})

    assert empty.errors == {REASON_BLOCK: "Please give a reason"}
    assert (given.status, given.errors) == (200, {})
    assert sim.open_views(APPROVER_ID) == []


async def test_slash_command_text_ack_is_shown_ephemerally(sim: SlackSim, bolt: AsyncApp) -> None:
    delivery = await sim.slash(APPROVER_ID, APPROVALS_CHANNEL_ID, "/workflow", "help")

    assert delivery.status == 200
    [shown] = sim.ephemerals(APPROVER_ID)
    assert shown["text"] == "Usage: /workflow status <id> (got 'help')"


async def test_stale_request_gets_bolts_401(sim: SlackSim, bolt: AsyncApp) -> None:
    delivery = await sim.post_signed(
        b"payload=%7B%7D", "application/x-www-form-urlencoded", timestamp=1
    )

    assert (delivery.status, delivery.error) == (401, "dispatch_failed")
