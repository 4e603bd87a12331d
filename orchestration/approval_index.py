"""What the approval gate publishes as search attributes, for the Temporal UI and for the
pending lists (``/workflow pending``, the Home tab, the digest), which count and pick waiting
requests with visibility queries instead of reading every running workflow's memo.

Pure functions of the gate's state, so workflow code calls them as it publishes, and the
tests and benchmarks seed exactly what a gate leaves.
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributePair, SearchAttributeUpdate, TypedSearchAttributes

from orchestration import search_attributes as sa
from orchestration.models.approval import ApprovalState
from orchestration.policy.deciders import deciders


def approval_updates(state: ApprovalState) -> list[SearchAttributeUpdate[Any]]:
    """The gate's search attributes for ``state``. While it waits: when it was asked and who
    may decide it now; once decided both are unset, so the index holds only what waits."""
    updates: list[SearchAttributeUpdate[Any]] = [
        sa.APPROVAL_STATUS.value_set(state.status.value),
        sa.APPROVAL_DEADLINE.value_set(state.deadline),
    ]
    if state.requester:
        updates.append(sa.APPROVAL_REQUESTER.value_set(state.requester))
    if state.decided_by:
        updates.append(sa.APPROVAL_DECIDED_BY.value_set(state.decided_by))
    waiting = [] if state.status.is_terminal else sa.waiting_for_value(deciders(state))
    if state.status.is_terminal:
        updates.append(sa.APPROVAL_WAITING_SINCE.value_unset())
    else:
        updates.append(sa.APPROVAL_WAITING_SINCE.value_set(state.requested_at))
    if waiting:
        updates.append(sa.APPROVAL_WAITING_FOR.value_set(waiting))
    else:
        updates.append(sa.APPROVAL_WAITING_FOR.value_unset())
    return updates


def approval_attributes(state: ApprovalState) -> TypedSearchAttributes:
    """The same as attributes a workflow starts with (those set; for seeding lists)."""
    pairs = [
        SearchAttributePair(update.key, update.value)
        for update in approval_updates(state)
        if update.value is not None
    ]
    return TypedSearchAttributes(pairs)
