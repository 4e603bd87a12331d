"""``/workflow`` and ``/schedule``: a command that only reads is acked at once and answered
through ``respond``; one that changes something is acked once done, with the reply in the ack,
and confirmed in the channel."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

import pytest
from slack_sdk.errors import SlackApiError
from temporalio.service import RPCStatusCode

from bot.listeners import commands
from bot.listeners.commands import slash
from commands.schedule.delete import DELETE_ACTION
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, OPERATOR_ID
from tests.bot.listeners.fakes import (
    WORKFLOW_ID,
    FakeTemporal,
    approval_state,
    awaited_kwargs,
    context_for,
    recording_ack,
    registered,
    rpc_error,
    slack_client,
)
from tests.bot.listeners.payloads import slash_command

pytestmark = pytest.mark.unit
LISTENERS = registered(commands.register)
QUIET = {"response_type": "ephemeral", "replace_original": False, "delete_original": False}


async def run(
    temporal: FakeTemporal, name: str, text: str, user: str = OPERATOR_ID
) -> tuple[AsyncMock, AsyncMock, AsyncMock]:
    """Type ``name text`` as ``user``; the ack, respond and Slack client, to assert on."""
    ack, respond = recording_ack(temporal.events), recording_ack(temporal.events, "respond")
    client = slack_client(temporal.events)
    command = slash_command(name, text, user)
    await LISTENERS[name](ack, command, respond, client, context_for(temporal))
    return ack, respond, client


@pytest.mark.parametrize("name", ["/workflow", "/schedule"])
async def test_a_usage_error_is_acked_and_answered_with_the_usage(name: str) -> None:
    temporal = FakeTemporal()

    ack, respond, _ = await run(temporal, name, "frobnicate now")

    assert temporal.events == ["ack", "respond"]
    ack.assert_awaited_once_with()
    text = awaited_kwargs(respond)["text"]
    assert text.startswith("Unknown command") and "```" in text
    assert awaited_kwargs(respond) == {"text": text, "blocks": None, **QUIET}


async def test_a_status_is_acked_before_temporal_is_asked() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())

    ack, respond, _ = await run(temporal, "/workflow", f"status {WORKFLOW_ID}", APPROVER_ID)

    assert temporal.events == ["ack", "describe", "query", "respond"]
    ack.assert_awaited_once_with()
    text = awaited_kwargs(respond)["text"]
    assert text.startswith(f"*{WORKFLOW_ID}*: order, running")
    assert "Waiting for approval from <@U0APPROVE1>, <@U0APPROVE2>" in text


async def test_temporal_unreachable_is_a_clear_answer() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state()).errors["describe"] = rpc_error(RPCStatusCode.UNAVAILABLE)

    _, respond, _ = await run(temporal, "/workflow", f"status {WORKFLOW_ID}")

    text = awaited_kwargs(respond)["text"]
    assert text.startswith("Could not reach Temporal (") and "nothing was changed" in text


async def test_a_change_is_acked_with_its_reply_once_done_then_announced() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())

    ack, respond, client = await run(temporal, "/workflow", f"cancel {WORKFLOW_ID} duplicate")

    assert temporal.events == ["describe", "cancel", "ack", "chat_postMessage"]
    assert handle.calls == ["describe", "cancel"]
    ack.assert_awaited_once_with(
        text=f"Cancellation of {WORKFLOW_ID} requested; it cleans up and ends.",
        blocks=None,
        response_type="ephemeral",
    )
    respond.assert_not_awaited()
    assert awaited_kwargs(client.chat_postMessage) == {
        "channel": APPROVALS_CHANNEL_ID,
        "text": f"<@{OPERATOR_ID}> cancelled `{WORKFLOW_ID}`: duplicate",
    }


async def test_a_change_by_a_non_operator_is_refused_in_the_ack() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())

    ack, _, client = await run(temporal, "/schedule", "pause scrape", APPROVER_ID)

    assert temporal.events == ["ack"] and handle.calls == []
    assert awaited_kwargs(ack)["text"] == (
        "Only operators (CHATOPS_OPERATORS) may change schedules; nothing was changed."
    )
    client.chat_postMessage.assert_not_awaited()


async def test_a_schedule_pause_keeps_who_and_why_in_its_note() -> None:
    temporal = FakeTemporal()

    ack, _, client = await run(temporal, "/schedule", "pause scrape db migration")

    assert temporal.schedules["scrape"].calls == [
        ("pause", {"note": f"Paused by {OPERATOR_ID}: db migration"})
    ]
    assert awaited_kwargs(ack)["text"] == "Schedule `scrape` paused."
    assert awaited_kwargs(client.chat_postMessage)["text"] == (
        f"<@{OPERATOR_ID}> paused schedule `scrape`: db migration"
    )


async def test_an_unknown_schedule_is_named_in_the_refusal() -> None:
    temporal = FakeTemporal()
    temporal.get_schedule_handle("nightly").errors["pause"] = rpc_error(RPCStatusCode.NOT_FOUND)

    ack, _, client = await run(temporal, "/schedule", "pause nightly")

    assert awaited_kwargs(ack)["text"] == "No schedule nightly. See /schedule list."
    client.chat_postMessage.assert_not_awaited()


async def test_a_delete_asks_first_with_a_button_carrying_the_id() -> None:
    temporal = FakeTemporal()

    ack, _, _ = await run(temporal, "/schedule", "delete scrape")

    assert [name for name, _ in temporal.schedules["scrape"].calls] == ["describe"]
    acked = awaited_kwargs(ack)
    assert acked["text"] == "Delete schedule `scrape`? This cannot be undone."
    [button] = acked["blocks"][1]["elements"]
    assert (button["action_id"], button["value"]) == (DELETE_ACTION, "scrape")


async def test_a_change_slower_than_slacks_ack_window_is_answered_through_respond(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(slash, "ACK_WITHIN", 0.0)
    temporal = FakeTemporal()

    ack, respond, _ = await run(temporal, "/schedule", "pause scrape")

    ack.assert_awaited_once_with()
    assert temporal.events[-3:] == ["ack", "respond", "chat_postMessage"]
    assert awaited_kwargs(respond) == {"text": "Schedule `scrape` paused.", "blocks": None, **QUIET}


async def test_an_announcement_the_channel_refuses_is_explained_to_the_operator() -> None:
    temporal = FakeTemporal()
    refused: dict[str, Any] = {"ok": False, "error": "not_in_channel"}
    client = slack_client(temporal.events)
    client.chat_postMessage.side_effect = SlackApiError("refused", refused)
    ack, respond = AsyncMock(), AsyncMock()

    command = slash_command("/schedule", "pause scrape", OPERATOR_ID)
    await LISTENERS["/schedule"](ack, command, respond, client, context_for(temporal))

    assert awaited_kwargs(respond) == {
        "text": "Done, but I could not say so in this channel (not_in_channel); invite me to it.",
        "response_type": "ephemeral",
        "replace_original": False,
        "delete_original": False,
    }
