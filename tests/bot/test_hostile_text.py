"""Hostile text through every builder of Slack text: cards in every state, thread notes,
refusals, the Home tab, the digest, modals and command replies. What a person typed shows as
typed; it never pings, links or mentions, and our own mentions stay mentions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk.models.views import View

from activities.cards import approval_card
from bot.digest import digest_message
from bot.home import home_view, request_key
from bot.modals import edit_modal, reject_modal
from commands.replies import clip
from commands.schedule import SCHEDULE
from commands.schedule.delete import delete_question
from commands.surface import UsageError
from commands.workflow import WORKFLOW
from commands.workflow.approvals import ApprovalFacts, approval_line
from commands.workflow.pending import Pending
from orchestration.models.approval import (
    ApprovalRequest,
    ApprovalState,
    ApprovalStatus,
    CardField,
    CardInput,
    ConfirmText,
    DecisionInput,
    DecisionSource,
    ExpiryOutcome,
    Verdict,
)
from orchestration.policy.deciders import refusal_for
from orchestration.slack_text import mention, plain_message
from orchestration.wording import (
    escalated_line,
    escalation_text,
    refusal_reason_already_decided,
    reminder_text,
)
from tests.bot.test_cards import assert_valid_blocks
from tests.hostile import (
    FORGED_USER,
    HOSTILE,
    HOSTILE_ESCAPED_PART,
    HOSTILE_SHORT,
    bad_tokens,
    injected,
    mrkdwn_texts,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
APPROVERS = ["U0APPROVE1", "U0APPROVE2"]
WORKFLOW_ID = "order-ORD-1"


def hostile_state(status: ApprovalStatus = ApprovalStatus.PENDING, **extra: Any) -> ApprovalState:
    values: dict[str, Any] = {
        "request_id": "1",
        "kind": HOSTILE_SHORT,
        "subject_id": HOSTILE_SHORT,
        "title": HOSTILE,
        "status": status,
        "requester": f"<@{FORGED_USER}>",
        "approvers": APPROVERS,
        "approvals_required": 2,
        "approvals": ["U0APPROVE1"],
        "requested_at": NOW,
        "deadline": NOW + timedelta(minutes=5),
        "escalated_at": NOW + timedelta(minutes=2),
        "escalated_to": ["U0OPERATR1"],
        "arguments": {HOSTILE: HOSTILE},
        "policy_rule": HOSTILE_SHORT,
        "policy_version": HOSTILE_SHORT,
        "reason": HOSTILE,
        "outcome_note": HOSTILE,
    }
    if status is not ApprovalStatus.PENDING:
        values.update(decided_by=f"cli:{HOSTILE_SHORT}", decided_at=NOW, edited_by="U0APPROVE1")
    values.update(extra)
    return ApprovalState(**values)


def hostile_card(state: ApprovalState) -> CardInput:
    request = ApprovalRequest(
        kind=state.kind,
        subject_id=state.subject_id,
        title=state.title,
        fields=[CardField(label=HOSTILE, value=HOSTILE), CardField(label="Amount", value="$1")],
        requester=state.requester,
        requester_label=HOSTILE,
        confirm=ConfirmText(title=HOSTILE[:100], text=HOSTILE[:300]),
        arguments=state.arguments,
    )
    return CardInput(
        request=request,
        state=state,
        workflow_id=WORKFLOW_ID,
        card_key="k",
        workflow_link=f"https://temporal.example/workflows/{HOSTILE}",
    )


def assert_shown_as_typed(payload: Any) -> None:
    """No hostile token survived, and the hostile text is there, escaped exactly once."""
    assert injected([payload]) == []
    texts = "\n".join(mrkdwn_texts(payload))
    assert HOSTILE_ESCAPED_PART in texts
    assert "&amp;amp;" in texts  # "&amp;" as typed: escaped once, not decoded, not twice
    assert "&amp;lt;" not in texts


@pytest.mark.parametrize("status", list(ApprovalStatus))
@pytest.mark.parametrize("on_expiry", list(ExpiryOutcome))
def test_cards_in_every_state_show_hostile_text_as_typed(
    status: ApprovalStatus, on_expiry: ExpiryOutcome
) -> None:
    message = approval_card(hostile_card(hostile_state(status, on_expiry=on_expiry)))
    assert_valid_blocks(message.blocks)
    assert_shown_as_typed({"text": message.text, "blocks": message.blocks})
    header = message.blocks[0]["text"]
    assert header["type"] == "plain_text" and "<!channel>" in header["text"]  # not parsed
    for button in (e for b in message.blocks if b["type"] == "actions" for e in b["elements"]):
        if "confirm" in button:
            assert button["confirm"]["text"] == {"type": "plain_text", "text": HOSTILE[:300]}


def test_our_own_mentions_stay_mentions_and_typed_ones_do_not() -> None:
    assert mention("U0APPROVE1") == "<@U0APPROVE1>"
    assert mention("W0ENTERPR1") == "<@W0ENTERPR1>"
    assert mention(f"<@{FORGED_USER}>") == f"&lt;@{FORGED_USER}&gt;"
    assert mention("Uéé") == "Uéé"  # not a Slack id: shown, never a mention
    assert mention("cli:ops") == "cli:ops"
    state = hostile_state()
    assert "<@U0APPROVE1>, <@U0APPROVE2>" in reminder_text(state)
    assert "<@U0OPERATR1>" in escalation_text(state)


def test_thread_notes_and_refusals_show_hostile_text_as_typed() -> None:
    pending = hostile_state()
    decided = hostile_state(ApprovalStatus.REJECTED)
    by_requester = DecisionInput(
        verdict=Verdict.APPROVE,
        user_id=f"<@{FORGED_USER}>",
        source=DecisionSource.SLACK,
        click_key="k",
        request_id="1",
    )
    texts = [
        reminder_text(pending),
        escalation_text(pending),
        escalated_line(pending),
        refusal_for(pending, by_requester),
        refusal_for(decided, by_requester),
        refusal_reason_already_decided(decided),
        plain_message(HOSTILE),
    ]
    shown = [str(text) for text in texts if text is not None]
    assert len(shown) == len(texts)
    for text in shown:
        assert bad_tokens(text) == [], text
    assert HOSTILE_ESCAPED_PART in shown[0] and HOSTILE_ESCAPED_PART in shown[1]
    assert f"You requested this {HOSTILE_ESCAPED_PART}" in shown[3]
    assert "Already rejected by cli:&lt;!channel&gt;" in shown[4]


def test_home_tab_and_digest_show_hostile_text_as_typed() -> None:
    waiting = [(WORKFLOW_ID, hostile_state(approvals=[], escalated_at=None))]
    links = {request_key(*waiting[0]): f"https://slack.example/archives/C1/p1?x={HOSTILE}"}
    view = home_view(Pending(1, waiting), NOW, notice=plain_message(HOSTILE), links=links)
    View(**view).validate_json()
    assert_valid_blocks(view["blocks"])
    assert_shown_as_typed(view)
    digest = digest_message(Pending(1, waiting), NOW, links)
    assert_valid_blocks(digest.blocks)
    assert injected([{"text": digest.text, "blocks": digest.blocks}]) == []
    assert HOSTILE_ESCAPED_PART in str(digest.blocks)


def test_modals_show_hostile_text_as_typed() -> None:
    for view in (
        reject_modal('{"workflow_id": "order-ORD-1"}', HOSTILE),
        edit_modal('{"workflow_id": "order-ORD-1"}', HOSTILE, {HOSTILE: HOSTILE}),
    ):
        View(**view).validate_json()
        assert injected([view]) == []
        assert HOSTILE_ESCAPED_PART in str(view["blocks"][0])


def test_command_replies_show_hostile_text_as_typed() -> None:
    texts = [
        approval_line(ApprovalFacts.of(hostile_state()), NOW),
        approval_line(ApprovalFacts.of(hostile_state(ApprovalStatus.REJECTED)), NOW),
        clip(plain_message(HOSTILE * 200)),
    ]
    for typed in (f"status {HOSTILE_SHORT}", f"list {HOSTILE_SHORT}", HOSTILE_SHORT):
        with pytest.raises(UsageError) as raised:
            WORKFLOW.parse(typed)
        texts.append(str(raised.value))
    with pytest.raises(UsageError) as raised:
        SCHEDULE.parse(f"pause scrape for {HOSTILE_SHORT}")
    texts.append(str(raised.value))
    for text in texts:
        assert bad_tokens(text) == [], text
    assert HOSTILE_ESCAPED_PART in texts[-1]
    question = delete_question(HOSTILE_SHORT, "Delete it?")
    assert_valid_blocks(question)  # the id sits in a plain-text button, cut to its limit
