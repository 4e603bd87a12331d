"""``/workflow history <id>``: decisions and key events, read from the workflow's history."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from commands.replies import CommandContext, Invoker, Reply, clip
from commands.surface import Verb, usage_line
from commands.workflow.common import WorkflowId, one_workflow
from orchestration.decisions import describe_workflow
from orchestration.models.approval import DecisionInput
from orchestration.slack_text import cut, escape, mention
from orchestration.wording import format_time

HISTORY_LINES = 40
HISTORY_TEXT = 300  # of a reason or failure message on one history line

_CLOSING = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "failed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: "cancelled",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: "terminated",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: "timed out",
}


async def run(context: CommandContext, args: WorkflowId, invoker: Invoker) -> Reply:
    """Decisions and key events, oldest first; a long history keeps its start and its end."""
    workflow_id = args.workflow_id
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


USAGE = usage_line("history <id>", "decisions and key events from the workflow's history")
VERB = Verb("history", USAGE, one_workflow, run)
