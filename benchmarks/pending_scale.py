"""Many pending approvals: how long `/workflow pending`, the Home tab and the digest take, and
whether the bot's memory stays flat, with a raw-SDK listing of the same workflows as baseline.

Seeds N waiting requests on the embedded dev server (workflows on a task queue no worker polls,
each with a pending request in its memo and search attributes, as the approval gate leaves
it), then, through the real parts on loopback (the bot over HTTP, the Slack stand-in), times
each reader, and prints the median and 95th percentile of each over the rounds.

    .venv/bin/python -m benchmarks.pending_scale [--pending 10000] [--rounds 20] [--cold]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client

from benchmarks.scenarios.lists import open_home, slash_pending
from benchmarks.seeding import seed_waiting
from benchmarks.servers import dev_server
from bot.app import EVENTS_PATH, build_app, build_web_app
from bot.digest import post_digest
from bot.slack_client import BotSlackClient
from commands.workflow import pending_index
from commands.workflow.common import APPROVABLE, types_clause
from orchestration.approval import MEMO_KEY
from slacksim import (
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)


def rss_mb() -> float:
    """This process's resident memory (the bot and the stand-in run in it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def visible(client: Client, count: int) -> float:
    """Seconds until visibility lists all ``count`` seeded requests (it lags the starts)."""
    query = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
    started = time.perf_counter()
    for _ in range(3000):  # ten minutes at most
        if (await client.count_workflows(query)).count >= count:
            return time.perf_counter() - started
        await asyncio.sleep(0.2)
    raise TimeoutError(f"visibility never listed {count} running workflows")


async def raw_listing(client: Client) -> tuple[float, int]:
    """Baseline: list the same running workflows with the raw SDK, reading each memo."""
    query = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
    started = time.perf_counter()
    seen = 0
    async for execution in client.list_workflows(query):
        await execution.memo_value(MEMO_KEY, None)
        seen += 1
    return (time.perf_counter() - started) * 1000, seen


def summary(name: str, times: list[float]) -> str:
    """``name``: median and 95th percentile (nearest rank) of ``times``, in ms."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return f"{name} p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms"


async def measure(
    sim: SlackSim, slack: AsyncWebClient, temporal: Client, rounds: int, cold: bool
) -> dict[str, list[float]]:
    """Each reader's milliseconds, round after round (printed as they come); ``cold``: each
    read searches from scratch, as the first after a start does."""
    times: dict[str, list[float]] = {"pending": [], "home": [], "digest": []}
    forget = pending_index.forget_hints if cold else (lambda: None)
    for round_ in range(1, rounds + 1):
        forget()
        pending_ms, first_line = await slash_pending(sim, REQUESTER_ID)
        forget()
        home_ms = await open_home(sim)
        forget()
        digest_started = time.perf_counter()
        await post_digest(BotSlackClient(slack), temporal, "approvals")
        digest_ms = (time.perf_counter() - digest_started) * 1000
        for name, ms in zip(times, (pending_ms, home_ms, digest_ms), strict=True):
            times[name].append(ms)
        print(
            f"round {round_}: /workflow pending {pending_ms:.0f} ms ({first_line}); "
            f"Home tab {home_ms:.0f} ms; digest {digest_ms:.0f} ms; RSS {rss_mb():.0f} MB"
        )
    return times


async def main(count: int, concurrency: int, rounds: int, cold: bool) -> None:
    async with (
        await dev_server() as env,
        running_sim() as sim,
    ):
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        app = build_app(slack, DEFAULT_SIGNING_SECRET, env.client)
        web_app = build_web_app(app, signing_secret=DEFAULT_SIGNING_SECRET)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        sim.bot_url = f"http://127.0.0.1:{runner.addresses[0][1]}{EVENTS_PATH}"
        try:
            await open_home(sim)  # warm up: imports, first connections
            memory_before = rss_mb()
            spread = timedelta(seconds=1)
            seconds = await seed_waiting(
                env.client,
                count,
                since=datetime.now(UTC) - count * spread,
                spacing=spread,
                concurrency=concurrency,
            )
            print(f"seeded {count} pending approvals in {seconds:.1f} s")
            print(f"visibility caught up {await visible(env.client, count):.1f} s later")
            raw_ms, seen = await raw_listing(env.client)
            print(f"baseline raw SDK listing of {seen} running, memo read: {raw_ms:.0f} ms")
            times = await measure(sim, slack, env.client, rounds, cold)
            print(f"RSS before seeding {memory_before:.0f} MB, after {rss_mb():.0f} MB")
            print(f"ratio /workflow pending / raw listing: {times['pending'][-1] / raw_ms:.2f}x")
            print(
                f"over {rounds} rounds: "
                + "; ".join(summary(name, ms) for name, ms in times.items())
            )
        finally:
            await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--cold", action="store_true", help="no read starts from the moment the last one found"
    )
    args = parser.parse_args()
    asyncio.run(main(args.pending, args.concurrency, args.rounds, args.cold))
