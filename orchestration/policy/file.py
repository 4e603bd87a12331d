"""The policy file: its schema, and reading and validating it.

A policy is an ordered list of rules (see :mod:`orchestration.policy.match` for how one is
chosen): ``allow``, ``deny`` (with a reason), or ``require_approval`` (approvers, how many
distinct approvals, deadline, reminder, escalation, what expiry does). The policy's version is a
hash of the file's content, so the audit trail says which policy decided. Pure: no I/O except
:func:`load_policy`, which activities call.

Text in rules is normalised as it is read (:func:`orchestration.names.normalise`), the same way
requests are when they are matched. What ``require_approval`` asks is
:mod:`orchestration.policy.requirement`; durations and channels are bounded when the file is
read (:mod:`orchestration.policy.fields`), not when a recorded decision is read back.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from orchestration.names import (
    NAME,
    NAME_RULE,
    TARGET_GLOB,
    TARGET_GLOB_RULE,
    character_set,
    normalise,
)
from orchestration.policy.fields import AS_WRITTEN, NonEmpty, Strict
from orchestration.policy.flows import FlowAccess
from orchestration.policy.requirement import HIDDEN_IN_PATHS, ApprovalRequirement, Escalation

__all__ = [
    "ApprovalRequirement",
    "Escalation",
    "Policy",
    "PolicyError",
    "Rule",
    "When",
    "load_policy",
    "parse_policy",
]


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
    # Who may start which flow (orchestration.policy.flows); none: no flow from Slack.
    flows: list[FlowAccess] = Field(default_factory=list, max_length=200)


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
    except RecursionError:  # PyYAML reads nested lists and maps recursively
        raise PolicyError(f"{source}: not valid YAML: nested too deeply to read") from None
    try:
        policy = Policy.model_validate(raw, context=AS_WRITTEN)
    except ValidationError as err:
        problems = [f"{_path(problem['loc'])}: {problem['msg']}" for problem in err.errors()]
        raise PolicyError(f"{source}: invalid policy:\n  " + "\n  ".join(problems)) from None
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    return policy, version


def _path(loc: tuple[int | str, ...]) -> str:
    """``rules.0.require_approval.escalate.1.after``: a field's place in the file."""
    return ".".join(str(part) for part in loc if part not in HIDDEN_IN_PATHS) or "(top level)"


def load_policy(path: Path) -> tuple[Policy, str]:
    """Read and validate a policy file (see :func:`parse_policy`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise PolicyError(
            f"{path}: not UTF-8 text (at byte offset {err.start}); save it as UTF-8"
        ) from None
    return parse_policy(text, str(path))
