"""Listeners against a real Temporal (a pending order from the stack fixture): called directly
with a mocked Slack, and dispatched as signed requests through the app. The same paths run in
milliseconds against a stand-in for Temporal in the ``unit`` tests beside this module."""

from __future__ import annotations

import json
import time
from typing import Any
from unittest.mock import AsyncMock

import pytest
from temporalio.client import Client, WorkflowHandle

from activities.cards import APPROVE_ACTION, REJECT_ACTION, decision_value
from bot.context import TEMPORAL_KEY
from bot.listeners.actions.approval import approve_clicked, reject_clicked
from bot.listeners.views.reject_reason import reject_reason_submitted
from bot.modals import REASON_BLOCK, REASON_INPUT, REJECT_VIEW
from orchestration.embedded_temporal import EmbeddedTemporal
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_SIGNING_SECRET,
    OUTSIDER_ID,
)
from tests.bot.listeners import payloads
from tests.bot.listeners.fakes import awaited_kwargs, slack_client
from tests.bot.listeners.payloads import interaction, signed_request
from tests.helpers import assert_eventually, free_port
from tests.stack import Stack, bot_app, large_order

pytestmark = pytest.mark.asyncio


def click_body(user: str, workflow_id: str, action_id: str) -> dict[str, Any]:
    """A click on the card of ``workflow_id``'s first request."""
    return payloads.click_body(user, action_id, value=decision_value(workflow_id, "1"))


async def pending(stack: Stack) -> WorkflowHandle[Any, Any]:
    handle = await stack.start_order(large_order())
    await stack.card()
    return handle


async def signals(handle: WorkflowHandle[Any, Any]) -> int:
    history = await handle.fetch_history()
    return sum(e.HasField("workflow_execution_signaled_event_attributes") for e in history.events)


async def test_outsider_click_is_acked_told_why_and_sends_no_signal(stack: Stack) -> None:
    handle = await pending(stack)
    ack, client = AsyncMock(), slack_client([])
    body = click_body(OUTSIDER_ID, handle.id, APPROVE_ACTION)
    await approve_clicked(ack, body, client, {TEMPORAL_KEY: stack.client})
    ack.assert_awaited_once_with()
    client.chat_postEphemeral.assert_awaited_once()
    kwargs = awaited_kwargs(client.chat_postEphemeral)
    assert kwargs["user"] == OUTSIDER_ID and kwargs["channel"] == APPROVALS_CHANNEL_ID
    assert kwargs["text"].startswith("You are not an approver for this request")
    assert await signals(handle) == 0


async def test_approver_click_signals_the_decision(stack: Stack) -> None:
    handle = await pending(stack)
    ack, client = AsyncMock(), slack_client([])
    await approve_clicked(
        ack,
        click_body(APPROVER_ID, handle.id, APPROVE_ACTION),
        client,
        {TEMPORAL_KEY: stack.client},
    )
    ack.assert_awaited_once_with()
    client.chat_postEphemeral.assert_not_awaited()
    # A signal that arrives while a workflow task runs is buffered until that task completes.
    await assert_eventually(lambda: signals(handle), lambda n: n == 1, what="the signal")


async def test_reject_click_opens_the_reason_modal(stack: Stack) -> None:
    handle = await pending(stack)
    ack, client = AsyncMock(), slack_client([])
    await reject_clicked(
        ack, click_body(APPROVER_ID, handle.id, REJECT_ACTION), client, {TEMPORAL_KEY: stack.client}
    )
    ack.assert_awaited_once_with()
    client.views_open.assert_awaited_once()
    kwargs = awaited_kwargs(client.views_open)
    assert kwargs["trigger_id"] == "trigger-1"
    assert kwargs["view"]["callback_id"] == REJECT_VIEW
    metadata = json.loads(kwargs["view"]["private_metadata"])
    assert metadata == {
        "workflow_id": handle.id,
        "request_id": "1",
        "channel": APPROVALS_CHANNEL_ID,
    }
    assert await signals(handle) == 0


async def test_blank_reason_is_refused_in_the_modal(stack: Stack) -> None:
    handle = await pending(stack)
    ack, client = AsyncMock(), slack_client([])
    view = {
        "id": "V1",
        "private_metadata": json.dumps({"workflow_id": handle.id, "channel": "C0APPROVAL"}),
        "state": {"values": {REASON_BLOCK: {REASON_INPUT: {"value": "   "}}}},
    }
    await reject_reason_submitted(
        ack, {"user": {"id": APPROVER_ID}}, view, client, {TEMPORAL_KEY: stack.client}
    )
    ack.assert_awaited_once()
    assert awaited_kwargs(ack)["response_action"] == "errors"
    assert REASON_BLOCK in awaited_kwargs(ack)["errors"]
    assert await signals(handle) == 0


async def test_temporal_unreachable_is_told_to_the_clicker(tmp_path: Any) -> None:
    server = EmbeddedTemporal(tmp_path, free_port(), None)
    async with server:
        temporal = await Client.connect(server.address)
    ack, client = AsyncMock(), slack_client([])
    await approve_clicked(
        ack, click_body(APPROVER_ID, "order-X", APPROVE_ACTION), client, {TEMPORAL_KEY: temporal}
    )
    ack.assert_awaited_once_with()
    text = awaited_kwargs(client.chat_postEphemeral)["text"]
    assert text.startswith("Could not reach Temporal")
    assert "nothing was changed" in text


@pytest.mark.parametrize(
    ("secret", "age"),
    [("not-the-secret", 0), (DEFAULT_SIGNING_SECRET, 6 * 60)],
    ids=["bad-signature", "stale-timestamp"],
)
async def test_forged_or_stale_requests_get_401_and_send_nothing(
    stack: Stack, secret: str, age: int
) -> None:
    handle = await pending(stack)
    app = bot_app(stack.client, stack.sim)
    payload = click_body(APPROVER_ID, handle.id, APPROVE_ACTION)
    body = interaction(payload)
    response = await app.async_dispatch(
        signed_request(body, secret=secret, timestamp=int(time.time()) - age)
    )
    assert response.status == 401
    assert await signals(handle) == 0


async def test_signed_click_through_the_app_is_acked_and_signalled(stack: Stack) -> None:
    handle = await pending(stack)
    app = bot_app(stack.client, stack.sim)
    body = interaction(click_body(APPROVER_ID, handle.id, APPROVE_ACTION))
    response = await app.async_dispatch(signed_request(body, secret=DEFAULT_SIGNING_SECRET))
    assert response.status == 200
    await assert_eventually(lambda: signals(handle), lambda n: n == 1, what="signal sent")
