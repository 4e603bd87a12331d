"""Block Kit for approval cards, reminders and the reject modal: pure functions, no Slack calls.

The worker's Slack activities draw cards with these; the bot draws modals. Tests check every
builder against ``slack_sdk``'s Block Kit models and Slack's message limits.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, NamedTuple

from bot.expiry import expiry_promise, format_time
from orchestration import slack_text as limits
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    CardInput,
    ConfirmText,
    DecisionSource,
    ExpiryOutcome,
)
from orchestration.slack_text import cut, cut_plain, escape, link, mention

# Re-exported: callers have long imported these from here.
__all__ = ["escape", "expiry_promise", "format_time", "mention"]

APPROVE_ACTION = "approval_approve"
EDIT_ACTION = "approval_edit"
REJECT_ACTION = "approval_reject"
REJECT_VIEW = "approval_reject_reason"
EDIT_VIEW = "approval_edit_arguments"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"
ARGUMENTS_BLOCK = "arguments"
ARGUMENTS_INPUT = "arguments_input"
# Slack's limit on a plain_text_input's value.
MAX_INPUT_LENGTH = limits.INPUT_VALUE
MAX_ARGUMENT_DEPTH = 20  # lists and objects inside edited arguments
ACTIONS_BLOCK = "approval_actions"
MAX_MESSAGE_BLOCKS = limits.MESSAGE_BLOCKS
MAX_SECTION_TEXT = limits.SECTION_TEXT
# How much of a title a line quotes, so the rest of the line stays readable.
TITLE_IN_LINE = 300
VALUE_SEPARATOR = "|"

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
_ON_EXPIRY = {
    ExpiryOutcome.APPROVE: " The policy approves it on expiry.",
    ExpiryOutcome.REJECT: " The policy rejects it on expiry.",
    ExpiryOutcome.CANCEL: "",
}
# A card's outcome note, and its fallback text (what notifications show: a line or two, not
# the whole card).
OUTCOME_NOTE = 2000
FALLBACK_TEXT = 1000


def format_datetime(moment: datetime) -> str:
    """``2026-11-21 14:05 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def quoted_title(title: str) -> str:
    """A request's title as a line quotes it: escaped, and cut when very long."""
    return cut(escape(title), TITLE_IN_LINE)


def decision_value(workflow_id: str, request_id: str) -> str:
    """A button's ``value``: which workflow and which request; ids only, never secrets."""
    return f"{workflow_id}{VALUE_SEPARATOR}{request_id}"


def parse_decision_value(value: str) -> tuple[str, str | None]:
    """Inverse of :func:`decision_value`; a bare workflow id means "the current request"."""
    workflow_id, _, request_id = value.partition(VALUE_SEPARATOR)
    return workflow_id, (request_id or None)


def decided_line(state: ApprovalState) -> str:
    """``*Approved* by <@U1> at 12:03 UTC (from the command line)``, or the expiry/cancel note."""
    status = state.status
    if status is ApprovalStatus.EXPIRED:
        return (
            f"*Expired* at {format_time(state.deadline)}: nobody decided in time."
            + _ON_EXPIRY[state.on_expiry]
        )
    if status is ApprovalStatus.SUPERSEDED:
        when = f" at {format_time(state.decided_at)}" if state.decided_at else ""
        line = (
            f"*Superseded*{when}: {mention(state.decided_by)} changed the request while it "
            "waited; a new card asks again."
        )
        if state.edited_by:
            line = (
                f"*Superseded*{when}: {mention(state.edited_by)} approved it with edits; "
                "a new card asks again for the edited request."
            )
        return line
    if status is ApprovalStatus.CANCELLED:
        when = f" at {format_time(state.decided_at)}" if state.decided_at else ""
        return f"*Cancelled*{when}."
    if status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED) and state.decided_at:
        source = " (from the command line)" if state.decision_source is DecisionSource.CLI else ""
        deciders = mention(state.decided_by)
        if state.on_behalf_of:
            deciders += f" for {mention(state.on_behalf_of)}"
        if status is ApprovalStatus.APPROVED and len(state.approvals) > 1:
            deciders = " and ".join(approver_names(state))
            source = ""
        edited = " with edits" if status is ApprovalStatus.APPROVED and state.edited_by else ""
        line = (
            f"*{status.value.capitalize()}*{edited} by {deciders} "
            f"at {format_time(state.decided_at)}{source}"
        )
        if state.reason:
            line += f"\n*Reason:* {escape(state.reason)}"
        return line
    return ""


