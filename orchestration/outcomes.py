"""How a workflow ended, kept in the ``ChatopsOutcome`` search attribute.

Temporal's UI says "Completed" for every workflow that returned, a rejected order included;
this attribute says what the ending meant (rejected, expired, denied ...), so the workflow
list can show it as a column and filter on it (``ChatopsOutcome="rejected"``).
"""

from __future__ import annotations

import asyncio
from enum import StrEnum

from temporalio import workflow
from temporalio.exceptions import ActivityError, CancelledError

with workflow.unsafe.imports_passed_through():
    from orchestration import search_attributes as sa
    from orchestration.models.approval import ApprovalState, ApprovalStatus
    from orchestration.policy.match import Effect, PolicyDecision

# Workflows started before this patch end without the attribute.
OUTCOME_PATCH = "chatops-outcome-search-attribute"


class Outcome(StrEnum):
    """What a workflow's ending meant."""

    COMPLETED = "completed"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    DENIED = "denied"
    FAILED = "failed"
    WITH_SUPPORT = "with_support"


_REFUSED = {
    ApprovalStatus.REJECTED: Outcome.REJECTED,
    ApprovalStatus.EXPIRED: Outcome.EXPIRED,
    ApprovalStatus.CANCELLED: Outcome.CANCELLED,
}


def not_done(
    policy: PolicyDecision | None, state: ApprovalState | None, otherwise: Outcome
) -> Outcome:
    """Why a workflow did not do what was asked: the policy file denied it, or its request
    was rejected, expired or cancelled; ``otherwise`` when neither."""
    if policy is not None and policy.effect is Effect.DENY:
        return Outcome.DENIED
    refused = _REFUSED.get(state.status) if state is not None else None
    return refused or otherwise


def record_outcome(indexed: bool, outcome: Outcome) -> None:
    """Set ``ChatopsOutcome`` when the workflow keeps search attributes (``indexed``)."""
    if indexed and workflow.patched(OUTCOME_PATCH):
        workflow.upsert_search_attributes([sa.OUTCOME.value_set(outcome.value)])


def is_cancellation(err: BaseException) -> bool:
    """True for the workflow's cancellation, also as it reaches it through an activity that
    was cancelled with it."""
    if isinstance(err, ActivityError):
        return isinstance(err.cause, CancelledError)
    return isinstance(err, asyncio.CancelledError)
