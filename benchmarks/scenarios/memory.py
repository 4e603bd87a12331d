"""``memory``: resident memory (VmRSS) of the bot's and the worker's processes with few and
then many real orders waiting for approval, each run by the worker (so its workflow cache
fills and evicts). In the in-memory configuration the one process holds the bot, the
worker, the stand-in (with every card) and the benchmark itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

from benchmarks.drive import ready_orders, rss_mb
from benchmarks.scale import Scale
from benchmarks.scenarios import Row, judged
from benchmarks.stacks import Stack
from benchmarks.stats import ratio

NAME = "memory"
TARGET_GROWTH = 0.10
TARGET_SIZE = 10_000
READINGS = 5
READING_EVERY = 0.2  # seconds between readings of a settled process


async def readings(stack: Stack) -> dict[str, list[float]]:
    """A few readings of each process's RSS (MB)."""
    found: dict[str, list[float]] = {role: [] for role in stack.processes}
    for _ in range(READINGS):
        for role, pid in stack.processes.items():
            found[role].append(rss_mb(pid))
        await asyncio.sleep(READING_EVERY)  # spaced readings, not a wait for a state
    return found


async def measure(stack: Stack, scale: Scale) -> dict[str, Any]:
    small, big = scale.memory_sizes
    await ready_orders(stack, small)
    at_small = await readings(stack)
    await ready_orders(stack, big - small)
    at_big = await readings(stack)
    return {
        "sizes": [small, big],
        "samples": {f"{role}@{small}": values for role, values in at_small.items()}
        | {f"{role}@{big}": values for role, values in at_big.items()},
        "rss_mb": {
            role: {str(small): max(at_small[role]), str(big): max(at_big[role])}
            for role in stack.processes
        },
    }


def rows(configuration: str, result: dict[str, Any]) -> list[Row]:
    small, big = result["sizes"]
    found = []
    for role, by_size in result["rss_mb"].items():
        before, after = by_size[str(small)], by_size[str(big)]
        growth = ratio(after, before) - 1
        measured = (
            f"{before:.0f} MB at {small:,} waiting, {after:.0f} MB at {big:,} ({growth:+.0%})"
        )
        target = f"within {TARGET_GROWTH:.0%} from 100 to 10,000"
        met = judged(growth <= TARGET_GROWTH, big >= TARGET_SIZE)
        found.append(Row(f"{NAME}: {role}", configuration, measured, target, met))
    return found


def distributions(result: dict[str, Any]) -> dict[str, list[float]]:
    return {}
