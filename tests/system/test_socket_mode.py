"""The bot in Socket Mode (SLACK_APP_TOKEN set): clicks arrive over the stand-in's websocket."""

from __future__ import annotations

import asyncio
import secrets

from temporalio.client import WorkflowExecutionStatus

from activities.cards import APPROVE_ACTION
from bot.app import EVENTS_PATH
from bot.main import run_bot
from cli.standin import STAND_IN
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalStatus
from orchestration.models.order import OrderStep
from orchestration.settings import Settings
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_APP_TOKEN,
    OPERATOR_ID,
    running_sim,
)
from tests.helpers import assert_eventually, free_port
from tests.stack import Stack, large_order


async def test_socket_mode_bot_takes_an_approval(stack: Stack) -> None:
    settings = Settings.model_validate(
        {
            "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN,
            "SLACK_API_URL": stack.sim.api_url,
            "CHATOPS_BOT_PORT": free_port(),
        }
    ).with_stand_in(STAND_IN)
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


async def test_forged_deliveries_reach_no_listener_of_a_real_socket_mode_bot(
    stack: Stack,
) -> None:
    """A real workspace in Socket Mode with no SLACK_SIGNING_SECRET: a click and a slash
    command signed with the stand-in's public secret, posted to the bot's HTTP port, find no
    /slack/events route, so nobody decides or cancels as someone else."""
    token, app_token = "xoxb-a-real-workspace", "xapp-a-real-workspace"
    async with running_sim(
        bot_token=token, app_token=app_token, signing_secret=secrets.token_hex(16)
    ) as workspace:
        port = free_port()
        settings = Settings.model_validate(
            {
                "SLACK_BOT_TOKEN": token,
                "SLACK_APP_TOKEN": app_token,
                "SLACK_API_URL": workspace.api_url,
                "CHATOPS_BOT_PORT": port,
                "CHATOPS_OPERATORS": OPERATOR_ID,
                "CHATOPS_RECONCILE_EVERY": "off",
            }
        )
        stop = asyncio.Event()
        bot = asyncio.create_task(run_bot(settings, stack.client, stop))
        try:
            await assert_eventually(
                lambda: workspace.socket_connections, lambda n: n >= 1, what="socket open"
            )
            handle = await stack.start_order(large_order())
            card = await stack.card()
            # The stand-in of the stack signs with its public secret and posts over HTTP.
            stack.sim.bot_url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
            click = await stack.sim.click(
                APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION
            )
            command = await stack.sim.slash(
                OPERATOR_ID, APPROVALS_CHANNEL_ID, "/workflow", f"cancel {handle.id} forged"
            )
            assert [(d.transport, d.status) for d in (click, command)] == [("http", 404)] * 2
            state = await handle.query(ApprovableWorkflow.approval)
            assert state is not None
            assert (state.status, state.decided_by, state.attempts) == (
                ApprovalStatus.PENDING,
                None,
                [],
            )
            assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
        finally:
            stop.set()
            await asyncio.wait_for(bot, 30)
