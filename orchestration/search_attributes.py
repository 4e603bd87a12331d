"""Search attributes chatops workflows set, so lists and ``describe()`` work without a worker.

The embedded server registers every key in :data:`ALL`; against another cluster the worker
registers missing ones at start-up, or names them if it lacks the permission (see the README).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from temporalio.common import SearchAttributeKey

KIND = SearchAttributeKey.for_keyword("ChatopsKind")
STEP = SearchAttributeKey.for_keyword("ChatopsStep")
APPROVAL_STATUS = SearchAttributeKey.for_keyword("ApprovalStatus")
APPROVAL_REQUESTER = SearchAttributeKey.for_keyword("ApprovalRequester")
APPROVAL_DECIDED_BY = SearchAttributeKey.for_keyword("ApprovalDecidedBy")
APPROVAL_DEADLINE = SearchAttributeKey.for_datetime("ApprovalDeadline")
# How a workflow ended (completed, rejected, cancelled ...): see orchestration/outcomes.py.
OUTCOME = SearchAttributeKey.for_keyword("ChatopsOutcome")
# The index of what waits, kept only while a request waits (unset once it is decided), so
# the pending lists, the Home tab and the digest count and pick without reading every memo:
# when the request was asked, and the Slack users who may decide it now.
APPROVAL_WAITING_SINCE = SearchAttributeKey.for_datetime("ApprovalWaitingSince")
APPROVAL_WAITING_FOR = SearchAttributeKey.for_keyword_list("ApprovalWaitingFor")

# ApprovalWaitingFor holds this word alone when the deciders do not fit in one value (the
# server refuses a value over 2 KB, and a refused upsert would fail the workflow task):
# readers then judge such a request from its memo. No Slack id is a lowercase word.
MANY_DECIDERS = "many"
WAITING_FOR_BYTES = 1024

# Set by Temporal itself (a system attribute: never registered, never set by chatops) while a
# workflow's workflow task has failed or timed out some number of times in a row (dynamic
# config system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute); cleared once a
# task completes. Values such as "category=WorkflowTaskFailed" and
# "cause=WorkflowTaskFailedCauseNonDeterministicError".
REPORTED_PROBLEMS = SearchAttributeKey.for_keyword_list("TemporalReportedProblems")

ALL: tuple[SearchAttributeKey, ...] = (
    KIND,
    STEP,
    APPROVAL_STATUS,
    APPROVAL_REQUESTER,
    APPROVAL_DECIDED_BY,
    APPROVAL_DEADLINE,
    OUTCOME,
    APPROVAL_WAITING_SINCE,
    APPROVAL_WAITING_FOR,
)


def waiting_for_value(users: Sequence[str]) -> list[str]:
    """ApprovalWaitingFor's value for ``users``: them, or :data:`MANY_DECIDERS` when they
    would take more than :data:`WAITING_FOR_BYTES` (as JSON, which is what the server
    measures)."""
    if len(json.dumps(list(users), separators=(",", ":"))) > WAITING_FOR_BYTES:
        return [MANY_DECIDERS]
    return list(users)
