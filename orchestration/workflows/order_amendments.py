"""Amendments of a waiting order: when new items are taken, and the order they make.

Workflow code: deterministic, no I/O.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from orchestration.models.approval import ApprovalState, ApprovalStatus
    from orchestration.models.order import Order, OrderAmendment, OrderStep

AMENDABLE_STEPS = (OrderStep.RECEIVED, OrderStep.VALIDATING, OrderStep.AWAITING_APPROVAL)
# Amendments only while the request is undecided (the step says awaiting approval until the
# card is redrawn, which can take as long as Slack is slow).
AMEND_UNDECIDED_PATCH = "amend-only-undecided"
# Approval outcomes after which the order can no longer change.
DECIDED = (
    ApprovalStatus.APPROVED,
    ApprovalStatus.REJECTED,
    ApprovalStatus.EXPIRED,
    ApprovalStatus.CANCELLED,
)


def amend_refusal(step: OrderStep, state: ApprovalState | None, settled: bool) -> str | None:
    """Why an order at ``step`` whose approval request is ``state`` cannot take an amendment
    now, or None; ``settled``: the order was already cleared to go ahead (or ended)."""
    if step not in AMENDABLE_STEPS:
        return f"the order is {step.value.replace('_', ' ')}"
    decided = settled or (state is not None and state.status in DECIDED)
    if decided and workflow.patched(AMEND_UNDECIDED_PATCH):
        if state is not None and state.status in DECIDED:
            return (
                f"the order's approval request was already {state.status.value}; "
                "amendments are taken only while it waits for a decision"
            )
        return "the order has already been cleared to go ahead"
    return None


def amended_order(order: Order, amendment: OrderAmendment) -> Order | str:
    """``order`` with the amendment's items, or why those items are refused."""
    try:
        return Order.model_validate(
            {**order.model_dump(), "items": [i.model_dump() for i in amendment.items]}
        )
    except ValidationError as err:
        return "; ".join(str(e["msg"]) for e in err.errors())
