"""The approval gate's enumerations: what a decider chose, where a decision came from, where a
request stands, what expiry amounts to, and what became of one decision attempt."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """What a decider chose."""

    APPROVE = "approve"
    REJECT = "reject"


class DecisionSource(StrEnum):
    """Where a decision came from."""

    SLACK = "slack"
    CLI = "cli"


class ApprovalStatus(StrEnum):
    """Where an approval request stands; everything but PENDING is terminal."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    # The request changed while waiting (edited arguments, an amended order); a new card asks.
    SUPERSEDED = "superseded"

    @property
    def is_terminal(self) -> bool:
        """True once nobody can decide any more."""
        return self is not ApprovalStatus.PENDING


class ExpiryOutcome(StrEnum):
    """What a request that nobody decided in time amounts to (the policy's ``on_expiry``)."""

    APPROVE = "approve"
    REJECT = "reject"
    CANCEL = "cancel"


class AttemptResult(StrEnum):
    """What the gate did with one decision attempt."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
