"""What the approval gate publishes as search attributes: while a request waits, when it was
asked and exactly the people ``may_decide`` accepts; once decided, neither (the index holds
only what waits); and a word in place of deciders too many to fit one value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestration import search_attributes as sa
from orchestration.approval_index import approval_attributes, approval_updates
from orchestration.models.approval import ApprovalState, ApprovalStatus
from orchestration.policy.deciders import may_decide

pytestmark = pytest.mark.unit

ASKED = datetime(2026, 12, 1, 9, 30, 0, 250000, tzinfo=UTC)


def state(**fields: Any) -> ApprovalState:
    values: dict[str, Any] = {
        "request_id": "1",
        "kind": "order",
        "subject_id": "ORD-1",
        "title": "Order ORD-1",
        "requester": "U0REQUEST1",
        "approvers": ["U0APPROVE1", "U0APPROVE2", "U0REQUEST1"],
        "requested_at": ASKED,
        "deadline": ASKED + timedelta(hours=1),
    }
    values.update(fields)
    return ApprovalState(**values)


def published(approval: ApprovalState) -> dict[str, Any]:
    """Each key the gate upserts, with its value (None: unset)."""
    return {update.key.name: update.value for update in approval_updates(approval)}


@pytest.mark.parametrize(
    "approval",
    [
        state(),
        state(approvals_required=2, approvals=["U0APPROVE1"]),
        state(approvers=["S0GROUP01"]),  # a group not yet expanded: nobody by name
        state(approvers=[]),
        state(approvers=["U0APPROVE1", "U0APPROVE1", "W0APPROVE3"], requester=None),
        state(approvers=["U" + "1" * 80]),  # longer than a decision allows: no failure
    ],
)
def test_while_waiting_the_index_names_exactly_who_may_decide(approval: ApprovalState) -> None:
    values = published(approval)

    assert values[sa.APPROVAL_WAITING_SINCE.name] == ASKED
    named = values[sa.APPROVAL_WAITING_FOR.name] or []
    everyone = {*approval.approvers, "U0REQUEST1", "U0SOMEONE1", approval.requester or "U0X"}
    assert {user for user in everyone if may_decide(approval, user)} == set(named)
    assert len(named) == len(set(named))


def test_quorum_progress_leaves_out_who_approved_and_a_decision_unsets_the_index() -> None:
    waiting = published(state(approvals_required=2, approvals=["U0APPROVE2"]))
    assert waiting[sa.APPROVAL_WAITING_FOR.name] == ["U0APPROVE1"]
    assert waiting[sa.APPROVAL_STATUS.name] == "pending"

    for status in (ApprovalStatus.APPROVED, ApprovalStatus.EXPIRED, ApprovalStatus.SUPERSEDED):
        decided = published(state(status=status, decided_by="U0APPROVE1"))
        assert decided[sa.APPROVAL_WAITING_SINCE.name] is None
        assert decided[sa.APPROVAL_WAITING_FOR.name] is None
        assert decided[sa.APPROVAL_STATUS.name] == status.value


def test_deciders_too_many_for_one_value_are_named_by_a_word() -> None:
    many = [f"U{n:010d}" for n in range(150)]
    values = published(state(approvers=many))
    assert values[sa.APPROVAL_WAITING_FOR.name] == [sa.MANY_DECIDERS]
    fitting = many[:60]
    assert published(state(approvers=fitting))[sa.APPROVAL_WAITING_FOR.name] == fitting


def test_a_seeded_workflow_starts_with_what_is_set() -> None:
    attributes = approval_attributes(state(status=ApprovalStatus.REJECTED, decided_by="U0X"))
    names = {pair.key.name for pair in attributes}
    assert names == {"ApprovalStatus", "ApprovalDeadline", "ApprovalRequester", "ApprovalDecidedBy"}
