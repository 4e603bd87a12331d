"""Stuck workflows: running, but their workflow task keeps failing (a non-determinism error
after a deploy, or workflow code that raises), so they make no progress while every list
says "running". Temporal retries such a task forever.

Two sources, one cheap and one exact:

- **Visibility.** Temporal marks a workflow with the system search attribute
  ``TemporalReportedProblems`` once its workflow task failed or timed out a few times in a
  row (dynamic config ``system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute``;
  the embedded server sets 2), and clears it when a task completes. Lists read it from the
  rows they list anyway, or with one query for the ids they show.
- **One workflow.** ``describe()`` gives the pending workflow task's attempt; the error is in
  the history's last ``WorkflowTaskFailed`` event, read from the end. Temporal writes only the
  first failure of a run of them (later attempts are not recorded), so that event says since
  when.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from temporalio.api.common.v1 import WorkflowExecution as Execution
from temporalio.api.enums.v1 import EventType, TimeoutType, WorkflowTaskFailedCause
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryReverseRequest
from temporalio.client import (
    Client,
    WorkflowExecution,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
)
from temporalio.service import RPCError, RPCStatusCode

from orchestration import search_attributes as sa
from orchestration.slack_text import cut, cut_plain, escape
from orchestration.slack_text import link as link_to
from orchestration.wording import format_datetime

log = logging.getLogger(__name__)

PROBLEMS = ("category=WorkflowTaskFailed", "category=WorkflowTaskTimedOut")
STUCK = (
    f"ExecutionStatus = 'Running' AND {sa.REPORTED_PROBLEMS.name} IN "
    + "("
    + ", ".join(f"'{p}'" for p in PROBLEMS)
    + ")"
)
MARK = "⚠️"
ERROR_CHARS = 300  # of an error message, as kept and shown
# Workflow ids a visibility query may quote as they are (others are not looked up).
PLAIN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}")
# Reading the history back to the failure: a few small pages (a run of failures adds none).
HISTORY_PAGE = 50
HISTORY_PAGES = 4
PATCHING_DOCS = "https://docs.temporal.io/develop/python/workflows/versioning#patching"
RESET_DOCS = "https://docs.temporal.io/cli/workflow#reset"
NON_DETERMINISM = "NonDeterministicError"
_REASONS = {
    NON_DETERMINISM: "non-determinism error",
    "WorkflowWorkerUnhandledFailure": "workflow code raises an error",
}
_CAUSE_PREFIXES = ("WorkflowTaskFailedCause", "WorkflowTaskTimedOutCause")
TIMED_OUT = "WorkflowTaskTimedOut"


class TaskFailure(BaseModel):
    """Why a running workflow makes no progress: its workflow task keeps failing."""

    reason: str = Field(description="in a few words, e.g. non-determinism error")
    attempt: int = Field(description="the workflow task's attempt now (attempt - 1 failed)")
    since: datetime | None = Field(description="when the task first failed in this run of them")
    error: str | None = Field(description=f"the error's message, at most {ERROR_CHARS} chars")
    error_type: str | None = Field(description="e.g. NonDeterministicError, RuntimeError")
    non_determinism: bool = Field(description="the code no longer matches the history")


def reported_problem(values: Sequence[str] | None) -> str | None:
    """What Temporal's ``TemporalReportedProblems`` says in a few words; None when it
    reports no failing workflow task."""
    if not values or not any(value in PROBLEMS for value in values):
        return None
    for value in values:
        if value.startswith("cause="):
            return reason_of(value.removeprefix("cause="))
    if "category=WorkflowTaskTimedOut" in values:
        return "workflow task timing out"
    return "workflow task failing"


def listed_problem(execution: WorkflowExecution) -> str | None:
    """Why a workflow a visibility list names is stuck; None when it is not (or has ended:
    the attribute may stay on a closed workflow)."""
    if execution.status is not WorkflowExecutionStatus.RUNNING:
        return None
    return reported_problem(execution.typed_search_attributes.get(sa.REPORTED_PROBLEMS))


def reason_of(cause: str) -> str:
    """``WorkflowTaskFailedCauseNonDeterministicError`` -> ``non-determinism error``."""
    for prefix in _CAUSE_PREFIXES:
        cause = cause.removeprefix(prefix)
    known = _REASONS.get(cause)
    if known:
        return known
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", cause)
    return " ".join(word.lower() for word in words) or "workflow task failing"


async def task_failure(
    client: Client, description: WorkflowExecutionDescription
) -> TaskFailure | None:
    """Why a described workflow is stuck; None when it runs and its task is not failing.
    Stuck: Temporal reports it, or its workflow task is on a second attempt or later."""
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return None
    reported = reported_problem(description.typed_search_attributes.get(sa.REPORTED_PROBLEMS))
    raw = description.raw_description
    attempt = raw.pending_workflow_task.attempt if raw.HasField("pending_workflow_task") else 0
    if reported is None and attempt < 2:
        return None
    event, since = await _last_problem(client, description.id, description.run_id or "")
    error, error_type, cause = _failure_of(event)
    if cause is None and error_type == TIMED_OUT:
        found = "workflow task timing out"
    else:
        found = reason_of(cause) if cause else "workflow task failing"
    return TaskFailure(
        reason=reported or found,
        attempt=attempt,
        since=since,
        error=error,
        error_type=error_type,
        non_determinism=cause == NON_DETERMINISM,
    )


async def _last_problem(
    client: Client, workflow_id: str, run_id: str
) -> tuple[HistoryEvent | None, datetime | None]:
    """The last failed (or timed out) workflow task since the last one completed, and when
    the first of them happened; read from the history's end."""
    request = GetWorkflowExecutionHistoryReverseRequest(
        namespace=client.namespace,
        execution=Execution(workflow_id=workflow_id, run_id=run_id),
        maximum_page_size=HISTORY_PAGE,
    )
    last: HistoryEvent | None = None
    since: datetime | None = None
    for _ in range(HISTORY_PAGES):
        page = await client.workflow_service.get_workflow_execution_history_reverse(request)
        for event in page.history.events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                return last, since
            if _is_problem(event):
                last = last or event
                since = event.event_time.ToDatetime(tzinfo=UTC)
        if not page.next_page_token:
            break
        request.next_page_token = page.next_page_token
    return last, since


