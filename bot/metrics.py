"""Prometheus metrics the bot exposes on ``GET /metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

DECISIONS = Counter(
    "chatops_decisions_total",
    "Decision attempts from Slack, by verdict and what the bot did with them.",
    ["verdict", "result"],
    registry=REGISTRY,
)
REQUESTS = Histogram(
    "chatops_slack_request_seconds",
    "Time from receiving a Slack request to answering it (the ack).",
    registry=REGISTRY,
)