def approver_names(state: ApprovalState) -> list[str]:
    """Who approved so far, in order; once any approval came from the command line, each
    says where it came from (``cli:alice for <@U1> (from the command line)``)."""
    marks = {mark.user_id: mark for mark in state.approval_marks}
    labelled = any(mark.source is DecisionSource.CLI for mark in state.approval_marks)
    names = []
    for user in state.approvals:
        name, mark = mention(user), marks.get(user)
        if mark is not None and mark.on_behalf_of:
            name += f" for {mention(mark.on_behalf_of)}"
        if labelled and mark is not None:
            cli = mark.source is DecisionSource.CLI
            name += " (from the command line)" if cli else " (in Slack)"
        names.append(name)
    return names


def quorum_line(state: ApprovalState) -> str:
    """``1 of 2 approvals: <@U1>`` (empty when one approval is enough)."""
    if state.approvals_required <= 1:
        return ""
    names = ", ".join(approver_names(state))
    line = f"{len(state.approvals)} of {state.approvals_required} approvals"
    return f"{line}: {names}" if names else line


def refusal_reason_already_decided(state: ApprovalState, user_id: str | None = None) -> str:
    """What a late clicker is told; the decider themselves (a repeated click, a retried
    delivery) is told their decision stands."""
    if state.status is ApprovalStatus.EXPIRED:
        return f"This request expired at {format_time(state.deadline)}; nothing was changed."
    if state.status is ApprovalStatus.CANCELLED:
        return "This request was cancelled; nothing was changed."
    if state.status is ApprovalStatus.SUPERSEDED:
        return "This card is out of date: a newer request replaced it. Nothing was changed."
    when = f" at {format_time(state.decided_at)}" if state.decided_at else ""
    if user_id is not None and user_id == state.decided_by:
        return f"You already {state.status.value} this{when}; your decision stands."
    return f"Already {state.status.value} by {mention(state.decided_by)}{when}."


def approval_card(card: CardInput) -> Message:
    """The card for a request in any state: buttons while pending, the outcome once decided.

    Every outside value is escaped and every text cut to Slack's limits, so no request,
    however long or strange, makes Slack refuse the card (``invalid_blocks``).
    """
    request, state = card.request, card.state
    header = cut_plain(f"{_HEADLINES[state.status]}: {request.title}", limits.HEADER_TEXT)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
    ]
    if request.fields:
        fields = [
            {
                "type": "mrkdwn",
                "text": cut(f"*{escape(f.label)}*\n{escape(f.value)}", limits.FIELD_TEXT),
            }
            for f in request.fields[:10]
        ]
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


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, limits.SECTION_TEXT)}}


def _context(text: str) -> Block:
    element = {"type": "mrkdwn", "text": cut(text, limits.TEXT_OBJECT)}
    return {"type": "context", "elements": [element]}


def escalated_line(state: ApprovalState) -> str:
    """``Escalated at 14:20 UTC: <@U3> may decide too.``"""
    when = format_time(state.escalated_at) if state.escalated_at else "?"
    who = ", ".join(mention(a) for a in state.escalated_to) or "a second group"
    return f"Escalated at {when}: {who} may decide too."


def escalation_text(state: ApprovalState) -> str:
    """The thread message that brings the escalation group in."""
    who = ", ".join(mention(a) for a in state.escalated_to) or "The escalation group"
    text = (
        f"Escalated: {quoted_title(state.title)} is still waiting for a decision. {who}: you "
        f"may decide it now; it expires at {format_time(state.deadline)}."
    )
    return cut(text, limits.MESSAGE_TEXT)


