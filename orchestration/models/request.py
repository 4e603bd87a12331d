"""The ``RequestApproval`` contract: what any workflow sends, and what it gets back.

Other teams code against these names and JSON fields, from any Temporal SDK: keep them exactly.
The limits below are documented in ``docs/request-approval.md``; the JSON Schema published in
``docs/request-approval.schema.json`` is generated from these models
(``python -m orchestration.models.request_schema``).
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from orchestration.policy.match import PolicyRequest

MAX_FIELDS = 20
MAX_ATTRIBUTES = 20
MAX_ARGUMENTS_BYTES = 8000
MAX_ARGUMENTS_DEPTH = 8

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,39}$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=150)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=50)]
Value = Annotated[str, StringConstraints(max_length=500)]
AttributeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")]
AttributeValue = Annotated[str, StringConstraints(max_length=200)]
UserId = Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,31}$")]


def json_depth(value: Any, most: int = MAX_ARGUMENTS_DEPTH) -> int:
    """How deeply ``value`` nests objects and lists (a scalar is 0), counted without recursion
    and only until it passes ``most``: a value nested thousands deep must be refused, not
    overflow the stack (in a workflow, that would fail its task forever)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if not isinstance(item, dict | list):
            continue
        children = item.values() if isinstance(item, dict) else item
        level += 1
        deepest = max(deepest, level)
        if deepest > most:
            break
        stack.extend((child, level) for child in children)
    return deepest


def _bounded_json(value: dict[str, Any]) -> dict[str, Any]:
    if json_depth(value) > MAX_ARGUMENTS_DEPTH:
        raise PydanticCustomError(
            "arguments_too_deep",
            "nested at most {limit} levels deep",
            {"limit": MAX_ARGUMENTS_DEPTH},
        )
    size = len(json.dumps(value, separators=(",", ":")).encode())
    if size > MAX_ARGUMENTS_BYTES:
        raise PydanticCustomError(
            "arguments_too_large",
            "at most {limit} bytes as compact JSON (got {size})",
            {"limit": MAX_ARGUMENTS_BYTES, "size": size},
        )
    return value


Arguments = Annotated[dict[str, Any], AfterValidator(_bounded_json)]


class RequestApprovalInput(BaseModel):
    """One request for a human decision, as any workflow sends it to ``RequestApproval``."""

    model_config = ConfigDict(extra="forbid", title="RequestApprovalInput")

    kind: Kind = Field(description="What is asked for (policy rules match on it): deploy, refund")
    title: Title = Field(description="The request's noun title, shown on the card")
    fields: dict[Label, Value] = Field(
        default_factory=dict,
        max_length=MAX_FIELDS,
        description="Label -> value lines shown on the card, in this order",
    )
    attributes: dict[AttributeName, AttributeValue] = Field(
        default_factory=dict,
        max_length=MAX_ATTRIBUTES,
        description="Values policy rules match on (globs), e.g. env, service",
        # Names outside the pattern are refused by the model; say so to schema validators too.
        json_schema_extra={"additionalProperties": False},
    )
    requested_by: UserId | None = Field(
        default=None, description="Slack user id of the requester; can never approve"
    )
    arguments: Arguments | None = Field(
        default=None,
        description=(
            'JSON object approvers may change ("Approve with edits"); at most '
            f"{MAX_ARGUMENTS_BYTES} bytes as compact JSON, nested at most "
            f"{MAX_ARGUMENTS_DEPTH} deep"
        ),
    )

    def policy_request(self) -> PolicyRequest:
        """What the policy file looks at: the kind and the attributes."""
        return PolicyRequest(kind=self.kind, attributes=dict(self.attributes))


class RequestOutcome(StrEnum):
    """How a request ended (a cancelled request ends the workflow as cancelled instead)."""

    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    DENIED = "denied"


class RequestApprovalResult(BaseModel):
    """What ``RequestApproval`` returns."""

    model_config = ConfigDict(title="RequestApprovalResult")

    outcome: RequestOutcome
    approved_by: list[str] = Field(default_factory=list)
    rejected_by: str | None = None
    reason: str = ""
    arguments: dict[str, Any] | None = Field(
        default=None, description="As approved, edits included"
    )
    policy_rule: str
    policy_version: str
    decided_at: datetime
