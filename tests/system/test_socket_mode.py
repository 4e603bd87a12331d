"""The bot in Socket Mode (SLACK_APP_TOKEN set): clicks arrive over the stand-in's websocket."""

from __future__ import annotations

import asyncio

from bot.cards import APPROVE_ACTION
from bot.main import run_bot
from orchestration.models.order import OrderStep
from orchestration.settings import Settings
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_APP_TOKEN
from tests.helpers import assert_eventually, free_port
from tests.stack import Stack, large_order


async def test_socket_mode_bot_takes_an_approval(stack: Stack) -> None:
    settings = Settings.model_validate(
        {
            "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN,
            "SLACK_API_URL": stack.sim.api_url,
            "CHATOPS_BOT_PORT": free_port(),
        }
    )
    stop = asyncio.Event()
    bot = asyncio.create_task(run_bot(settings, stack.client, stop))
    try:
        await assert_eventually(
            lambda: stack.sim.socket_connections, lambda n: n >= 1, what="socket open"
        )
        handle = await stack.start_order(large_order())
        card = await stack.card()
        delivery = await stack.sim.click(
            APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION
        )
        assert delivery.transport == "socket" and delivery.ok
        result = await handle.result()
        assert result.step is OrderStep.COMPLETED
        assert result.approval is not None and result.approval.decided_by == APPROVER_ID
    finally:
        stop.set()
        await asyncio.wait_for(bot, 30)