def arguments_json(arguments: dict[str, Any], indent: int | None = 2) -> str:
    """Arguments as people read and edit them: JSON with sorted keys."""
    return json.dumps(arguments, indent=indent, sort_keys=True, ensure_ascii=False)


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
    approve: Block = {
        "type": "button",
        "action_id": APPROVE_ACTION,
        "text": {"type": "plain_text", "text": "Approve"},
        "style": "primary",
        "value": value,
        "accessibility_label": _label(f"Approve {title}"),
    }
    if confirm is not None:
        # Plain text: a confirm dialog repeats names and amounts, never markup.
        # Slack refuses empty texts: a blank title or text falls back to a plain question.
        title_text = cut_plain(confirm.title.strip() or "Approve?", limits.CONFIRM_TITLE)
        body = cut_plain(confirm.text.strip() or "Approve this request?", limits.CONFIRM_TEXT)
        approve["confirm"] = {
            "title": {"type": "plain_text", "text": title_text},
            "text": {"type": "plain_text", "text": body},
            "confirm": {"type": "plain_text", "text": "Approve"},
            "deny": {"type": "plain_text", "text": "Cancel"},
            "style": "primary",
        }
    reject: Block = {
        "type": "button",
        "action_id": REJECT_ACTION,
        "text": {"type": "plain_text", "text": "Reject"},
        "style": "danger",
        "value": value,
        "accessibility_label": _label(f"Reject {title}"),
    }
    elements = [approve, reject]
    if state.arguments is not None:
        elements.insert(
            1,
            {
                "type": "button",
                "action_id": EDIT_ACTION,
                "text": {"type": "plain_text", "text": "Approve with edits"},
                "value": value,
                "accessibility_label": _label(f"Edit, then approve {title}"),
            },
        )
    return {"type": "actions", "block_id": block_id, "elements": elements}


def _label(text: str) -> str:
    return cut_plain(text, limits.ACCESSIBILITY_LABEL)


def reminder_text(state: ApprovalState) -> str:
    """The reminder posted in a card's thread before its deadline."""
    approvers = ", ".join(mention(a) for a in state.approvers) or "Approvers"
    text = (
        f"Reminder: {quoted_title(state.title)} is still waiting for a decision. "
        f"{approvers}: it expires at {format_time(state.deadline)}."
    )
    return cut(text, limits.MESSAGE_TEXT)


def _modal(
    callback_id: str, private_metadata: str, title: str, submit: str, blocks: list[Block]
) -> dict[str, Any]:
    """A decision modal: title, submit and Cancel, the request's ids in private metadata."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def reject_modal(private_metadata: str, title: str) -> dict[str, Any]:
    """The modal asking for a rejection reason (required)."""
    return _modal(
        REJECT_VIEW,
        private_metadata,
        "Reject request",
        "Reject",
        [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"You are rejecting *{quoted_title(title)}*."},
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                    "placeholder": {"type": "plain_text", "text": "Why is this rejected?"},
                },
            },
        ],
    )


def edit_modal(private_metadata: str, title: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """The modal for "Approve with edits": the arguments as JSON, to change and approve.

    Raises:
        ValueError: the arguments do not fit Slack's input (``MAX_INPUT_LENGTH``); they
            cannot be cut, since what is submitted is what runs. Callers check first.
    """
    initial = arguments_json(arguments)
    if len(initial) > MAX_INPUT_LENGTH:
        raise ValueError(f"arguments too long to edit in Slack ({len(initial)} characters)")
    return _modal(
        EDIT_VIEW,
        private_metadata,
        "Approve with edits",
        "Approve",
        [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"You are approving *{quoted_title(title)}* with these arguments. "
                    "Change them as needed: what you submit is what runs.",
                },
            },
            {
                "type": "input",
                "block_id": ARGUMENTS_BLOCK,
                "label": {"type": "plain_text", "text": "Arguments (JSON object)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ARGUMENTS_INPUT,
                    "multiline": True,
                    "max_length": MAX_INPUT_LENGTH,
                    "initial_value": initial,
                },
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Why the edits (optional)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "max_length": 2000,
                },
            },
        ],
    )


def _depth(value: object) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse_edited_arguments(text: str) -> dict[str, Any] | str:
    """The edited arguments, or what is wrong with them (for the modal's error).

    Bounded like Slack's own input (``MAX_INPUT_LENGTH`` characters) and to
    ``MAX_ARGUMENT_DEPTH`` levels, so no submission can make the parser fail without an answer.
    """
    if len(text) > MAX_INPUT_LENGTH:
        return f"Too long: at most {MAX_INPUT_LENGTH} characters."
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        return f"Not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})."
    except RecursionError:
        return f"Nested too deeply: at most {MAX_ARGUMENT_DEPTH} levels of lists and objects."
    except ValueError as err:  # NaN or Infinity; an integer too long to convert
        return f"Not valid JSON: {err}."
    if not isinstance(value, dict):
        return 'Arguments must be a JSON object, e.g. {"replicas": 3}.'
    if _depth(value) > MAX_ARGUMENT_DEPTH:
        return f"Nested too deeply: at most {MAX_ARGUMENT_DEPTH} levels of lists and objects."
    return value
