"""Listeners: called directly with a mocked Slack (AsyncMock ack/client), and dispatched as
signed requests through the app. Temporal is real: a pending order from the stack fixture."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any
from unittest.mock import AsyncMock
from urllib.parse import urlencode

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client, WorkflowHandle

from activities.cards import APPROVE_ACTION, REJECT_ACTION, decision_value
from bot.app import build_app
from bot.context import TEMPORAL_KEY
from bot.listeners.actions.approval import approve_clicked, reject_clicked
from bot.listeners.views.reject_reason import reject_reason_submitted
from bot.modals import REASON_BLOCK, REASON_INPUT, REJECT_VIEW
from orchestration.embedded_temporal import EmbeddedTemporal
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    OUTSIDER_ID,
)
from tests.helpers import assert_eventually, free_port
from tests.stack import Stack, large_order

pytestmark = pytest.mark.asyncio


def click_body(user: str, workflow_id: str, action_id: str, action_ts: str = "1.000001") -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": "trigger-1",
        "container": {"type": "message", "channel_id": APPROVALS_CHANNEL_ID, "message_ts": "1.1"},
        "channel": {"id": APPROVALS_CHANNEL_ID},
        "actions": [
            {
                "action_id": action_id,
                "value": decision_value(workflow_id, "1"),
                "action_ts": action_ts,
            }
        ],
    }


async def pending(stack: Stack) -> WorkflowHandle[Any, Any]:
    handle = await stack.start_order(large_order())
    await stack.card()
    return handle


async def signals(handle: WorkflowHandle[Any, Any]) -> int:
    history = await handle.fetch_history()
    return sum(e.HasField("workflow_execution_signaled_event_attributes") for e in history.events)


def sim_client(stack: Stack) -> AsyncWebClient:
    return AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=stack.sim.api_url)


def awaited_kwargs(mock: AsyncMock) -> dict[str, Any]:
    call = mock.await_args
    assert call is not None, "not awaited"
    return dict(call.kwargs)


def slack_mock() -> AsyncMock:
    return AsyncMock(spec=AsyncWebClient)


async def test_outsider_click_is_acked_told_why_and_sends_no_signal(stack: Stack) -> None:
    handle = await pending(stack)
    ack, client = AsyncMock(), slack_mock()
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
    ack, client = AsyncMock(), slack_mock()
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
    ack, client = AsyncMock(), slack_mock()
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
    ack, client = AsyncMock(), slack_mock()
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
    ack, client = AsyncMock(), slack_mock()
    await approve_clicked(
        ack, click_body(APPROVER_ID, "order-X", APPROVE_ACTION), client, {TEMPORAL_KEY: temporal}
    )
    ack.assert_awaited_once_with()
    text = awaited_kwargs(client.chat_postEphemeral)["text"]
    assert text.startswith("Could not reach Temporal")
    assert "nothing was changed" in text


def signed_request(body: str, *, secret: str, timestamp: int) -> AsyncBoltRequest:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    headers: dict[str, str | Sequence[str]] = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-signature": [signature or ""],
        "x-slack-request-timestamp": [str(timestamp)],
    }
    return AsyncBoltRequest(body=body, headers=headers)


@pytest.mark.parametrize(
    ("secret", "age"),
    [("not-the-secret", 0), (DEFAULT_SIGNING_SECRET, 6 * 60)],
    ids=["bad-signature", "stale-timestamp"],
)
async def test_forged_or_stale_requests_get_401_and_send_nothing(
    stack: Stack, secret: str, age: int
) -> None:
    handle = await pending(stack)
    app = build_app(sim_client(stack), DEFAULT_SIGNING_SECRET, stack.client)
    payload = click_body(APPROVER_ID, handle.id, APPROVE_ACTION)
    body = urlencode({"payload": json.dumps(payload)})
    response = await app.async_dispatch(
        signed_request(body, secret=secret, timestamp=int(time.time()) - age)
    )
    assert response.status == 401
    assert await signals(handle) == 0


async def test_signed_click_through_the_app_is_acked_and_signalled(stack: Stack) -> None:
    handle = await pending(stack)
    app = build_app(sim_client(stack), DEFAULT_SIGNING_SECRET, stack.client)
    body = urlencode({"payload": json.dumps(click_body(APPROVER_ID, handle.id, APPROVE_ACTION))})
    response = await app.async_dispatch(
        signed_request(body, secret=DEFAULT_SIGNING_SECRET, timestamp=int(time.time()))
    )
    assert response.status == 200
    await assert_eventually(lambda: signals(handle), lambda n: n == 1, what="signal sent")
