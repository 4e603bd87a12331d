"""A process's logs and traces, set up once from its settings (``CHATOPS_LOG_FORMAT``,
``CHATOPS_TRACING``) before its command runs, and flushed after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.logs import Redactor, configure_logging, log_handler
from orchestration.settings import Settings
from orchestration.tracing import start_tracing, stop_tracing

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider


def secrets_of(settings: Settings) -> list[str]:
    """Every secret in force that a log line must never show."""
    configured = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.webhook_secret,
    )
    found = [secret.get_secret_value() for secret in configured if secret is not None]
    stand_in = settings.stand_in
    if stand_in is not None:
        found += [stand_in.bot_token, stand_in.app_token, stand_in.signing_secret]
    return found


def start_observing(role: str, settings: Settings, *, verbose: bool) -> TracerProvider | None:
    """Configure logging (text or JSON, always redacted) and, when on, tracing; the tracer
    provider to hand to :func:`stop_observing`."""
    traced = settings.tracing != "off"
    redact = Redactor(secrets_of(settings))
    handler = log_handler(role, settings.log_format, redact, traced=traced)
    configure_logging(handler, verbose=verbose, json_lines=settings.log_format == "json")
    return start_tracing(settings, role)


def stop_observing(provider: TracerProvider | None) -> None:
    """Export the spans not sent yet (the process is about to end)."""
    stop_tracing(provider)
