"""Property test: every card, Home tab, digest, modal and block reply the bot builds, from
long, unicode and hostile requests, is one Slack accepts, and no hostile text in it is live.

Slack refuses a whole message for one text over its limit (``invalid_blocks``), so a card
with a long failure reason used to lose its final update. Examples are few (the builders are
pure and fast), enough to cover every status and shape on each run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.cards import approval_card, arguments_json
from bot.digest import DIGEST_ITEMS, digest_message
from bot.home import HOME_ITEMS, home_view, request_key
from bot.modals import MAX_INPUT_LENGTH, edit_modal, reject_modal
from bot.reconcile import without_buttons
from commands.schedule.delete import delete_question
from commands.words import ID
from commands.workflow.pending import Pending
from orchestration.models.approval import (
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
from tests.hostile import HOSTILE, HOSTILE_SHORT, injected
from tests.slack_limits import check_block, check_message, check_view

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
USERS = ["U0APPROVE1", "U0APPROVE2", "U0OPERATR1", "W0ENTERPR1"]
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Astral (emoji), combining marks, joiners, flags, right-to-left, mrkdwn's own characters.
_GRAPHEMES = [*"aZ09 &<>|*_~`\n", "\u00e9", "e\u0301", "\U0001f600", "\U0001f469\u200d\U0001f467"]
_GRAPHEMES += ["\U0001f1eb\U0001f1f7", "\u202e", "\u65e5\u672c"]
_PIECE = st.one_of(
    st.lists(st.sampled_from(_GRAPHEMES), max_size=40).map("".join),
    st.sampled_from([HOSTILE, HOSTILE_SHORT, "&amp;", "&lt;", "```", "<@U0APPROVE1>"]),
    st.text(max_size=20),
)
# Short to very long (far past every limit), built by repetition so generation stays fast.
TEXT = st.builds(lambda piece, times: piece * times, _PIECE, st.integers(1, 400))
SHORT = st.builds(lambda piece, times: piece * times, _PIECE, st.integers(1, 3))
WORKFLOW_ID = st.from_regex(ID, fullmatch=True)
ARGUMENTS = st.none() | st.dictionaries(SHORT, TEXT | st.integers(), max_size=4)


@st.composite
def states(draw: st.DrawFn, status: ApprovalStatus | None = None) -> ApprovalState:
    """A request's state in any shape: quorum, escalation, edits, policy, notes, reasons."""
    status = status or draw(st.sampled_from(list(ApprovalStatus)))
    decided = status is not ApprovalStatus.PENDING
    person = st.sampled_from(USERS) | st.builds(lambda t: f"cli:{t}", SHORT)
    escalated = draw(st.booleans())
    return ApprovalState(
        request_id=str(draw(st.integers(1, 99))),
        kind=draw(st.sampled_from(["order", "ticket", "agent task", "agent_task"]) | SHORT),
        subject_id=draw(SHORT),
        title=draw(TEXT),
        status=status,
        requester=draw(st.none() | person),
        approvers=draw(st.lists(st.sampled_from(USERS), max_size=4, unique=True)),
        approvals_required=draw(st.integers(1, 10)),
        approvals=draw(st.lists(st.sampled_from(USERS), max_size=3, unique=True)),
        requested_at=NOW,
        deadline=NOW + timedelta(minutes=draw(st.integers(1, 10_000))),
        escalated_at=NOW + timedelta(minutes=1) if escalated else None,
        escalated_to=draw(st.lists(st.sampled_from(USERS), max_size=3)) if escalated else [],
        on_expiry=draw(st.sampled_from(list(ExpiryOutcome))),
        arguments=draw(ARGUMENTS),
        edited_by=draw(person) if decided and draw(st.booleans()) else None,
        policy_rule=draw(st.none() | SHORT),
        policy_version=draw(st.none() | SHORT),
        decided_by=draw(person) if decided else None,
        decided_at=NOW + timedelta(minutes=2) if decided and draw(st.booleans()) else None,
        decision_source=draw(st.sampled_from(list(DecisionSource))) if decided else None,
        reason=draw(st.just("") | TEXT),
        outcome_note=draw(st.just("") | TEXT),
    )


@st.composite
def waiting_lists(draw: st.DrawFn, most: int) -> list[tuple[str, ApprovalState]]:
    """Up to ``most`` pending requests: a few drawn, repeated (drawing dozens is slow)."""
    drawn = draw(
        st.lists(st.tuples(WORKFLOW_ID, states(ApprovalStatus.PENDING)), min_size=1, max_size=3)
    )
    count = draw(st.integers(1, most))
    return [drawn[n % len(drawn)] for n in range(count)]


