"""Acked clicks survive a bot that dies: the bot runs as its own process and is killed
(SIGKILL) right after some clicks were acknowledged, then started again.

Every click Slack got a 200 for must be applied, exactly once: an acked decision that is lost
would leave its card waiting until it expires. Runs on loopback: the embedded dev server, the
Slack stand-in and a worker in this process, ``chatops bot`` as a child process. With
``--latency``, the bot reaches Temporal through a proxy that delays every answer, as a
cluster in another data centre (or a busy one) would.

    .venv/bin/python -m benchmarks.ack_kill [--orders 60] [--kills 6] [--latency-ms 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from temporalio.client import Client

from activities.cards import APPROVE_ACTION
from activities.orders import OrderServices
from activities.slack import new_slack_client
from benchmarks.click_load import card_of, until
from benchmarks.click_load import waiting as at_the_gate
from benchmarks.processes import Part, answers, free_port
from benchmarks.servers import dev_server
from cli.examples import example_order
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalPolicy, ApprovalStatus
from orchestration.models.order import OrderInput, OrderPolicy
from orchestration.worker import build_worker
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_BOT_TOKEN, REQUESTER_ID, SlackSim
from slacksim.server import running_sim


def bot_env(target: str, queue: str, port: int, sim: SlackSim, data: str) -> dict[str, str]:
    """The environment of ``chatops bot``: this run's Temporal, queue, port and stand-in."""
    owned = ("SLACK_", "CHATOPS_", "TEMPORAL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(owned)}
    env.update(
        TEMPORAL_ADDRESS=target,
        CHATOPS_TASK_QUEUE=queue,
        CHATOPS_BOT_PORT=str(port),
        SLACK_API_URL=sim.api_url,
        CHATOPS_DATA_DIR=data,
        CHATOPS_DIGEST_CRON="off",
        CHATOPS_RECONCILE_EVERY="off",
    )
    return env


async def start_bot(bot: Part, port: int) -> None:
    """Start ``chatops bot`` as a child process; return once it answers its health check."""
    await bot.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if await answers(f"http://127.0.0.1:{port}/healthz"):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not start:\n{bot.log_tail()}")


def card_posted(sim: SlackSim, workflow_id: str) -> Callable[[], bool]:
    """Whether the order's card is in the channel yet."""
    return lambda: card_of(sim, workflow_id) is not None


async def applied(client: Client, workflow_id: str) -> int:
    """How many decisions the order's gate applied."""
    state = await client.get_workflow_handle(workflow_id).query(ApprovableWorkflow.approval)
    if state is None:
        return 0
    return sum(1 for attempt in state.attempts if attempt.result.value == "applied")


async def delayed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, by: float) -> None:
    """Copy ``reader`` to ``writer``, each chunk ``by`` seconds late, in order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, chunk = await queue.get()
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if not chunk:
                writer.close()
                return
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.ensure_future(deliver())
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            queue.put_nowait((time.monotonic() + by, chunk))
    queue.put_nowait((time.monotonic() + by, b""))
    with contextlib.suppress(ConnectionError):
        await sender


async def latency_proxy(target: str, latency: float) -> tuple[asyncio.Server, str]:
    """A TCP proxy to ``target`` whose answers arrive ``latency`` seconds late."""
    host, _, port = target.rpartition(":")

    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(
            delayed(reader, upstream_writer, 0.0),
            delayed(upstream_reader, writer, latency),
            return_exceptions=True,
        )

    proxy = await asyncio.start_server(connect, "127.0.0.1", 0)
    return proxy, f"127.0.0.1:{proxy.sockets[0].getsockname()[1]}"


async def click_through(
    client: Client, sim: SlackSim, bot: Part, port: int, queue: str, orders: int, chosen: set[int]
) -> list[str]:
    """Start ``orders`` orders one at a time and approve each on its card; kill the bot right
    after the acks of the ``chosen`` ones. The ids whose click got an HTTP 200."""
    policy = OrderPolicy(use_policy_file=False, approval=ApprovalPolicy(approvers=[APPROVER_ID]))
    acked: list[str] = []
    for index in range(orders):
        order = example_order("large", requested_by=REQUESTER_ID)
        await client.start_workflow(
            OrderWorkflow.run,
            OrderInput(order=order, policy=policy),
            id=order.workflow_id,
            task_queue=queue,
        )
        await until(card_posted(sim, order.workflow_id))
        await at_the_gate(client, order.workflow_id)
        card = card_of(sim, order.workflow_id) or {}
        delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        if delivery.status == 200:
            acked.append(order.workflow_id)
        if index in chosen:  # killed the moment Slack has its 200
            await bot.kill()
            await start_bot(bot, port)
    return acked


async def judge(client: Client, acked: list[str]) -> tuple[list[str], list[str]]:
    """The acked decisions that were lost, and those applied more than once."""
    lost, doubled = [], []
    for workflow_id in acked:
        handle = client.get_workflow_handle(workflow_id)
        with contextlib.suppress(TimeoutError):  # judged by its state below
            await asyncio.wait_for(handle.result(), 30)
        state = await handle.query(ApprovableWorkflow.approval)
        if state is None or state.status is not ApprovalStatus.APPROVED:
            lost.append(workflow_id)
        elif await applied(client, workflow_id) != 1:
            doubled.append(workflow_id)
    return lost, doubled


async def run(orders: int, kills: int, seed: int, latency: float) -> None:
    chosen = set(random.Random(seed).sample(range(orders), kills))
    queue, port = f"bench-{os.getpid()}", free_port()
    async with await dev_server() as server, running_sim() as sim:
        sim.bot_url = f"http://127.0.0.1:{port}/slack/events"
        target = server.client.service_client.config.target_host
        proxy: asyncio.Server | None = None
        if latency > 0:
            proxy, target = await latency_proxy(target, latency)
        with tempfile.TemporaryDirectory() as data:
            slack = new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url)
            services = OrderServices(outbox=Path(data) / "outbox")
            async with build_worker(server.client, queue, slack, services):
                bot = Part("bot", bot_env(target, queue, port, sim, data), Path(data) / "logs")
                await start_bot(bot, port)
                try:
                    acked = await click_through(
                        server.client, sim, bot, port, queue, orders, chosen
                    )
                finally:
                    await bot.stop()
                lost, doubled = await judge(server.client, acked)
        if proxy is not None:
            proxy.close()
    print(
        f"orders: {orders}, bot killed with SIGKILL right after {kills} acked clicks; "
        f"bot to Temporal +{latency * 1000:.0f} ms per answer"
    )
    print(f"clicks acked (HTTP 200): {len(acked)}")
    print(f"acked decisions lost: {len(lost)} {lost}")
    print(f"acked decisions applied more than once: {len(doubled)} {doubled}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    arguments = parser.parse_args()
    kills = min(arguments.kills, arguments.orders)
    asyncio.run(run(arguments.orders, kills, arguments.seed, arguments.latency_ms / 1000))
