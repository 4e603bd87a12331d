"""Click latency: how fast the bot acks a click, and how long until the card shows the outcome.

Runs the real parts on loopback (embedded Temporal dev server, worker, bot over HTTP, Slack
stand-in) and, as the baseline in the same run, a bare Temporal round trip with the raw SDK:
signal a waiting workflow that then runs one activity.

    .venv/bin/python -m benchmarks.click_latency [--orders 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client
from temporalio.worker import Worker

from activities.cards import APPROVE_ACTION
from activities.orders import OrderServices
from activities.slack import new_slack_client
from benchmarks.baseline import BaselineWorkflow, touch
from benchmarks.servers import dev_server
from bot.app import EVENTS_PATH, build_app, build_web_app
from cli.examples import example_order
from orchestration.approval import MEMO_KEY
from orchestration.models.approval import ApprovalPolicy
from orchestration.models.order import OrderInput, OrderPolicy
from orchestration.worker import build_worker
from orchestration.workflows.order import OrderWorkflow
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)

POLL = 0.002


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def baseline(client: Client, runs: int) -> list[float]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    times: list[float] = []
    async with Worker(client, task_queue=queue, workflows=[BaselineWorkflow], activities=[touch]):
        for _ in range(runs):
            handle = await client.start_workflow(
                BaselineWorkflow.run, id=f"baseline-{uuid.uuid4().hex}", task_queue=queue
            )
            await asyncio.sleep(0.05)  # let it reach the wait, as an order reaches its gate
            started = time.perf_counter()
            await handle.signal(BaselineWorkflow.go)
            done = await handle.result()
            times.append((done - started) * 1000)
    return times


async def until(condition: Callable[[], bool], within: float = 30.0) -> None:
    """Poll the stand-in's state (in this process) until ``condition`` holds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(POLL)
    raise TimeoutError("condition not reached")


def card_of(sim: SlackSim, workflow_id: str) -> dict[str, Any] | None:
    cards = [m for m in sim.messages(APPROVALS_CHANNEL_ID) if workflow_id in str(m["blocks"])]
    return cards[0] if cards else None


async def at_the_gate(client: Client, workflow_id: str, within: float = 30.0) -> None:
    """Wait until the order waits at its gate: the memo knows where its card is, so the
    workflow task that followed the post has completed (a person clicks seconds later; a
    signal sent sooner would wait for that task, which the baseline's wait also avoids)."""
    handle = client.get_workflow_handle(workflow_id)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        state = await (await handle.describe()).memo_value(MEMO_KEY, {})
        if state.get("message_ts"):
            return
        await asyncio.sleep(POLL)
    raise TimeoutError("the order did not reach its gate")


async def click_and_wait(sim: SlackSim, client: Client, workflow_id: str) -> tuple[float, float]:
    """Approve the order's card once it waits; return (ack ms, click-to-card-updated ms)."""
    await until(lambda: card_of(sim, workflow_id) is not None)
    await at_the_gate(client, workflow_id)
    ts = (card_of(sim, workflow_id) or {})["ts"]
    started = time.perf_counter()
    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE_ACTION)
    await until(lambda: "*Approved* by" in str(sim.message(APPROVALS_CHANNEL_ID, ts)))
    return delivery.elapsed_ms, (time.perf_counter() - started) * 1000


async def orders(
    client: Client, sim: SlackSim, runs: int, outbox: Path
) -> tuple[list[float], list[float]]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    acks: list[float] = []
    updated: list[float] = []
    policy = OrderPolicy(approval=ApprovalPolicy(approvers=[APPROVER_ID]))
    slack = new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url)
    async with build_worker(client, queue, slack, OrderServices(outbox=outbox)):
        for _ in range(runs):
            order = example_order("large", requested_by=REQUESTER_ID)
            handle = await client.start_workflow(
                OrderWorkflow.run,
                OrderInput(order=order, policy=policy),
                id=order.workflow_id,
                task_queue=queue,
            )
            ack, update = await click_and_wait(sim, client, order.workflow_id)
            acks.append(ack)
            updated.append(update)
            # One decision at a time, as in the baseline: the order's payment and delivery
            # finish before the next order starts.
            await handle.result()
    return acks, updated


async def main(runs: int) -> None:
    async with (
        await dev_server() as env,
        running_sim() as sim,
    ):
        app = build_app(
            AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url),
            DEFAULT_SIGNING_SECRET,
            env.client,
        )
        web_app = build_web_app(app, signing_secret=DEFAULT_SIGNING_SECRET)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        sim.bot_url = f"http://127.0.0.1:{runner.addresses[0][1]}{EVENTS_PATH}"
        try:
            base = await baseline(env.client, runs)
            with tempfile.TemporaryDirectory() as outbox:
                acks, updated = await orders(env.client, sim, runs, Path(outbox))
        finally:
            await runner.cleanup()
    print(f"runs: {runs} (each: one order approved by a click)")
    print(
        f"ack (Slack-visible response time): p50 {pct(acks, 0.5):.1f} ms, "
        f"p99 {pct(acks, 0.99):.1f} ms, max {max(acks):.1f} ms"
    )
    print(
        f"click -> card updated:           p50 {pct(updated, 0.5):.1f} ms, "
        f"p99 {pct(updated, 0.99):.1f} ms"
    )
    print(
        f"baseline signal + activity:      p50 {pct(base, 0.5):.1f} ms, "
        f"p99 {pct(base, 0.99):.1f} ms"
    )
    ratio = statistics.median(updated) / statistics.median(base)
    print(f"ratio click->card / baseline (medians): {ratio:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=30)
    asyncio.run(main(parser.parse_args().orders))
