"""Log lines as JSON, with what the bot binds and Temporal attaches, and every secret in them
redacted, in text lines too."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from orchestration.log_context import bind_workflow, bound_request
from orchestration.logs import REDACTED, JsonFormatter, RedactingFormatter, Redactor

pytestmark = pytest.mark.unit

SECRET = "8f14e45fceea167a5a36dedd4bea2543"


def record(message: str, *args: object, **extra: Any) -> logging.LogRecord:
    made = logging.LogRecord("bot.listeners", logging.INFO, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def as_json(made: logging.LogRecord, traced: bool = False) -> dict[str, str]:
    line = JsonFormatter("bot", Redactor([SECRET]), traced=traced).format(made)
    assert "\n" not in line
    parsed: dict[str, str] = json.loads(line)
    return parsed


@pytest.mark.parametrize(
    "token",
    [
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxp-1-2-3-abc",
        "xapp-1-A0123-456-deadbeef",
        "xoxe.xoxp-1-Mi0yLTE",
        "xoxe-1-My0xLTE",
        "XOXB-shouting",
    ],
)
def test_slack_tokens_are_redacted_wherever_they_are(token: str) -> None:
    line = as_json(record("posting with %s to %s", token, "C1"))
    assert line["message"] == f"posting with {REDACTED} to C1"


def test_configured_secrets_are_redacted_and_short_ones_are_not_looked_for() -> None:
    redact = Redactor([SECRET, "", None, "short"])
    assert redact(f"sig v0={SECRET}; a short story") == f"sig v0={REDACTED}; a short story"


def test_a_line_names_the_request_the_person_and_the_workflow_once_known() -> None:
    with bound_request("4f2a9c0e11d3b6a7", "U0APPROVER"):
        before = as_json(record("checking"))
        bind_workflow("order-ORD-1")
        after = as_json(record("decision approve sent"))
    outside = as_json(record("between requests"))
    assert before["request_id"] == "4f2a9c0e11d3b6a7" and "workflow_id" not in before
    assert {key: after[key] for key in ("request_id", "slack_user", "workflow_id")} == {
        "request_id": "4f2a9c0e11d3b6a7",
        "slack_user": "U0APPROVER",
        "workflow_id": "order-ORD-1",
    }
    assert set(outside) == {"time", "level", "logger", "message", "process"}


def test_temporal_workflow_and_activity_facts_become_fields() -> None:
    workflow = as_json(
        record(
            "card update failed",
            temporal_workflow={"workflow_id": "order-ORD-2", "workflow_type": "OrderWorkflow"},
        )
    )
    activity = as_json(
        record(
            "posting",
            temporal_activity={"workflow_id": "order-ORD-2", "activity_type": "post_approval_card"},
        )
    )
    assert (workflow["workflow_id"], workflow["workflow_type"]) == ("order-ORD-2", "OrderWorkflow")
    assert (activity["workflow_id"], activity["activity_type"]) == (
        "order-ORD-2",
        "post_approval_card",
    )


def test_exceptions_are_kept_and_redacted_in_json_and_text() -> None:
    try:
        raise RuntimeError(f"Slack said no to xoxb-9-9-secret and {SECRET}")
    except RuntimeError:
        made = record("failed")
        made.exc_info = sys.exc_info()
    line = as_json(made)
    assert "RuntimeError: Slack said no to [redacted] and [redacted]" in line["exception"]
    text = RedactingFormatter("%(message)s", Redactor([SECRET])).format(made)
    assert "xoxb-9" not in text and SECRET not in text and text.startswith("failed\nTraceback")


def test_trace_and_span_ids_are_there_inside_a_span_when_traced() -> None:
    tracer = TracerProvider().get_tracer("tests")
    assert "trace_id" not in as_json(record("outside"), traced=True)
    with tracer.start_as_current_span("slack block_actions") as span:
        inside = as_json(record("inside"), traced=True)
        untraced = as_json(record("inside"))
    context = span.get_span_context()
    assert (inside["trace_id"], inside["span_id"]) == (
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    )
    assert "trace_id" not in untraced
