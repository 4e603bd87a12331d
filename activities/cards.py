"""Block Kit for approval cards: pure functions, no Slack calls.

The worker's Slack activities draw cards with these; the bot draws the same buttons in its
Home tab and reads the ids back from clicks. The words come from
:mod:`orchestration.wording`. Tests check every builder against ``slack_sdk``'s Block Kit
models and Slack's message limits.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from orchestration import slack_text as limits
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    CardField,
    CardInput,
    ConfirmText,
)
from orchestration.slack_text import cut, cut_plain, date, escape, link, mention
from orchestration.wording import (
    decided_line,
    escalated_line,
    expiry_promise,
    format_time,
    quorum_line,
    quoted_title,
)

APPROVE_ACTION = "approval_approve"
EDIT_ACTION = "approval_edit"
REJECT_ACTION = "approval_reject"
ACTIONS_BLOCK = "approval_actions"
MAX_MESSAGE_BLOCKS = limits.MESSAGE_BLOCKS
VALUE_SEPARATOR = "|"
# Message metadata that marks a card as ours (the reconciler and retried posts look for it).
CARD_EVENT_TYPE = "chatops_approval_card"
# A card's outcome note, and its fallback text (what notifications show: a line or two, not
# the whole card).
OUTCOME_NOTE = 2000
FALLBACK_TEXT = 1000

Block = dict[str, Any]


class Message(NamedTuple):
    """A message body: plain-text fallback plus blocks."""

    text: str
    blocks: list[Block]


_HEADLINES = {
    ApprovalStatus.PENDING: "Approval needed",
    ApprovalStatus.APPROVED: "Approved",
    ApprovalStatus.REJECTED: "Rejected",
    ApprovalStatus.EXPIRED: "Expired",
    ApprovalStatus.CANCELLED: "Cancelled",
    ApprovalStatus.SUPERSEDED: "Superseded",
}


def card_metadata(card: CardInput) -> dict[str, Any]:
    """Message metadata that marks a card as ours, with the key of its request (and, on a copy
    of the card, which copy it is)."""
    payload = {"card_key": card.card_key}
    if card.copy_key is not None:
        payload["copy"] = card.copy_key
    return {"event_type": CARD_EVENT_TYPE, "event_payload": payload}


def decision_value(workflow_id: str, request_id: str) -> str:
    """A button's ``value``: which workflow and which request; ids only, never secrets."""
    return f"{workflow_id}{VALUE_SEPARATOR}{request_id}"


def parse_decision_value(value: str) -> tuple[str, str | None]:
    """Inverse of :func:`decision_value`; a bare workflow id means "the current request"."""
    workflow_id, _, request_id = value.partition(VALUE_SEPARATOR)
    return workflow_id, (request_id or None)


def arguments_json(arguments: dict[str, Any], indent: int | None = 2) -> str:
    """Arguments as people read and edit them: JSON with sorted keys."""
    return json.dumps(arguments, indent=indent, sort_keys=True, ensure_ascii=False)


def approval_card(card: CardInput) -> Message:
    """The card for a request in any state: buttons while pending, the outcome once decided.

    Every outside value is escaped and every text cut to Slack's limits, so no request,
    however long or strange, makes Slack refuse the card (``invalid_blocks``).
    """
    request, state = card.request, card.state
    # A pending card asks its question; a decided one names what was decided.
    named = state.asks if state.status is ApprovalStatus.PENDING else request.title
    header = cut_plain(f"{_HEADLINES[state.status]}: {named}", limits.HEADER_TEXT)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
    ]
    if request.fields:
        fields = [_field(field) for field in request.fields[:10]]
        blocks.append({"type": "section", "fields": fields})
    requested = (
        f"Requested by {mention(request.requester, escape(request.requester_label))} "
        f"at {format_time(state.requested_at)}"
    )
    if state.status is ApprovalStatus.PENDING:
        text = _pending(card, requested, blocks)
    else:
        text = _decided(state, requested, blocks)
    if state.policy_rule:
        version = f" (version {escape(state.policy_version)})" if state.policy_version else ""
        blocks.append(_context(f"Policy: {escape(state.policy_rule)}{version}"))
    if card.workflow_link:
        blocks.append(_context(link(card.workflow_link, f"Open {card.workflow_id}")))
    return Message(text=cut(text, FALLBACK_TEXT), blocks=blocks[:MAX_MESSAGE_BLOCKS])


