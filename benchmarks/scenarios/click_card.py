"""``click_card``: from the approver's click until the card shows "Approved by", beside the
raw SDK's bare decision (a signal to a waiting workflow that then runs one activity,
:mod:`benchmarks.baseline`) on the same server, the two taken in turn. Idle: nothing else
happens. Busy: meanwhile other waiting orders are approved at ``busy_rate`` clicks a second.
Idle, each order is let finish (payment, delivery) before the next click, as each baseline
workflow ends before the next signal.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from temporalio.client import WorkflowHandle

from benchmarks.baseline import BaselineWorkflow
from benchmarks.drive import (
    Card,
    click,
    click_to_card,
    paced,
    raw_decide,
    raw_waiting,
    raw_worker,
    ready_orders,
)
from benchmarks.scale import Scale
from benchmarks.scenarios import Row, ms
from benchmarks.stacks import Stack
from benchmarks.stats import ratio, summary

NAME = "click_card"
TARGET_RATIO = 2.0
ORDER_ENDS_WITHIN = 120.0
# Background orders per busy foreground sample: enough for the background to outlast it.
BACKGROUND_SECONDS_PER_SAMPLE = 1.0

Raw = WorkflowHandle[BaselineWorkflow, float]


async def in_turn(
    stack: Stack, cards: list[Card], raws: list[Raw], *, idle: bool
) -> tuple[list[float], ...]:
    """A click on each card and a signal to each baseline workflow, one after the other.
    Idle, each order ends before the next click; busy, the background keeps the worker
    occupied anyway, and waiting for each order would stretch the phase past it."""
    clicked: list[float] = []
    signalled: list[float] = []
    for card, raw in zip(cards, raws, strict=True):
        clicked.append(await click_to_card(stack, card))
        if idle:
            handle = stack.client.get_workflow_handle(card.workflow_id)
            await asyncio.wait_for(handle.result(), ORDER_ENDS_WITHIN)
        signalled.append(await raw_decide(raw))
    return clicked, signalled


async def measure(stack: Stack, scale: Scale) -> dict[str, Any]:
    """``scale.card_samples`` pairs idle, as many busy."""
    n = scale.card_samples
    pool = round(scale.busy_rate * n * BACKGROUND_SECONDS_PER_SAMPLE)
    cards = await ready_orders(stack, 2 * n + pool)
    foreground, background = cards[: 2 * n], cards[2 * n :]
    async with raw_worker(stack.client) as queue:
        raws = await raw_waiting(stack.client, queue, 2 * n)
        idle = await in_turn(stack, foreground[:n], raws[:n], idle=True)
        stop = asyncio.Event()
        load = asyncio.ensure_future(
            paced(background, scale.busy_rate, lambda card: click(stack, card), stop)
        )
        started = time.perf_counter()
        try:
            busy = await in_turn(stack, foreground[n:], raws[n:], idle=False)
        finally:
            busy_seconds = time.perf_counter() - started
            stop.set()
            extra, behind = await load
    samples = {"card_idle": idle[0], "raw_idle": idle[1], "card_busy": busy[0], "raw_busy": busy[1]}
    return {
        "samples": samples,
        "summary": {key: summary(values) for key, values in samples.items()},
        "busy_rate": scale.busy_rate,
        "busy_seconds": busy_seconds,
        "background_clicks": len(extra),
        "background_ran_out": len(extra) == len(background),
        "generator_behind_ms": behind,
    }


def rows(configuration: str, result: dict[str, Any]) -> list[Row]:
    """Busy p50 against twice the raw SDK's p50 under the same load (and idle alongside)."""
    s = result["summary"]
    busy = ratio(s["card_busy"]["p50"], s["raw_busy"]["p50"])
    idle = ratio(s["card_idle"]["p50"], s["raw_idle"]["p50"])
    versus_quiet = ratio(s["card_busy"]["p50"], s["raw_idle"]["p50"])
    measured = (
        f"busy p50 {ms(s['card_busy']['p50'])} / p99 {ms(s['card_busy']['p99'])} vs raw "
        f"{ms(s['raw_busy']['p50'])}: {busy:.2f}x ({versus_quiet:.2f}x raw idle); idle p50 "
        f"{ms(s['card_idle']['p50'])} / p99 {ms(s['card_idle']['p99'])} vs raw "
        f"{ms(s['raw_idle']['p50'])}: {idle:.2f}x"
    )
    if "busy_seconds" in result:
        measured += (
            f"; busy phase {result['busy_seconds']:.0f} s, {result['background_clicks']:,} "
            f"background clicks"
        )
    target = f"busy p50 <= {TARGET_RATIO:.0f}x raw"
    return [Row(NAME, configuration, measured, target, busy <= TARGET_RATIO)]


def distributions(result: dict[str, Any]) -> dict[str, list[float]]:
    return dict(result["samples"])
