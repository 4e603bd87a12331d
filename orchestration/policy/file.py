"""The policy file: its schema, and reading and validating it.

A policy is an ordered list of rules (see :mod:`orchestration.policy.match` for how one is
chosen): ``allow``, ``deny`` (with a reason), or ``require_approval`` (approvers, how many
distinct approvals, deadline, reminder, escalation, what expiry does). The policy's version is a
hash of the file's content, so the audit trail says which policy decided. Pure: no I/O except
:func:`load_policy`, which activities call.

Text in rules is normalised as it is read (:func:`orchestration.names.normalise`), the same way
requests are when they are matched. Durations a file gives are bounded when the file is read
(:data:`DEADLINE` and friends); decisions read back from a workflow's history are not checked
again, so requests decided under older limits still replay.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from orchestration.durations import Bounds, duration_from_text
from orchestration.names import (
    NAME,
    NAME_RULE,
    TARGET_GLOB,
    TARGET_GLOB_RULE,
    character_set,
    normalise,
)

NonEmpty = Annotated[str, Field(min_length=1)]

# The limits of the durations a policy file gives (documented in the README).
DEADLINE = Bounds(timedelta(seconds=10), timedelta(days=30))
REMINDER = Bounds(timedelta(0), timedelta(days=30))  # 0s: no reminder; shorter than the deadline
ESCALATE_AFTER = Bounds(timedelta(seconds=1), timedelta(days=30))  # shorter than the deadline

# Validation context under which the limits apply: set when a file is read, absent when a
# recorded decision is read back from history.
_FILE = "policy_file"
AS_WRITTEN = {_FILE: True}


def _normalised(value: object) -> object:
    return normalise(value) if isinstance(value, str) else value


def _not_blank(value: str) -> str:
    if not value:
        raise PydanticCustomError("blank", "must not be empty or only spaces")
    return value


Folded = Annotated[str, BeforeValidator(_normalised), AfterValidator(_not_blank)]
RuleName = Annotated[Folded, character_set(NAME, NAME_RULE)]
TargetGlob = Annotated[Folded, character_set(TARGET_GLOB, TARGET_GLOB_RULE)]
Priority = Annotated[Literal["low", "medium", "high"], BeforeValidator(_normalised)]
# Any lower-case name: order, ticket and agent_task are ours; RequestApproval brings others.
Kind = Annotated[Folded, character_set(NAME, NAME_RULE)]
AttributeName = Annotated[Folded, character_set(NAME, NAME_RULE)]
AttributeGlob = Annotated[Folded, Field(max_length=200, description="glob, e.g. pay*")]


def _as_written(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and bool(info.context.get(_FILE))


def _within(value: timedelta, bounds: Bounds, info: ValidationInfo) -> timedelta:
    problem = bounds.problem(value) if _as_written(info) else None
    if problem is not None:
        raise PydanticCustomError("duration_out_of_bounds", problem)
    return value


def parse_duration(value: object) -> object:
    """``90s``, ``5m``, ``2h``, ``1d``, ``1h30m`` as well as seconds or ISO 8601 (``PT5M``)."""
    if isinstance(value, str):
        parsed = duration_from_text(value)
        return value if parsed is None else parsed
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Strict(BaseModel):
    """Unknown keys are mistakes in a policy file, not extensions."""

    model_config = ConfigDict(extra="forbid")


class Escalation(Strict):
    """A second group asked when the first has not decided after a while."""

    after: Duration
    approvers: list[NonEmpty] = Field(min_length=1)

    @field_validator("after")
    @classmethod
    def _after_within_limits(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        return _within(value, ESCALATE_AFTER, info)


class ApprovalRequirement(Strict):
    """What ``require_approval`` asks for."""

    approvers: list[NonEmpty] = Field(min_length=1)
    approvals: int = Field(default=1, ge=1, le=10)
    deadline: Duration = timedelta(minutes=5)
    reminder: Duration = timedelta(minutes=1)
    escalate: Escalation | None = None
    on_expiry: Literal["approve", "reject", "cancel"] = "cancel"

    @field_validator("deadline")
    @classmethod
    def _deadline_within_limits(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        return _within(value, DEADLINE, info)

    @field_validator("reminder")
    @classmethod
    def _reminder_within_limits(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        value = _within(value, REMINDER, info)
        deadline = info.data.get("deadline")
        # A default reminder longer than a short deadline just means none; a written one is a
        # mistake worth naming.
        if _as_written(info) and deadline is not None and timedelta(0) < deadline <= value:
            raise PydanticCustomError(
                "reminder_after_deadline",
                "must be shorter than the deadline, or 0s for no reminder",
            )
        return value

    @model_validator(mode="after")
    def _escalation_before_deadline(self) -> ApprovalRequirement:
        if self.escalate is not None and self.escalate.after >= self.deadline:
            raise ValueError(
                f"escalate.after ({self.escalate.after}) must be shorter than the deadline "
                f"({self.deadline}), or nobody would ever be escalated to"
            )
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


class When(Strict):
    """Conditions on a request; all given ones must hold. Text is normalised as it is read,
    the same way requests are when they are matched."""

    kind: Kind
    amount_over: Decimal | None = None
    amount_at_most: Decimal | None = None
    priority: list[Priority] | None = None
    tool: list[RuleName] | None = None
    action: list[RuleName] | None = None
    target: TargetGlob | None = Field(default=None, description="glob, e.g. prod-*")
    input_starts_with: Folded | None = None
    # Every one named must be present on the request and match its glob.
    attributes: dict[AttributeName, AttributeGlob] | None = Field(default=None, max_length=20)


class Rule(Strict):
    """One rule: a name, a condition, and exactly one effect."""

    name: NonEmpty
    when: When
    allow: Literal[True] | None = None
    deny: NonEmpty | None = None
    require_approval: ApprovalRequirement | None = None

    @model_validator(mode="after")
    def _one_effect(self) -> Rule:
        effects = [self.allow is not None, self.deny is not None, self.require_approval]
        if sum(bool(e) for e in effects) != 1:
            raise ValueError("give exactly one of allow, deny, require_approval")
        return self


class Policy(Strict):
    """A whole policy file."""

    version: Literal[1] = 1
    rules: list[Rule] = Field(min_length=1)
    otherwise: Literal["allow", "deny"] = "deny"


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the file, the field and why."""


def parse_policy(text: str, source: str) -> tuple[Policy, str]:
    """Validate policy text; returns the policy and its version (content hash).

    Raises:
        PolicyError: naming ``source``, the field and the reason.
    """
    try:
        raw: Any = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PolicyError(f"{source}: not valid YAML: {err}") from None
    try:
        policy = Policy.model_validate(raw, context=AS_WRITTEN)
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in problem['loc']) or '(top level)'}: {problem['msg']}"
            for problem in err.errors()
        ]
        raise PolicyError(f"{source}: invalid policy:\n  " + "\n  ".join(problems)) from None
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return policy, version


def load_policy(path: Path) -> tuple[Policy, str]:
    """Read and validate a policy file (see :func:`parse_policy`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(f"{path}: cannot read: {err.strerror or err}") from None
    return parse_policy(text, str(path))
