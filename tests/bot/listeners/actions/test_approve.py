"""The Approve button: checked against the request's memo, signalled, and only then acked;
a click that cannot win is answered and acked without a signal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock

import pytest
from temporalio.service import RPCStatusCode

from activities.cards import APPROVE_ACTION
from bot.listeners.actions.approval import approve_clicked
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    DecisionInput,
    DecisionSource,
    Verdict,
)
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, OUTSIDER_ID, REQUESTER_ID
from tests.bot.listeners.fakes import (
    NOW,
    WORKFLOW_ID,
    FakeTemporal,
    approval_state,
    awaited_kwargs,
    context_for,
    recording_ack,
    rpc_error,
    slack_client,
)
from tests.bot.listeners.payloads import click_body

pytestmark = pytest.mark.unit


async def click_approve(
    temporal: FakeTemporal, user: str, **body: Any
) -> tuple[AsyncMock, AsyncMock]:
    """Click Approve as ``user`` (``body``: see click_body); the ack and Slack client."""
    ack, client = recording_ack(temporal.events), slack_client(temporal.events)
    await approve_clicked(
        ack, click_body(user, APPROVE_ACTION, **body), client, context_for(temporal)
    )
    return ack, client


async def test_an_approvers_click_is_signalled_then_acked() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())

    ack, client = await click_approve(temporal, APPROVER_ID, action_ts="1700000000.000200")

    assert temporal.events == ["describe", "signal", "ack"]
    ack.assert_awaited_once_with()
    [sent] = handle.sent
    assert (sent.name, sent.signal) == ("decide", ApprovableWorkflow.decide)
    assert sent.arg == DecisionInput(
        verdict=Verdict.APPROVE,
        user_id=APPROVER_ID,
        source=DecisionSource.SLACK,
        click_key=f"{APPROVER_ID}:1700000000.000200",
        request_id="1",
        decided_at=datetime.fromtimestamp(1700000000.0002, UTC),
        channel=APPROVALS_CHANNEL_ID,
    )
    client.chat_postEphemeral.assert_not_awaited()


@pytest.mark.parametrize(
    ("user", "state", "told"),
    [
        (OUTSIDER_ID, approval_state(), "You are not an approver for this request"),
        (REQUESTER_ID, approval_state(), "You requested this order, so someone else must decide"),
        (
            APPROVER_ID,
            approval_state(status=ApprovalStatus.APPROVED, decided_by=APPROVER2_ID, decided_at=NOW),
            f"Already approved by <@{APPROVER2_ID}> at",
        ),
        (APPROVER_ID, approval_state(request_id="2"), "This card is out of date"),
    ],
    ids=["outsider", "requester", "already-decided", "superseded"],
)
async def test_a_click_that_cannot_win_is_told_why_before_the_ack_and_sends_nothing(
    user: str, state: ApprovalState, told: str
) -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(state)

    _, client = await click_approve(temporal, user)

    assert temporal.events == ["describe", "chat_postEphemeral", "ack"]
    assert handle.sent == []
    answer = awaited_kwargs(client.chat_postEphemeral)
    assert (answer["channel"], answer["user"]) == (APPROVALS_CHANNEL_ID, user)
    assert answer["text"].startswith(told)
    assert answer["text"].endswith(f"\nRequest: {state.title}")


async def test_temporal_unreachable_is_told_and_acked() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    handle.errors["describe"] = rpc_error(RPCStatusCode.UNAVAILABLE)

    ack, client = await click_approve(temporal, APPROVER_ID)

    ack.assert_awaited_once_with()
    assert handle.sent == []
    assert awaited_kwargs(client.chat_postEphemeral)["text"] == (
        "Could not reach Temporal (UNAVAILABLE); nothing was changed. Try again shortly."
        f"\nRequest: {WORKFLOW_ID}"
    )


async def test_an_unconfirmed_signal_says_it_may_have_arrived() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    handle.errors["signal"] = rpc_error(RPCStatusCode.DEADLINE_EXCEEDED)

    _, client = await click_approve(temporal, APPROVER_ID)

    assert temporal.events == ["describe", "signal", "chat_postEphemeral", "ack"]
    text = awaited_kwargs(client.chat_postEphemeral)["text"]
    assert text.startswith("Temporal did not confirm your decision in time (DEADLINE_EXCEEDED)")


@pytest.mark.parametrize(
    ("status", "told"),
    [
        # A connection lost, or a server killed, after it took the signal: it may be in.
        (RPCStatusCode.UNAVAILABLE, "Temporal did not confirm your decision (UNAVAILABLE); it may"),
        (RPCStatusCode.UNKNOWN, "Temporal did not confirm your decision (UNKNOWN); it may"),
        # Refused before anything was recorded.
        (RPCStatusCode.PERMISSION_DENIED, "Could not reach Temporal (PERMISSION_DENIED); your "),
    ],
)
async def test_a_failed_signal_says_whether_it_may_be_in(status: RPCStatusCode, told: str) -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    handle.errors["signal"] = rpc_error(status)

    _, client = await click_approve(temporal, APPROVER_ID)

    assert awaited_kwargs(client.chat_postEphemeral)["text"].startswith(told)


@pytest.mark.parametrize(
    ("value", "answer"),
    [
        # Temporal answers an empty id with INVALID_ARGUMENT, which read as an outage.
        ("", "That names no workflow; nothing was changed."),
        ("|1", "That names no workflow; nothing was changed."),
        ("no-such-workflow", "No workflow no-such-workflow."),
        ("no-such-workflow|7", "No workflow no-such-workflow."),
        ("<!channel>|1", "No workflow &lt;!channel&gt;."),
        ("w" * 3000 + "|1", "No workflow " + "w" * 199 + "…."),
    ],
    ids=["empty", "no-id", "unknown", "unknown-request", "markup", "very-long"],
)
async def test_a_button_value_naming_no_workflow_is_refused(value: str, answer: str) -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())

    ack, client = await click_approve(temporal, APPROVER_ID, value=value)

    ack.assert_awaited_once_with()
    assert "signal" not in temporal.events
    assert awaited_kwargs(client.chat_postEphemeral)["text"] == answer


async def test_approving_on_the_home_tab_acks_then_redraws_it_without_the_request() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())

    _, client = await click_approve(temporal, APPROVER_ID, on_home=True)

    assert temporal.events == ["describe", "signal", "ack", "list_workflows", "views_publish"]
    assert len(handle.sent) == 1
    client.chat_postEphemeral.assert_not_awaited()
    published = awaited_kwargs(client.views_publish)
    assert published["user_id"] == APPROVER_ID
    text = str(published["view"]["blocks"])
    assert "You approved *Order ORD-1 ($2,500.00)*." in text
    assert WORKFLOW_ID not in text  # decided: left out until the workflow applies it


async def test_a_refusal_on_the_home_tab_is_acked_first_then_shown_there() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())

    _, client = await click_approve(temporal, OUTSIDER_ID, on_home=True)

    assert temporal.events == ["describe", "ack", "list_workflows", "views_publish"]
    published = awaited_kwargs(client.views_publish)
    assert published["user_id"] == OUTSIDER_ID
    assert "You are not an approver for this request" in str(published["view"]["blocks"])
