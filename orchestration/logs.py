"""How chatops processes write their logs: text for people, or one JSON object a line.

Either way every line goes through a :class:`Redactor`, a safety net under the rule that
secrets are never logged: anything shaped like a Slack token, and the configured secrets
themselves, are replaced before a line is written.
https://docs.python.org/3/library/logging.html#formatter-objects
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from orchestration.log_context import current_fields

REDACTED = "[redacted]"
# Slack's token kinds (bot xoxb-, user xoxp-, app-level xapp-, refresh xoxe-, rotating
# xoxe.xoxp-, and the older ones), with or without what follows the prefix.
SLACK_TOKEN = re.compile(r"(?:xox[a-z](?:\.xox[a-z])?|xapp)-[A-Za-z0-9._-]*", re.IGNORECASE)
# A configured secret shorter than this is not looked for: it would blank ordinary words.
MIN_SECRET = 8
TEXT_FORMAT = "%(asctime)s {role:<9} %(levelname)-7s %(name)s: %(message)s"


class Redactor:
    """Replaces Slack tokens and the given secrets in text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        known = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, known))) if known else None

    def __call__(self, text: str) -> str:
        """``text`` with every token and secret in it replaced."""
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        return SLACK_TOKEN.sub(REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """The usual text line (exception and stack included), redacted."""

    def __init__(self, fmt: str, redact: Redactor) -> None:
        super().__init__(fmt)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line, redacted."""
        return self._redact(super().format(record))


def _temporal_fields(record: logging.LogRecord) -> dict[str, str]:
    """What Temporal's workflow and activity loggers attach to their records: the workflow,
    and the workflow's or the activity's type."""
    fields: dict[str, str] = {}
    for extra, own_type in (
        ("temporal_workflow", "workflow_type"),
        ("temporal_activity", "activity_type"),
    ):
        info = getattr(record, extra, None)
        if isinstance(info, Mapping):
            fields["workflow_id"] = str(info.get("workflow_id") or "")
            fields[own_type] = str(info.get(own_type) or "")
    return {name: value for name, value in fields.items() if value}


def _trace_fields() -> dict[str, str]:
    """The current span's trace and span ids, as OpenTelemetry writes them (hex)."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return {}
    return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time``, ``level``, ``logger``, ``message``, ``process``; when
    known ``workflow_id``, ``request_id``, ``slack_user`` (and Temporal's ``workflow_type``
    or ``activity_type``); with ``traced``, ``trace_id`` and ``span_id`` inside a span;
    ``exception`` and ``stack`` when the record has them. Every value is redacted."""

    def __init__(self, role: str, redact: Redactor, *, traced: bool = False) -> None:
        super().__init__()
        self._role, self._redact, self._traced = role, redact, traced

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": self._role,
            **current_fields(),
            **_temporal_fields(record),
        }
        if self._traced:
            line.update(_trace_fields())
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps({key: self._redact(str(value)) for key, value in line.items()})


def log_handler(
    role: str,
    log_format: str,
    redact: Redactor,
    *,
    traced: bool = False,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """A handler writing ``log_format`` (``text`` or ``json``) lines to ``stream`` (stderr)."""
    handler = logging.StreamHandler(stream)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(role, redact, traced=traced))
    else:
        handler.setFormatter(RedactingFormatter(TEXT_FORMAT.format(role=role), redact))
    return handler


def configure_logging(handler: logging.Handler, *, verbose: bool, json_lines: bool) -> None:
    """Send every log record through ``handler``, at INFO (DEBUG with ``verbose``)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    if not verbose:
        # The bot's jobs log what they did themselves; the scheduler's every run is noise.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if json_lines:
        # Temporal's loggers append the workflow's or activity's facts to each message; in
        # JSON they are fields of their own instead.
        from temporalio import activity, workflow

        workflow.logger.workflow_info_on_message = False
        activity.logger.activity_info_on_message = False
