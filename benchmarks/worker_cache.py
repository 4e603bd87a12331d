"""The worker's memory against its workflow cache, as the backlog of waiting orders grows.

Starts the ``chatops up`` configuration (separate server, worker and bot processes) with
``CHATOPS_WORKFLOW_CACHE`` set, then adds real orders that wait for approval a step at a
time, each step started only once the previous one waits, and after each step prints the
worker's resident memory (VmRSS) and how long the step took. With steps no larger than the
cache, every order is done with its workflow tasks before the next ones start, so what grows
is what waiting orders hold, not what a burst holds for a moment.

    .venv/bin/python -m benchmarks.worker_cache [--cache 100] [--step 100] [--steps 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from benchmarks.drive import ready_orders, rss_mb
from benchmarks.stacks import UP, running_stack


async def grow(cache: int, step: int, steps: int) -> list[dict[str, float]]:
    """One reading per step: orders waiting, the step's seconds, the worker's MB."""
    readings = []
    with tempfile.TemporaryDirectory(prefix="chatops-cache-") as workdir:
        env = {"CHATOPS_WORKFLOW_CACHE": str(cache)}
        async with running_stack(UP, Path(workdir), extra_env=env) as stack:
            worker = stack.processes["worker"]
            for done in range(1, steps + 1):
                started = time.perf_counter()
                await ready_orders(stack, step)
                reading = {
                    "waiting": done * step,
                    "step_seconds": round(time.perf_counter() - started, 1),
                    "worker_mb": round(rss_mb(worker), 1),
                }
                print(json.dumps({"cache": cache} | reading), flush=True)
                readings.append(reading)
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=int, default=100, help="CHATOPS_WORKFLOW_CACHE")
    parser.add_argument("--step", type=int, default=100, help="orders added per step")
    parser.add_argument("--steps", type=int, default=15, help="how many steps")
    args = parser.parse_args()
    readings = asyncio.run(grow(args.cache, args.step, args.steps))
    low, high = min(r["worker_mb"] for r in readings), max(r["worker_mb"] for r in readings)
    print(f"worker {low:.0f} to {high:.0f} MB over {readings[-1]['waiting']:,} waiting")


if __name__ == "__main__":
    main()
