"""How ``/workflow status`` and ``stats`` read a decided request: the reason keeps its
separator; a decision dated before its request waited no time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commands.workflow.approvals import ApprovalFacts, approval_line
from commands.workflow.stats import _Tally
from orchestration.models.approval import ApprovalStatus, DecisionSource
from slacksim import APPROVER_ID
from tests.bot.listeners.fakes import NOW, approval_state

pytestmark = pytest.mark.unit


def test_a_rejection_and_its_reason_read_as_two_clauses() -> None:
    state = approval_state(
        status=ApprovalStatus.REJECTED,
        decided_by=APPROVER_ID,
        decided_at=NOW,
        decision_source=DecisionSource.SLACK,
        reason="too big for one shipment",
    )
    line = approval_line(ApprovalFacts.of(state), NOW)
    assert line == (
        f"Approval: *Rejected* by <@{APPROVER_ID}> at {NOW:%H:%M} UTC; "
        "*Reason:* too big for one shipment"
    )


def test_a_decision_without_a_reason_has_no_dangling_separator() -> None:
    state = approval_state(
        status=ApprovalStatus.APPROVED,
        approvals=[APPROVER_ID],
        decided_by=APPROVER_ID,
        decided_at=NOW,
        decision_source=DecisionSource.SLACK,
    )
    line = approval_line(ApprovalFacts.of(state), NOW)
    assert line == f"Approval: *Approved* by <@{APPROVER_ID}> at {NOW:%H:%M} UTC"


def test_a_decision_dated_before_its_request_counts_as_no_wait() -> None:
    tally = _Tally()
    early = approval_state(
        status=ApprovalStatus.APPROVED,
        approvals=[APPROVER_ID],
        decided_by=APPROVER_ID,
        decided_at=NOW - timedelta(hours=1),  # the clicker's clock is behind
        requested_at=NOW,
    )
    tally.add(early)
    assert tally.waits == [0.0]
