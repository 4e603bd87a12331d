"""Reject and Approve with edits: acked at once, checked without a signal, then a modal
opens (its trigger lives 3 s); a click that cannot win is told why instead."""

from __future__ import annotations

import json

import pytest

from activities.cards import EDIT_ACTION, REJECT_ACTION
from bot.listeners.actions.approval import edit_clicked, reject_clicked
from bot.modals import ARGUMENTS_BLOCK, EDIT_VIEW, MAX_INPUT_LENGTH, REJECT_VIEW
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, OUTSIDER_ID
from tests.bot.listeners.fakes import (
    WORKFLOW_ID,
    FakeTemporal,
    approval_state,
    awaited_kwargs,
    context_for,
    recording_ack,
    slack_client,
)
from tests.bot.listeners.payloads import click_body

pytestmark = pytest.mark.unit


def metadata_of(view: dict[str, object]) -> dict[str, object]:
    return dict(json.loads(str(view["private_metadata"])))


async def test_reject_acks_first_then_opens_the_reason_modal_without_a_signal() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    ack, client = recording_ack(temporal.events), slack_client(temporal.events)

    await reject_clicked(ack, click_body(APPROVER_ID, REJECT_ACTION), client, context_for(temporal))

    assert temporal.events == ["ack", "describe", "views_open"]
    assert handle.sent == []
    opened = awaited_kwargs(client.views_open)
    assert opened["trigger_id"] == "trigger-1"
    assert opened["view"]["callback_id"] == REJECT_VIEW
    assert metadata_of(opened["view"]) == {
        "workflow_id": WORKFLOW_ID,
        "request_id": "1",
        "channel": APPROVALS_CHANNEL_ID,
    }


async def test_reject_from_the_home_tab_remembers_no_channel() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())
    client = slack_client(temporal.events)

    body = click_body(APPROVER_ID, REJECT_ACTION, on_home=True)
    await reject_clicked(recording_ack(temporal.events), body, client, context_for(temporal))

    assert metadata_of(awaited_kwargs(client.views_open)["view"])["channel"] is None


async def test_reject_by_a_non_approver_is_told_why_and_opens_no_modal() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())
    ack, client = recording_ack(temporal.events), slack_client(temporal.events)

    await reject_clicked(ack, click_body(OUTSIDER_ID, REJECT_ACTION), client, context_for(temporal))

    assert temporal.events == ["ack", "describe", "chat_postEphemeral"]
    client.views_open.assert_not_awaited()
    told = awaited_kwargs(client.chat_postEphemeral)
    assert told["user"] == OUTSIDER_ID
    assert told["text"].startswith("You are not an approver for this request")


async def test_edit_opens_the_modal_with_the_current_arguments() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state(arguments={"replicas": 3}))
    ack, client = recording_ack(temporal.events), slack_client(temporal.events)

    await edit_clicked(ack, click_body(APPROVER_ID, EDIT_ACTION), client, context_for(temporal))

    assert temporal.events == ["ack", "describe", "views_open"]
    assert handle.sent == []
    view = awaited_kwargs(client.views_open)["view"]
    assert view["callback_id"] == EDIT_VIEW
    [arguments] = [b for b in view["blocks"] if b.get("block_id") == ARGUMENTS_BLOCK]
    assert json.loads(arguments["element"]["initial_value"]) == {"replicas": 3}


async def test_edit_of_a_request_without_arguments_is_refused() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())
    ack, client = recording_ack(temporal.events), slack_client(temporal.events)

    await edit_clicked(ack, click_body(APPROVER_ID, EDIT_ACTION), client, context_for(temporal))

    client.views_open.assert_not_awaited()
    assert awaited_kwargs(client.chat_postEphemeral)["text"] == (
        "This request has no arguments to edit; nothing was changed.\n"
        "Request: Order ORD-1 ($2,500.00)"
    )


async def test_arguments_too_long_for_slack_are_not_offered_for_editing() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state(arguments={"script": "x" * MAX_INPUT_LENGTH}))
    ack, client = recording_ack(temporal.events), slack_client(temporal.events)

    await edit_clicked(ack, click_body(APPROVER_ID, EDIT_ACTION), client, context_for(temporal))

    client.views_open.assert_not_awaited()
    text = awaited_kwargs(client.chat_postEphemeral)["text"]
    assert text.startswith("These arguments are too long to edit in Slack")
    assert text.endswith("Nothing was changed.")
