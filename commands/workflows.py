"""``/workflow`` and ``chatops workflow``: read workflows (works with no worker running: describe,
memo, visibility; live queries when a worker answers), and cancel or pause them (operators)."""

from __future__ import annotations

import heapq
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
)
from temporalio.service import RPCError

from commands.grammar import (
    WORKFLOW_USAGE,
    WorkflowCancel,
    WorkflowCommand,
    WorkflowHelp,
    WorkflowHistory,
    WorkflowList,
    WorkflowPause,
    WorkflowPending,
    WorkflowStats,
    WorkflowStatus,
)
from commands.replies import CommandContext, Invoker, Reply, clip, refused, workflow_link
from orchestration.approval import MEMO_KEY
from orchestration.decisions import DecisionRefused, TemporalUnreachable, describe_workflow
from orchestration.durations import format_duration
from orchestration.models.approval import ApprovalState, ApprovalStatus, DecisionInput
from orchestration.models.ticket import PauseInput
from orchestration.slack_text import cut, escape, mention
from orchestration.slack_text import link as link_to
from orchestration.wording import decided_line, format_time, quorum_line, quoted_title

KINDS = {
    "OrderWorkflow": "order",
    "TicketWorkflow": "ticket",
    "AgentTaskWorkflow": "agent task",
    "LowPriorityTriageWorkflow": "ticket triage",
    "MediumPriorityTriageWorkflow": "ticket triage",
    "HighPriorityTriageWorkflow": "ticket triage",
    "ScrapeWorkflow": "scrape",
}
KIND_TYPES = {
    "order": "OrderWorkflow",
    "ticket": "TicketWorkflow",
    "agent_task": "AgentTaskWorkflow",
}
APPROVABLE = ("OrderWorkflow", "TicketWorkflow", "AgentTaskWorkflow")
STATE_NAMES = {
    "running": "Running",
    "completed": "Completed",
    "failed": "Failed",
    "cancelled": "Canceled",
    "terminated": "Terminated",
    "timed_out": "TimedOut",
}
QUERY_TIMEOUT = timedelta(seconds=2)
LIST_LIMIT = 20
PENDING_LIMIT = 30
HISTORY_LINES = 40
HISTORY_TEXT = 300  # of a reason or failure message on one history line


def state_name(status: WorkflowExecutionStatus | None) -> str:
    """``running``, ``completed``, ``cancelled``... as people say it."""
    if status is None:
        return "unknown"
    name = status.name.lower()
    return {"canceled": "cancelled", "timed_out": "timed out"}.get(name, name)


def types_clause(types: tuple[str, ...]) -> str:
    """A visibility filter for workflow types (works without custom search attributes)."""
    return "WorkflowType IN (" + ", ".join(f"'{t}'" for t in types) + ")"


async def run_workflow_command(
    context: CommandContext, command: WorkflowCommand, invoker: Invoker
) -> Reply:
    """Run one parsed ``/workflow`` command; Temporal trouble becomes a clear reply."""
    try:
        return await _dispatch(context, command, invoker)
    except DecisionRefused as err:
        return refused(str(err))
    except (TemporalUnreachable, RPCError) as err:
        return refused(
            f"Could not reach Temporal ({escape(str(err))}); nothing was changed. "
            "Try again shortly."
        )


async def _dispatch(context: CommandContext, command: WorkflowCommand, invoker: Invoker) -> Reply:
    if isinstance(command, WorkflowHelp):
        return Reply(f"```{WORKFLOW_USAGE}```")
    if isinstance(command, WorkflowStatus):
        return await status(context, command.workflow_id)
    if isinstance(command, WorkflowList):
        return await list_workflows(context, command)
    if isinstance(command, WorkflowPending):
        return await pending(context)
    if isinstance(command, WorkflowHistory):
        return await history(context, command.workflow_id)
    if isinstance(command, WorkflowStats):
        return await stats(context, command.period)
    if not invoker.is_operator:
        return refused(
            "Only operators (CHATOPS_OPERATORS) may cancel, pause or resume workflows; "
            "nothing was changed."
        )
    if isinstance(command, WorkflowCancel):
        return await cancel(context, command, invoker)
    return await pause(context, command, invoker)


# -- reading ---------------------------------------------------------------------------------


