"""Prometheus metrics the bot exposes on ``GET /metrics``.

Label values come from small fixed sets (request types, request kinds, outcomes, refusal
codes, Slack's method names and error codes), never user ids, workflow ids or typed text.
What only the worker sees (expiries, how requests ended) is on the worker's endpoint:
:mod:`orchestration.metrics`.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram

from orchestration.metrics import OTHER, kind_label, slack_label

REGISTRY = CollectorRegistry(auto_describe=True)

SLACK_REQUESTS = Counter(
    "chatops_slack_requests_total",
    "Requests Slack sent to POST /slack/events, by payload type and HTTP status answered.",
    ["type", "status"],
    registry=REGISTRY,
)
REQUESTS = Histogram(
    "chatops_slack_request_seconds",
    "Time from receiving a Slack request to answering it (the ack), by payload type.",
    ["type"],
    # Slack gives up after 3 s; the target is well under 100 ms.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
    registry=REGISTRY,
)
DECISIONS = Counter(
    "chatops_decisions_total",
    "Decisions from Slack, by request kind, verdict and outcome (accepted: Temporal has it; "
    "checked: a modal opened to finish it; refused; unreachable: Temporal did not answer).",
    ["kind", "verdict", "outcome"],
    registry=REGISTRY,
)
REFUSALS = Counter(
    "chatops_decision_refusals_total",
    "Decisions from Slack refused before reaching the workflow, by reason.",
    ["reason"],
    registry=REGISTRY,
)
DECISION_WAIT = Histogram(
    "chatops_decision_wait_seconds",
    "Time from a request starting to wait to the click that decided it, by request kind.",
    ["kind"],
    buckets=(5, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 8 * 3600, 86400, 3 * 86400, 7 * 86400),
    registry=REGISTRY,
)
SLACK_API_ERRORS = Counter(
    "chatops_slack_api_errors_total",
    "Slack Web API calls from the bot that failed, by method and Slack's error code.",
    ["method", "error"],
    registry=REGISTRY,
)
FLOW_STARTS = Counter(
    "chatops_flow_starts_total",
    "Flow starts asked from Slack (/flow start) or the webhook, by source and outcome (started, "
    "already_started, or why it was refused: not_allowed, not_listed, refused, ...).",
    ["source", "outcome"],
    registry=REGISTRY,
)
# The names above, for the docs and the dashboard's test.
BOT_METRICS = tuple(
    metric._name + ("_total" if isinstance(metric, Counter) else "")
    for metric in (
        SLACK_REQUESTS,
        REQUESTS,
        DECISIONS,
        REFUSALS,
        DECISION_WAIT,
        SLACK_API_ERRORS,
        FLOW_STARTS,
    )
)

# Payload types of Slack requests (https://docs.slack.dev/reference/interaction-payloads/),
# plus slash commands, which carry no type.
PAYLOAD_TYPES = frozenset(
    {
        "block_actions",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "block_suggestion",
        "event_callback",
        "url_verification",
        "slash_command",
    }
)


def payload_type(kind: str | None) -> str:
    """A Slack request's payload type as a label value (``other`` for anything else)."""
    return kind if kind in PAYLOAD_TYPES else OTHER


def record_request(kind: str | None, status: int, seconds: float) -> None:
    """One request from Slack: answered with ``status`` after ``seconds``."""
    label = payload_type(kind)
    SLACK_REQUESTS.labels(type=label, status=str(status)).inc()
    REQUESTS.labels(type=label).observe(seconds)


def record_decision(kind: str | None, verdict: str, outcome: str) -> None:
    """One decision from Slack; ``kind`` None when the request is not known."""
    label = "unknown" if kind is None else kind_label(kind)
    DECISIONS.labels(kind=label, verdict=verdict, outcome=outcome).inc()


def record_refusal(reason: str) -> None:
    """One decision refused before it reached the workflow (``reason``: a refusal code)."""
    REFUSALS.labels(reason=slack_label(reason)).inc()


def record_flow_start(source: str, outcome: str) -> None:
    """One flow start asked from ``source`` (``slack``, ``webhook``) and how it ended (a code
    from a fixed set)."""
    FLOW_STARTS.labels(source=slack_label(source), outcome=slack_label(outcome)).inc()


def record_decision_wait(kind: str, waiting_since: datetime, decided_at: datetime) -> None:
    """How long a request waited for the click that decided it (never below zero)."""
    seconds = max((decided_at - waiting_since).total_seconds(), 0.0)
    DECISION_WAIT.labels(kind=kind_label(kind)).observe(seconds)


def record_slack_api_error(method: str, error: str) -> None:
    """One failed Slack Web API call from the bot."""
    SLACK_API_ERRORS.labels(method=slack_label(method), error=slack_label(error)).inc()
