"""Click latency: how fast the bot acks a click, and how long until the card shows the outcome.

Runs the real parts on loopback (embedded Temporal dev server, worker, bot over HTTP, Slack
stand-in) and, as the baseline in the same run, a bare Temporal round trip with the raw SDK:
signal a waiting workflow that then runs one activity.

With ``--busy RATE``, approvers decide other waiting orders at RATE clicks a second in the
background while the clicks are measured (each measured click is followed by one baseline
round trip, so both see the same load). With ``--throughput N``, N waiting orders are all
approved at once, against N raw-SDK workflows signalled at once.

    .venv/bin/python -m benchmarks.click_latency [--orders 30] [--busy 20] [--throughput 200]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client
from temporalio.worker import Worker

from activities.orders import OrderServices
from activities.slack import new_slack_client
from benchmarks import baseline as raw
from benchmarks.click_load import (
    Background,
    click_until_approved,
    decide_all,
    pct,
    seed,
)
from benchmarks.servers import dev_server
from bot.app import EVENTS_PATH, build_app, build_web_app
from cli.examples import example_order
from orchestration.models.approval import ApprovalPolicy
from orchestration.models.order import OrderInput, OrderPolicy
from orchestration.worker import build_worker
from orchestration.workflows.order import OrderWorkflow
from slacksim import (
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)

# The measured clicks of a busy run take about this long each; the background needs as many
# waiting orders as it clicks meanwhile.
BUSY_CLICK_SECONDS = 0.6
WARM_UP = 2.0


@dataclass
class Stack:
    """The parts in this process: Temporal client, stand-in, chatops' queue, the raw SDK's."""

    client: Client
    sim: SlackSim
    queue: str
    raw_queue: str

    async def start_order(self) -> str:
        order = example_order("large", requested_by=REQUESTER_ID)
        policy = OrderPolicy(approval=ApprovalPolicy(approvers=[APPROVER_ID]))
        await self.client.start_workflow(
            OrderWorkflow.run,
            OrderInput(order=order, policy=policy),
            id=order.workflow_id,
            task_queue=self.queue,
        )
        return order.workflow_id


@asynccontextmanager
async def running_stack() -> AsyncIterator[Stack]:
    """Dev server, stand-in, bot over HTTP, chatops' worker and the raw SDK's worker."""
    async with await dev_server() as env, running_sim() as sim:
        app = build_app(
            AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url),
            DEFAULT_SIGNING_SECRET,
            env.client,
        )
        runner = web.AppRunner(build_web_app(app, signing_secret=DEFAULT_SIGNING_SECRET))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        sim.bot_url = f"http://127.0.0.1:{runner.addresses[0][1]}{EVENTS_PATH}"
        stack = Stack(env.client, sim, f"bench-{uuid.uuid4().hex[:8]}", f"raw-{uuid.uuid4().hex}")
        slack = new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url)
        try:
            with tempfile.TemporaryDirectory() as outbox:
                async with (
                    build_worker(env.client, stack.queue, slack, OrderServices(Path(outbox))),
                    Worker(
                        env.client,
                        task_queue=stack.raw_queue,
                        workflows=[raw.BaselineWorkflow],
                        activities=[raw.touch],
                    ),
                ):
                    yield stack
        finally:
            await runner.cleanup()


async def one_at_a_time(stack: Stack, runs: int) -> tuple[list[float], list[float]]:
    """Each order started, clicked once it waits, and finished before the next starts."""
    acks: list[float] = []
    updated: list[float] = []
    for _ in range(runs):
        ((workflow_id, ts),) = await seed(stack.client, stack.sim, stack.start_order, 1)
        ack, update = await click_until_approved(stack.sim, ts)
        acks.append(ack)
        updated.append(update)
        await stack.client.get_workflow_handle(workflow_id).result()
    return acks, updated


async def busy(stack: Stack, runs: int, rate: float) -> list[list[float]]:
    """``runs`` measured clicks (and raw round trips) while others are decided at ``rate``;
    the acks, click-to-card times, raw round trips and background acks."""
    background_count = math.ceil(rate * (WARM_UP + runs * BUSY_CLICK_SECONDS * 2))
    cards = await seed(stack.client, stack.sim, stack.start_order, runs + background_count)
    load = Background(stack.sim, [ts for _, ts in cards[runs:]], rate)
    load.start()
    await asyncio.sleep(WARM_UP)
    acks, updated, base = [], [], []
    try:
        for _, ts in cards[:runs]:
            ack, update = await click_until_approved(stack.sim, ts)
            acks.append(ack)
            updated.append(update)
            base.append(await raw.round_trip(stack.client, stack.raw_queue))
            if load.exhausted:
                print(f"the background ran out of waiting orders after {len(acks)} clicks")
    finally:
        await load.stop()
    return [acks, updated, base, load.acks]


async def throughput(stack: Stack, count: int) -> None:
    cards = await seed(stack.client, stack.sim, stack.start_order, count)
    seconds, acks = await decide_all(stack.sim, [ts for _, ts in cards])
    rate = count / seconds
    raw_rate = await raw.throughput(stack.client, stack.raw_queue, count)
    print(f"throughput: {count} waiting orders approved at once, {count} raw workflows signalled")
    print(f"decided approvals (card updated): {rate:.1f}/s; ack p50 {pct(acks, 0.5):.1f} ms, "
          f"p99 {pct(acks, 0.99):.1f} ms")  # fmt: skip
    print(f"raw SDK signal and complete:      {raw_rate:.1f}/s")
    print(f"ratio: {rate / raw_rate:.2f}")


def report(acks: list[float], updated: list[float], base: list[float]) -> None:
    def line(v: list[float]) -> str:
        return f"p50 {pct(v, 0.5):.1f} ms, p99 {pct(v, 0.99):.1f} ms"

    print(f"ack (Slack-visible response time): {line(acks)}, max {max(acks):.1f} ms")
    print(f"click -> card updated:           {line(updated)}")
    print(f"baseline signal + activity:      {line(base)}")
    ratio = statistics.median(updated) / statistics.median(base)
    print(f"ratio click->card / baseline (medians): {ratio:.2f}x")


async def main(runs: int, rate: float, count: int) -> None:
    async with running_stack() as stack:
        if count:
            await throughput(stack, count)
            return
        base = [await raw.round_trip(stack.client, stack.raw_queue) for _ in range(runs)]
        if not rate:
            acks, updated = await one_at_a_time(stack, runs)
            print(f"runs: {runs} (each: one order approved by a click)")
            report(acks, updated, base)
            return
        acks, updated, busy_base, background = await busy(stack, runs, rate)
    print(f"runs: {runs} clicks while others are approved at {rate:g}/s in the background")
    print(f"background acks: {len(background)}, p50 {pct(background, 0.5):.1f} ms, "
          f"p99 {pct(background, 0.99):.1f} ms")  # fmt: skip
    report(acks, updated, busy_base)
    idle = statistics.median(updated) / statistics.median(base)
    print(f"ratio click->card (busy) / baseline idle (medians): {idle:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument("--busy", type=float, default=0.0, metavar="RATE")
    parser.add_argument("--throughput", type=int, default=0, metavar="N")
    args = parser.parse_args()
    asyncio.run(main(args.orders, args.busy, args.throughput))
