"""A bot sent SIGTERM while clicks are in flight loses none and applies none twice: it stops
listening, finishes the requests it has (each acked only once Temporal has its decision), and
exits 0. A click it never took is not acked, so the person (or Slack) tries again, and the
bot that replaces it applies that click once.

The bot runs as ``chatops bot`` in a process of its own; the stand-in and the worker are the
test's. Slack answers the bot's ``auth.test`` slowly, which holds the first clicks inside the
bot: SIGTERM comes once one of them is there, so some are surely in flight; more clicks come
once the bot has stopped listening, while it still finishes the first ones."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory

from activities.cards import APPROVE_ACTION
from benchmarks.processes import Part, answers
from cli.examples import example_order
from orchestration.decisions import load_approval
from orchestration.models.approval import ApprovalStatus
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, REQUESTER_ID, Delivery
from tests.helpers import assert_eventually, isolated_env
from tests.stack import Stack

CLICKS = 12
FIRST_WAVE = 8
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def bot_part(stack: Stack, tmp_path: Path) -> tuple[Part, str]:
    """``chatops bot`` against the stack's Temporal, task queue and stand-in; its events URL."""
    env, ports = isolated_env()
    env.update(
        TEMPORAL_ADDRESS=stack.client.service_client.config.target_host,
        CHATOPS_TASK_QUEUE=stack.task_queue,
        CHATOPS_SLACK_SIM_PORT=stack.sim.base_url.rstrip("/").rsplit(":", 1)[1],
        CHATOPS_DATA_DIR=str(tmp_path / "data"),
        CHATOPS_DIGEST_CRON="off",
        CHATOPS_RECONCILE_EVERY="off",
    )
    return Part("bot", env, tmp_path / "logs"), f"http://127.0.0.1:{ports['CHATOPS_BOT_PORT']}"


async def start(bot: Part, url: str) -> None:
    await bot.start()
    await assert_eventually(lambda: answers(f"{url}/healthz"), bool, within=START_TIMEOUT)


def click(stack: Stack, card: dict[str, Any]) -> Awaitable[Delivery]:
    """The approver clicks Approve on ``card``."""
    return stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)


async def refuses(url: str) -> bool:
    """Whether nothing listens at ``url``'s port any more."""
    host, port = url.removeprefix("http://").split(":")
    try:
        _, writer = await asyncio.open_connection(host, int(port))
    except ConnectionRefusedError:
        return True
    writer.close()
    await writer.wait_closed()
    return False


def handle_of(card: dict[str, Any], handles: list[Any]) -> Any:
    """The workflow whose card ``card`` is (its buttons carry the workflow id)."""
    [handle] = [h for h in handles if h.id in str(card["blocks"])]
    return handle


def decisions_signalled(history: WorkflowHistory) -> int:
    """How many decisions reached the workflow (``decide`` signals in its history)."""
    return sum(
        event.workflow_execution_signaled_event_attributes.signal_name == "decide"
        for event in history.events
    )


async def approved_once(stack: Stack, handle: Any) -> None:
    """The request ends approved by the approver, from exactly one decision. Read from the
    memo and the history, which need no replay (a query of a finished workflow would)."""
    state = await assert_eventually(
        lambda: load_approval(stack.client, handle.id),
        lambda s: s.status is ApprovalStatus.APPROVED,
        what=f"{handle.id} approved",
    )
    assert (state.decided_by, state.approvals) == (APPROVER_ID, [APPROVER_ID])
    assert decisions_signalled(await handle.fetch_history()) == 1


async def waiting_orders(stack: Stack, count: int) -> tuple[list[Any], list[dict[str, Any]]]:
    """``count`` large orders started, each waiting for approval; their handles and cards."""
    handles = [
        await stack.start_order(example_order("large", requested_by=REQUESTER_ID))
        for _ in range(count)
    ]
    cards = await assert_eventually(stack.messages, lambda m: len(m) == count, what="cards")
    return handles, cards


async def test_sigterm_with_clicks_in_flight_loses_none_and_applies_none_twice(
    stack: Stack, tmp_path: Path
) -> None:
    handles, cards = await waiting_orders(stack, CLICKS)
    bot, url = bot_part(stack, tmp_path)
    await start(bot, url)
    in_process_bot, stack.sim.bot_url = stack.sim.bot_url, f"{url}/slack/events"
    # Every auth.test answers after a second: the first clicks wait inside the bot.
    stack.sim.faults.add("auth.test", "latency", seconds=1.0, count=1000)
    try:
        first, late = cards[:FIRST_WAVE], cards[FIRST_WAVE:]
        clicks = [asyncio.ensure_future(click(stack, card)) for card in first]
        await assert_eventually(lambda: stack.sim.faults.applied, bool, what="a click inside")
        assert bot.process is not None
        bot.process.send_signal(signal.SIGTERM)
        # Once the bot has stopped listening, and while it finishes the first clicks, more come.
        await assert_eventually(lambda: refuses(url), bool, what="the bot to stop listening")
        clicks += [asyncio.ensure_future(click(stack, card)) for card in late]
        deliveries: list[Delivery] = await asyncio.gather(*clicks)
        # One SIGTERM only: the bot stops by itself, and exits 0.
        assert await asyncio.wait_for(bot.process.wait(), STOP_TIMEOUT) == 0, bot.log_tail()

        acked = [(d.status, d.error) == (200, None) for d in deliveries]
        # The clicks inside when SIGTERM came were finished; those after it were not taken.
        assert any(acked[:FIRST_WAVE]) and not any(acked[FIRST_WAVE:]), deliveries
        for card, was_acked in zip(cards, acked, strict=True):
            if was_acked:
                await approved_once(stack, handle_of(card, handles))

        # The clicks the stopping bot never took: clicked again, at the bot replacing it.
        await start(bot, url)
        for card, was_acked in zip(cards, acked, strict=True):
            if not was_acked:
                again = await click(stack, card)
                assert (again.status, again.error) == (200, None), again
        for handle in handles:
            await approved_once(stack, handle)
    finally:
        stack.sim.bot_url = in_process_bot
        stack.sim.faults.clear()
        await bot.stop()
