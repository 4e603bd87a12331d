"""What a recorded history covers: its workflow type, and the path it took (how it ended).

A path is read from the history itself: the closing event (failed, cancelled, terminated), or
for a completed workflow its result (an order's step, a request's outcome, a timer's answer);
a workflow that carried on after a child failed says so.
"""

from __future__ import annotations

import json
from typing import Any

from temporalio.client import WorkflowHistory

CLOSED = {
    "workflow_execution_failed_event_attributes": "failed",
    "workflow_execution_canceled_event_attributes": "cancelled",
    "workflow_execution_terminated_event_attributes": "terminated",
    "workflow_execution_timed_out_event_attributes": "timed out",
    "workflow_execution_continued_as_new_event_attributes": "continued as new",
}
CHILD_FAILED = "after a child failed"
# Steps that say themselves how a workflow ended; the others (an order cancelled, a ticket
# left with support) say it through their approval or escalation.
TELLING_STEPS = ("completed", "failed", "resolved", "escalated")

# The main paths of every workflow type the worker registers: each must keep a recorded
# history, so that a change that breaks it fails the replay tests.
REQUIRED: dict[str, set[str]] = {
    "OrderWorkflow": {"completed", "rejected", "expired", "denied", "cancelled", "failed"},
    "TicketWorkflow": {
        "resolved",
        "escalated",
        "rejected",
        "expired",
        "denied",
        "cancelled",
        f"escalated {CHILD_FAILED}",
    },
    "AgentTaskWorkflow": {"completed", "rejected", "expired", "denied", "cancelled", "failed"},
    "RequestApproval": {"approved", "rejected", "expired", "denied", "cancelled", "failed"},
    "LowPriorityTriageWorkflow": {"resolved", "escalate"},
    "MediumPriorityTriageWorkflow": {"resolved", "escalate", "failed", "cancelled"},
    "HighPriorityTriageWorkflow": {"resolved", "escalate"},
    "TimedPauseWorkflow": {"unpaused", "left paused", "terminated"},
    "ScrapeWorkflow": {"completed with failed sources"},
    "Flow": {"completed", "failed", "continued as new"},
}


def workflow_type(history: WorkflowHistory) -> str:
    """The type the history's workflow was started as (``RequestApproval``, ...)."""
    started = history.events[0].workflow_execution_started_event_attributes
    return str(started.workflow_type.name)


def path_of(history: WorkflowHistory) -> str:
    """How the history's workflow ended: ``rejected``, ``cancelled``, ``unpaused`` ..."""
    last = history.events[-1]
    kind = last.WhichOneof("attributes")
    if kind in CLOSED:
        ending = CLOSED[kind]
    elif kind == "workflow_execution_completed_event_attributes":
        payloads = last.workflow_execution_completed_event_attributes.result.payloads
        ending = completed(json.loads(payloads[0].data)) if payloads else "completed"
    else:
        ending = "still running"
    failed_child = any(
        e.HasField("child_workflow_execution_failed_event_attributes") for e in history.events
    )
    return f"{ending} {CHILD_FAILED}" if failed_child else ending


def completed(result: Any) -> str:
    """What a completed workflow's result says about how it ended."""
    if isinstance(result, bool):  # a timed pause: did it unpause the schedule?
        return "unpaused" if result else "left paused"
    if not isinstance(result, dict):
        return "completed"
    if "outcome" in result:  # requests, agent tasks, triage children
        return str(result["outcome"])
    if "results" in result:  # a scrape run
        failed = any(not r.get("ok") for r in result["results"])
        return "completed with failed sources" if failed else "completed"
    step = str(result.get("step", "completed"))
    if step in TELLING_STEPS:
        return step
    decision = result.get("approval") or result.get("escalation")
    # Refused without a card: the policy file denied it.
    return str(decision["status"]) if decision else "denied"
