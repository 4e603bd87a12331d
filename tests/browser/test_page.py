"""A person in a browser decides orders on the stand-in's page: the real bot, worker and Temporal.

The pictures in ``docs/`` come from ``scripts/screenshots.py``, not from these tests.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from activities.cards import APPROVE_ACTION, REJECT_ACTION
from cli.examples import example_order
from orchestration.models.order import OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, OUTSIDER_ID, REQUESTER_ID
from tests.browser.channel import ARTIFACTS, ChannelPage, post_filler
from tests.stack import Stack, large_order

DECISION_TIMEOUT_MS = 20_000


def confirm_of(card: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The confirm object of a button on a card."""
    for block in card["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("action_id") == action_id:
                return dict(element["confirm"])
    raise AssertionError(f"no {action_id} button with a confirm on {card}")


async def test_approving_a_huge_order_asks_to_confirm_then_updates_the_card(
    stack: Stack, page: Page
) -> None:
    handle = await stack.start_order(example_order("huge", requested_by=REQUESTER_ID))
    card = await stack.card()
    confirm = confirm_of(card, APPROVE_ACTION)
    channel = ChannelPage(page, stack.sim)
    await channel.open()
    await channel.view_as(APPROVER_ID)
    approve = channel.button(card["ts"], APPROVE_ACTION)
    await expect(approve).to_have_text("Approve")
    await expect(channel.button(card["ts"], REJECT_ACTION)).to_have_attribute(
        "data-style", "danger"
    )
    await channel.screenshot(ARTIFACTS / "pending-card.png")

    sent = len(stack.sim.deliveries)
    await approve.click()
    await expect(channel.confirm_dialog).to_contain_text(confirm["title"]["text"])
    await channel.confirm_dialog.locator(".confirm-deny").click()
    await expect(channel.confirm_dialog).to_have_count(0)
    assert len(stack.sim.deliveries) == sent, "a cancelled confirm must send nothing"

    await approve.click()
    await expect(channel.confirm_dialog.locator(".confirm-ok")).to_have_text("Approve")
    await channel.confirm_dialog.locator(".confirm-ok").click()

    card_on_page = channel.message(card["ts"])
    await expect(card_on_page).to_contain_text(
        "Approved by @Alex Approver", timeout=DECISION_TIMEOUT_MS
    )
    await expect(card_on_page.locator(".sk-button")).to_have_count(0)
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    await expect(card_on_page).to_contain_text("Order completed", timeout=DECISION_TIMEOUT_MS)
    await expect(card_on_page.locator(".edited")).to_have_text("(edited)")
    await channel.screenshot(ARTIFACTS / "approval-card.png")
    assert channel.errors == []


async def test_rejecting_asks_for_a_reason_in_a_modal(stack: Stack, page: Page) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    channel = ChannelPage(page, stack.sim)
    await channel.open()
    await channel.view_as(APPROVER2_ID)

    await channel.button(card["ts"], REJECT_ACTION).click()
    await expect(channel.modal.locator(".modal-title")).to_have_text("Reject request")
    reason = channel.modal.locator("textarea.input-control")
    error = channel.modal.locator(".input-error")
    sent = len(stack.sim.deliveries)
    await channel.modal.locator(".modal-submit").click()
    await expect(error).to_have_text("Please complete this required field.")
    assert len(stack.sim.deliveries) == sent, "Slack's client checks required inputs itself"

    await reason.fill("   ")
    await channel.modal.locator(".modal-submit").click()
    await expect(error).to_have_text("Please say why you are rejecting this request.")
    await channel.screenshot(ARTIFACTS / "reject-modal.png")

    await reason.fill("card flagged by fraud check")
    await channel.modal.locator(".modal-submit").click()
    await expect(channel.modal).to_have_count(0)
    card_on_page = channel.message(card["ts"])
    await expect(card_on_page).to_contain_text(
        "Rejected by @Sam Approver", timeout=DECISION_TIMEOUT_MS
    )
    await expect(card_on_page).to_contain_text("Reason: card flagged by fraud check")
    result = await handle.result()
    assert result.step is OrderStep.CANCELLED
    assert channel.errors == []


async def test_an_outsider_is_answered_privately_and_the_composer_takes_commands(
    stack: Stack, page: Page
) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    channel = ChannelPage(page, stack.sim)
    await channel.open()
    await channel.view_as(OUTSIDER_ID)

    await channel.button(card["ts"], APPROVE_ACTION).click()
    await expect(channel.ephemerals).to_contain_text("You are not an approver for this request")
    await expect(channel.ephemerals).to_contain_text("Only visible to you")
    await channel.view_as(APPROVER_ID)
    await expect(channel.ephemerals).to_have_count(0)
    await expect(channel.button(card["ts"], APPROVE_ACTION)).to_be_visible()

    await channel.send("hello there")
    await expect(page.locator("#composer-notice")).to_have_text(
        "Only slash commands are supported here"
    )
    # The manifest declares the commands; Slack's client refuses any other before sending.
    await channel.send("/nonsense do things")
    await expect(page.locator("#composer-notice")).to_have_text("/nonsense is not a valid command.")
    [refused] = [d for d in stack.sim.deliveries if d.kind == "slash_command"]
    assert (refused.error, refused.request) == ("not_a_valid_command", None)
    await handle.terminate("browser test done")
    assert channel.errors == []


async def test_the_answer_to_a_click_far_up_the_channel_is_cued(stack: Stack, page: Page) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    post_filler(stack.sim, APPROVALS_CHANNEL_ID)  # the card scrolls far up, as in a busy channel
    channel = ChannelPage(page, stack.sim)
    await channel.open(f"?user={OUTSIDER_ID}")
    cue = channel.new_messages_cue
    await channel.message(card["ts"]).scroll_into_view_if_needed()

    await channel.button(card["ts"], APPROVE_ACTION).click()
    await expect(cue).to_have_text("\u2193 1 new message", timeout=DECISION_TIMEOUT_MS)
    answer = channel.ephemerals.last
    await expect(answer).to_contain_text("You are not an approver for this request")
    await expect(answer).not_to_be_in_viewport()
    await cue.click()
    await expect(answer).to_be_in_viewport()
    await expect(cue).to_be_hidden()
    await handle.terminate("browser test done")
    assert channel.errors == []
