"""App Home, "Waiting for you", through Slack's protocol: the stand-in delivers a signed
``app_home_opened``, the bot publishes the approvals the viewer may decide with the cards'
buttons, and clicks on the Home tab decide (or are refused) as clicks on cards do."""

from __future__ import annotations

from typing import Any

from activities.cards import APPROVE_ACTION, REJECT_ACTION, decision_value
from bot.modals import REASON_BLOCK, REASON_INPUT
from orchestration.models.order import OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually
from tests.stack import Stack, card_published, large_order


def home_text(stack: Stack, user: str) -> str:
    return str((stack.sim.home_view(user) or {}).get("blocks", ""))


async def open_home(stack: Stack, user: str, check: Any) -> str:
    """Open the Home tab as ``user``; its blocks (as text) once ``check`` holds."""
    delivery = await stack.sim.open_home(user)
    assert delivery.ok and delivery.error is None, delivery
    return await assert_eventually(
        lambda: home_text(stack, user), check, what=f"the Home tab of {user}"
    )


def buttons(stack: Stack, user: str, value: str) -> list[dict[str, Any]]:
    home = stack.sim.home_view(user) or {}
    return [
        element
        for block in home.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
        if element.get("value") == value
    ]


async def test_home_lists_what_the_viewer_may_decide_and_its_buttons_decide(
    stack: Stack,
) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    await card_published(handle)

    shown = await open_home(stack, APPROVER_ID, lambda text: handle.id in text)
    assert "Waiting for you" in shown
    value = decision_value(handle.id, "1")
    approve, reject = buttons(stack, APPROVER_ID, value)
    assert (approve["action_id"], reject["action_id"]) == (APPROVE_ACTION, REJECT_ACTION)
    # The Home tab shows less than the card, so Approve asks first; and it links to the card.
    assert approve["confirm"]["title"]["text"] == "Approve this request?"
    assert f"/archives/{APPROVALS_CHANNEL_ID}/p{card['ts'].replace('.', '')}|Open the card>" in (
        shown
    )
    # The requester may not decide their own order: not in their Home tab.
    requester = await open_home(stack, REQUESTER_ID, lambda text: "Waiting for you" in text)
    assert handle.id not in requester

    clicked = await stack.sim.click_home(APPROVER_ID, APPROVE_ACTION, value=value)
    assert clicked.ok, clicked
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    final = await assert_eventually(
        stack.card, lambda m: "Approved by" in m["text"], what="the card shows the approval"
    )
    assert f"<@{APPROVER_ID}>" in final["text"]
    after = await assert_eventually(
        lambda: home_text(stack, APPROVER_ID),
        lambda text: "You approved" in text,
        what="the Home tab redrawn",
    )
    assert handle.id not in after


async def test_home_rejects_through_the_modal_and_refuses_a_stale_click(stack: Stack) -> None:
    rejected = await stack.start_order(large_order())
    await stack.card()
    taken = await stack.start_order(large_order())
    cards = await assert_eventually(stack.messages, lambda m: len(m) == 2, what="two cards")
    for handle in (rejected, taken):
        await card_published(handle)
    await open_home(stack, APPROVER_ID, lambda text: rejected.id in text and taken.id in text)

    # Someone else approves on the card; this Home tab still shows the buttons.
    (taken_card,) = [m for m in cards if taken.id in str(m["blocks"])]
    await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, taken_card["ts"], APPROVE_ACTION)
    assert (await taken.result()).step is OrderStep.COMPLETED
    stale = await stack.sim.click_home(
        APPROVER_ID, APPROVE_ACTION, value=decision_value(taken.id, "1")
    )
    assert stale.ok, stale
    refused = await assert_eventually(
        lambda: home_text(stack, APPROVER_ID),
        lambda text: "Already approved by" in text,
        what="the refusal on the Home tab",
    )
    assert f"Already approved by <@{APPROVER2_ID}>" in refused

    await stack.sim.click_home(APPROVER_ID, REJECT_ACTION, value=decision_value(rejected.id, "1"))
    views = await assert_eventually(
        lambda: stack.sim.open_views(APPROVER_ID), bool, what="the reject modal"
    )
    submitted = await stack.sim.submit_view(
        APPROVER_ID, views[0]["id"], {REASON_BLOCK: {REASON_INPUT: "duplicate order"}}
    )
    assert submitted.ok and submitted.errors == {}
    result = await rejected.result()
    assert result.step is OrderStep.CANCELLED
    after = await assert_eventually(
        lambda: home_text(stack, APPROVER_ID),
        lambda text: "You rejected" in text,
        what="the Home tab redrawn after the rejection",
    )
    assert rejected.id not in after and taken.id not in after
