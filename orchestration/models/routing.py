"""Where a request's card goes besides its channel: escalation steps, and the copies of the
card (in approvers' direct messages, in an escalation step's channel) kept in step with it."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field

# The most direct messages one request sends: a user group of hundreds must not become
# hundreds of copies to redraw at every change. Approvers beyond it are recorded, not sent.
MAX_DIRECT_COPIES = 20


class EscalationStep(BaseModel):
    """One step of an escalation ladder: ``after`` (from the request) these people may decide
    too and are told; with ``channel``, a copy of the card goes there."""

    after: timedelta
    approvers: list[str] = Field(default_factory=list)
    channel: str | None = None


class CardCopy(BaseModel):
    """A copy of the card: where it landed, or why it could not be delivered.

    ``key`` says which copy it is (``dm:U123``: that approver's direct message; ``step:2``:
    the second escalation step's channel) and marks the message, so a retried post finds the
    copy an earlier attempt left.
    """

    key: str
    user: str | None = None
    channel: str | None = None
    ts: str | None = None
    # Why it was not delivered, or why its last redraw failed; None when it is up to date.
    error: str | None = None
    # Its post needed more than one attempt (see ``ApprovalState.stray_posts_possible``).
    stray_posts_possible: bool = False

    @property
    def placed(self) -> bool:
        """Whether the copy exists in Slack (and so is redrawn)."""
        return bool(self.channel and self.ts)