async def _approval(description: WorkflowExecutionDescription) -> ApprovalState | None:
    raw = await description.memo_value(MEMO_KEY, None)
    return None if raw is None else ApprovalState.model_validate(raw)


async def _live_status(context: CommandContext, workflow_id: str) -> dict[str, Any] | None:
    """The ``status`` query's answer when a worker gives one in time, else None."""
    handle = context.client.get_workflow_handle(workflow_id)
    try:
        answer = await handle.query("status", rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError):  # no worker in time, or no such query
        return None
    return answer if isinstance(answer, dict) else None


async def status(context: CommandContext, workflow_id: str) -> Reply:
    """Kind, state, step, the approval (pending with deadline, or who decided), a link."""
    description = await describe_workflow(context.client, workflow_id)
    kind = escape(KINDS.get(description.workflow_type, description.workflow_type))
    state = state_name(description.status)
    lines = [f"*{escape(workflow_id)}*: {kind}, {state}"]
    step_info = None
    source = "memo"
    if description.status == WorkflowExecutionStatus.RUNNING:
        step_info = await _live_status(context, workflow_id)
        source = "live" if step_info is not None else "memo (no worker answered)"
    if step_info is None:
        step_info = await description.memo_value("status", None)
    if isinstance(step_info, dict) and step_info.get("step"):
        step = escape(str(step_info["step"]).replace("_", " "))
        extra = ""
        if step_info.get("paused"):
            extra = " (paused)"
        if step_info.get("failure_reason"):
            extra += f": {escape(str(step_info['failure_reason']))}"
        lines.append(f"Step: {step}{extra} (from {source})")
    approval = await _approval(description)
    if approval is not None:
        lines.append(_approval_line(approval))
    policy = await description.memo_value("policy", None)
    if isinstance(policy, dict) and policy.get("rule"):
        rule, version = escape(str(policy["rule"])), escape(str(policy.get("version", "?")))
        lines.append(f"Policy: {rule} (version {version})")
    started = description.start_time
    if started:
        lines.append(
            f"Started {format_time(started)}"
            + (f", closed {format_time(description.close_time)}" if description.close_time else "")
        )
    link = workflow_link(context, workflow_id)
    if link:
        lines.append(link_to(link, "Open in Temporal"))
    return Reply(clip("\n".join(lines)))


def _approval_line(approval: ApprovalState) -> str:
    if approval.status is ApprovalStatus.PENDING:
        who = ", ".join(mention(a) for a in approval.approvers) or "nobody configured"
        left = approval.deadline - datetime.now(UTC)
        line = (
            f"Waiting for approval from {who}; deadline {format_time(approval.deadline)} "
            f"(in {format_duration(max(left, timedelta(0)))})"
        )
        progress = quorum_line(approval)
        return line + (f"; {progress}" if progress else "")
    return "Approval: " + decided_line(approval).replace("\n", " ")


async def list_workflows(context: CommandContext, command: WorkflowList) -> Reply:
    """The newest workflows, filtered by state and kind."""
    types = (KIND_TYPES[command.kind],) if command.kind else APPROVABLE
    query = types_clause(types)
    if command.state:
        query += f" AND ExecutionStatus = '{STATE_NAMES[command.state]}'"
    lines: list[str] = []
    async for execution in context.client.list_workflows(query, limit=LIST_LIMIT + 1):
        if len(lines) == LIST_LIMIT:
            hint = f"/workflow list {command.state or 'running'} order"
            lines.append(f"… and more; narrow it down, e.g. {hint}")
            break
        kind = escape(KINDS.get(execution.workflow_type, execution.workflow_type))
        step = await execution.memo_value("status", None)
        step_text = ""
        if isinstance(step, dict) and step.get("step"):
            step_text = f" · {escape(str(step['step']).replace('_', ' '))}"
        lines.append(
            f"• `{escape(execution.id)}` · {kind} · {state_name(execution.status)}{step_text} · "
            f"started {format_time(execution.start_time)}"
        )
    what = " ".join(w for w in (command.state, command.kind) if w) or "all"
    if not lines:
        return Reply(f"No workflows ({what}).")
    return Reply(clip(f"*Workflows ({what}), newest first:*\n" + "\n".join(lines)))


Waiting = tuple[str, ApprovalState]


