"""Many replicas against one Temporal server: two ``chatops worker`` and two ``chatops bot``
processes on one task queue, the Slack stand-in in this process, and a round-robin proxy in
front of the bots (:mod:`tests.round_robin`).

Over HTTP the stand-in delivers to the proxy, which spreads requests over the bots (a bot that
is down gets its share answered 502, as a load balancer answers before its health check takes
the bot out). In Socket Mode each bot holds a connection to the stand-in, which spreads
envelopes over them; the proxy then only fronts the bots' health checks.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from temporalio.client import Client

from benchmarks.process_stack import READY_WITHIN, ProcessStack, part_env, worker_polls
from benchmarks.processes import REPO_POLICY, Part, answers, isolated_env
from bot.app import EVENTS_PATH
from orchestration.settings import Settings
from slacksim import DEFAULT_APP_TOKEN, SlackSim, running_sim
from tests.helpers import assert_eventually
from tests.round_robin import RoundRobinProxy

Transport = Literal["http", "socket"]
WORKERS = ("worker-1", "worker-2")
BOTS = ("bot-1", "bot-2")


@dataclass
class ReplicaStack(ProcessStack):
    """The parts by name (``worker-1``, ``bot-2``...), the proxy, and the bots' own URLs."""

    proxy: RoundRobinProxy | None = None
    proxy_url: str = ""
    bot_urls: dict[str, str] | None = None
    # In Socket Mode, each bot's connection number at the stand-in.
    connections: dict[str, int] | None = None

    def busy(self, bot: str) -> bool:
        """Whether ``bot`` has a request in hand now: one the proxy sent it and it has not
        answered, or in Socket Mode an envelope on its connection not acked yet."""
        if self.connections:
            return self.sim.socket_mode.awaiting_acks(self.connections[bot]) > 0
        assert self.proxy is not None and self.bot_urls is not None
        return self.proxy.in_flight[self.bot_urls[bot]] > 0

    @property
    def bot_health(self) -> str:
        """The health of the bot never stopped: a person whose click failed waits until a
        bot answers before trying again (through the proxy, the wait would use up the dead
        bot's share of requests, which the clicks are to meet)."""
        assert self.bot_urls is not None
        return f"{self.bot_urls[BOTS[-1]]}/healthz"

    async def ready(self, role: str) -> None:
        """Wait until the part named ``role`` polls (a worker) or answers (a bot)."""
        part = self.parts[role]

        async def answering() -> bool:
            if not part.running:
                raise AssertionError(f"{role} exited:\n{part.log_tail()}")
            if role in WORKERS:
                assert part.pid is not None
                return await worker_polls(self.client, self.settings.task_queue, part.pid)
            assert self.bot_urls is not None
            return await answers(f"{self.bot_urls[role]}/healthz")

        await assert_eventually(answering, bool, within=READY_WITHIN, what=f"{role} ready")


def replica_parts(
    address: str, sim: SlackSim, data: Path, logs: Path, transport: Transport
) -> tuple[dict[str, Part], dict[str, str], str]:
    """The four parts (each with ports of its own), the bots' base URLs, the task queue."""
    parts: dict[str, Part] = {}
    urls: dict[str, str] = {}
    queue = ""
    for name in WORKERS + BOTS:
        base, ports = isolated_env()
        env = part_env(base, sim, data, REPO_POLICY)
        queue = queue or env["CHATOPS_TASK_QUEUE"]
        env.update(TEMPORAL_ADDRESS=address, CHATOPS_TASK_QUEUE=queue)
        if transport == "socket" and name in BOTS:
            env["SLACK_APP_TOKEN"] = DEFAULT_APP_TOKEN
        parts[name] = Part(name.split("-")[0], env, logs / name)
        urls[name] = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}"
    return parts, {name: urls[name] for name in BOTS}, queue


@asynccontextmanager
async def running_replicas(
    client: Client, tmp_path: Path, transport: Transport
) -> AsyncIterator[ReplicaStack]:
    """Two workers and two bots on a fresh task queue of ``client``'s server, each ready (and
    in Socket Mode, connected) before the block runs; all stopped at the end, also on
    failure."""
    address = client.service_client.config.target_host
    data, logs = tmp_path / "data", tmp_path / "logs"
    async with running_sim() as sim:
        parts, bot_urls, queue = replica_parts(address, sim, data, logs, transport)
        proxy = RoundRobinProxy(list(bot_urls.values()))
        settings = Settings(
            CHATOPS_TASK_QUEUE=queue,
            CHATOPS_POLICY_FILE=str(REPO_POLICY),
            CHATOPS_DATA_DIR=str(data),
        )
        stack = ReplicaStack(sim, client, settings, parts, {}, data, proxy, "", bot_urls)
        async with proxy.serving() as proxy_url:
            stack.proxy_url = proxy_url
            sim.bot_url = f"{proxy_url}{EVENTS_PATH}"
            try:
                for name in WORKERS:
                    await parts[name].start()
                for name in WORKERS:
                    await stack.ready(name)
                # One bot at a time, so that in Socket Mode bot-N holds connection N.
                for number, name in enumerate(BOTS, start=1):
                    await parts[name].start()
                    await stack.ready(name)
                    if transport == "socket":
                        await assert_eventually(
                            lambda: sim.socket_connections, number.__eq__, what="connected"
                        )
                if transport == "socket":
                    stack.connections = {name: n for n, name in enumerate(BOTS, start=1)}
                yield stack
            finally:
                for name in BOTS + WORKERS:
                    with contextlib.suppress(ProcessLookupError):
                        await parts[name].stop()
