"""The one way chatops processes connect to Temporal."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig

from orchestration.settings import Settings

log = logging.getLogger(__name__)

# How often a process that waits for Temporal tries again (doubling up to the most), and how
# often it says it still waits.
RETRY_FIRST = 0.2
RETRY_MOST = 2.0
WAITING_NOTE_EVERY = 30.0


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


async def connect_when_up(
    settings: Settings, stop: asyncio.Event, **overrides: Any
) -> Client | None:
    """Connect, waiting while Temporal cannot be reached; None if ``stop`` is set first.

    For the long-running worker and bot: a server that is restarting (after a crash, or
    started after them) is waited for instead of ending the process. Why it cannot be reached
    is logged at once, and again every ``WAITING_NOTE_EVERY`` seconds.
    """
    delay, noted = RETRY_FIRST, float("-inf")
    while not stop.is_set():
        try:
            return await connect(settings, **overrides)
        except TemporalUnavailable as err:
            if time.monotonic() - noted >= WAITING_NOTE_EVERY:
                log.warning("%s Waiting for it; Ctrl-C stops.", err)
                noted = time.monotonic()
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            delay = min(delay * 2, RETRY_MOST)
    return None
