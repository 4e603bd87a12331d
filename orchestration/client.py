"""The one way chatops processes connect to Temporal."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig

from orchestration.settings import Settings


class TemporalUnavailable(Exception):
    """Temporal could not be reached; the message says where we tried and why."""


def connect_config(settings: Settings) -> dict[str, Any]:
    """Connection settings from ``temporalio.envconfig`` (``TEMPORAL_*`` and profiles).

    Without ``TEMPORAL_ADDRESS`` (or a profile address) this points at the embedded
    server on ``CHATOPS_TEMPORAL_PORT``.
    """
    config: dict[str, Any] = dict(ClientConfig.load_client_connect_config())
    config.setdefault("target_host", f"127.0.0.1:{settings.temporal_port}")
    return config


def uses_embedded_server(settings: Settings) -> bool:
    """True unless a Temporal address comes from the environment or a config profile."""
    return "target_host" not in ClientConfig.load_client_connect_config()


async def connect(settings: Settings, **overrides: Any) -> Client:
    """Connect with the pydantic data converter; raise :class:`TemporalUnavailable` on failure."""
    config = connect_config(settings) | overrides
    try:
        return await Client.connect(**config, data_converter=pydantic_data_converter)
    except RuntimeError as err:
        detail = "connection refused" if "Connection refused" in str(err) else str(err)
        raise TemporalUnavailable(
            f"cannot reach Temporal at {config['target_host']} "
            f"(namespace {config.get('namespace', 'default')}): {detail}. Is it running "
            "(./chatops up, or chatops server)? Elsewhere: set TEMPORAL_ADDRESS."
        ) from None
