"""The reject modal's submission: a reason is required; the rejection is checked, signalled,
and only then acked (closing the modal); when Temporal cannot take it the modal stays open."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock

import pytest
from temporalio.service import RPCStatusCode

from bot.listeners.views.reject_reason import reject_reason_submitted
from bot.modals import REASON_BLOCK, REASON_INPUT, REJECT_VIEW
from orchestration.models.approval import DecisionSource, Verdict
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, OUTSIDER_ID
from tests.bot.listeners.fakes import (
    WORKFLOW_ID,
    FakeTemporal,
    approval_state,
    awaited_kwargs,
    context_for,
    recording_ack,
    rpc_error,
    slack_client,
)
from tests.bot.listeners.payloads import modal_view, submission_body

pytestmark = pytest.mark.unit


def reason_view(reason: str, channel: str | None = APPROVALS_CHANNEL_ID) -> dict[str, Any]:
    return modal_view(REJECT_VIEW, {REASON_BLOCK: {REASON_INPUT: reason}}, channel=channel)


async def submit(
    temporal: FakeTemporal, user: str, view: dict[str, Any]
) -> tuple[AsyncMock, AsyncMock]:
    """Submit ``view`` as ``user``; the ack and the Slack client, to assert on."""
    ack, client = recording_ack(temporal.events), slack_client(temporal.events)
    body = submission_body(user, view)
    await reject_reason_submitted(ack, body, body["view"], client, context_for(temporal))
    return ack, client


async def test_a_blank_reason_keeps_the_modal_open_and_asks_why() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())

    ack, _ = await submit(temporal, APPROVER_ID, reason_view("   "))

    assert temporal.events == ["ack"]
    ack.assert_awaited_once_with(
        response_action="errors",
        errors={REASON_BLOCK: "Please say why you are rejecting this request."},
    )


async def test_a_reason_is_signalled_as_a_rejection_then_the_modal_closes() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    before = datetime.now(UTC)

    ack, client = await submit(temporal, APPROVER_ID, reason_view("  over budget  "))

    assert temporal.events == ["describe", "signal", "ack"]
    ack.assert_awaited_once_with()
    [sent] = handle.sent
    decision = sent.arg
    assert (sent.name, decision.verdict, decision.user_id) == (
        "decide",
        Verdict.REJECT,
        APPROVER_ID,
    )
    assert (decision.reason, decision.request_id) == ("over budget", "1")
    assert (decision.source, decision.click_key) == (
        DecisionSource.SLACK,
        f"{APPROVER_ID}:view:V0MODAL1",
    )
    assert decision.arguments is None
    assert before <= decision.decided_at <= datetime.now(UTC)
    client.chat_postEphemeral.assert_not_awaited()


async def test_a_reason_over_the_limit_is_refused_in_the_modal_not_cut() -> None:
    """Slack caps the input at 2000 characters; a longer one (only a forged or foreign
    client sends it) is refused saying the limit, rather than cut where nobody chose."""
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())

    ack, _ = await submit(temporal, APPROVER_ID, reason_view("x" * 2500))

    assert handle.sent == [] and "describe" not in temporal.events
    ack.assert_awaited_once_with(
        response_action="errors",
        errors={REASON_BLOCK: "Too long: at most 2000 characters (2500 given)."},
    )
    await submit(temporal, APPROVER_ID, reason_view("x" * 2000))
    assert handle.sent[0].arg.reason == "x" * 2000


@pytest.mark.parametrize(
    "metadata", ["", "not json", "[1]", '{"workflow_id": 5}', '{"workflow_id": "w", "channel": 1}']
)
async def test_a_modal_that_names_no_request_is_answered_in_the_modal(metadata: str) -> None:
    """Slack hands back the metadata the bot set; a view without it (forged or foreign) is
    refused in the modal, not with a 500."""
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    view = reason_view("no") | {"private_metadata": metadata}

    ack, _ = await submit(temporal, APPROVER_ID, view)

    assert handle.sent == []
    errors = awaited_kwargs(ack)["errors"]
    assert errors[REASON_BLOCK].startswith("This form does not say which request it decides")


async def test_a_refused_rejection_is_told_in_the_channel_and_the_modal_closes() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())

    ack, client = await submit(temporal, OUTSIDER_ID, reason_view("no"))

    assert temporal.events == ["describe", "chat_postEphemeral", "ack"]
    assert handle.sent == []
    ack.assert_awaited_once_with()
    text = awaited_kwargs(client.chat_postEphemeral)["text"]
    assert text.startswith("You are not an approver for this request")


async def test_temporal_unreachable_keeps_the_modal_open_with_the_reason_typed() -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    handle.errors["signal"] = rpc_error(RPCStatusCode.UNAVAILABLE)

    ack, client = await submit(temporal, APPROVER_ID, reason_view("over budget"))

    # The connection may have gone after Temporal took the signal: it may be in.
    ack.assert_awaited_once_with(
        response_action="errors",
        errors={
            REASON_BLOCK: "Temporal did not confirm your decision (UNAVAILABLE); it may or may "
            "not have been recorded. Look at the request again in a minute before deciding "
            f"again.\nRequest: {WORKFLOW_ID}"
        },
    )
    client.chat_postEphemeral.assert_not_awaited()


async def test_a_rejection_from_the_home_tab_is_confirmed_there() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())

    _, client = await submit(temporal, APPROVER_ID, reason_view("over budget", channel=None))

    assert temporal.events == ["describe", "signal", "ack", "list_workflows", "views_publish"]
    view = awaited_kwargs(client.views_publish)["view"]
    assert "You rejected *Order ORD-1 ($2,500.00)*." in str(view["blocks"])