@st.composite
def cards(draw: st.DrawFn) -> CardInput:
    state = draw(states())
    confirm = draw(
        st.none() | st.builds(lambda a, b: ConfirmText(title=a[:100], text=b[:300]), TEXT, TEXT)
    )
    request = ApprovalRequest(
        kind=state.kind,
        subject_id=state.subject_id,
        title=state.title,
        fields=draw(st.lists(st.builds(CardField, label=SHORT, value=TEXT), max_size=12)),
        requester=state.requester,
        requester_label=draw(SHORT),
        confirm=confirm,
        arguments=state.arguments,
    )
    link = draw(st.none() | st.builds(lambda t: f"http://127.0.0.1:8233/workflows/{t}", SHORT))
    return CardInput(
        request=request,
        state=state,
        workflow_id=draw(WORKFLOW_ID),
        card_key="k",
        workflow_link=link,
    )


def payload(text: str, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"text": text, "blocks": blocks}


@EXAMPLES
@given(cards())
def test_every_card_is_one_slack_accepts(card: CardInput) -> None:
    message = approval_card(card)
    check_message(message.text, message.blocks)
    assert injected([payload(message.text, message.blocks)]) == []
    # A card whose history is gone gets its buttons replaced by a note; that one fits too.
    replaced = without_buttons(message.blocks, f"*Closed*: {escape(card.request.title)}")
    assert len(replaced) <= 50
    for block in replaced:
        check_block(block)


@pytest.mark.parametrize("status", list(ApprovalStatus))
def test_a_card_in_every_status_with_a_very_long_outcome_fits(status: ApprovalStatus) -> None:
    note = "Order failed: out of stock: " + ", ".join(f"SKU-{n:04d}-ÄÖÜ😀" for n in range(2000))
    state = ApprovalState(
        request_id="1",
        kind="order",
        subject_id="ORD-1",
        title=HOSTILE * 50,
        status=status,
        requested_at=NOW,
        deadline=NOW + timedelta(minutes=5),
        decided_by="U0APPROVE1" if status is not ApprovalStatus.PENDING else None,
        decided_at=NOW if status is not ApprovalStatus.PENDING else None,
        reason=HOSTILE * 100,
        outcome_note=note,
    )
    request = ApprovalRequest(kind="order", subject_id="ORD-1", title=state.title)
    message = approval_card(CardInput(request=request, state=state, workflow_id="o", card_key="k"))
    check_message(message.text, message.blocks)
    if status is not ApprovalStatus.PENDING:
        assert "Order failed: out of stock: SKU-0000" in str(message.blocks)


@EXAMPLES
@given(
    waiting_lists(30),
    st.integers(0, 10_000),
    st.none() | TEXT,
    st.dictionaries(st.integers(0, 29), st.builds(lambda t: f"https://x.example/{t}", SHORT)),
)
def test_every_home_tab_is_one_slack_accepts(
    waiting: list[tuple[str, ApprovalState]], more: int, notice: str | None, links: dict
) -> None:
    by_key = {request_key(*waiting[i]): url for i, url in links.items() if i < len(waiting)}
    found = Pending(len(waiting) + more, waiting[:HOME_ITEMS])
    view = home_view(found, NOW, notice=escape(notice) if notice else None, links=by_key)
    check_view(view)
    assert injected([view]) == []
    check_view(home_view(Pending(0, []), NOW))
    check_view(home_view(None, NOW, notice="Could not reach Temporal (UNAVAILABLE)."))


@EXAMPLES
@given(
    waiting_lists(25),
    st.integers(0, 10_000),
    st.dictionaries(st.integers(0, 24), st.builds(lambda t: f"https://x.example/{t}", SHORT)),
)
def test_every_digest_is_one_slack_accepts(
    waiting: list[tuple[str, ApprovalState]], more: int, links: dict
) -> None:
    by_key = {request_key(*waiting[i]): url for i, url in links.items() if i < len(waiting)}
    message = digest_message(Pending(len(waiting) + more, waiting[:DIGEST_ITEMS]), NOW, by_key)
    check_message(message.text, message.blocks)
    assert injected([payload(message.text, message.blocks)]) == []


@EXAMPLES
@given(WORKFLOW_ID, st.integers(1, 99), st.none() | st.just("C0APPROVAL"), TEXT, ARGUMENTS)
def test_every_decision_modal_is_one_slack_accepts(
    workflow_id: str, request_id: int, channel: str | None, title: str, arguments: Any
) -> None:
    metadata = json.dumps(
        {"workflow_id": workflow_id, "request_id": str(request_id), "channel": channel}
    )
    reject = reject_modal(metadata, title)
    check_view(reject)
    assert injected([reject]) == []
    arguments = arguments or {}
    if len(arguments_json(arguments)) > MAX_INPUT_LENGTH:
        with pytest.raises(ValueError, match="too long to edit"):
            edit_modal(metadata, title, arguments)
        return
    edit = edit_modal(metadata, title, arguments)
    check_view(edit)
    assert injected([edit]) == []


@EXAMPLES
@given(WORKFLOW_ID)
def test_the_delete_question_is_one_slack_accepts(schedule_id: str) -> None:
    question = f"Delete schedule `{escape(schedule_id)}`? This cannot be undone."
    check_message(question, delete_question(schedule_id, question))
