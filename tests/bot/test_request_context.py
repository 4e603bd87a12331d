"""What the bot says about each Slack request: on its span (bounded, from fixed sets where it
names things) and in the log lines made while it is handled."""

from __future__ import annotations

import contextvars
import json
import logging
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.request_context import (
    MAX_ATTRIBUTE,
    handling,
    note_failure,
    note_workflow,
    request_attributes,
)
from orchestration.log_context import current_fields

pytestmark = pytest.mark.unit


def request(body: dict[str, Any]) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=f"payload={json.dumps(body)}", headers={})


def test_a_button_click_says_who_and_which_action() -> None:
    click = request(
        {
            "type": "block_actions",
            "user": {"id": "U0APPROVE1", "team_id": "T0CHATOPS"},
            "team": {"id": "T0CHATOPS"},
            "actions": [{"action_id": "approval_approve", "value": "order-ORD-1|1"}],
        }
    )
    assert request_attributes(click, "00ff") == {
        "slack.request_type": "block_actions",
        "slack.user_id": "U0APPROVE1",
        "slack.team_id": "T0CHATOPS",
        "slack.action_id": "approval_approve",
        "chatops.request_id": "00ff",
    }


def test_outside_values_are_bounded_and_odd_ones_left_out() -> None:
    odd = request(
        {
            "type": "x" * 500,
            "user": {"id": 7},
            "actions": [{"action_id": "a" * 1000}],
            "view": "not an object",
            "event": {"type": ["not", "text"]},
        }
    )
    assert request_attributes(odd, "00ff") == {
        "slack.request_type": "other",
        "slack.action_id": "a" * MAX_ATTRIBUTE,
        "chatops.request_id": "00ff",
    }


COMMAND = "command=%2Fworkflow&text=status&user_id=U0OPERATOR&team_id=T0CHATOPS"


def recording() -> tuple[TracerProvider, InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return provider, spans


async def test_handling_binds_the_request_for_logs_and_names_its_span() -> None:
    provider, spans = recording()
    command = AsyncBoltRequest(body=COMMAND, headers={})
    for tracer in (None, provider.get_tracer("tests")):
        with handling(command, tracer):
            note_workflow("order-ORD-9" + "9" * 500)
            inside = current_fields()
        assert current_fields() == {}
        assert inside.pop("request_id") != ""
        assert inside == {"slack_user": "U0OPERATOR", "workflow_id": "order-ORD-9" + "9" * 117}
    [span] = spans.get_finished_spans()
    assert span.name == "slack slash_command"
    attributes = dict(span.attributes or {})
    assert (attributes["slack.command"], attributes["chatops.workflow_id"]) == (
        "/workflow",
        "order-ORD-9" + "9" * 117,
    )


def test_a_failure_before_the_ack_marks_the_span_and_after_it_the_span_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider, spans = recording()
    with handling(AsyncBoltRequest(body=COMMAND, headers={}), provider.get_tracer("tests")):
        note_failure(KeyError("xoxb-1-2-in-the-payload"))
        after_the_ack = contextvars.copy_context()
    # A listener that goes on after the ack (Reject opening its modal) runs in such a copy.
    with caplog.at_level(logging.WARNING):
        after_the_ack.run(note_workflow, "order-ORD-2")
        after_the_ack.run(note_failure, RuntimeError("late"))
    assert caplog.records == []
    assert after_the_ack.run(current_fields)["workflow_id"] == "order-ORD-2"
    [span] = spans.get_finished_spans()
    assert (span.status.status_code, span.status.description) == (StatusCode.ERROR, "KeyError")
    assert "chatops.workflow_id" not in dict(span.attributes or {})
