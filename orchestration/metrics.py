"""chatops' own metrics that only the worker sees, and the bounded labels every process uses.

The worker's metrics go through Temporal's metric meter, so they are served beside the SDK's
own metrics on the worker's Prometheus endpoint (``CHATOPS_WORKER_METRICS_PORT``). In workflow
code, :func:`workflow.metric_meter` records nothing while a workflow replays, so a request's
ending is counted once however often its history is replayed.
https://docs.temporal.io/develop/python/observability#metrics

Labels take only values from small fixed sets: never a user id, a workflow id or free text.
"""

from __future__ import annotations

import re

from temporalio import activity, workflow

from orchestration.models.approval import ApprovalState, ApprovalStatus

APPROVAL_OUTCOMES = "chatops_approval_outcomes_total"
APPROVAL_EXPIRIES = "chatops_approval_expiries_total"
WORKER_SLACK_API_ERRORS = "chatops_worker_slack_api_errors_total"
# Every metric the worker adds to the SDK's own, for the docs and the dashboard's test.
WORKER_METRICS = (APPROVAL_OUTCOMES, APPROVAL_EXPIRIES, WORKER_SLACK_API_ERRORS)

# The request kinds the workflows ask about; a kind named by another workflow through
# RequestApproval (any text its author chose) counts as "request".
KINDS = {"order": "order", "ticket": "ticket", "agent task": "agent_task"}
OTHER_KIND = "request"
OTHER = "other"
# Slack's method names and error codes are short snake_case words; anything else (a proxy's
# page, a changed API) is counted as "other" rather than as a new label value.
_SLACK_WORD = re.compile(r"[a-z][a-zA-Z0-9_.]{0,47}")


def kind_label(kind: str) -> str:
    """The metric label of a request's kind: one of :data:`KINDS`' values, or ``request``."""
    return KINDS.get(kind.strip().lower().replace("_", " "), OTHER_KIND)


def slack_label(word: str) -> str:
    """A Slack method name or error code as a label value, or ``other`` if it is not one."""
    return word if _SLACK_WORD.fullmatch(word) else OTHER


def record_request_ended(state: ApprovalState) -> None:
    """Count how an approval request ended (workflow code: through the replay-safe meter)."""
    meter = workflow.metric_meter()
    kind = kind_label(state.kind)
    meter.create_counter(
        APPROVAL_OUTCOMES, "Approval requests that ended, by kind and outcome."
    ).add(1, {"kind": kind, "outcome": state.status.value})
    if state.status == ApprovalStatus.EXPIRED:  # by value: the sandbox may hold its own copy
        meter.create_counter(
            APPROVAL_EXPIRIES, "Approval requests nobody decided before their deadline."
        ).add(1, {"kind": kind})


def record_slack_error(method: str, error: str) -> None:
    """Count a failed Slack Web API call made by an activity (nothing outside one)."""
    if not activity.in_activity():
        return
    activity.metric_meter().create_counter(
        WORKER_SLACK_API_ERRORS, "Slack Web API calls from the worker that failed."
    ).add(1, {"method": slack_label(method), "error": slack_label(error)})
