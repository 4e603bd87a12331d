"""Who may decide a request, as one pure function shared by the workflow and the bot.

The bot applies it to the state in a workflow's memo (so a click that cannot win is answered
at once, even while no worker runs); the workflow applies it again to its live state, which
is the authority when two clicks race.
"""

from __future__ import annotations

from typing import NamedTuple

from orchestration.models.approval import ApprovalState, DecisionInput, DecisionSource, Verdict
from orchestration.slack_text import escape, mention
from orchestration.wording import format_time, quoted_title, refusal_reason_already_decided


def naming_the_request(text: str, title: str | None) -> str:
    """An answer that may land far from the card it is about, with a line naming the request
    (several refusals in a row then read apart)."""
    return f"{text}\nRequest: {quoted_title(title)}" if title else text


class Refusal(NamedTuple):
    """Why a decision cannot be applied: a short code from a fixed set (a metric's label),
    and the answer for the person who tried."""

    code: str
    text: str


def refusal_for(state: ApprovalState | None, decision: DecisionInput) -> str | None:
    """Why ``decision`` cannot be applied to ``state``, or None if it can (see
    :func:`refusal_of`)."""
    refusal = refusal_of(state, decision)
    return None if refusal is None else refusal.text


def refusal_of(state: ApprovalState | None, decision: DecisionInput) -> Refusal | None:
    """Why ``decision`` cannot be applied to ``state``, or None if it can.

    A decision is judged by the time it was made (``decision.decided_at``) when it says so:
    one made after the deadline is refused even while the request still shows as pending
    (no worker has applied the expiry yet), and one made before it counts even when a
    worker applies it later.
    """
    if state is None:
        return Refusal("no_request", "Nothing is waiting for approval here.")
    if decision.request_id is not None and decision.request_id != state.request_id:
        return Refusal(
            "out_of_date",
            "This card is out of date: a newer request replaced it. Nothing was changed.",
        )
    if state.status.is_terminal:
        return Refusal("already_decided", refusal_reason_already_decided(state, decision.user_id))
    if decision.decided_at is not None and decision.decided_at > state.deadline:
        return Refusal(
            "too_late",
            f"This request expired at {format_time(state.deadline)}; your decision came at "
            f"{format_time(decision.decided_at)}, too late. Nothing was changed.",
        )
    return _refusal_of_decider(state, decision)


def may_decide(state: ApprovalState, user_id: str) -> bool:
    """True when ``user_id`` is one of the request's approvers and could decide it now (a
    click from them in Slack, judged as it is applied; after the deadline too while no worker
    has applied the expiry)."""
    if user_id not in state.approvers:
        return False
    # Built unchecked: an approver id the decision model would refuse (too long) must not
    # fail the workflow task that publishes who may decide.
    probe = DecisionInput.model_construct(
        verdict=Verdict.APPROVE,
        user_id=user_id,
        source=DecisionSource.SLACK,
        click_key="home",
        request_id=state.request_id,
    )
    return refusal_for(state, probe) is None


def deciders(state: ApprovalState) -> list[str]:
    """Everyone who may decide ``state`` now (:func:`may_decide`), in the approvers' order."""
    return [user for user in dict.fromkeys(state.approvers) if may_decide(state, user)]


def _refusal_of_decider(state: ApprovalState, decision: DecisionInput) -> Refusal | None:
    """Why whoever sent ``decision`` may not decide the pending ``state``, or None."""
    if decision.arguments is not None and state.arguments is None:
        return Refusal(
            "no_arguments", "This request has no arguments to edit; nothing was changed."
        )
    if decision.verdict is Verdict.APPROVE and decision.user_id in state.approvals:
        return Refusal(
            "already_approved",
            "You already approved this; it needs another approver. Nothing was changed.",
        )
    requester = state.requester
    if requester is not None and requester in (decision.user_id, decision.on_behalf_of):
        return Refusal(
            "self_approval",
            f"You requested this {escape(state.kind)}, so someone else must decide it. "
            "Nothing was changed.",
        )
    if _second_terminal_approval(state, decision):
        return Refusal(
            "second_cli_approval",
            "An approval from the command line already counts towards this request; the "
            "others must come from approvers in Slack. Nothing was changed.",
        )
    return _refusal_of_outsider(state, decision)


def _refusal_of_outsider(state: ApprovalState, decision: DecisionInput) -> Refusal | None:
    """A click in Slack from someone the request does not name as an approver."""
    unresolved = any(a.startswith("S") for a in state.approvers)  # groups not expanded yet
    if (
        decision.source is not DecisionSource.SLACK
        or decision.user_id in state.approvers
        or unresolved
    ):
        return None
    if not state.approvers:
        return Refusal(
            "no_approvers", "No approvers are configured for this request; nothing was changed."
        )
    allowed = ", ".join(mention(a) for a in state.approvers)
    return Refusal(
        "not_an_approver", f"You are not an approver for this request (approvers: {allowed})."
    )


def _second_terminal_approval(state: ApprovalState, decision: DecisionInput) -> bool:
    """A terminal user holds Temporal access, not N identities: at most one approval from the
    command line counts towards a quorum."""
    if decision.source is not DecisionSource.CLI or decision.verdict is not Verdict.APPROVE:
        return False
    if state.approvals_required <= 1:
        return False
    return any(mark.source is DecisionSource.CLI for mark in state.approval_marks)
