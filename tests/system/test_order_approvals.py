"""Orders end to end: real Temporal, real bot over HTTP, signed clicks from the Slack stand-in."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import CancelledError

from activities.cards import APPROVE_ACTION, REJECT_ACTION
from activities.orders import DEFAULT_STOCK
from bot.modals import REASON_BLOCK, REASON_INPUT
from cli.examples import example_order
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    AttemptResult,
    DecisionSource,
    Verdict,
)
from orchestration.models.order import OrderResult, OrderStep
from orchestration.workflows.order import OrderWorkflow
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
)
from tests.helpers import assert_eventually, decide, new_worker, order_input, unique
from tests.stack import Stack, large_order


def section_texts(message: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]


def has_buttons(message: dict[str, Any]) -> bool:
    return any(b["type"] == "actions" for b in message["blocks"])


async def approval_of(handle: WorkflowHandle[Any, Any]) -> ApprovalState | None:
    return await handle.query(ApprovableWorkflow.approval)


async def pending_card(stack: Stack) -> dict[str, Any]:
    card = await stack.card()
    assert has_buttons(card)
    return card


async def test_small_order_completes_without_a_card(stack: Stack) -> None:
    order = example_order("small", requested_by=REQUESTER_ID)
    handle = await stack.start_order(order)
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert result.delivery is not None and result.delivery.tracking_number.startswith("TRACK-")
    assert result.approval is None
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []
    assert stack.services.charges[order.order_id].amount == order.total
    email = (stack.outbox / f"{order.order_id}.eml").read_text()
    assert f"Subject: Order {order.order_id} confirmed" in email


async def test_large_order_waits_then_approve_completes_it(stack: Stack) -> None:
    order = large_order()
    handle = await stack.start_order(order)
    card = await pending_card(stack)
    assert f"Order {order.order_id} for $1,899.97" in card["text"]
    status = await handle.query(OrderWorkflow.status)
    assert status.step is OrderStep.AWAITING_APPROVAL
    assert stack.services.charges == {}

    delivery = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert delivery.status == 200

    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert stack.services.charges[order.order_id].amount == order.total
    assert (stack.outbox / f"{order.order_id}.eml").exists()
    final = await assert_eventually(
        stack.card, lambda m: "Order completed" in m["text"], what="card updated"
    )
    assert not has_buttons(final)
    approval = result.approval
    assert approval is not None and approval.decided_at is not None
    when = approval.decided_at.strftime("%H:%M UTC")
    assert section_texts(final) == [f"*Approved* by <@{APPROVER_ID}> at {when}"]
    assert [a.result for a in approval.attempts] == [AttemptResult.APPLIED]
    assert approval.attempts[0].source is DecisionSource.SLACK
    assert len(stack.sim.messages(APPROVALS_CHANNEL_ID)) == 1


async def test_reject_asks_for_a_reason_then_cancels(stack: Stack) -> None:
    order = large_order()
    handle = await stack.start_order(order)
    card = await pending_card(stack)

    await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], REJECT_ACTION)
    views = await assert_eventually(
        lambda: stack.sim.open_views(APPROVER2_ID), bool, what="reject modal open"
    )
    view_id = views[0]["id"]
    empty = await stack.sim.submit_view(APPROVER2_ID, view_id, {REASON_BLOCK: {REASON_INPUT: " "}})
    assert REASON_BLOCK in empty.errors
    status = await handle.query(OrderWorkflow.status)
    assert status.step is OrderStep.AWAITING_APPROVAL

    submitted = await stack.sim.submit_view(
        APPROVER2_ID, view_id, {REASON_BLOCK: {REASON_INPUT: "card flagged by fraud check"}}
    )
    assert submitted.ok and submitted.errors == {}

    result = await handle.result()
    assert result.step is OrderStep.CANCELLED
    assert result.message == "Order cancelled: approval rejected"
    assert stack.services.charges == {}
    final = await assert_eventually(
        stack.card, lambda m: "Order cancelled" in m["text"], what="card updated"
    )
    assert not has_buttons(final)
    assert f"*Rejected* by <@{APPROVER2_ID}>" in section_texts(final)[0]
    assert "*Reason:* card flagged by fraud check" in section_texts(final)[0]


async def test_no_decision_expires_distinct_from_rejection_with_a_reminder(stack: Stack) -> None:
    order = large_order()
    handle = await stack.start_order(order, expires_in=3, reminder_before=1.5)
    card = await pending_card(stack)
    assert "if nobody decides: the order is cancelled." in str(card["blocks"])

    result = await handle.result()
    assert result.step is OrderStep.CANCELLED
    assert result.message == "Order cancelled: approval expired"
    assert result.approval is not None and result.approval.status is ApprovalStatus.EXPIRED
    thread = stack.sim.thread(APPROVALS_CHANNEL_ID, card["ts"])
    assert len(thread) == 1 and thread[0]["text"].startswith("Reminder:")
    final = await assert_eventually(stack.card, lambda m: not has_buttons(m), what="card updated")
    assert section_texts(final)[0].startswith("*Expired* at")


async def test_outsider_and_requester_clicks_change_nothing_and_are_told_why(
    stack: Stack,
) -> None:
    handle = await stack.start_order(large_order())
    card = await pending_card(stack)

    await stack.sim.click(OUTSIDER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    await stack.sim.click(REQUESTER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    outsider = await assert_eventually(
        lambda: stack.sim.ephemerals(OUTSIDER_ID), bool, what="outsider told"
    )
    requester = await assert_eventually(
        lambda: stack.sim.ephemerals(REQUESTER_ID), bool, what="requester told"
    )
    assert "You are not an approver for this request" in outsider[0]["text"]
    assert "You requested this order, so someone else must decide it" in requester[0]["text"]

    # The workflow enforces the same rules when a decision reaches it directly.
    await decide(
        handle,
        Verdict.APPROVE,
        OUTSIDER_ID,
        source=DecisionSource.SLACK,
        click_key="forged-1",
    )
    approval = await assert_eventually(
        lambda: approval_of(handle),
        lambda s: s is not None and len(s.attempts) == 1,
        what="attempt recorded",
    )
    assert approval is not None and approval.status is ApprovalStatus.PENDING
    assert approval.attempts[0].result is AttemptResult.REFUSED
    told = await assert_eventually(lambda: stack.sim.ephemerals(OUTSIDER_ID), lambda e: len(e) == 2)
    # Both answers, the bot's and the workflow's, name the request they are about.
    assert all(e["text"].endswith(f"\nRequest: {approval.title}") for e in told), told
    assert (await handle.query(OrderWorkflow.status)).step is OrderStep.AWAITING_APPROVAL
    assert has_buttons(await stack.card())


async def test_same_click_twice_applies_once(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    card = await pending_card(stack)
    first = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    again = await stack.sim.redeliver(first)
    assert first.status == again.status == 200
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert result.approval is not None
    applied = [a for a in result.approval.attempts if a.result is AttemptResult.APPLIED]
    assert len(applied) == 1
    assert all(a.user_id == APPROVER_ID for a in result.approval.attempts)


async def test_two_approvers_at_once_one_wins_and_the_other_is_told(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    card = await pending_card(stack)
    await asyncio.gather(
        stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION),
        stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION),
    )
    result = await handle.result()
    assert result.approval is not None
    winner = result.approval.decided_by
    assert winner is not None
    loser = APPROVER2_ID if winner == APPROVER_ID else APPROVER_ID
    applied = [a for a in result.approval.attempts if a.result is AttemptResult.APPLIED]
    assert [a.user_id for a in applied] == [winner]
    told = await assert_eventually(lambda: stack.sim.ephemerals(loser), bool, what="loser told")
    assert f"Already approved by <@{winner}>" in told[0]["text"]
    assert stack.sim.ephemerals(winner) == []


async def test_decision_sent_while_no_worker_runs_is_applied_when_one_starts(
    stack: Stack,
) -> None:
    queue = unique("tq-offline")
    order = large_order()
    worker = new_worker(stack.client, queue, stack.sim.api_url, stack.outbox.parent)
    async with worker:
        handle = await stack.client.start_workflow(
            OrderWorkflow.run,
            order_input(order, approvers=[APPROVER_ID, APPROVER2_ID]),
            id=order.workflow_id,
            task_queue=queue,
        )
        card = await pending_card(stack)
    # The worker is gone; the bot still checks (describe) and signals durably.
    delivery = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert delivery.status == 200
    described = await assert_eventually(
        handle.fetch_history,
        lambda h: any(e.HasField("workflow_execution_signaled_event_attributes") for e in h.events),
        what="signal in history",
    )
    assert described is not None
    assert has_buttons(await stack.card())
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox.parent):
        result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert result.approval is not None and result.approval.decided_by == APPROVER_ID


async def test_delivery_failure_after_payment_refunds_and_releases(stack: Stack) -> None:
    order = example_order("undeliverable", requested_by=REQUESTER_ID)
    handle = await stack.start_order(order)
    card = await pending_card(stack)
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result: OrderResult = await handle.result()
    assert result.step is OrderStep.FAILED
    assert result.message == ("Order failed: arranging delivery failed: no carrier delivers to AQ")
    status = await handle.query(OrderWorkflow.status)
    # The failed step is undone too (it may have half-happened): each undo is idempotent.
    assert status.compensations == ["cancel shipment", "release stock", "refund payment"]
    assert stack.services.charges == {}
    assert result.transaction_id in stack.services.refunds
    assert stack.services.stock[order.items[0].sku] == DEFAULT_STOCK
    final = await assert_eventually(
        stack.card, lambda m: "Order failed" in m["text"], what="card says failed"
    )
    assert "no carrier delivers to AQ" in final["text"]


async def test_rate_limited_card_post_is_retried_after_retry_after_and_posted_once(
    stack: Stack,
) -> None:
    stack.sim.faults.add("chat.postMessage", "ratelimit", retry_after=1)
    await stack.start_order(large_order())
    await pending_card(stack)
    posts = stack.sim.calls_to("chat.postMessage")
    assert [c.status for c in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0
    assert len(stack.sim.messages(APPROVALS_CHANNEL_ID)) == 1


async def test_post_whose_answer_was_lost_leaves_one_card(stack: Stack) -> None:
    stack.sim.faults.add("chat.postMessage", "store_then_error")
    handle = await stack.start_order(large_order())
    approval = await assert_eventually(
        lambda: approval_of(handle),
        lambda s: s is not None and s.message_ts is not None,
        what="card recorded",
    )
    assert approval is not None
    posts = stack.sim.calls_to("chat.postMessage")
    assert [c.status for c in posts] == [500]
    messages = stack.sim.messages(APPROVALS_CHANNEL_ID)
    assert [m["ts"] for m in messages] == [approval.message_ts]


async def test_cancelling_a_waiting_order_marks_the_card_cancelled(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await pending_card(stack)
    await handle.cancel()
    with pytest.raises(WorkflowFailureError) as raised:
        await handle.result()
    assert isinstance(raised.value.cause, CancelledError)
    final = await assert_eventually(stack.card, lambda m: not has_buttons(m), what="card updated")
    assert section_texts(final)[0].startswith("*Cancelled* at")
    status = await handle.query(OrderWorkflow.status)
    assert status.step is OrderStep.CANCELLED
    assert stack.services.charges == {}


async def test_approving_above_the_confirm_threshold_needs_the_dialog(stack: Stack) -> None:
    order = example_order("huge", requested_by=REQUESTER_ID)
    handle = await stack.start_order(order)
    card = await pending_card(stack)
    approve = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert approve["confirm"]["title"]["text"] == "Approve $12,500.00?"

    dismissed = await stack.sim.click(
        APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION, confirm=False
    )
    assert dismissed.cancelled and dismissed.status is None
    assert (await handle.query(OrderWorkflow.status)).step is OrderStep.AWAITING_APPROVAL

    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert (await handle.result()).step is OrderStep.COMPLETED


async def test_bot_health_and_metrics_endpoints(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    card = await pending_card(stack)
    await stack.sim.click(OUTSIDER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    await handle.result()
    base = str(stack.sim.bot_url).removesuffix("/slack/events")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/healthz") as health:
            assert (health.status, await health.json()) == (200, {"ok": True})
        async with session.get(f"{base}/metrics") as metrics:
            text = await metrics.text()
    assert metrics.status == 200
    assert 'chatops_decisions_total{kind="order",outcome="refused",verdict="approve"}' in text
    assert 'chatops_decisions_total{kind="order",outcome="accepted",verdict="approve"}' in text
    assert 'chatops_slack_request_seconds_count{type="block_actions"}' in text


async def test_cancel_while_the_card_is_being_posted_still_marks_it_cancelled(
    stack: Stack,
) -> None:
    stack.sim.faults.add("chat.postMessage", "latency", seconds=1.5)
    handle = await stack.start_order(large_order())

    await assert_eventually(
        lambda: approval_of(handle),
        lambda s: s is not None and s.message_ts is None,
        what="card post in flight",
    )
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    final = await assert_eventually(stack.card, lambda m: not has_buttons(m), what="card updated")
    assert section_texts(final)[0].startswith("*Cancelled* at")
