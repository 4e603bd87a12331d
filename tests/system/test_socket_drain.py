"""A bot in Socket Mode sent SIGTERM while clicks are in flight loses none and applies none
twice: it stops taking envelopes, acks those in hand once Temporal has their decisions, then
closes its connection and exits 0. Clicks that reach it meanwhile are not acked, so the person
clicks again, and Slack sends that click on the other bot's connection.

Two ``chatops bot`` processes hold a Socket Mode connection each to the stand-in, which spreads
envelopes over them in turn; the worker is the test's. Slack answers ``auth.test`` slowly,
which holds the first clicks inside both bots: SIGTERM comes once both have some, so the
stopping bot surely has envelopes in hand; more clicks come while it finishes them."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from benchmarks.processes import Part, answers
from slacksim import DEFAULT_APP_TOKEN, Delivery
from tests.helpers import assert_eventually
from tests.stack import Stack
from tests.system.test_graceful_shutdown import (
    START_TIMEOUT,
    STOP_TIMEOUT,
    approved_once,
    bot_part,
    click,
    handle_of,
    waiting_orders,
)

CLICKS = 12
FIRST_WAVE = 8
# Long enough that both bots still hold the first clicks when SIGTERM comes; inside Slack's 3 s.
AUTH_LATENCY = 1.5
STOPPING = "bot stopping"
HANDED = "Socket Mode envelope(s) in hand"


async def socket_bot(stack: Stack, tmp_path: Path, name: str) -> Part:
    """``chatops bot`` in Socket Mode, connected to the stand-in."""
    bot, url = bot_part(stack, tmp_path / name)
    bot.env["SLACK_APP_TOKEN"] = DEFAULT_APP_TOKEN
    connected = stack.sim.socket_connections
    await bot.start()
    await assert_eventually(lambda: answers(f"{url}/healthz"), bool, within=START_TIMEOUT)
    await assert_eventually(
        lambda: stack.sim.socket_connections,
        lambda n: n > connected,
        within=START_TIMEOUT,
        what=f"{name} connected",
    )
    return bot


async def test_sigterm_in_socket_mode_finishes_the_envelopes_in_hand(
    stack: Stack, tmp_path: Path
) -> None:
    handles, cards = await waiting_orders(stack, CLICKS)
    stopping = await socket_bot(stack, tmp_path, "stopping")
    staying = await socket_bot(stack, tmp_path, "staying")
    stack.sim.faults.add("auth.test", "latency", seconds=AUTH_LATENCY, count=1000)
    try:
        first, late = cards[:FIRST_WAVE], cards[FIRST_WAVE:]
        clicks = [asyncio.ensure_future(click(stack, card)) for card in first]
        # Each bot asks auth.test on its first click: both hold clicks now.
        await assert_eventually(
            lambda: len(stack.sim.faults.applied) >= 2, bool, what="clicks inside both bots"
        )
        assert stopping.process is not None
        stopping.process.send_signal(signal.SIGTERM)
        await assert_eventually(
            stopping.log_tail, lambda log: STOPPING in log, what="the bot stopping"
        )
        clicks += [asyncio.ensure_future(click(stack, card)) for card in late]
        deliveries: list[Delivery] = await asyncio.gather(*clicks)
        assert await asyncio.wait_for(stopping.process.wait(), STOP_TIMEOUT) == 0
        assert all(d.transport == "socket" for d in deliveries)
        # Every click that was inside a bot when SIGTERM came was acked.
        assert all(d.ok for d in deliveries[:FIRST_WAVE]), deliveries[:FIRST_WAVE]
        for card, delivery in zip(cards, deliveries, strict=True):
            if delivery.ok:
                await approved_once(stack, handle_of(card, handles))
            else:  # reached the stopping bot after SIGTERM: Slack showed an error
                assert delivery.error == "dispatch_failed", delivery

        # Clicked again, those go to the bot that stays, the only connection left.
        assert stack.sim.socket_connections == 1
        for card, delivery in zip(cards, deliveries, strict=True):
            if not delivery.ok:
                again = await click(stack, card)
                assert again.ok, again
        for handle in handles:
            await approved_once(stack, handle)
        # It did have clicks in hand when SIGTERM came, and said so.
        log = stopping.log_tail(20_000)
        assert HANDED in log and "Socket Mode closed" in log, log
    finally:
        stack.sim.faults.clear()
        await stopping.stop()
        await staying.stop()
