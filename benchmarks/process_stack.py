"""A chatops deployment of separate processes, as ``chatops up`` runs it: ``chatops server``
(the embedded Temporal server on its SQLite file), ``chatops worker`` and ``chatops bot``, with
the Slack stand-in in this process delivering to the bot over HTTP, and this process's own
Temporal client. Any part can be killed outright (SIGKILL to its process group) and started
again; the crash scenario of the reliability suite, the restart tests and the benchmarks use it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError

from benchmarks.polling import assert_eventually
from benchmarks.processes import REPO_POLICY, Part, answers, isolated_env, port_is_free
from bot.app import EVENTS_PATH
from orchestration.devserver import NAMESPACE
from orchestration.settings import Settings
from slacksim import SlackSim, running_sim

READY_WITHIN = 60.0
RPC_TIMEOUT = timedelta(seconds=2)


@dataclass
class ProcessStack:
    """The parts, the stand-in, and how to reach Temporal."""

    sim: SlackSim
    client: Client
    settings: Settings
    parts: dict[str, Part]
    ports: dict[str, int]
    data: Path

    @property
    def bot_health(self) -> str:
        return f"http://127.0.0.1:{self.ports['CHATOPS_BOT_PORT']}/healthz"

    async def server_answers(self) -> bool:
        """Whether the server answers this process's client (persistence and frontend up)."""
        request = DescribeNamespaceRequest(namespace=NAMESPACE)
        try:
            await self.client.workflow_service.describe_namespace(request, timeout=RPC_TIMEOUT)
        except (RPCError, RuntimeError):  # RuntimeError: not connected yet (a lazy client)
            return False
        return True

    async def worker_polls(self) -> bool:
        """Whether the worker process running now polls its task queue (its identity is
        ``pid@host``, so a poller of a killed one does not count)."""
        pid = self.parts["worker"].pid
        return pid is not None and await worker_polls(self.client, self.settings.task_queue, pid)

    async def ready(self, role: str) -> None:
        """Wait until ``role`` answers (the worker: polls), failing with its log's end."""
        probe = {"server": self.server_answers, "worker": self.worker_polls}.get(role)
        part = self.parts[role]

        async def answering() -> bool:
            if not part.running:
                raise AssertionError(f"the {role} exited:\n{part.log_tail()}")
            if probe is None:
                return await answers(self.bot_health)
            return await probe()

        await assert_eventually(answering, bool, within=READY_WITHIN, what=f"the {role} ready")

    async def kill(self, role: str) -> None:
        """SIGKILL the part; the server's port is free again when this returns."""
        await self.parts[role].kill()
        if role == "server":
            port = self.ports["CHATOPS_TEMPORAL_PORT"]
            await assert_eventually(lambda: port_is_free(port), bool, what="the server's port")

    async def crash(self, roles: Sequence[str]) -> None:
        """Kill each of ``roles`` with SIGKILL, in order, then start them all again (at once:
        a worker or bot may come back before the server it waits for) until each answers."""
        for role in roles:
            await self.kill(role)
        for role in roles:
            await self.parts[role].start()
        for role in sorted(roles, key=lambda role: role != "server"):
            await self.ready(role)


async def worker_polls(
    client: Client, task_queue: str, pid: int, namespace: str = NAMESPACE
) -> bool:
    """Whether the worker in process ``pid`` polls ``task_queue`` of ``namespace`` for
    workflow tasks."""
    request = DescribeTaskQueueRequest(
        namespace=namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    try:
        found = await client.workflow_service.describe_task_queue(request, timeout=RPC_TIMEOUT)
    except (RPCError, RuntimeError):  # RuntimeError: not connected yet (a lazy client)
        return False
    return any(poller.identity.startswith(f"{pid}@") for poller in found.pollers)


def part_env(base: dict[str, str], sim: SlackSim, data: Path, policy: Path) -> dict[str, str]:
    """The worker's and bot's environment: the server's address, the stand-in's Web API, the
    data dir (the payment ledger is there) and the policy file; no digest and no card
    reconciler, so every card is drawn by its workflow."""
    return base | {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{base['CHATOPS_TEMPORAL_PORT']}",
        "CHATOPS_TASK_QUEUE": f"processes-{uuid.uuid4().hex[:10]}",
        "SLACK_API_URL": sim.api_url,
        "CHATOPS_DATA_DIR": str(data),
        "CHATOPS_POLICY_FILE": str(policy),
        "CHATOPS_DIGEST_CRON": "off",
        "CHATOPS_RECONCILE_EVERY": "off",
        # No flows: the example flows of the checkout need the shipped policy's rules.
        "CHATOPS_FLOWS_DIR": str(data / "flows"),
    }


@asynccontextmanager
async def running_process_stack(
    tmp_path: Path,
    policy: Path = REPO_POLICY,
    start: Sequence[str] = ("server", "worker", "bot"),
    extra_env: Mapping[str, str] | None = None,
) -> AsyncIterator[ProcessStack]:
    """The parts in ``start`` started in that order, each ready before the next, the worker and
    the bot with ``extra_env`` on top of their own environment; all of them stopped
    at the end (SIGTERM, then SIGKILL), also on failure."""
    base, ports = isolated_env()
    data, logs = tmp_path / "data", tmp_path / "logs"
    async with running_sim() as sim:
        sim.bot_url = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}{EVENTS_PATH}"
        env = part_env(base, sim, data, policy) | dict(extra_env or {})
        parts = {
            "server": Part("server", base | {"CHATOPS_DATA_DIR": str(data)}, logs),
            "worker": Part("worker", env, logs),
            "bot": Part("bot", env, logs),
        }
        settings = Settings(
            CHATOPS_TASK_QUEUE=env["CHATOPS_TASK_QUEUE"],
            CHATOPS_POLICY_FILE=str(policy),
            CHATOPS_DATA_DIR=str(data),
        )
        client = await Client.connect(
            env["TEMPORAL_ADDRESS"], data_converter=pydantic_data_converter, lazy=True
        )
        stack = ProcessStack(sim, client, settings, parts, ports, data)
        try:
            for role in start:
                await parts[role].start()
                await stack.ready(role)
            yield stack
        finally:
            for role in ("bot", "worker", "server"):
                with contextlib.suppress(ProcessLookupError):
                    await parts[role].stop()
