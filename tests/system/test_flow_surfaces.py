"""Flows started from Slack (``/flow start``) and over the webhook (``POST /hooks/flows``), with
the real ``start_flow`` and the ``Flow`` workflow, run to their end through the stand-in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client

from activities.cards import APPROVE_ACTION
from bot.app import build_web_app
from bot.flow_hook import FLOWS_PATH, FlowHook
from bot.slack_client import group_members
from cli.standin import STAND_IN
from orchestration.flow_starts import StartedFlow, start_flow
from orchestration.models.flow import FlowResult
from orchestration.settings import Settings
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_BOT_TOKEN, REQUESTER_ID
from tests.bot.test_hooks import SECRET, post_signed
from tests.commands.test_workflow_commands import slash
from tests.helpers import assert_eventually, unique
from tests.stack import Stack, bot_app, serve
from tests.system.flow_stack import (  # noqa: F401 (fixtures)
    Service,
    flow_settings,
    flow_worker,
    record_child,
    service_fixture,
    write_refund,
)


def real_starts(stack: Stack, settings: Settings) -> None:
    """Make the stack's flow starts real: ``start_flow`` with ``settings`` (the test's flows
    directory and task queue), after the bot's own checks."""

    async def start(
        client: Client, _: Settings, name: str, inputs: Mapping[str, Any], **how: Any
    ) -> StartedFlow:
        started = await start_flow(client, settings, name, inputs, **how)
        stack.started.append(client.get_workflow_handle(started.workflow_id))
        return started

    stack.flow_starter.then = start


async def test_a_flow_started_in_slack_asks_finance_and_runs_to_its_end(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_refund(tmp_path, service)
    real_starts(stack, flow_settings(stack, service, tmp_path))
    order = unique("ORD")
    answer = await slash(
        stack, REQUESTER_ID, f"start refund order_id={order} amount=6000 customer=Kim", "/flow"
    )
    workflow_id = answer.removeprefix("Flow `refund` started: `").split("`")[0]
    handle = stack.client.get_workflow_handle(workflow_id, result_type=FlowResult)
    record_child(stack, handle, "finance_approval")
    # The start's announcement comes first in #approvals; then finance's card.
    cards = await assert_eventually(
        stack.messages,
        lambda found: any(m.get("blocks") and order in m["text"] for m in found),
        what="the refund's card",
    )
    [card] = [m for m in cards if m.get("blocks") and order in m["text"]]
    assert any(workflow_id in m["text"] for m in cards)  # the announcement
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert (await handle.result()).outputs == {"status": 201}
    [call] = service.made("/api/refunds")
    assert call["body"] == {"order_id": order, "amount": 6000, "customer": "Kim"}


async def test_a_flow_started_over_the_webhook_runs_once_per_key(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_refund(tmp_path, service)
    settings = flow_settings(stack, service, tmp_path).model_copy(
        update={"webhook_secret": SecretStr(SECRET)}
    )
    real_starts(stack, settings)
    slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=stack.sim.api_url)
    hook = FlowHook(
        stack.client, settings.with_stand_in(STAND_IN), stack.flow_starter, group_members(slack)
    )
    app = bot_app(stack.client, stack.sim)
    runner, port = await serve(build_web_app(app, signing_secret=None, flows=hook))
    key = unique("refund")
    inputs = {"order_id": unique("ORD"), "amount": 40, "customer": "Ada"}
    body = json.dumps(
        {"flow": "refund", "inputs": inputs, "id": key, "requested_by": REQUESTER_ID}
    ).encode()
    try:
        url = f"http://127.0.0.1:{port}{FLOWS_PATH}"
        status, answer = await post_signed(url, body)
        assert status == 202, answer
        handle = stack.client.get_workflow_handle(answer["workflow_id"], result_type=FlowResult)
        assert (await handle.result()).outputs == {"status": 201}
        again = await post_signed(url, body)
    finally:
        await runner.cleanup()
    assert again == (200, {"workflow_id": handle.id, "already_started": True})
    assert len(service.made("/api/refunds")) == 1  # small: no approval, one refund
