"""The two configurations every scenario runs on, started fresh for each scenario.

- ``chatops up``: what users run. ``chatops server`` (the embedded Temporal server on its
  SQLite file in the data dir), ``chatops worker`` and ``chatops bot`` as separate processes,
  as ``chatops up`` starts them; the Slack stand-in in this process delivers to the bot over
  HTTP with Slack's signatures (:mod:`benchmarks.process_stack`).
- ``in-memory``: one process. The dev server with an in-memory database
  (:func:`benchmarks.servers.dev_server`), and the worker and the bot running in this
  process beside the stand-in, through the same entry points the processes use.

Both run under a policy of their own: orders over $1,000 wait for one approver for a day, so
nothing expires or reminds while a scenario runs; the card reconciler and the digest's
schedule are off, so every card is drawn by its workflow.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from benchmarks.polling import assert_eventually
from benchmarks.process_stack import READY_WITHIN, running_process_stack, worker_polls
from benchmarks.processes import answers, free_port
from benchmarks.servers import dev_server
from bot.app import EVENTS_PATH
from bot.main import run_bot
from cli.standin import STAND_IN
from orchestration.settings import Settings
from orchestration.worker import run_worker
from slacksim import APPROVER_ID, SlackSim, running_sim

UP = "chatops up"
IN_MEMORY = "in-memory"
CONFIGURATIONS = (UP, IN_MEMORY)
STOP_WITHIN = 30.0

# The kind of the approval service's requests the benchmarks start.
REQUEST_KIND = "benchmark"
POLICY = f"""\
version: 1
rules:
  - name: benchmark-requests
    when: {{kind: {REQUEST_KIND}}}
    require_approval: {{approvers: [{APPROVER_ID}], deadline: 1d, reminder: 0s}}
  - name: benchmark-orders
    when: {{kind: order, amount_over: 1000}}
    require_approval: {{approvers: [{APPROVER_ID}], deadline: 1d, reminder: 0s}}
  - name: small-orders
    when: {{kind: order}}
    allow: true
"""


@dataclass
class Stack:
    """A running configuration: the stand-in, a Temporal client of this process, the
    settings requests are started with, and the processes whose memory counts."""

    configuration: str
    sim: SlackSim
    client: Client
    settings: Settings
    processes: dict[str, int]


def write_policy(folder: Path) -> Path:
    """The benchmarks' policy file, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "policy.yml"
    path.write_text(POLICY)
    return path


@asynccontextmanager
async def running_stack(
    configuration: str, workdir: Path, extra_env: Mapping[str, str] | None = None
) -> AsyncIterator[Stack]:
    """Start ``configuration`` in ``workdir``, ready (the bot answers, the worker polls);
    stop all of it at the end, also on failure. ``extra_env``: settings of the worker and
    the bot (chatops up only)."""
    policy = write_policy(workdir)
    if configuration == UP:
        # Slack's pace (about one post a second per channel, kept by the server) is Slack's,
        # not chatops': the benchmarks measure chatops, so the worker leaves the queue
        # unpaced (docs/PERFORMANCE.md).
        env = {"CHATOPS_SLACK_POSTS_PER_SECOND": "0", **(extra_env or {})}
        async with running_process_stack(workdir, policy, extra_env=env) as parts:
            pids = {role: parts.parts[role].pid for role in ("bot", "worker")}
            processes = {role: pid for role, pid in pids.items() if pid is not None}
            settings = parts.settings.with_stand_in(STAND_IN)
            # Not the stack's lazy client: the raw SDK's baseline runs a worker on it.
            address = f"127.0.0.1:{parts.ports['CHATOPS_TEMPORAL_PORT']}"
            client = await Client.connect(address, data_converter=pydantic_data_converter)
            yield Stack(UP, parts.sim, client, settings, processes)
    elif configuration == IN_MEMORY:
        async with in_memory_stack(workdir, policy) as stack:
            yield stack
    else:
        raise ValueError(f"no configuration {configuration!r}")


@asynccontextmanager
async def in_memory_stack(workdir: Path, policy: Path) -> AsyncIterator[Stack]:
    """The dev server, and the worker and bot as tasks of this process."""
    port = free_port()
    async with await dev_server() as server, running_sim() as sim:
        sim.bot_url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
        settings = Settings(
            CHATOPS_TASK_QUEUE=f"bench-{uuid.uuid4().hex[:10]}",
            CHATOPS_POLICY_FILE=str(policy),
            CHATOPS_DATA_DIR=str(workdir / "data"),
            CHATOPS_BOT_PORT=str(port),
            SLACK_API_URL=sim.api_url,
            CHATOPS_DIGEST_CRON="off",
            CHATOPS_RECONCILE_EVERY="off",
        ).with_stand_in(STAND_IN)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        stop = asyncio.Event()
        parts = [
            asyncio.ensure_future(run_worker(settings, server.client, stop)),
            asyncio.ensure_future(run_bot(settings, server.client, stop)),
        ]
        try:
            await _ready(server.client, settings, parts)
            yield Stack(IN_MEMORY, sim, server.client, settings, {"process": os.getpid()})
        finally:
            stop.set()
            _, late = await asyncio.wait(parts, timeout=STOP_WITHIN)
            for part in late:
                part.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*parts, return_exceptions=True)


async def _ready(client: Client, settings: Settings, parts: Sequence[asyncio.Future[None]]) -> None:
    """Until the in-process bot answers its health check and the worker polls."""
    health = f"http://127.0.0.1:{settings.bot_port}/healthz"

    async def up() -> bool:
        for part in parts:
            if part.done():
                part.result()  # its exception, or
                raise AssertionError("a part of the in-memory stack stopped at start-up")
        return await answers(health) and await worker_polls(
            client, settings.task_queue, os.getpid()
        )

    await assert_eventually(up, bool, within=READY_WITHIN, what="the in-memory stack ready")
