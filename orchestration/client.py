"""The one way chatops processes connect to Temporal."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig
from temporalio.service import RPCError

from orchestration.connection_errors import (
    Diagnosis,
    diagnose_connect_error,
    diagnose_namespace_error,
)
from orchestration.settings import Settings
from orchestration.tracing import client_interceptors

log = logging.getLogger(__name__)

# How often a process that waits for Temporal tries again (doubling up to the most), and how
# often it says it still waits.
RETRY_FIRST = 0.2
RETRY_MOST = 2.0
WAITING_NOTE_EVERY = 30.0
# The namespace check after connecting: a frontend that answers answers this at once.
DESCRIBE_TIMEOUT = timedelta(seconds=10)
CONFIG_FILE_VARIABLE = "TEMPORAL_CONFIG_FILE"


class TemporalUnavailable(Exception):
    """Temporal could not be reached; the message says where we tried and why."""


class TemporalMisconfigured(TemporalUnavailable):
    """The connection settings cannot work as they are (a file, TLS, the credentials, the
    namespace): trying again will not help, so nothing waits for it."""


def _load_envconfig() -> dict[str, Any]:
    """``temporalio.envconfig``'s connection settings; every problem (a TLS file that cannot be
    read, a config file that is missing or is not TOML, a profile that does not exist) as
    :class:`TemporalMisconfigured`, whose message never quotes the file's lines (they may
    hold an API key)."""
    named = os.environ.get(CONFIG_FILE_VARIABLE)
    if named and not Path(named).is_file():
        raise TemporalMisconfigured(f"{CONFIG_FILE_VARIABLE} names {named}, which is not a file")
    try:
        return dict(ClientConfig.load_client_connect_config())
    except OSError as err:
        raise TemporalMisconfigured(
            f"cannot read {err.filename}, named by the Temporal connection settings "
            f"(TEMPORAL_TLS_* or the profile's tls): {err.strerror}"
        ) from None
    except (RuntimeError, ValueError) as err:
        said = " ".join(line.strip() for line in str(err).splitlines() if "|" not in line)
        raise TemporalMisconfigured(
            f"the Temporal connection settings (TEMPORAL_*, {CONFIG_FILE_VARIABLE}, "
            f"TEMPORAL_PROFILE) cannot be loaded: {said}"
        ) from None


def connect_config(settings: Settings) -> dict[str, Any]:
    """Connection settings from ``temporalio.envconfig`` (``TEMPORAL_*`` and profiles).

    Without ``TEMPORAL_ADDRESS`` (or a profile address) this points at the embedded
    server on ``CHATOPS_TEMPORAL_PORT``.

    Raises:
        TemporalMisconfigured: The settings cannot be loaded.
    """
    config = _load_envconfig()
    config.setdefault("target_host", f"127.0.0.1:{settings.temporal_port}")
    return config


def uses_embedded_server(settings: Settings) -> bool:
    """True unless a Temporal address comes from the environment or a config profile."""
    return "target_host" not in _load_envconfig()


def _failure(config: dict[str, Any], diagnosis: Diagnosis) -> TemporalUnavailable:
    where = f"Temporal at {config['target_host']} (namespace {config.get('namespace', 'default')})"
    if diagnosis.lasting:
        return TemporalMisconfigured(f"cannot use {where}: {diagnosis.text}")
    return TemporalUnavailable(
        f"cannot reach {where}: {diagnosis.text}. Is it running "
        "(./chatops up, or chatops server)? Elsewhere: set TEMPORAL_ADDRESS."
    )


async def connect(settings: Settings, **overrides: Any) -> Client:
    """Connect with the pydantic data converter (and, when tracing is on, Temporal's tracing
    interceptor) and check that the namespace is there.

    Raises:
        TemporalMisconfigured: The settings cannot work (TLS, credentials, namespace).
        TemporalUnavailable: Temporal cannot be reached now.
    """
    config = {"interceptors": client_interceptors(settings)} | connect_config(settings) | overrides
    try:
        client = await Client.connect(**config, data_converter=pydantic_data_converter)
    except (RuntimeError, ValueError) as err:
        raise _failure(config, diagnose_connect_error(err)) from None
    request = DescribeNamespaceRequest(namespace=client.namespace)
    try:
        await client.workflow_service.describe_namespace(request, timeout=DESCRIBE_TIMEOUT)
    except RPCError as err:
        raise _failure(config, diagnose_namespace_error(err, client.namespace)) from None
    return client


async def connect_when_up(
    settings: Settings, stop: asyncio.Event, **overrides: Any
) -> Client | None:
    """Connect, waiting while Temporal cannot be reached; None if ``stop`` is set first.

    For the long-running worker and bot: a server that is restarting (after a crash, or
    started after them) is waited for instead of ending the process. Why it cannot be reached
    is logged at once, and again every ``WAITING_NOTE_EVERY`` seconds. Settings that cannot
    work (:class:`TemporalMisconfigured`: TLS, credentials, namespace) are raised at once.
    """
    delay, noted = RETRY_FIRST, float("-inf")
    while not stop.is_set():
        try:
            return await connect(settings, **overrides)
        except TemporalMisconfigured:
            raise
        except TemporalUnavailable as err:
            if time.monotonic() - noted >= WAITING_NOTE_EVERY:
                log.warning("%s Waiting for it; Ctrl-C stops.", err)
                noted = time.monotonic()
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            delay = min(delay * 2, RETRY_MOST)
    return None
