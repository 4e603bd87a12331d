"""A real Bolt AsyncApp against the sim: signatures, payloads and acks as Bolt sees them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, SlackSim
from tests.helpers import assert_eventually
from tests.slacksim.cards import (
    APPROVE,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT,
    approval_bot,
    card_blocks,
    click_home_item,
    served_over_http,
)

WITHIN = 5.0


async def approve(ack: AsyncAck, respond: AsyncRespond) -> None:
    """Approve replaces the card, through the click's response_url."""
    await ack()
    await respond(text="Approved", replace_original=True, delete_original=False)


@pytest.fixture
def home_events() -> list[dict[str, Any]]:
    """The app_home_opened events the Bolt app received."""
    return []


@pytest.fixture
async def bolt(
    sim: SlackSim, slack: AsyncWebClient, home_events: list[dict[str, Any]]
) -> AsyncIterator[AsyncApp]:
    """The Bolt app served over HTTP, with the sim delivering to it."""
    app = approval_bot(slack, home_events, approve)
    async with served_over_http(app, sim):
        yield app


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


async def test_app_home_opened_reaches_the_event_listener_which_publishes(
    sim: SlackSim, bolt: AsyncApp, home_events: list[dict[str, Any]]
) -> None:
    first = await sim.open_home(APPROVER_ID)

    async def published() -> dict[str, Any] | None:
        return sim.home_view(APPROVER_ID)

    home = await assert_eventually(published, lambda view: view is not None, within=WITHIN)
    second = await sim.open_home(APPROVER_ID)
    await assert_eventually(published, lambda view: view != home, within=WITHIN)

    assert (first.status, first.error, first.kind, first.transport) == (
        200,
        None,
        "event_callback",
        "http",
    )
    assert second.ok is True
    assert [(e["user"], e["tab"], "view" in e) for e in home_events] == [
        (APPROVER_ID, "home", False),
        (APPROVER_ID, "home", True),
    ]
    assert home_events[1]["view"] == home


async def test_a_home_click_gives_a_trigger_that_opens_a_modal(
    sim: SlackSim, bolt: AsyncApp, home_events: list[dict[str, Any]]
) -> None:
    delivery, modal = await click_home_item(sim, APPROVER_ID, "wf-2", WITHIN)
    assert (delivery.status, delivery.error, delivery.kind) == (200, None, "block_actions")
    assert modal["title"]["text"] == "Reject wf-2"
