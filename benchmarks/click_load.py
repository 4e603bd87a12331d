"""Load for the click benchmarks: orders seeded to wait at their gates, approvers clicking
them in the background at a steady rate, and a throughput run that decides a batch at once.

Clicks go through the bot like a person's (signed POST from the Slack stand-in); a card is
found by its message metadata, which names its workflow.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client

from activities.cards import APPROVE_ACTION
from orchestration.approval import MEMO_KEY
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, SlackSim

POLL = 0.002
SEED_POLL = 0.05
SEED_AT_ONCE = 16
CLICKS_AT_ONCE = 32


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cards_by_workflow(sim: SlackSim) -> dict[str, str]:
    """Each approval card in the channel: its workflow id, and the card's ``ts``."""
    found: dict[str, str] = {}
    for message in sim.messages(APPROVALS_CHANNEL_ID):
        payload = (message.get("metadata") or {}).get("event_payload") or {}
        key = str(payload.get("card_key") or "")
        if key and "copy" not in payload:
            found[key.split("/")[0]] = message["ts"]
    return found


def card_of(sim: SlackSim, workflow_id: str) -> dict[str, Any] | None:
    """The order's card, once posted."""
    ts = cards_by_workflow(sim).get(workflow_id)
    return None if ts is None else sim.message(APPROVALS_CHANNEL_ID, ts)


def approved(sim: SlackSim, ts: str) -> bool:
    """Whether the card shows its approval."""
    return "*Approved* by" in str(sim.message(APPROVALS_CHANNEL_ID, ts)["blocks"])


async def until(condition: Callable[[], bool], within: float = 60.0, poll: float = POLL) -> None:
    """Poll the stand-in's state (in this process) until ``condition`` holds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return
        await asyncio.sleep(poll)
    raise TimeoutError("condition not reached")


async def waiting(client: Client, workflow_id: str, within: float = 60.0) -> None:
    """Wait until the order waits at its gate: the memo knows where its card is (so the
    workflow task after the post has completed, as when a person clicks seconds later)."""
    handle = client.get_workflow_handle(workflow_id)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        state = await (await handle.describe()).memo_value(MEMO_KEY, {})
        if state.get("message_ts"):
            return
        await asyncio.sleep(SEED_POLL)
    raise TimeoutError(f"{workflow_id} did not reach its gate")


async def seed(
    client: Client, sim: SlackSim, start: Callable[[], Awaitable[str]], count: int
) -> list[tuple[str, str]]:
    """Start ``count`` orders (``start`` starts one, returning its workflow id) and wait until
    each waits at its gate; (workflow id, card ts) of each, in start order."""
    gate = asyncio.Semaphore(SEED_AT_ONCE)

    async def one() -> str:
        async with gate:
            workflow_id = await start()
            await until(lambda: workflow_id in cards_by_workflow(sim), poll=SEED_POLL)
            await waiting(client, workflow_id)
            return workflow_id

    ids = await asyncio.gather(*(one() for _ in range(count)))
    cards = cards_by_workflow(sim)
    return [(workflow_id, cards[workflow_id]) for workflow_id in ids]


async def click(sim: SlackSim, ts: str) -> float:
    """Approve one card; the ack's time in ms (as Slack sees it)."""
    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE_ACTION)
    if delivery.status != 200:
        raise RuntimeError(f"click not acked: {delivery.status} {delivery.error}")
    return delivery.elapsed_ms


async def click_until_approved(sim: SlackSim, ts: str) -> tuple[float, float]:
    """Approve one card; (ack ms, click to card updated ms)."""
    started = time.perf_counter()
    ack = await click(sim, ts)
    await until(lambda: approved(sim, ts))
    return ack, (time.perf_counter() - started) * 1000


@dataclass
class Background:
    """Approvers deciding ``cards`` at ``rate`` clicks a second, until stopped or out of cards."""

    sim: SlackSim
    cards: list[str]
    rate: float
    acks: list[float] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _runner: asyncio.Task[None] | None = None

    async def _one(self, ts: str) -> None:
        self.acks.append(await click(self.sim, ts))

    async def _run(self) -> None:
        started = time.monotonic()
        for n, ts in enumerate(self.cards):
            await asyncio.sleep(max(0.0, started + n / self.rate - time.monotonic()))
            task = asyncio.ensure_future(self._one(ts))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def start(self) -> None:
        self._runner = asyncio.ensure_future(self._run())

    @property
    def exhausted(self) -> bool:
        return self._runner is not None and self._runner.done()

    async def stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def decide_all(sim: SlackSim, cards: list[str]) -> tuple[float, list[float]]:
    """Approve every card, ``CLICKS_AT_ONCE`` clicks in flight; (seconds from the first click
    until every card shows its approval, the acks in ms)."""
    gate = asyncio.Semaphore(CLICKS_AT_ONCE)
    acks: list[float] = []

    async def one(ts: str) -> None:
        async with gate:
            acks.append(await click(sim, ts))

    started = time.perf_counter()
    await asyncio.gather(*(one(ts) for ts in cards))
    await until(lambda: all(approved(sim, ts) for ts in cards), within=600.0, poll=0.02)
    return time.perf_counter() - started, acks
