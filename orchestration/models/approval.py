"""Models of the approval gate: the request, the decision signal, and the gate's state.

The enumerations they use (verdicts, statuses, sources) live in
:mod:`orchestration.models.verdicts` and are importable from here too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from orchestration.models.routing import CardCopy, EscalationStep
from orchestration.models.verdicts import (
    ApprovalStatus,
    AttemptResult,
    DecisionSource,
    ExpiryOutcome,
    Verdict,
)


class CardField(BaseModel):
    """One labelled fact shown on a card."""

    label: str
    value: str
    # A moment the card shows in each reader's time zone; ``value`` is its fallback text.
    at: datetime | None = None


class ConfirmText(BaseModel):
    """A confirm dialog shown before Approve is sent, repeating the key facts."""

    title: str = Field(max_length=100)
    text: str = Field(max_length=300)


class ApprovalPolicy(BaseModel):
    """Who decides, where, and how long they have; fixed when a workflow starts."""

    approvers: list[str] = Field(default_factory=list)
    channel: str = "approvals"
    timeout: timedelta = timedelta(minutes=5)
    reminder_before: timedelta = timedelta(minutes=1)
    approvals_required: int = Field(default=1, ge=1, le=10)
    # A second group that may decide too once nobody has after ``escalate_after``.
    escalate_after: timedelta | None = None
    escalate_to: list[str] = Field(default_factory=list)
    # A ladder of escalation steps (the policy file's list form); used instead of the two
    # fields above when given.
    escalations: list[EscalationStep] = Field(default_factory=list)
    # Each approver also gets the card in a direct message.
    notify_dm: bool = False
    on_expiry: ExpiryOutcome = ExpiryOutcome.CANCEL
    temporal_ui_url: str | None = None
    # Off for clusters where custom search attributes cannot be registered; memo still works.
    search_attributes: bool = True

    @property
    def ladder(self) -> list[EscalationStep]:
        """The escalation steps in time order: the ladder, or the single escalation."""
        if self.escalations:
            return list(self.escalations)
        if self.escalate_after is not None and self.escalate_to:
            return [EscalationStep(after=self.escalate_after, approvers=list(self.escalate_to))]
        return []


def question_for(title: str, question: str | None) -> str:
    """The question a request asks: its own, or one made from its noun title (``Approve
    Order ORD-1 for $5.00?``); a title that is already a question (older requests) is kept."""
    if question:
        return question
    return title if title.rstrip().endswith("?") else f"Approve {title}?"


class ApprovalRequest(BaseModel):
    """What a workflow asks its gate to get decided.

    ``title`` is a noun phrase that sentences quote ("You approved <title>."); ``question``
    is what the card asks (None: made from the title).
    """

    kind: str
    subject_id: str
    title: str
    question: str | None = None
    fields: list[CardField] = Field(default_factory=list)
    requester: str | None = None
    requester_label: str = "chatops"
    expiry_effect: str = "auto-cancels"
    confirm: ConfirmText | None = None
    policy: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    # Arguments an approver may edit before approving ("Approve with edits"); None: no edits.
    arguments: dict[str, Any] | None = None
    # Approvals carried over from the request this one replaces (the editor's own).
    approvals: list[str] = Field(default_factory=list)
    # The policy rule and version (content hash) that asked for this approval.
    policy_rule: str | None = None
    policy_version: str | None = None

    @property
    def asks(self) -> str:
        """The question the card and its confirm dialogs ask."""
        return question_for(self.title, self.question)


class DecisionInput(BaseModel):
    """The ``decide`` signal: one click on a card, or one ``chatops approve|reject``."""

    verdict: Verdict
    user_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=2000)
    source: DecisionSource = DecisionSource.SLACK
    click_key: str = Field(min_length=1, max_length=200)
    request_id: str | None = None
    # "Approve with edits": the arguments the approver wants run instead.
    arguments: dict[str, Any] | None = None
    # Where the click was made (a channel, or a direct message with a copy of the card): a
    # refusal is answered there. None: from the Home tab, the command line, or older bots.
    channel: str | None = Field(default=None, max_length=64)
    # When the person decided (Slack's ``action_ts``, the terminal's clock): the gate judges a
    # decision by this time, not by when a worker applies it. None: judged when applied.
    decided_at: datetime | None = None
    # A terminal user acting for someone (``chatops approve --as U123``); the decider stays
    # the terminal user.
    on_behalf_of: str | None = Field(default=None, max_length=64)


class ApprovalMark(BaseModel):
    """One approval counted towards a request: who gave it, from where, and when."""

    user_id: str
    source: DecisionSource = DecisionSource.SLACK
    on_behalf_of: str | None = None
    at: datetime | None = None


class DecisionAttempt(BaseModel):
    """One recorded attempt, applied or not: the audit trail of a request."""

    at: datetime
    user_id: str
    verdict: Verdict
    reason: str
    source: DecisionSource
    click_key: str
    result: AttemptResult
    refusal: str | None = None
    arguments: dict[str, Any] | None = None
    decided_at: datetime | None = None
    on_behalf_of: str | None = None


class ApprovalState(BaseModel):
    """The gate's state, returned by the ``approval`` query and kept (minus attempts) in memo."""

    request_id: str
    kind: str
    subject_id: str
    title: str
    # The request's own question; None in older states (made from the title then).
    question: str | None = None
    status: ApprovalStatus = ApprovalStatus.PENDING
    requester: str | None = None
    approvers: list[str] = Field(default_factory=list)
    approvals_required: int = 1
    approvals: list[str] = Field(default_factory=list)
    # Where each approval in ``approvals`` came from (same order); empty in older states.
    approval_marks: list[ApprovalMark] = Field(default_factory=list)
    channel: str | None = None
    message_ts: str | None = None
    requested_at: datetime
    deadline: datetime
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    escalated_to: list[str] = Field(default_factory=list)
    on_expiry: ExpiryOutcome = ExpiryOutcome.CANCEL
    arguments: dict[str, Any] | None = None
    edited_by: str | None = None
    policy_rule: str | None = None
    policy_version: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_source: DecisionSource | None = None
    on_behalf_of: str | None = None
    reason: str = ""
    outcome_note: str = ""
    card_error: str | None = None
    # The card's post needed more than one attempt: one that timed out may still land after
    # the retry looked for it, so each redraw removes any other message carrying its key.
    stray_posts_possible: bool = False
    # Copies of the card in direct messages and escalation channels, redrawn with it.
    copies: list[CardCopy] = Field(default_factory=list)
    attempts: list[DecisionAttempt] = Field(default_factory=list)

    @property
    def asks(self) -> str:
        """The question the request asks."""
        return question_for(self.title, self.question)

    @property
    def outcome(self) -> Verdict | None:
        """What the request amounts to: a decision, or the policy's ``on_expiry`` once expired;
        None while pending, and for cancelled or superseded requests and expiry that cancels."""
        if self.status is ApprovalStatus.APPROVED:
            return Verdict.APPROVE
        if self.status is ApprovalStatus.REJECTED:
            return Verdict.REJECT
        if self.status is ApprovalStatus.EXPIRED and self.on_expiry is not ExpiryOutcome.CANCEL:
            return Verdict(self.on_expiry.value)
        return None