@dataclass(frozen=True)
class Pending:
    """How many approvals wait (that ``accept`` took), and the oldest of them, oldest first."""

    total: int
    oldest: list[Waiting]


async def pending_approvals(
    context: CommandContext,
    *,
    keep: int = PENDING_LIMIT,
    accept: Callable[[str, ApprovalState], bool] | None = None,
) -> Pending:
    """Every approval waiting now (from memo: works with no worker), counted; the ``keep``
    oldest are kept. Memory stays flat however many wait: the scan streams, holding at most
    ``keep`` requests."""
    query = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
    newest_kept: list[tuple[float, int, Waiting]] = []  # a heap: its top is the newest kept
    total = 0
    async for execution in context.client.list_workflows(query):
        raw = await execution.memo_value(MEMO_KEY, None)
        if not isinstance(raw, dict) or raw.get("status") != ApprovalStatus.PENDING.value:
            continue
        approval = ApprovalState.model_validate(raw)
        if accept is not None and not accept(execution.id, approval):
            continue
        total += 1
        item = (-approval.requested_at.timestamp(), total, (execution.id, approval))
        if len(newest_kept) < keep:
            heapq.heappush(newest_kept, item)
        elif keep and item > newest_kept[0]:  # older than the newest kept one
            heapq.heapreplace(newest_kept, item)
    oldest = [waiting for _, _, waiting in sorted(newest_kept, reverse=True)]
    return Pending(total, oldest)


async def pending(context: CommandContext) -> Reply:
    """The approvals waiting, oldest first, with age and deadline."""
    found = await pending_approvals(context)
    if not found.total:
        return Reply("Nothing is waiting for approval.")
    now = datetime.now(UTC)
    lines = [f"*{found.total} waiting for approval, oldest first:*"]
    for workflow_id, approval in found.oldest:
        approvers = ", ".join(mention(a) for a in approval.approvers) or "nobody"
        lines.append(
            f"• {quoted_title(approval.title)} (`{escape(workflow_id)}`): waiting "
            f"{format_duration(now - approval.requested_at)}, deadline "
            f"{format_time(approval.deadline)}; {approvers}"
        )
    if found.total > len(found.oldest):
        lines.append(f"… and {found.total - len(found.oldest)} more.")
    return Reply(clip("\n".join(lines)))


async def history(context: CommandContext, workflow_id: str) -> Reply:
    """Decisions and key events, read from the workflow's history."""
    await describe_workflow(context.client, workflow_id)  # "No workflow X." when unknown
    handle = context.client.get_workflow_handle(workflow_id)
    lines: list[str] = []
    async for event in handle.fetch_history_events():
        line = await _event_line(context, event)
        if line:
            when = event.event_time.ToDatetime(tzinfo=UTC)
            lines.append(f"• {format_time(when)} {line}")
    if len(lines) > HISTORY_LINES:
        skipped = len(lines) - HISTORY_LINES
        lines = [lines[0], f"• … {skipped} earlier events", *lines[-HISTORY_LINES + 1 :]]
    return Reply(clip(f"*History of {escape(workflow_id)}:*\n" + "\n".join(lines)))


def _short(text: str) -> str:
    """A reason or failure message on one history line: escaped, and cut when long."""
    return cut(escape(text), HISTORY_TEXT)


_CLOSING = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "failed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: "cancelled",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: "terminated",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: "timed out",
}


async def _event_line(context: CommandContext, event: HistoryEvent) -> str | None:
    kind = event.event_type
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        started = event.workflow_execution_started_event_attributes.workflow_type.name
        return f"started ({escape(started)})"
    if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        name = event.activity_task_scheduled_event_attributes.activity_type.name
        return f"step: {escape(name.replace('_', ' '))}"
    if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        failure = event.activity_task_failed_event_attributes.failure
        return f"step failed: {_short(failure.message)}"
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        attributes = event.workflow_execution_signaled_event_attributes
        return await _signal_line(context, attributes.signal_name, list(attributes.input.payloads))
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
        reason = event.workflow_execution_cancel_requested_event_attributes.cause
        return "cancel requested" + (f": {_short(reason)}" if reason else "")
    if kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        child = event.start_child_workflow_execution_initiated_event_attributes
        return f"child started: {escape(child.workflow_id)}"
    if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        return f"failed: {_short(event.workflow_execution_failed_event_attributes.failure.message)}"
    if kind in _CLOSING:
        return _CLOSING[kind]
    return None


