"""Tracing and JSON logs on the real stack: a click in the stand-in is a span of the bot's,
whose signal carries the trace into the workflow, and its log line names the request.

Spans go to an in-memory exporter through a tracer handed to the bot and to Temporal's
tracing interceptor on the stack's client (the worker takes the interceptor from it), as
``CHATOPS_TRACING`` wires them in a process through the global provider.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.testing import WorkflowEnvironment

from activities.cards import APPROVE_ACTION
from orchestration.logs import JsonFormatter, Redactor
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_SIGNING_SECRET
from tests.helpers import assert_eventually
from tests.recording import HISTORIES, history_name, record_histories, records
from tests.stack import Stack, large_order, running_stack, terminate_unfinished


@dataclass
class Traced:
    """A stack whose bot and client trace into ``spans``."""

    stack: Stack
    spans: InMemorySpanExporter


@pytest_asyncio.fixture
async def traced(
    env: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Traced]:
    """The stack, traced; with CHATOPS_RECORD_HISTORIES=1 its histories are recorded (with
    the tracing interceptor's headers in them) like a system test's."""
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracer = provider.get_tracer("tests")
    config = env.client.config()
    config["interceptors"] = [TracingInterceptor(tracer)]
    client = Client(**config)
    async with running_stack(env, tmp_path, client=client, tracer=tracer) as stack:
        yield Traced(stack, spans)
        if records(request):
            await record_histories(stack.started, history_name(request), HISTORIES, tmp_path)
        await terminate_unfinished(stack.started)
    provider.shutdown()


@contextmanager
def json_lines(traced: bool) -> Iterator[io.StringIO]:
    """The bot's log records at INFO, as JSON lines written to the yielded buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("bot", Redactor([DEFAULT_SIGNING_SECRET]), traced=traced))
    logger = logging.getLogger("bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def the_one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = [span for span in spans if span.name == name]
    assert len(found) == 1, [span.name for span in spans]
    return found[0]


def parent_id(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def ids(span: ReadableSpan) -> tuple[int, int]:
    assert span.context is not None
    return span.context.trace_id, span.context.span_id


async def approve_on_the_card(stack: Stack) -> str:
    """Start an order that waits, approve it in the stand-in, wait for its end; its id."""
    handle = await stack.start_order(large_order())
    card = await stack.card()
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    await handle.result()
    return handle.id


def lines_about(buffer: io.StringIO, workflow_id: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    return [line for line in lines if line.get("workflow_id") == workflow_id]


@pytest.mark.histories
async def test_a_click_is_a_span_whose_signal_carries_the_trace_into_the_workflow(
    traced: Traced,
) -> None:
    with json_lines(traced=True) as logs:
        workflow_id = await approve_on_the_card(traced.stack)

    def finished() -> list[ReadableSpan]:
        return list(traced.spans.get_finished_spans())

    spans = await assert_eventually(
        finished,
        lambda s: any(span.name == "RunActivity:update_approval_card" for span in s),
        what="the card's update traced",
    )
    click = the_one(spans, "slack block_actions")
    assert click.kind == SpanKind.SERVER and click.parent is None
    assert dict(click.attributes or {}) | {"chatops.request_id": "-"} == {
        "slack.request_type": "block_actions",
        "slack.user_id": APPROVER_ID,
        "slack.team_id": "T0CHATOPS",
        "slack.action_id": APPROVE_ACTION,
        "chatops.workflow_id": workflow_id,
        "chatops.request_id": "-",
    }
    # The decision's signal is the click's child, in the click's trace.
    signal = the_one(spans, "SignalWorkflow:decide")
    assert (ids(signal)[0], parent_id(signal)) == ids(click)

    # In the workflow (whose trace the test's start began), the handler links to that signal.
    started = the_one(spans, "StartWorkflow:OrderWorkflow")
    handled = the_one(spans, "HandleSignal:decide")
    assert (ids(handled)[0], parent_id(handled)) == ids(started)
    assert [(link.context.trace_id, link.context.span_id) for link in handled.links] == [
        ids(signal)
    ]
    # The card redrawn after the decision: an activity of that workflow, started after it.
    updates = [span for span in spans if span.name == "RunActivity:update_approval_card"]
    starts = {ids(span)[1]: span for span in spans if span.name.startswith("StartActivity:")}
    for update in updates:
        start = starts[parent_id(update) or 0]
        assert start.name == "StartActivity:update_approval_card"
        assert (ids(start)[0], parent_id(start)) == ids(started)
        assert ids(update)[0] == ids(started)[0]
        assert (start.start_time or 0) >= (handled.start_time or 0)
        assert dict(update.attributes or {})["temporalWorkflowID"] == workflow_id

    # The bot's log line of the decision names the request, the person, the workflow and
    # the click's span.
    [line] = lines_about(logs, workflow_id)
    assert line["message"] == f"decision approve on {workflow_id!r} sent"
    assert line["request_id"] == dict(click.attributes or {})["chatops.request_id"]
    assert (line["slack_user"], line["logger"], line["level"]) == (
        APPROVER_ID,
        "bot.listeners.decide",
        "INFO",
    )
    assert (line["trace_id"], line["span_id"]) == (f"{ids(click)[0]:032x}", f"{ids(click)[1]:016x}")
