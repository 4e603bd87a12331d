"""The "Approve with edits" modal's submission: the arguments must be a JSON object; then the
approval, carrying them, is checked, signalled and acked."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

import pytest
from temporalio.service import RPCStatusCode

from bot.listeners.views.edit_arguments import edited_arguments_submitted
from bot.modals import ARGUMENTS_BLOCK, ARGUMENTS_INPUT, EDIT_VIEW, REASON_BLOCK, REASON_INPUT
from orchestration.models.approval import Verdict
from slacksim import APPROVER_ID
from tests.bot.listeners.fakes import (
    WORKFLOW_ID,
    FakeTemporal,
    approval_state,
    context_for,
    recording_ack,
    rpc_error,
    slack_client,
)
from tests.bot.listeners.payloads import modal_view, submission_body

pytestmark = pytest.mark.unit


def edited_view(arguments: str, reason: str = "") -> dict[str, Any]:
    typed = {ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: arguments}, REASON_BLOCK: {REASON_INPUT: reason}}
    return modal_view(EDIT_VIEW, typed)


async def submit(temporal: FakeTemporal, view: dict[str, Any]) -> AsyncMock:
    """Submit ``view`` as the first approver; the ack, to assert on."""
    ack = recording_ack(temporal.events)
    body = submission_body(APPROVER_ID, view)
    client = slack_client(temporal.events)
    await edited_arguments_submitted(ack, body, view, client, context_for(temporal))
    return ack


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ('{"replicas": ', "Not valid JSON: Expecting value (line 1, column 13)."),
        ("[3]", 'Arguments must be a JSON object, e.g. {"replicas": 3}.'),
        ('{"replicas": NaN}', "Not valid JSON: NaN is not a JSON number."),
    ],
    ids=["truncated", "not-an-object", "nan"],
)
async def test_arguments_that_are_not_a_json_object_keep_the_modal_open(
    typed: str, error: str
) -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state(arguments={"replicas": 3}))

    ack = await submit(temporal, edited_view(typed))

    assert temporal.events == ["ack"]
    ack.assert_awaited_once_with(response_action="errors", errors={ARGUMENTS_BLOCK: error})


async def test_edited_arguments_are_signalled_with_the_approval_then_acked() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state(arguments={"replicas": 3}))

    ack = await submit(temporal, edited_view('{"replicas": 2}', reason=" fewer is enough "))

    assert temporal.events == ["describe", "signal", "ack"]
    ack.assert_awaited_once_with()
    [sent] = handle.sent
    assert (sent.name, sent.arg.verdict, sent.arg.user_id) == (
        "decide",
        Verdict.APPROVE,
        APPROVER_ID,
    )
    assert (sent.arg.arguments, sent.arg.reason) == ({"replicas": 2}, "fewer is enough")


async def test_edits_to_a_request_without_arguments_are_refused() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())

    ack = await submit(temporal, edited_view('{"replicas": 2}'))

    assert temporal.events == ["describe", "chat_postEphemeral", "ack"]
    assert handle.sent == []
    ack.assert_awaited_once_with()


async def test_temporal_unreachable_shows_under_the_arguments() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state(arguments={"replicas": 3}))
    handle.errors["describe"] = rpc_error(RPCStatusCode.UNAVAILABLE)

    ack = await submit(temporal, edited_view('{"replicas": 2}'))

    ack.assert_awaited_once_with(
        response_action="errors",
        errors={
            ARGUMENTS_BLOCK: "Could not reach Temporal (UNAVAILABLE); nothing was changed. "
            f"Try again shortly.\nRequest: {WORKFLOW_ID}"
        },
    )
    assert handle.sent == []


async def test_a_reason_over_the_limit_keeps_the_modal_open_saying_the_limit() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state(arguments={"replicas": 3}))

    ack = await submit(temporal, edited_view('{"replicas": 4}', reason="why " * 600))

    assert temporal.events == ["ack"] and handle.sent == []
    ack.assert_awaited_once_with(
        response_action="errors",
        errors={REASON_BLOCK: "Too long: at most 2000 characters (2399 given)."},
    )