async def _signal_line(context: CommandContext, name: str, payloads: list[Any]) -> str:
    if name == "decide" and payloads:
        try:
            (decision,) = await context.client.data_converter.decode(payloads, [DecisionInput])
        except Exception:  # an undecodable signal is shown by name only
            return "decision (unreadable)"
        assert isinstance(decision, DecisionInput)
        reason = f": {_short(decision.reason)}" if decision.reason else ""
        edits = " with edits" if decision.arguments is not None else ""
        return (
            f"decision: {decision.verdict.value}{edits} by {mention(decision.user_id)} "
            f"({decision.source.value}){reason}"
        )
    return f"signal: {escape(name)}"


async def stats(context: CommandContext, period: timedelta) -> Reply:
    """Approvals asked for in the period: count, median time to decision, expiries, deciders."""
    since = datetime.now(UTC) - period
    query = f"{types_clause(APPROVABLE)} AND StartTime > '{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    asked = decided = expired = 0
    waits: list[float] = []
    deciders: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    async for execution in context.client.list_workflows(query):
        raw = await execution.memo_value(MEMO_KEY, None)
        if raw is None:
            continue
        approval = ApprovalState.model_validate(raw)
        asked += 1
        outcomes[approval.status.value] += 1
        if approval.status is ApprovalStatus.EXPIRED:
            expired += 1
        if approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
            decided += 1
            if approval.decided_at:
                waits.append((approval.decided_at - approval.requested_at).total_seconds())
            for person in approval.approvals or [approval.decided_by or "?"]:
                deciders[person] += 1
    label = format_duration(period)
    if not asked:
        return Reply(f"No approvals were asked for in the last {label}.")
    median = format_duration(timedelta(seconds=statistics.median(waits))) if waits else "n/a"
    lines = [
        f"*Approvals in the last {label}:* {asked} asked, {decided} decided, {expired} expired",
        f"Median time to decision: {median}",
        "By outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())),
    ]
    if deciders:
        lines.append(
            "By approver: " + ", ".join(f"{mention(p)} {n}" for p, n in deciders.most_common())
        )
    return Reply("\n".join(lines))


# -- changing --------------------------------------------------------------------------------


async def cancel(context: CommandContext, command: WorkflowCancel, invoker: Invoker) -> Reply:
    """Cancel a running workflow; its own cleanup (refunds, card updates) runs."""
    description = await describe_workflow(context.client, command.workflow_id)
    if description.status != WorkflowExecutionStatus.RUNNING:
        return refused(
            f"{escape(command.workflow_id)} has {state_name(description.status)}; "
            "nothing to cancel."
        )
    who = mention(invoker.user_id)
    reason = command.reason or "no reason given"
    handle = context.client.get_workflow_handle(command.workflow_id)
    await handle.cancel(reason=f"{invoker.user_id}: {reason}")
    workflow = escape(command.workflow_id)
    return Reply(
        f"Cancellation of {workflow} requested; it cleans up and ends.",
        announce=f"{who} cancelled `{workflow}`: {escape(reason)}",
    )


async def pause(context: CommandContext, command: WorkflowPause, invoker: Invoker) -> Reply:
    """Pause or resume a ticket (and its triage child)."""
    description = await describe_workflow(context.client, command.workflow_id)
    workflow = escape(command.workflow_id)
    if description.workflow_type != "TicketWorkflow":
        kind = escape(KINDS.get(description.workflow_type, description.workflow_type))
        return refused(f"Only tickets can be paused; {workflow} is an {kind}.")
    if description.status != WorkflowExecutionStatus.RUNNING:
        return refused(f"{workflow} has {state_name(description.status)}.")
    verb = "resume" if command.resume else "pause"
    handle = context.client.get_workflow_handle(command.workflow_id)
    await handle.signal(verb, PauseInput(by=invoker.user_id, reason=command.reason))
    done = "resumed" if command.resume else "paused"
    reason = escape(command.reason or "no reason given")
    return Reply(
        f"{workflow} {done}.",
        announce=f"{mention(invoker.user_id)} {done} `{workflow}`: {reason}",
    )
