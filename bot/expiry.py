"""What an approval card promises about expiry: exactly what the workflow will do.

The words come from the request's state (its kind and the policy's ``on_expiry``), never from
a phrase a workflow chose when it asked, so a card can never promise "auto-cancels" while
the policy approves on expiry.
"""

from __future__ import annotations

from datetime import datetime

from orchestration.models.approval import ApprovalState, ExpiryOutcome

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


def format_time(moment: datetime) -> str:
    """``14:05 UTC``: cards say times in UTC so every reader sees the same thing."""
    return moment.strftime("%H:%M UTC")


def expiry_promise(state: ApprovalState) -> str:
    """What the card promises expiry will do, exactly: from the request's kind and the
    policy's ``on_expiry`` (``Rejected automatically at 14:05 UTC if nobody decides: the
    task does not run, and the agent is told.``)."""
    sentence = f"{_EXPIRY_VERB[state.on_expiry]} at {format_time(state.deadline)} if nobody decides"
    kind = state.kind.replace("_", " ").strip().lower()
    consequence = _EXPIRY_CONSEQUENCE.get(kind, {}).get(state.on_expiry)
    return f"{sentence}: {consequence}." if consequence else f"{sentence}."
