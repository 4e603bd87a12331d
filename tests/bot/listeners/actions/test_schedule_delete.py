"""The "Delete <id>" button under a ``/schedule delete`` question: checked (operators only),
deleted, then acked; the question is replaced by the answer and the channel told."""

from __future__ import annotations

from unittest.mock import AsyncMock

import pytest
from temporalio.service import RPCStatusCode

from bot.listeners import actions
from commands.schedule.delete import DELETE_ACTION
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, OPERATOR_ID
from tests.bot.listeners.fakes import (
    FakeTemporal,
    awaited_kwargs,
    context_for,
    recording_ack,
    registered,
    rpc_error,
    slack_client,
)
from tests.bot.listeners.payloads import click_body

pytestmark = pytest.mark.unit
delete_confirmed = registered(actions.register)[DELETE_ACTION]


async def confirm(temporal: FakeTemporal, user: str) -> tuple[AsyncMock, AsyncMock, AsyncMock]:
    """Click "Delete scrape" as ``user``; the ack, respond and Slack client, to assert on."""
    ack, respond = recording_ack(temporal.events), recording_ack(temporal.events, "respond")
    client = slack_client(temporal.events)
    body = click_body(user, DELETE_ACTION, value="scrape")
    await delete_confirmed(ack, body, respond, client, context_for(temporal))
    return ack, respond, client


async def test_an_operators_confirmation_deletes_then_acks_then_tells_the_channel() -> None:
    temporal = FakeTemporal()

    ack, respond, client = await confirm(temporal, OPERATOR_ID)

    assert temporal.events == [
        "schedule.describe",
        "schedule.delete",
        "terminate",  # the timer of a timed pause, if any, goes with it
        "ack",
        "respond",
        "chat_postMessage",
    ]
    ack.assert_awaited_once_with()
    respond.assert_awaited_once_with(
        text="Schedule `scrape` deleted.", response_type="ephemeral", replace_original=True
    )
    assert awaited_kwargs(client.chat_postMessage) == {
        "channel": APPROVALS_CHANNEL_ID,
        "text": f"<@{OPERATOR_ID}> deleted schedule `scrape`",
    }


async def test_a_non_operators_confirmation_deletes_nothing() -> None:
    temporal = FakeTemporal()

    _, respond, client = await confirm(temporal, APPROVER_ID)

    assert temporal.events == ["ack", "respond"]
    assert awaited_kwargs(respond)["text"] == (
        "Only operators (CHATOPS_OPERATORS) may change schedules; nothing was changed."
    )
    client.chat_postMessage.assert_not_awaited()


async def test_a_schedule_already_gone_is_said_so() -> None:
    temporal = FakeTemporal()
    temporal.get_schedule_handle("scrape").errors["describe"] = rpc_error(RPCStatusCode.NOT_FOUND)

    ack, respond, client = await confirm(temporal, OPERATOR_ID)

    ack.assert_awaited_once_with()
    assert awaited_kwargs(respond)["text"] == "No schedule scrape. See /schedule list."
    assert [name for name, _ in temporal.schedules["scrape"].calls] == ["describe"]
    client.chat_postMessage.assert_not_awaited()
