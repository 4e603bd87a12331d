"""Clicks on the stack users run: ``chatops server`` (the embedded Temporal server on its SQLite
file), ``chatops worker`` and ``chatops bot`` as processes of their own, with the Slack
stand-in in this process clicking as approvers do.

Modes: ``idle`` (one order waits; click; the order finishes before the next), ``queue``
(approvers click through N waiting orders one after another), ``busy`` (one click at a time
while others are decided at ``--rate`` a second), ``throughput`` (N waiting orders approved at
once). Each part's CPU time and memory over the measured run are reported.

    .venv/bin/python -m benchmarks.process_clicks idle|queue|busy|throughput [--orders 30]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
import uuid
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from benchmarks import baseline as raw
from benchmarks.baseline import BaselineWorkflow as Raw
from benchmarks.click_load import Background, click_until_approved, decide_all, pct, seed
from cli.examples import example_order
from cli.orders import start_order
from slacksim import REQUESTER_ID
from tests.process_stack import ProcessStack, running_process_stack

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
WARM_UP = 2.0
BUSY_CLICK_SECONDS = 1.0


def group_usage(group: int) -> tuple[float, float]:
    """CPU seconds and resident MB of every process in the process group ``group``."""
    cpu = rss = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp (fields counted from the state, the 3rd overall)
            cpu += (int(fields[11]) + int(fields[12])) / TICKS
            rss += int(fields[21]) * PAGE / 2**20
    return cpu, rss


def usage(stack: ProcessStack) -> dict[str, tuple[float, float]]:
    return {role: group_usage(part.pid or 0) for role, part in stack.parts.items()}


def report_usage(before: dict[str, tuple[float, float]], stack: ProcessStack, n: int) -> None:
    for role, (cpu, rss) in usage(stack).items():
        spent = cpu - before[role][0]
        print(f"{role}: CPU {spent:.1f} s ({spent / n * 1000:.0f} ms a decision), RSS {rss:.0f} MB")


async def seeded(stack: ProcessStack, count: int) -> list[tuple[str, str]]:
    """``count`` orders waiting at their gates: (workflow id, card ts) of each."""

    async def start() -> str:
        order = example_order("large", requested_by=REQUESTER_ID)
        return await start_order(stack.client, stack.settings, order)

    return await seed(stack.client, stack.sim, start, count)


async def clicks(stack: ProcessStack, cards: list[str], finish: bool) -> None:
    """Click each card once the previous one shows its approval."""
    acks, updated = [], []
    for ts in cards:
        ack, update = await click_until_approved(stack.sim, ts)
        acks.append(ack)
        updated.append(update)
        if finish:  # the order's payment and delivery are done before the next click
            await asyncio.sleep(0.5)
    print(f"ack: p50 {pct(acks, 0.5):.1f} ms, p99 {pct(acks, 0.99):.1f} ms")
    print(f"click -> card: p50 {pct(updated, 0.5):.1f} ms, p99 {pct(updated, 0.99):.1f} ms")


async def throughput(stack: ProcessStack, orders: list[tuple[str, str]]) -> None:
    """Approve every order at once: decided (card updated) and completed orders a second;
    then as many raw-SDK workflows signalled at once on the same server."""
    before = usage(stack)
    started = time.perf_counter()
    seconds, acks = await decide_all(stack.sim, [ts for _, ts in orders])
    decided = len(orders) / seconds
    print(f"decided: {decided:.1f}/s, ack p99 {pct(acks, 0.99):.1f} ms")
    await asyncio.gather(*(stack.client.get_workflow_handle(w).result() for w, _ in orders))
    print(f"completed: {len(orders) / (time.perf_counter() - started):.1f}/s")
    report_usage(before, stack, len(orders))
    queue = f"raw-{uuid.uuid4().hex}"
    # The stack's client is lazy, which a worker cannot use.
    client = await Client.connect(
        stack.client.service_client.config.target_host,
        namespace=stack.client.namespace,
        data_converter=pydantic_data_converter,
    )
    async with Worker(client, task_queue=queue, workflows=[Raw], activities=[raw.touch]):
        raw_rate = await raw.throughput(client, queue, len(orders))
    print(f"raw SDK signal and complete: {raw_rate:.1f}/s; decided / raw: {decided / raw_rate:.2f}")


async def busy(stack: ProcessStack, measured: list[str], others: list[str], rate: float) -> None:
    """Click ``measured`` one at a time while ``others`` are approved at ``rate`` a second."""
    load = Background(stack.sim, others, rate)
    load.start()
    await asyncio.sleep(WARM_UP)
    try:
        await clicks(stack, measured, finish=False)
    finally:
        print("background ran out" if load.exhausted else "background kept going")
        await load.stop()
    print(f"background acks: p50 {pct(load.acks, 0.5):.1f} ms, p99 {pct(load.acks, 0.99):.1f} ms")


async def run(mode: str, count: int, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_process_stack(Path(tmp)) as stack:
            extra = math.ceil(rate * (WARM_UP + count * BUSY_CLICK_SECONDS))
            orders = await seeded(stack, count + extra)
            print(f"{mode}: {count} measured orders, {extra} more clicked at {rate:g}/s")
            cards = [ts for _, ts in orders]
            before = usage(stack)
            if mode == "throughput":
                await throughput(stack, orders)
                return
            if mode == "busy":
                await busy(stack, cards[:count], cards[count:], rate)
            else:
                await clicks(stack, cards, finish=mode == "idle")
            report_usage(before, stack, len(cards))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["idle", "queue", "busy", "throughput"])
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(run(args.mode, args.orders, args.rate if args.mode == "busy" else 0.0))
