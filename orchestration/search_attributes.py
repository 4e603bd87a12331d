"""Search attributes chatops workflows set, so lists and ``describe()`` work without a worker.

The embedded server registers every key in :data:`ALL`; against another cluster the worker
registers missing ones at start-up, or names them if it lacks the permission (see the README).
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

KIND = SearchAttributeKey.for_keyword("ChatopsKind")
STEP = SearchAttributeKey.for_keyword("ChatopsStep")
APPROVAL_STATUS = SearchAttributeKey.for_keyword("ApprovalStatus")
APPROVAL_REQUESTER = SearchAttributeKey.for_keyword("ApprovalRequester")
APPROVAL_DECIDED_BY = SearchAttributeKey.for_keyword("ApprovalDecidedBy")
APPROVAL_DEADLINE = SearchAttributeKey.for_datetime("ApprovalDeadline")
# How a workflow ended (completed, rejected, cancelled ...): see orchestration/outcomes.py.
OUTCOME = SearchAttributeKey.for_keyword("ChatopsOutcome")

ALL: tuple[SearchAttributeKey, ...] = (
    KIND,
    STEP,
    APPROVAL_STATUS,
    APPROVAL_REQUESTER,
    APPROVAL_DECIDED_BY,
    APPROVAL_DEADLINE,
    OUTCOME,
)
