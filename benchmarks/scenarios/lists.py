"""``lists``: ``/workflow pending``, opening the Home tab and the digest, with few and with
many requests waiting (seeded cheaply, :mod:`benchmarks.seeding`).

``/workflow pending`` and the Home tab go through the stand-in to the bot and are timed until
the answer shows (the ephemeral, the newly published view). The digest is posted by this
process through the bot's own code (:func:`bot.digest.post_digest`) against the same server:
the bot posts it only on its schedule.
"""

from __future__ import annotations

import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from benchmarks.polling import assert_eventually
from benchmarks.scale import Scale
from benchmarks.scenarios import Row, judged, ms
from benchmarks.seeding import seed_waiting
from benchmarks.stacks import Stack
from benchmarks.stats import ratio, summary
from bot.digest import post_digest
from bot.slack_client import BotSlackClient
from slacksim import APPROVER_ID, DEFAULT_BOT_TOKEN, GENERAL_CHANNEL_ID, SlackSim

NAME = "lists"
READERS = ("pending", "home", "digest")
WITHIN = 300.0
POLL = 0.005
TARGET_MS = 300.0
TARGET_RATIO = 2.0
TARGET_SIZE = 10_000


async def slash_pending(sim: SlackSim, user: str = APPROVER_ID) -> tuple[float, str]:
    """``/workflow pending`` as ``user``: ms until the answer shows; its first line."""
    before = len(sim.ephemerals(user))
    started = time.perf_counter()
    await sim.slash(user, GENERAL_CHANNEL_ID, "/workflow", "pending")
    await assert_eventually(
        lambda: len(sim.ephemerals(user)), lambda n: n > before, within=WITHIN, interval=POLL
    )
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, str(sim.ephemerals(user)[-1]["text"]).splitlines()[0]


async def open_home(sim: SlackSim) -> float:
    """Open the approver's Home tab; ms until a new view is published."""
    previous = (sim.home_view(APPROVER_ID) or {}).get("hash")
    started = time.perf_counter()
    await sim.open_home(APPROVER_ID)
    await assert_eventually(
        lambda: (sim.home_view(APPROVER_ID) or {}).get("hash"),
        lambda current: current is not None and current != previous,
        within=WITHIN,
        interval=POLL,
    )
    return (time.perf_counter() - started) * 1000


async def digest(stack: Stack, slack: BotSlackClient) -> float:
    """Post the digest; ms until it is posted."""
    started = time.perf_counter()
    posted = await post_digest(slack, stack.client, stack.settings.approvals_channel)
    if posted is None:
        raise AssertionError("the digest was not posted")
    return (time.perf_counter() - started) * 1000


async def all_visible(stack: Stack, size: int) -> None:
    """Until visibility lists ``size`` pending requests."""
    query = "ApprovalStatus = 'pending' AND ExecutionStatus = 'Running'"
    await assert_eventually(
        lambda: stack.client.count_workflows(query),
        lambda found: found.count >= size,
        within=300.0,
        what=f"{size} pending requests visible",
    )


async def measure(stack: Stack, scale: Scale) -> dict[str, Any]:
    """Each reader ``scale.list_samples`` times at each of ``scale.list_sizes`` waiting."""
    slack = BotSlackClient(AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=stack.sim.api_url))
    samples: dict[str, list[float]] = {}
    seeded: dict[str, float] = {}
    answers: dict[str, str] = {}
    await open_home(stack.sim)  # warm-up: imports, first connections
    count = 0
    for size in scale.list_sizes:
        seeded[str(size)] = await seed_waiting(stack.client, size - count, first=count)
        count = size
        await all_visible(stack, size)  # visibility lags the starts a little
        pending: list[float] = []
        for _ in range(scale.list_samples):
            elapsed, answers[str(size)] = await slash_pending(stack.sim)
            pending.append(elapsed)
        samples[f"pending@{size}"] = pending
        samples[f"home@{size}"] = [await open_home(stack.sim) for _ in range(scale.list_samples)]
        samples[f"digest@{size}"] = [await digest(stack, slack) for _ in range(scale.list_samples)]
    return {
        "sizes": list(scale.list_sizes),
        "samples": samples,
        "summary": {key: summary(values) for key, values in samples.items()},
        "seed_seconds": seeded,
        "first_line_of_answer": answers,
    }


def rows(configuration: str, result: dict[str, Any]) -> list[Row]:
    """p95 at the larger size against 300 ms, and against twice the smaller size's."""
    small, big = result["sizes"]
    found = []
    for reader in READERS:
        p_small = result["summary"][f"{reader}@{small}"]["p95"]
        p_big = result["summary"][f"{reader}@{big}"]["p95"]
        times = ratio(p_big, p_small)
        found.append(
            Row(
                f"{NAME}: {reader}",
                configuration,
                f"p95 {ms(p_big)} at {big:,}; {ms(p_small)} at {small:,} ({times:.1f}x)",
                f"p95 <= {TARGET_MS:.0f} ms at 10,000 and <= {TARGET_RATIO:.0f}x of 200",
                judged(p_big <= TARGET_MS and times <= TARGET_RATIO, big >= TARGET_SIZE),
            )
        )
    return found


def distributions(result: dict[str, Any]) -> dict[str, list[float]]:
    """The latency samples worth plotting, by label."""
    return dict(result["samples"])
