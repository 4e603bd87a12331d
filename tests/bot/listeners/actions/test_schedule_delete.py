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


async def confirm(
    temporal: FakeTemporal, user: str, *, on_home: bool = False
) -> tuple[AsyncMock, AsyncMock, AsyncMock]:
    """Click "Delete scrape" as ``user``; the ack, respond and Slack client, to assert on."""
    ack, respond = recording_ack(temporal.events), recording_ack(temporal.events, "respond")
    client = slack_client(temporal.events)
    body = click_body(user, DELETE_ACTION, value="scrape", on_home=on_home)
    if not on_home:  # Slack sends one with every click on a message
        body["response_url"] = "https://hooks.slack.com/actions/T0/1/x"
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
        text="Schedule `scrape` deleted.",
        response_type="ephemeral",
        replace_original=True,
        delete_original=False,
    )
    assert awaited_kwargs(client.chat_postMessage) == {
        "channel": APPROVALS_CHANNEL_ID,
        "text": f"<@{OPERATOR_ID}> deleted schedule `scrape`",
    }


async def test_a_non_operators_confirmation_deletes_nothing() -> None:
    temporal = FakeTemporal()

    _, respond, client = await confirm(temporal, APPROVER_ID)

    assert temporal.events == ["ack", "respond"]
    assert awaited_kwargs(respond) == {
        "text": "Only operators (CHATOPS_OPERATORS) may change schedules; nothing was changed.",
        "response_type": "ephemeral",
        # Only the operator who asked sees the question: anyone else's click (a forged
        # payload) must not replace the message it claims, such as an approval card.
        "replace_original": False,
        "delete_original": False,
    }
    client.chat_postMessage.assert_not_awaited()


async def test_a_schedule_already_gone_is_said_so() -> None:
    temporal = FakeTemporal()
    temporal.get_schedule_handle("scrape").errors["describe"] = rpc_error(RPCStatusCode.NOT_FOUND)

    ack, respond, client = await confirm(temporal, OPERATOR_ID)

    ack.assert_awaited_once_with()
    assert awaited_kwargs(respond)["text"] == "No schedule scrape. See /schedule list."
    assert [name for name, _ in temporal.schedules["scrape"].calls] == ["describe"]
    client.chat_postMessage.assert_not_awaited()


async def test_a_click_from_a_view_is_answered_on_the_home_tab() -> None:
    """The question is only ever a message; a click that claims a view (forged) has no
    response_url to answer through, so the answer goes to the Home tab."""
    temporal = FakeTemporal()

    _, respond, client = await confirm(temporal, APPROVER_ID, on_home=True)

    respond.assert_not_awaited()
    published = awaited_kwargs(client.views_publish)
    assert published["user_id"] == APPROVER_ID
    assert "Only operators (CHATOPS_OPERATORS) may change schedules" in str(published["view"])