class CardInput(BaseModel):
    """Everything needed to draw a card: the request and the state it is in."""

    request: ApprovalRequest
    state: ApprovalState
    workflow_id: str
    card_key: str
    workflow_link: str | None = None
    # Which copy of the card this is (:attr:`CardCopy.key`); None: the card itself.
    copy_key: str | None = None
    # Redrawing it also deletes other messages that carry its key (a post that landed late).
    remove_strays: bool = False


class PostCardResult(BaseModel):
    """Where a card landed: a channel id and message ts, needed for every later update."""

    channel: str
    ts: str
    # Posted by a retried attempt: an earlier one may still land, as a second message.
    retried: bool = False


class CardCopyInput(BaseModel):
    """Where to post a copy of a card: one person's direct messages with the app (``user``),
    or a channel (a name or an id)."""

    card: CardInput
    user: str | None = None
    channel: str | None = None


class ThreadReplyInput(BaseModel):
    """A message in a card's thread (reminders, results)."""

    channel: str
    thread_ts: str
    text: str
    # What the reply is about, leading it if the thread is gone and it lands in the channel.
    context: str = ""


class NoticeInput(BaseModel):
    """A plain message in a channel."""

    channel: str
    text: str


class EphemeralInput(BaseModel):
    """A message only one user sees, in the card's channel."""

    channel: str
    user: str
    text: str


class ResolveApproversInput(BaseModel):
    """Approver ids as configured: users (``U…``/``W…``) and user groups (``S…``)."""

    ids: list[str]


class ResolveApproversResult(BaseModel):
    """The user ids the configured approvers stand for."""

    user_ids: list[str]