def _pending(card: CardInput, requested: str, blocks: list[Block]) -> str:
    """The blocks of a pending card (appended); returns its fallback text."""
    state = card.state
    promise = expiry_promise(state)
    blocks.append(_context(f"{requested} · {promise}"))
    progress = quorum_line(state)
    if progress:
        blocks.append(_section(f"*{progress}*"))
    if state.escalated_at is not None:
        blocks.append(_context(escalated_line(state)))
    blocks.append(_buttons(card))
    text = f"{quoted_title(card.request.title)} needs approval. {promise}"
    return f"{text} {progress}." if progress else text


def _decided(state: ApprovalState, requested: str, blocks: list[Block]) -> str:
    """The blocks of a decided card (appended); returns its fallback text."""
    status, title = state.status, quoted_title(state.title)
    blocks.append(_section(decided_line(state) or f"*{_HEADLINES[status]}*"))
    if status is ApprovalStatus.APPROVED and state.edited_by and state.arguments is not None:
        edited = escape(arguments_json(state.arguments, indent=None))
        blocks.append(_section(f"*Runs with the edited arguments*\n```{edited}```"))
    note = cut(escape(state.outcome_note), OUTCOME_NOTE) if state.outcome_note else ""
    blocks.append(_context(f"{requested} · {note}" if note else requested))
    text = f"{_HEADLINES[status]}: {title}."
    if state.decided_by and status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        text = f"{_HEADLINES[status]} by {mention(state.decided_by)}: {title}."
    return f"{text} {note}" if note else text


def _field(field: CardField) -> Block:
    """A labelled fact; a moment in each reader's time zone when it has one."""
    value = date(field.at, field.value) if field.at is not None else escape(field.value)
    return {"type": "mrkdwn", "text": cut(f"*{escape(field.label)}*\n{value}", limits.FIELD_TEXT)}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, limits.SECTION_TEXT)}}


def _context(text: str) -> Block:
    element = {"type": "mrkdwn", "text": cut(text, limits.TEXT_OBJECT)}
    return {"type": "context", "elements": [element]}


def _buttons(card: CardInput) -> Block:
    return decision_buttons(card.workflow_id, card.state, card.request.title, card.request.confirm)


def decision_buttons(
    workflow_id: str,
    state: ApprovalState,
    title: str,
    confirm: ConfirmText | None = None,
    block_id: str = ACTIONS_BLOCK,
) -> Block:
    """Approve, Approve with edits (when the request has arguments) and Reject for one
    request; a card and the Home tab draw the same buttons."""
    value = decision_value(workflow_id, state.request_id)
    approve = _button(APPROVE_ACTION, "Approve", value, f"Approve {title}", style="primary")
    if confirm is not None:
        approve["confirm"] = _confirm_dialog(confirm, state.asks)
    elements = [approve]
    if state.arguments is not None:
        label = f"Edit, then approve {title}"
        elements.append(_button(EDIT_ACTION, "Approve with edits", value, label))
    elements.append(_button(REJECT_ACTION, "Reject", value, f"Reject {title}", style="danger"))
    return {"type": "actions", "block_id": block_id, "elements": elements}


def _button(action_id: str, text: str, value: str, label: str, style: str | None = None) -> Block:
    """A decision button; its accessibility label names the request."""
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
    }
    if style is not None:
        button["style"] = style
    button["value"] = value
    button["accessibility_label"] = cut_plain(label, limits.ACCESSIBILITY_LABEL)
    return button


def _confirm_dialog(confirm: ConfirmText, question: str) -> Block:
    """Approve's confirm dialog. Plain text: a confirm dialog repeats names and amounts, never
    markup. Slack refuses empty texts: a blank title falls back to a plain question, a blank
    text to the request's question."""
    title = cut_plain(confirm.title.strip() or "Approve?", limits.CONFIRM_TITLE)
    body = cut_plain(confirm.text.strip() or question.strip() or "Approve?", limits.CONFIRM_TEXT)
    return {
        "title": {"type": "plain_text", "text": title},
        "text": {"type": "plain_text", "text": body},
        "confirm": {"type": "plain_text", "text": "Approve"},
        "deny": {"type": "plain_text", "text": "Cancel"},
        "style": "primary",
    }
