"""Slack sends a failed event again, up to 3 times, marked as a retry, on whichever
connection is next; interactions it never sends again."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, SlackSim
from tests.slacksim.cards import APPROVE
from tests.slacksim.conftest import FakeBot, Reply
from tests.slacksim.test_delivery import post_card
from tests.slacksim.test_socket_protocol import connect, http  # noqa: F401 (a fixture)

NO_WAIT = (0.0, 0.0, 0.0)


async def test_an_event_answered_500_is_retried_three_times_marked(
    sim: SlackSim, bot: FakeBot
) -> None:
    sim.delivery.event_retry_delays = NO_WAIT
    bot.reply = Reply(status=500)

    delivery = await sim.open_home(APPROVER_ID)

    assert (delivery.status, delivery.error, delivery.retry_num) == (500, "dispatch_failed", 3)
    first, *retries = bot.received
    assert "X-Slack-Retry-Num" not in first.headers
    assert [
        (r.headers["X-Slack-Retry-Num"], r.headers["X-Slack-Retry-Reason"]) for r in retries
    ] == [(str(n), "http_error") for n in (1, 2, 3)]
    assert {r.raw for r in retries} == {first.raw}


async def test_no_retry_asked_and_an_acked_event_are_sent_once(sim: SlackSim, bot: FakeBot) -> None:
    sim.delivery.event_retry_delays = NO_WAIT
    bot.reply = Reply(status=503, headers={"X-Slack-No-Retry": "1"})
    refused = await sim.open_home(APPROVER_ID)
    bot.reply = Reply()
    acked = await sim.open_home(APPROVER_ID)

    assert (refused.status, refused.no_retry, acked.status) == (503, True, 200)
    assert len(bot.received) == 2


async def test_a_click_answered_500_is_not_retried(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    ts = await post_card(slack)
    bot.reply = Reply(status=500)

    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE)

    assert (delivery.status, delivery.error, len(bot.received)) == (500, "dispatch_failed", 1)


async def test_an_event_whose_connection_closed_goes_to_the_next_one(
    sim: SlackSim,
    http: aiohttp.ClientSession,  # noqa: F811
) -> None:
    sim.delivery.event_retry_delays = NO_WAIT
    one, two = await connect(sim, http), await connect(sim, http)

    sent = asyncio.create_task(sim.open_home(APPROVER_ID))
    envelope = await one.receive()
    assert (sim.socket_mode.awaiting_acks(1), sim.socket_mode.awaiting_acks(2)) == (1, 0)
    await one.ws.close()  # gone before its ack
    retried = await two.receive()
    await two.ack(retried)
    delivery = await sent

    assert (envelope["retry_attempt"], retried["retry_attempt"]) == (0, 1)
    assert retried["retry_reason"] == "connection_failed"
    assert retried["payload"] == envelope["payload"]
    assert (delivery.ok, delivery.retry_num) == (True, 1)
    await two.ws.close()
