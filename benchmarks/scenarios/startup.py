"""``startup``: how long ``chatops up`` takes to be of use when its data is already on disk
(every start after the first): from launching the command until the bot answers its health
check and the worker polls its task queue. Each start is stopped as Ctrl-C stops it
(SIGTERM), and the next begins once its ports are free. Only the ``chatops up``
configuration has this.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from temporalio.client import Client

from benchmarks.polling import assert_eventually
from benchmarks.process_stack import worker_polls
from benchmarks.processes import answers, isolated_env, port_is_free
from benchmarks.scale import Scale
from benchmarks.scenarios import Row
from benchmarks.stats import summary
from orchestration.settings import DEFAULT_TASK_QUEUE

NAME = "startup"
TARGET_SECONDS = 5.0
UP_WITHIN = 90.0
STOP_WITHIN = 30.0
POLL = 0.02


def worker_of(pid: int) -> int | None:
    """The ``chatops worker`` child of the ``chatops up`` process ``pid``, once started."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        for child in children.read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"worker" in command:
                return int(child)
    return None


async def healthy(pid: int, health: str, client: Client) -> bool:
    """Whether the bot answers and the worker polls."""
    worker = worker_of(pid)
    if worker is None or not await answers(health):
        return False
    return await worker_polls(client, DEFAULT_TASK_QUEUE, worker)


async def one_start(env: dict[str, str], ports: dict[str, int], log: Path) -> float:
    """Start ``chatops up``, seconds until healthy; then stop it and wait for its ports."""
    command = Path(sys.executable).parent / "chatops"
    client = await Client.connect(f"127.0.0.1:{ports['CHATOPS_TEMPORAL_PORT']}", lazy=True)
    health = f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}/healthz"
    started = time.perf_counter()
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            str(command), "up", env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    try:
        await assert_eventually(
            lambda: healthy(process.pid, health, client),
            bool,
            within=UP_WITHIN,
            interval=POLL,
            what="chatops up healthy",
        )
        seconds = time.perf_counter() - started
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), STOP_WITHIN)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
    await assert_eventually(
        lambda: all(port_is_free(port) for port in ports.values()), bool, what="ports free"
    )
    return seconds


async def measure(scale: Scale, workdir: Path) -> dict[str, Any]:
    """One first start (creates the data), then ``scale.startup_samples`` measured ones."""
    env, ports = isolated_env()
    env["CHATOPS_DATA_DIR"] = str(workdir / "data")
    log = workdir / "chatops-up.log"
    first = await one_start(env, ports, log)
    samples = [await one_start(env, ports, log) for _ in range(scale.startup_samples)]
    return {
        "first_start_seconds": first,
        "samples": {"healthy_s": samples},
        "summary": {"healthy_s": summary(samples)},
    }


def rows(configuration: str, result: dict[str, Any]) -> list[Row]:
    s = result["summary"]["healthy_s"]
    measured = (
        f"p50 {s['p50']:.1f} s, max {s['max']:.1f} s over {s['n']} starts "
        f"(first start {result['first_start_seconds']:.1f} s)"
    )
    target = f"healthy <= {TARGET_SECONDS:.0f} s"
    return [Row(NAME, configuration, measured, target, s["max"] <= TARGET_SECONDS)]


def distributions(result: dict[str, Any]) -> dict[str, list[float]]:
    return {"healthy (ms)": [value * 1000 for value in result["samples"]["healthy_s"]]}
