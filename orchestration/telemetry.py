"""The worker's Temporal runtime: Temporal's SDK metrics, and chatops' own worker metrics
(:mod:`orchestration.metrics`), served by the runtime's Prometheus exporter.

A process has one runtime for its Temporal clients; the worker's client is connected with
this one, and the worker records through its client's runtime.
https://github.com/temporalio/samples-python/tree/main/prometheus
"""

from __future__ import annotations

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from orchestration.settings import Settings


class MetricsEndpointUnavailable(Exception):
    """The metrics endpoint could not listen (its port taken); the message says where."""


def bind_address(host: str, port: int) -> str:
    """``host:port`` as the exporter takes it (an IPv6 host in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def metrics_runtime(host: str, port: int) -> Runtime:
    """A runtime serving Prometheus metrics on ``host:port`` (``GET /metrics``).

    Raises:
        MetricsEndpointUnavailable: the address cannot be listened on.
    """
    address = bind_address(host, port)
    try:
        return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    except ValueError as err:
        raise MetricsEndpointUnavailable(
            f"the worker's metrics endpoint cannot listen on {address} ({err}); set "
            "CHATOPS_WORKER_METRICS_PORT to a free port, or to off"
        ) from None


def worker_runtime(settings: Settings) -> Runtime | None:
    """The worker's runtime with its metrics endpoint; None when it is turned off (the SDK's
    default runtime then, without an endpoint)."""
    if settings.worker_metrics_port is None:
        return None
    return metrics_runtime(settings.worker_metrics_host, settings.worker_metrics_port)


def worker_metrics_url(settings: Settings) -> str | None:
    """Where the worker serves its metrics, or None when it does not."""
    if settings.worker_metrics_port is None:
        return None
    address = bind_address(settings.worker_metrics_host, settings.worker_metrics_port)
    return f"http://{address}/metrics"
