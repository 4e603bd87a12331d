"""Quorum: N distinct approvers, any rejection vetoes, nobody counts twice, requester never."""

from __future__ import annotations

from typing import Any

from activities.cards import APPROVE_ACTION
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import (
    ApprovalStatus,
    AttemptResult,
    Verdict,
)
from orchestration.models.order import OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually, decide
from tests.stack import Stack, large_order


def texts(message: dict[str, Any]) -> str:
    return " ".join(str(b.get("text", {}).get("text", "")) for b in message["blocks"])


async def click(stack: Stack, user: str, ts: str) -> None:
    delivery = await stack.sim.click(user, APPROVALS_CHANNEL_ID, ts, APPROVE_ACTION)
    assert delivery.status == 200


async def test_two_distinct_approvals_are_needed_and_shown_on_the_card(stack: Stack) -> None:
    handle = await stack.start_order(large_order(), approvals_required=2)
    card = await stack.card()
    assert "*0 of 2 approvals*" in texts(card)

    await click(stack, APPROVER_ID, card["ts"])
    progressed = await assert_eventually(
        stack.card, lambda m: "1 of 2 approvals: <@U0APPROVE1>" in texts(m), what="progress"
    )
    assert any(b["type"] == "actions" for b in progressed["blocks"])

    await click(stack, APPROVER_ID, card["ts"])  # the same person cannot count twice
    await click(stack, REQUESTER_ID, card["ts"])  # the requester never counts
    told = await assert_eventually(
        lambda: stack.sim.ephemerals(APPROVER_ID), bool, what="double approval refused"
    )
    assert told[0]["text"].startswith("You already approved this")
    requester = await assert_eventually(
        lambda: stack.sim.ephemerals(REQUESTER_ID), bool, what="requester refused"
    )
    assert requester[0]["text"].startswith("You requested this order")
    state = await handle.query(ApprovableWorkflow.approval)
    assert state is not None and state.status is ApprovalStatus.PENDING

    await click(stack, APPROVER2_ID, card["ts"])
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert result.approval is not None
    assert result.approval.approvals == [APPROVER_ID, APPROVER2_ID]
    applied = [a.user_id for a in result.approval.attempts if a.result is AttemptResult.APPLIED]
    assert applied == [APPROVER_ID, APPROVER2_ID]
    final = await assert_eventually(stack.card, lambda m: "Order completed" in m["text"])
    assert "*Approved* by <@U0APPROVE1> and <@U0APPROVE2>" in texts(final)


async def test_any_rejection_vetoes(stack: Stack) -> None:
    handle = await stack.start_order(large_order(), approvals_required=2)
    card = await stack.card()
    await click(stack, APPROVER_ID, card["ts"])
    await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and s.approvals == [APPROVER_ID],
    )
    await decide(handle, Verdict.REJECT, APPROVER2_ID, reason="over budget", click_key="veto-1")
    result = await handle.result()
    assert result.step is OrderStep.CANCELLED
    assert result.approval is not None and result.approval.status is ApprovalStatus.REJECTED
    assert result.approval.decided_by == APPROVER2_ID
    assert stack.services.charges == {}
