"""OpenTelemetry tracing, off unless ``CHATOPS_TRACING`` turns it on.

With it on, a process sets OpenTelemetry's global tracer provider once
(:func:`start_tracing`), its Temporal client carries Temporal's tracing interceptor
(:func:`client_interceptors`; the worker takes it from its client), and the bot opens a span
per Slack request (:mod:`bot.request_context`). Off, none of this is imported: no provider, no
exporter, no interceptor.

Where spans go is OpenTelemetry's own configuration: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (default
``http://localhost:4318``), ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``.
https://opentelemetry.io/docs/languages/sdk-configuration/otlp-exporter/
https://github.com/temporalio/sdk-python/tree/main/temporalio/contrib/opentelemetry
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from orchestration.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer
    from temporalio.client import Interceptor

# The instrumentation scope of chatops' own spans.
TRACER_NAME = "chatops"
# OpenTelemetry's default service name, when neither OTEL_SERVICE_NAME nor
# OTEL_RESOURCE_ATTRIBUTES names one.
UNNAMED_SERVICE = "unknown_service"


def tracer_provider(mode: str, service: str) -> TracerProvider:
    """An SDK tracer provider exporting to ``mode`` (``console``: stderr, so that what a
    command prints stays its own; ``otlp``: OTLP over HTTP), in batches, named ``service``
    unless the environment names it."""
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith(UNNAMED_SERVICE):
        resource = resource.merge(Resource({SERVICE_NAME: service}))
    exporter: SpanExporter
    if mode == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()
    else:
        exporter = ConsoleSpanExporter(out=sys.stderr)
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def start_tracing(settings: Settings, role: str) -> TracerProvider | None:
    """Set the global tracer provider when tracing is on (``chatops-<role>`` names the
    service by default); the provider, to :func:`stop_tracing` at exit, or None when off."""
    if settings.tracing == "off":
        return None
    from opentelemetry import trace

    provider = tracer_provider(settings.tracing, f"chatops-{role}")
    trace.set_tracer_provider(provider)
    return provider


def stop_tracing(provider: TracerProvider | None) -> None:
    """Send the spans still batched, then stop exporting."""
    if provider is not None:
        provider.shutdown()


def chatops_tracer(settings: Settings) -> Tracer | None:
    """The tracer of chatops' own spans, from the global provider; None when off."""
    if settings.tracing == "off":
        return None
    from opentelemetry import trace

    return trace.get_tracer(TRACER_NAME)


def client_interceptors(settings: Settings) -> list[Interceptor]:
    """The Temporal client's interceptors: Temporal's tracing interceptor when tracing is on
    (it implements the worker's interceptor too, so a worker built on the client traces
    workflows and activities), none when off."""
    if settings.tracing == "off":
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]
