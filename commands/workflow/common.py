"""What the ``/workflow`` verbs share: kinds and states as people say them, the visibility
filter, and what Temporal trouble means to the person who asked."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from commands.surface import Command
from commands.words import only_id
from orchestration.decisions import DecisionRefused, TemporalUnreachable
from orchestration.slack_text import escape

# The kind of each workflow type (JSON says these words; text shows "_" as a space).
KINDS = {
    "OrderWorkflow": "order",
    "TicketWorkflow": "ticket",
    "AgentTaskWorkflow": "agent_task",
    "LowPriorityTriageWorkflow": "ticket_triage",
    "MediumPriorityTriageWorkflow": "ticket_triage",
    "HighPriorityTriageWorkflow": "ticket_triage",
    "ScrapeWorkflow": "scrape",
    "RequestApproval": "request_approval",
    "Flow": "flow",
}
# The kinds ``list`` filters on, and the workflows that ask for approval.
KIND_TYPES = {
    "order": "OrderWorkflow",
    "ticket": "TicketWorkflow",
    "agent_task": "AgentTaskWorkflow",
    "request_approval": "RequestApproval",
    "flow": "Flow",
}
APPROVABLE = ("OrderWorkflow", "TicketWorkflow", "AgentTaskWorkflow", "RequestApproval")
# The states ``list`` filters on, and their names in visibility queries.
STATE_NAMES = {
    "running": "Running",
    "completed": "Completed",
    "failed": "Failed",
    "cancelled": "Canceled",
    "terminated": "Terminated",
    "timed_out": "TimedOut",
}
WORKFLOW_STATES = tuple(STATE_NAMES)
WORKFLOW_KINDS = tuple(KIND_TYPES)
TROUBLES = (DecisionRefused, TemporalUnreachable, RPCError)


@dataclass(frozen=True)
class WorkflowId:
    """The arguments of a verb about one workflow: ``<id>``."""

    workflow_id: str


def one_workflow(words: list[str], terminal: bool) -> WorkflowId:
    """``<id>``, and nothing after it."""
    return WorkflowId(only_id(words, "workflow"))


def kind_of(workflow_type: str) -> str:
    """``order``, ``agent_task``...; an unknown type is its own kind."""
    return KINDS.get(workflow_type, workflow_type)


def kind_text(kind: str) -> str:
    """A kind as a line shows it (mrkdwn): ``agent task``."""
    return escape(kind.replace("_", " "))


def state_of(status: WorkflowExecutionStatus | None) -> str:
    """``running``, ``completed``, ``cancelled``, ``timed_out``... (``unknown`` without one)."""
    if status is None:
        return "unknown"
    name = status.name.lower()
    return "cancelled" if name == "canceled" else name


def state_text(state: str) -> str:
    """A state as people say it: ``timed out``."""
    return "timed out" if state == "timed_out" else state


def types_clause(types: tuple[str, ...]) -> str:
    """A visibility filter for workflow types (works without custom search attributes)."""
    return "WorkflowType IN (" + ", ".join(f"'{t}'" for t in types) + ")"


def explain(err: Exception, command: Command) -> str:
    """What went wrong, for the person who asked; nothing was changed."""
    if isinstance(err, DecisionRefused):
        return str(err)
    return f"Could not reach Temporal ({escape(str(err))}); nothing was changed. Try again shortly."