def _is_problem(event: HistoryEvent) -> bool:
    """A workflow task that failed, or timed out once a worker had it (a task no worker
    picked up in time from a sticky queue is only moved to the normal one)."""
    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
        return True
    return (
        event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT
        and event.workflow_task_timed_out_event_attributes.timeout_type
        != TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
    )


def _failure_of(event: HistoryEvent | None) -> tuple[str | None, str | None, str | None]:
    """The error's message (one line, trimmed), its type, and the failure's cause."""
    if event is None:
        return None, None, None
    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        return "the workflow task timed out", TIMED_OUT, None
    attributes = event.workflow_task_failed_event_attributes
    name = WorkflowTaskFailedCause.Name(attributes.cause)
    cause = "".join(
        w.capitalize() for w in name.removeprefix("WORKFLOW_TASK_FAILED_CAUSE_").split("_")
    )
    failure = attributes.failure
    message = " ".join(failure.message.split())
    error_type = failure.application_failure_info.type or cause or None
    return cut_plain(message, ERROR_CHARS) or None, error_type, cause or None


async def stuck_among(client: Client, workflow_ids: Iterable[str]) -> dict[str, str]:
    """Which of ``workflow_ids`` are stuck, with the reason in a few words: one visibility
    query for all of them. Ids a query cannot quote as they are, and a server that does
    not know ``TemporalReportedProblems``, flag nothing."""
    ids = [wid for wid in dict.fromkeys(workflow_ids) if PLAIN_ID.fullmatch(wid)]
    if not ids:
        return {}
    query = f"{STUCK} AND WorkflowId IN (" + ", ".join(f"'{wid}'" for wid in ids) + ")"
    found: dict[str, str] = {}
    try:
        async for execution in client.list_workflows(query):
            reason = listed_problem(execution)
            if reason is not None:
                found[execution.id] = reason
    except RPCError as err:
        if err.status is not RPCStatusCode.INVALID_ARGUMENT:
            raise
        log.warning("this Temporal does not report stuck workflows: %s", err.message)
    return found


async def stuck_count(client: Client) -> int:
    """How many workflows are stuck (0 where the server does not report them)."""
    try:
        return (await client.count_workflows(STUCK)).count
    except RPCError as err:
        if err.status is not RPCStatusCode.INVALID_ARGUMENT:
            raise
        return 0


def stuck_mark(reason: str) -> str:
    """The marker a list puts on a stuck workflow (mrkdwn)."""
    return f"{MARK} stuck: {escape(reason)}"


def failure_line(failure: TaskFailure) -> str:
    """``attempt 4, failing since 10:42 UTC: NonDeterministicError: ...`` (mrkdwn)."""
    since = f", failing since {format_datetime(failure.since)}" if failure.since else ""
    line = f"attempt {failure.attempt}{since}"
    if failure.error:
        kind = f"{escape(failure.error_type)}: " if failure.error_type else ""
        line += f": {kind}{cut(escape(failure.error), ERROR_CHARS + 40)}"
    return line


def advice(failure: TaskFailure | None, workflow_id: str = "<id>") -> str:
    """What to do about it (mrkdwn), naming ``workflow_id`` in the reset command."""
    quoted = workflow_id if workflow_id == "<id>" else shlex.quote(workflow_id)
    reset = (
        f"`temporal workflow reset --workflow-id {escape(quoted)} --type LastWorkflowTask "
        f'--reason "..."` ({link_to(RESET_DOCS, "reset")})'
    )
    if failure is not None and failure.non_determinism:
        return (
            "The workflow code no longer matches its history (a deploy changed what it does): "
            "roll the change back, or guard it with `workflow.patched` so running workflows "
            f"keep the old path ({link_to(PATCHING_DOCS, 'patching')}), and redeploy; or reset "
            f"it to its last good point: {reset}."
        )
    return (
        "Temporal retries the task by itself: fix the workflow code and redeploy the worker, "
        f"and it carries on from where it stopped. Or reset it: {reset}."
    )
