"""Rendering a step's templates at run time, each for where its text goes: a URL (values
percent-encoded, since the validator judged only the text before the first ``{{``), Slack
mrkdwn (values escaped), or a JSON body (values kept as they are)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from orchestration.flows.expressions import Expression, ExpressionError
from orchestration.flows.templates import Template, format_value
from orchestration.slack_text import escape


def render_url(template: Template, scope: Mapping[str, Any]) -> str:
    """The URL with each value percent-encoded (``/``, ``?``, ``&``, ``#`` included), so a
    value cannot leave the path segment or query value it was written in."""
    return "".join(
        quote(format_value(part.evaluate(scope)), safe="") if isinstance(part, Expression) else part
        for part in template.parts
    )


def render_mrkdwn(template: Template, scope: Mapping[str, Any]) -> str:
    """The text as written, each value escaped for Slack (``&``, ``<``, ``>``)."""
    return "".join(
        escape(format_value(part.evaluate(scope))) if isinstance(part, Expression) else part
        for part in template.parts
    )


def render_header(template: Template, scope: Mapping[str, Any]) -> str:
    """A header's value; a line break in it is an error (it would start another header)."""
    value = template.render(scope)
    if "\r" in value or "\n" in value:
        raise ExpressionError("a header value may not contain a line break")
    return value


def render_json(value: Any, scope: Mapping[str, Any]) -> Any:
    """Templated JSON (a body, arguments) with every template replaced by its value."""
    if isinstance(value, Template):
        return value.value(scope)
    if isinstance(value, dict):
        return {key: render_json(each, scope) for key, each in value.items()}
    if isinstance(value, list):
        return [render_json(each, scope) for each in value]
    return value


def parse_moment(text: str) -> datetime:
    """An ISO-8601 time (``2026-12-03T15:00:00Z``); one without an offset is UTC.

    Raises:
        ExpressionError: Not such a time.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ExpressionError(f"{text[:60]!r} is not an ISO-8601 time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
