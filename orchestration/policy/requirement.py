"""What a rule's ``require_approval`` asks for: approvers, quorum, deadline, reminder,
escalation (one step or a ladder), where the card goes and who is told directly.

Pure schema; :meth:`orchestration.policy.match.PolicyDecision.approval_policy` turns it into
the gate's :class:`~orchestration.models.approval.ApprovalPolicy`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from orchestration.policy.fields import (
    DEADLINE,
    ESCALATE_AFTER,
    REMINDER,
    ChannelRef,
    Duration,
    NonEmpty,
    Strict,
    as_written,
    channel_given,
    within,
)

# A ladder's most steps: each one adds people and may post one more copy of the card.
MAX_STEPS = 10
# The tags of the two forms of ``escalate``; error messages leave them out of the field's
# path, so a mistake in one step reads ``escalate.after`` and in a ladder ``escalate.1.after``.
ONE_STEP = "<one step>"
LADDER = "<ladder>"
HIDDEN_IN_PATHS = frozenset({ONE_STEP, LADDER})


class Escalation(Strict):
    """One step of escalation: after a while, more people may decide, and are told."""

    after: Duration
    approvers: list[NonEmpty] = Field(min_length=1)
    # Where this step also posts a copy of the card (a name or an id); None: no copy.
    channel: ChannelRef | None = None

    @field_validator("after")
    @classmethod
    def _after_within_limits(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        return within(value, ESCALATE_AFTER, info)

    _channel_given = field_validator("channel", mode="before")(channel_given)


def _escalation_form(value: Any) -> str | None:
    if isinstance(value, list):
        return LADDER
    if isinstance(value, dict | Escalation):
        return ONE_STEP
    return None


Escalate = Annotated[
    Annotated[Escalation, Tag(ONE_STEP)]
    | Annotated[list[Escalation], Tag(LADDER), Field(min_length=1, max_length=MAX_STEPS)],
    Discriminator(
        _escalation_form,
        custom_error_type="escalate_form",
        custom_error_message=(
            "give one step ({after: 15m, approvers: [...]}) or a list of such steps"
        ),
    ),
]


class ApprovalRequirement(Strict):
    """What ``require_approval`` asks for."""

    approvers: list[NonEmpty] = Field(min_length=1)
    approvals: int = Field(default=1, ge=1, le=10)
    deadline: Duration = timedelta(minutes=5)
    reminder: Duration = timedelta(minutes=1)
    escalate: Escalate | None = None
    on_expiry: Literal["approve", "reject", "cancel"] = "cancel"
    # Where the card goes instead of the worker's approvals channel; None: that channel.
    channel: ChannelRef | None = None
    # ``dm``: each approver also gets the card (with its buttons) in a direct message.
    notify: Literal["dm"] | None = None

    @field_validator("deadline")
    @classmethod
    def _deadline_within_limits(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        return within(value, DEADLINE, info)

    @field_validator("reminder")
    @classmethod
    def _reminder_within_limits(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        value = within(value, REMINDER, info)
        deadline = info.data.get("deadline")
        # A default reminder longer than a short deadline just means none; a written one is a
        # mistake worth naming.
        if as_written(info) and deadline is not None and timedelta(0) < deadline <= value:
            raise PydanticCustomError(
                "reminder_after_deadline",
                "must be shorter than the deadline, or 0s for no reminder",
            )
        return value

    _channel_given = field_validator("channel", mode="before")(channel_given)

    @property
    def ladder(self) -> list[Escalation]:
        """The escalation steps in order: one, several, or none."""
        if self.escalate is None:
            return []
        return [self.escalate] if isinstance(self.escalate, Escalation) else list(self.escalate)

    @model_validator(mode="after")
    def _escalation_before_deadline(self) -> ApprovalRequirement:
        if isinstance(self.escalate, Escalation) and self.escalate.after >= self.deadline:
            raise ValueError(
                f"escalate.after ({self.escalate.after}) must be shorter than the deadline "
                f"({self.deadline}), or nobody would ever be escalated to"
            )
        if isinstance(self.escalate, list):
            _check_ladder(self.escalate, self.deadline)
        return self

    @model_validator(mode="after")
    def _enough_approvers(self) -> ApprovalRequirement:
        groups = any(a.startswith("S") for a in self.approvers)
        if not groups and self.approvals > len(set(self.approvers)):
            raise ValueError(
                f"asks for {self.approvals} approvals but names only "
                f"{len(set(self.approvers))} approver(s)"
            )
        return self


def _check_ladder(steps: list[Escalation], deadline: timedelta) -> None:
    """Steps are measured from the request: each later than the one before, all before the
    deadline."""
    for number, step in enumerate(steps):
        if number and step.after <= steps[number - 1].after:
            raise ValueError(
                f"escalate.{number}.after ({step.after}) must be later than "
                f"escalate.{number - 1}.after ({steps[number - 1].after}): every step's "
                "after counts from the request, so the steps go in time order"
            )
        if step.after >= deadline:
            raise ValueError(
                f"escalate.{number}.after ({step.after}) must be shorter than the deadline "
                f"({deadline}), or nobody would ever be escalated to"
            )
