"""``throughput``: decided approvals a second, end to end: many real orders waiting, approved
by clicks as fast as the stack sustains (``throughput_concurrency`` clicks in flight, each
done when its card shows "Approved by"); beside the raw SDK's rate on the same server: as
many baseline workflows waiting, signalled with as many in flight, each done when its
activity has run and it ended.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from benchmarks.drive import (
    Card,
    bounded,
    card_approved,
    persistent_click,
    raw_decide,
    raw_waiting,
    raw_worker,
    ready_orders,
)
from benchmarks.scale import Scale
from benchmarks.scenarios import Row
from benchmarks.stacks import Stack
from benchmarks.stats import ratio

NAME = "throughput"
TARGET_PERCENT = 50.0


async def measure(stack: Stack, scale: Scale) -> dict[str, Any]:
    n, concurrency = scale.throughput_orders, scale.throughput_concurrency
    cards = await ready_orders(stack, n)

    async def decide(card: Card) -> int:
        clicks = await persistent_click(stack, card)
        await card_approved(stack, card)
        return clicks

    started = time.perf_counter()
    clicks = await bounded((partial(decide, card) for card in cards), concurrency)
    chatops_seconds = time.perf_counter() - started
    async with raw_worker(stack.client) as queue:
        raws = await raw_waiting(stack.client, queue, n)
        started = time.perf_counter()
        await bounded((partial(raw_decide, raw) for raw in raws), concurrency)
        raw_seconds = time.perf_counter() - started
    return {
        "decisions": n,
        "concurrency": concurrency,
        "clicks": sum(clicks),  # more than decisions: Slack showed errors, people clicked again
        "seconds": chatops_seconds,
        "raw_seconds": raw_seconds,
        "per_second": n / chatops_seconds,
        "raw_per_second": n / raw_seconds,
    }


def rows(configuration: str, result: dict[str, Any]) -> list[Row]:
    percent = 100 * ratio(result["per_second"], result["raw_per_second"])
    measured = (
        f"{result['per_second']:.1f}/s vs raw {result['raw_per_second']:.1f}/s "
        f"({percent:.0f}%), {result['decisions']:,} decisions"
    )
    return [Row(NAME, configuration, measured, f">= {TARGET_PERCENT:.0f}% of raw", percent >= 50.0)]


def distributions(result: dict[str, Any]) -> dict[str, list[float]]:
    return {}
