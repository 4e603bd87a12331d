"""What cards, reminders, slash commands and refusals say: pure text, no Block Kit.

Shared by workflow code (reminders, escalations, refusals it records), the worker's Slack
activities (which lay cards out with these words) and the bot. Outside values are escaped
and mentions built with :mod:`orchestration.slack_text`; the words about expiry come from
the request's state (its kind and the policy's ``on_expiry``), never from a phrase a workflow
chose when it asked, so a card can never promise "auto-cancels" while the policy approves on
expiry.
"""

from __future__ import annotations

from datetime import datetime

from orchestration import slack_text as limits
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    DecisionSource,
    ExpiryOutcome,
    Verdict,
)
from orchestration.slack_text import cut, escape, mention

# How much of a title a line quotes, so the rest of the line stays readable.
TITLE_IN_LINE = 300

_EXPIRY_VERB = {
    ExpiryOutcome.CANCEL: "Expires",
    ExpiryOutcome.REJECT: "Rejected automatically",
    ExpiryOutcome.APPROVE: "Approved automatically",
}
# What the expiry means for the thing asked about, by kind: what each workflow does with an
# expired request (orders and tickets treat "reject" like "cancel"; agents get feedback).
_EXPIRY_CONSEQUENCE = {
    "order": {
        ExpiryOutcome.CANCEL: "the order is cancelled",
        ExpiryOutcome.REJECT: "the order is cancelled",
        ExpiryOutcome.APPROVE: "the order goes ahead",
    },
    "ticket": {
        ExpiryOutcome.CANCEL: "the ticket stays with support",
        ExpiryOutcome.REJECT: "the ticket stays with support",
        ExpiryOutcome.APPROVE: "the ticket is escalated to engineering",
    },
    "agent task": {
        ExpiryOutcome.CANCEL: "the task does not run",
        ExpiryOutcome.REJECT: "the task does not run, and the agent is told",
        ExpiryOutcome.APPROVE: "the task runs",
    },
}
_ON_EXPIRY = {
    ExpiryOutcome.APPROVE: " The policy approves it on expiry.",
    ExpiryOutcome.REJECT: " The policy rejects it on expiry.",
    ExpiryOutcome.CANCEL: "",
}


def format_time(moment: datetime) -> str:
    """``14:05 UTC``: cards say times in UTC so every reader sees the same thing."""
    return moment.strftime("%H:%M UTC")


def format_datetime(moment: datetime) -> str:
    """``2026-11-21 14:05 UTC``."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def quoted_title(title: str) -> str:
    """A request's title as a line quotes it: escaped, and cut when very long."""
    return cut(escape(title), TITLE_IN_LINE)


def expiry_promise(state: ApprovalState) -> str:
    """What the card promises expiry will do, exactly: from the request's kind and the
    policy's ``on_expiry`` (``Rejected automatically at 14:05 UTC if nobody decides: the
    task does not run, and the agent is told.``)."""
    sentence = f"{_EXPIRY_VERB[state.on_expiry]} at {format_time(state.deadline)} if nobody decides"
    kind = state.kind.replace("_", " ").strip().lower()
    consequence = _EXPIRY_CONSEQUENCE.get(kind, {}).get(state.on_expiry)
    return f"{sentence}: {consequence}." if consequence else f"{sentence}."


def decided_line(state: ApprovalState) -> str:
    """``*Approved* by <@U1> at 12:03 UTC (from the command line)``, or the expiry/cancel note."""
    status = state.status
    when = f" at {format_time(state.decided_at)}" if state.decided_at else ""
    if status is ApprovalStatus.EXPIRED:
        return (
            f"*Expired* at {format_time(state.deadline)}: nobody decided in time."
            + _ON_EXPIRY[state.on_expiry]
        )
    if status is ApprovalStatus.SUPERSEDED:
        if state.edited_by:
            return (
                f"*Superseded*{when}: {mention(state.edited_by)} approved it with edits; "
                "a new card asks again for the edited request."
            )
        return (
            f"*Superseded*{when}: {mention(state.decided_by)} changed the request while it "
            "waited; a new card asks again."
        )
    if status is ApprovalStatus.CANCELLED:
        return f"*Cancelled*{when}."
    if status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED) and state.decided_at:
        return _decision_line(state)
    return ""


def _decision_line(state: ApprovalState) -> str:
    """The line of an approved or rejected request: who, when, from where, and why."""
    status = state.status
    source = " (from the command line)" if state.decision_source is DecisionSource.CLI else ""
    deciders = mention(state.decided_by)
    if state.on_behalf_of:
        deciders += f" for {mention(state.on_behalf_of)}"
    if status is ApprovalStatus.APPROVED and len(state.approvals) > 1:
        deciders = " and ".join(approver_names(state))
        source = ""
    edited = " with edits" if status is ApprovalStatus.APPROVED and state.edited_by else ""
    when = f" at {format_time(state.decided_at)}" if state.decided_at else ""
    line = f"*{status.value.capitalize()}*{edited} by {deciders}{when}{source}"
    if state.reason:
        line += f"\n*Reason:* {escape(state.reason)}"
    return line


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


def escalated_line(state: ApprovalState) -> str:
    """``Escalated at 14:20 UTC: <@U3> may decide too.``"""
    when = format_time(state.escalated_at) if state.escalated_at else "?"
    who = ", ".join(mention(a) for a in state.escalated_to) or "a second group"
    return f"Escalated at {when}: {who} may decide too."


def escalation_text(state: ApprovalState, added: list[str] | None = None) -> str:
    """The thread message that brings an escalation step's people in (``added``; all who were
    escalated to when not given)."""
    named = state.escalated_to if added is None else added
    who = ", ".join(mention(a) for a in named) or "The escalation group"
    return _still_waiting("Escalated", state, f"{who}: you may decide it now;")


def reminder_text(state: ApprovalState) -> str:
    """The reminder posted in a card's thread before its deadline."""
    approvers = ", ".join(mention(a) for a in state.approvers) or "Approvers"
    return _still_waiting("Reminder", state, f"{approvers}:")


def _still_waiting(lead: str, state: ApprovalState, asked: str) -> str:
    """``Reminder: <title> is still waiting for a decision. <asked> it expires at 14:05 UTC.``"""
    text = (
        f"{lead}: {quoted_title(state.title)} is still waiting for a decision. "
        f"{asked} it expires at {format_time(state.deadline)}."
    )
    return cut(text, limits.MESSAGE_TEXT)


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


def you_decided(state: ApprovalState, verdict: Verdict, edited: bool) -> str:
    """What a decider's Home tab says after their click (``You approved *<title>*.``)."""
    done = "approved" if verdict is Verdict.APPROVE else "rejected"
    edits = " with edits" if edited else ""
    return (
        f"You {done} *{quoted_title(state.title)}*{edits}. Its card shows the outcome once "
        "the workflow has applied your decision."
    )
