"""Card builders: valid Block Kit within Slack's limits, with the right words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from activities.cards import (
    APPROVE_ACTION,
    EDIT_ACTION,
    MAX_MESSAGE_BLOCKS,
    REJECT_ACTION,
    approval_card,
    decision_value,
    parse_decision_value,
)
from bot.modals import ARGUMENTS_BLOCK, edit_modal
from orchestration.models.approval import (
    ApprovalMark,
    ApprovalRequest,
    ApprovalState,
    ApprovalStatus,
    CardField,
    CardInput,
    ConfirmText,
    DecisionSource,
    ExpiryOutcome,
)
from orchestration.slack_text import escape
from orchestration.wording import reminder_text

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


def card(status: ApprovalStatus = ApprovalStatus.PENDING, **state: Any) -> CardInput:
    request = ApprovalRequest(
        kind="order",
        subject_id="ORD-1",
        title="Order ORD-1 for $1,899.97",
        fields=[CardField(label="Customer", value="Alice <alice@example.com> & co")],
        requester="U0REQUEST1",
        confirm=state.pop("confirm", None),
    )
    approval = ApprovalState(
        request_id="1",
        kind="order",
        subject_id="ORD-1",
        title=request.title,
        status=status,
        requester="U0REQUEST1",
        approvers=["U0APPROVE1", "U0APPROVE2"],
        requested_at=NOW,
        deadline=NOW + timedelta(minutes=5),
        **state,
    )
    return CardInput(request=request, state=approval, workflow_id="order-ORD-1", card_key="k")


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= MAX_MESSAGE_BLOCKS
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        assert parsed.to_dict() == block  # to_dict validates every nested limit


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_pending_card_has_buttons_and_says_what_expiry_does() -> None:
    message = approval_card(card())
    assert_valid_blocks(message.blocks)
    ids = [b["action_id"] for b in buttons(message.blocks)]
    assert ids == [APPROVE_ACTION, REJECT_ACTION]
    assert {b["value"] for b in buttons(message.blocks)} == {"order-ORD-1|1"}
    context = " ".join(
        e["text"] for b in message.blocks if b["type"] == "context" for e in b["elements"]
    )
    assert "Expires at 14:05 UTC if nobody decides: the order is cancelled." in context
    assert "<@U0REQUEST1>" in context
    assert message.text == (
        "Order ORD-1 for $1,899.97 needs approval. "
        "Expires at 14:05 UTC if nobody decides: the order is cancelled."
    )


def test_user_text_is_escaped() -> None:
    message = approval_card(card())
    fields = message.blocks[1]["fields"]
    assert fields[0]["text"] == "*Customer*\nAlice &lt;alice@example.com&gt; &amp; co"


def test_confirm_dialog_only_when_asked() -> None:
    plain = buttons(approval_card(card()).blocks)[0]
    assert "confirm" not in plain
    confirm = ConfirmText(title="Approve $12,500.00?", text="Charge Alice $12,500.00?")
    risky = buttons(approval_card(card(confirm=confirm)).blocks)[0]
    assert risky["confirm"]["title"]["text"] == "Approve $12,500.00?"
    assert_valid_blocks(approval_card(card(confirm=confirm)).blocks)


@pytest.mark.parametrize(
    ("status", "extra", "expected"),
    [
        (
            ApprovalStatus.APPROVED,
            {"decided_by": "U0APPROVE1", "decided_at": NOW + timedelta(minutes=3)},
            "*Approved* by <@U0APPROVE1> at 14:03 UTC",
        ),
        (
            ApprovalStatus.REJECTED,
            {
                "decided_by": "U0APPROVE2",
                "decided_at": NOW + timedelta(minutes=1),
                "reason": "card flagged",
            },
            "*Rejected* by <@U0APPROVE2> at 14:01 UTC\n*Reason:* card flagged",
        ),
        (
            ApprovalStatus.APPROVED,
            {
                "decided_by": "cli:ops",
                "decided_at": NOW,
                "decision_source": DecisionSource.CLI,
            },
            "*Approved* by cli:ops at 14:00 UTC (from the command line)",
        ),
        (ApprovalStatus.EXPIRED, {}, "*Expired* at 14:05 UTC: nobody decided in time."),
        (ApprovalStatus.CANCELLED, {"decided_at": NOW}, "*Cancelled* at 14:00 UTC."),
        (
            ApprovalStatus.EXPIRED,
            {"on_expiry": ExpiryOutcome.REJECT},
            "*Expired* at 14:05 UTC: nobody decided in time. The policy rejects it on expiry.",
        ),
        (
            ApprovalStatus.SUPERSEDED,
            {"decided_by": "U0REQUEST1", "decided_at": NOW},
            "*Superseded* at 14:00 UTC: <@U0REQUEST1> changed the request while it waited; "
            "a new card asks again.",
        ),
        (
            ApprovalStatus.SUPERSEDED,
            {"decided_by": "U0APPROVE2", "edited_by": "U0APPROVE2", "decided_at": NOW},
            "*Superseded* at 14:00 UTC: <@U0APPROVE2> approved it with edits; a new card asks "
            "again for the edited request.",
        ),
    ],
)
def test_terminal_cards_have_no_buttons_and_say_who_when_why(
    status: ApprovalStatus, extra: dict[str, Any], expected: str
) -> None:
    message = approval_card(card(status, outcome_note="Order completed.", **extra))
    assert_valid_blocks(message.blocks)
    assert buttons(message.blocks) == []
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section" and "text" in b]
    assert sections == [expected]
    assert message.text.endswith("Order completed.")


def test_values_round_trip_and_escape() -> None:
    assert parse_decision_value(decision_value("order-ORD-1", "2")) == ("order-ORD-1", "2")
    assert parse_decision_value("order-ORD-1") == ("order-ORD-1", None)
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_reminder_mentions_approvers_and_deadline() -> None:
    text = reminder_text(card().state)
    assert "<@U0APPROVE1>, <@U0APPROVE2>" in text
    assert "14:05 UTC" in text


def test_editable_requests_offer_approve_with_edits_and_a_valid_modal() -> None:
    editable = card(arguments={"replicas": 3}, policy_rule="prod", policy_version="abc123")
    message = approval_card(editable)
    assert_valid_blocks(message.blocks)
    assert [b["action_id"] for b in buttons(message.blocks)] == [
        APPROVE_ACTION,
        EDIT_ACTION,
        REJECT_ACTION,
    ]
    assert "Policy: prod (version abc123)" in str(message.blocks)
    view = edit_modal("{}", "Scale prod-web", {"replicas": 3, "zone": "eu"})
    assert View(**view).to_dict()["callback_id"] == "approval_edit_arguments"
    field = next(b for b in view["blocks"] if b.get("block_id") == ARGUMENTS_BLOCK)
    assert field["element"]["initial_value"] == '{\n  "replicas": 3,\n  "zone": "eu"\n}'


def test_approved_with_edits_shows_what_runs_and_escalation_shows_on_pending_cards() -> None:
    approved = card(
        ApprovalStatus.APPROVED,
        decided_by="U0APPROVE1",
        decided_at=NOW,
        edited_by="U0APPROVE1",
        arguments={"replicas": 2},
    )
    message = approval_card(approved)
    assert_valid_blocks(message.blocks)
    text = str(message.blocks)
    assert "*Approved* with edits by <@U0APPROVE1>" in text
    assert '{"replicas": 2}' in text
    escalated = card(escalated_at=NOW + timedelta(minutes=2), escalated_to=["U0OPERATR1"])
    pending = approval_card(escalated)
    assert_valid_blocks(pending.blocks)
    assert "Escalated at 14:02 UTC: <@U0OPERATR1> may decide too." in str(pending.blocks)


def test_each_approval_says_where_it_came_from_once_the_terminal_is_involved() -> None:
    marks = [
        ApprovalMark(user_id="cli:alice", source=DecisionSource.CLI, on_behalf_of="U0APPROVE1")
    ]
    pending = approval_card(
        card(approvals_required=2, approvals=["cli:alice"], approval_marks=marks)
    )
    assert "1 of 2 approvals: cli:alice for <@U0APPROVE1> (from the command line)" in str(
        pending.blocks
    )
    slack_only = approval_card(
        card(
            approvals_required=2,
            approvals=["U0APPROVE2"],
            approval_marks=[ApprovalMark(user_id="U0APPROVE2")],
        )
    )
    assert "1 of 2 approvals: <@U0APPROVE2>*" in str(slack_only.blocks)
