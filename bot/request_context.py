"""Each Slack request the bot handles: an id, who sent it, and (tracing on) a span.

The Bolt app dispatches every request, over HTTP or Socket Mode, through
:meth:`ChatopsApp.async_dispatch`, which binds the request's id and Slack user for the logs
(:mod:`orchestration.log_context`) and, with a tracer, opens a span named after the kind of
request. Listeners run inside it (Bolt starts them from the dispatch, copying its context),
so the Temporal calls they make, a decision's signal included, are its children, and
Temporal's tracing interceptor carries the trace on into the workflow. Once a listener knows
which workflow the request is about it says so with :func:`note_workflow`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.metrics import payload_type
from orchestration.log_context import bind_workflow, bound_request

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

# Outside text put on a span is cut to this many characters.
MAX_ATTRIBUTE = 128
WORKFLOW_ATTRIBUTE = "chatops.workflow_id"
# The span of the request being handled, when tracing is on.
REQUEST_SPAN: ContextVar[Span | None] = ContextVar("chatops_request_span", default=None)


def bolt_payload_type(request: AsyncBoltRequest) -> str | None:
    """The payload's type (``block_actions``, ``event_callback``, ...), ``slash_command``
    for a command, None when it says none."""
    body = request.body
    if "command" in body:
        return "slash_command"
    kind = body.get("type")
    return kind if isinstance(kind, str) else None


def _text(value: object) -> str | None:
    """An outside value fit for a span: a non-empty string, cut; else None."""
    return value[:MAX_ATTRIBUTE] if isinstance(value, str) and value else None


def _first(items: object) -> dict[str, Any]:
    """The first of a payload's list of objects (``actions``), or nothing."""
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return {}


def request_attributes(request: AsyncBoltRequest, request_id: str) -> dict[str, str]:
    """What a request's span says: its kind, who, and what was acted on (each only when the
    payload has it)."""
    body = request.body
    view, event = body.get("view"), body.get("event")
    attributes = {
        # From a fixed set, as the metrics' label: it names the span.
        "slack.request_type": payload_type(bolt_payload_type(request)),
        "slack.user_id": _text(request.context.user_id),
        "slack.team_id": _text(request.context.team_id),
        "slack.action_id": _text(_first(body.get("actions")).get("action_id")),
        "slack.callback_id": _text(view.get("callback_id")) if isinstance(view, dict) else None,
        "slack.command": _text(body.get("command")),
        "slack.event_type": _text(event.get("type")) if isinstance(event, dict) else None,
        "chatops.request_id": request_id,
    }
    return {name: value for name, value in attributes.items() if value}


@contextmanager
def handling(request: AsyncBoltRequest, tracer: Tracer | None) -> Iterator[None]:
    """Bind a fresh request id and the Slack user for the logs; with ``tracer``, inside a
    server span ``slack <kind>`` that is the current span meanwhile."""
    request_id = secrets.token_hex(8)
    with bound_request(request_id, _text(request.context.user_id)):
        if tracer is None:
            yield
            return
        from opentelemetry.trace import SpanKind

        attributes = request_attributes(request, request_id)
        name = f"slack {attributes['slack.request_type']}"
        kind = SpanKind.SERVER
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes) as span:
            token = REQUEST_SPAN.set(span)
            try:
                yield
            finally:
                REQUEST_SPAN.reset(token)


def _open_span() -> Span | None:
    """The current request's span while it lasts: until the ack, which ends the dispatch
    (a listener may go on after it, as Reject does to open its modal)."""
    span = REQUEST_SPAN.get()
    return span if span is not None and span.is_recording() else None


def note_workflow(workflow_id: str) -> None:
    """Record which workflow the current request targets: on its log lines from here on, and
    on its span when tracing is on and the request is not acknowledged yet."""
    bind_workflow(workflow_id[:MAX_ATTRIBUTE])
    span = _open_span()
    if span is not None:
        span.set_attribute(WORKFLOW_ATTRIBUTE, workflow_id[:MAX_ATTRIBUTE])


def note_failure(error: Exception) -> None:
    """Mark the current request's span as failed by ``error`` (its type, never its text,
    which may quote the payload)."""
    span = _open_span()
    if span is not None:
        from opentelemetry.trace import Status, StatusCode

        span.set_status(Status(StatusCode.ERROR, type(error).__name__))


class ChatopsApp(AsyncApp):
    """Bolt's app, handling each request within :func:`handling`."""

    def __init__(self, *, tracer: Tracer | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._tracer = tracer

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        """Dispatch ``req`` as Bolt does, within its request context (and span)."""
        with handling(req, self._tracer):
            return await super().async_dispatch(req)
