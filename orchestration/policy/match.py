"""Deciding a request by a policy: the first rule whose ``when`` matches decides.

Every decision names the rule and the policy's version. Matched text is compared normalised on
both sides (:func:`orchestration.names.normalise`): a rule written ``Prod-*`` matches a request
for `` prod-web``.
"""

from __future__ import annotations

import fnmatch
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from orchestration.models.approval import ApprovalPolicy, ExpiryOutcome
from orchestration.models.routing import EscalationStep
from orchestration.names import normalise
from orchestration.policy.file import ApprovalRequirement, Escalation, Policy, When


class Effect(StrEnum):
    """What a policy decided."""

    ALLOW = "allow"
    DENY = "deny"
    REQUIRE_APPROVAL = "require_approval"


class PolicyRequest(BaseModel):
    """The attributes of a request that rules look at (as given; matching normalises them)."""

    kind: str
    amount: Decimal | None = None
    priority: str | None = None
    tool: str | None = None
    action: str | None = None
    target: str | None = None
    input: str | None = None
    attributes: dict[str, str] | None = None


class PolicyDecision(BaseModel):
    """A decision, with the rule and policy version behind it (recorded with the request)."""

    effect: Effect
    rule: str
    version: str
    reason: str = ""
    approval: ApprovalRequirement | None = None

    def approval_policy(self, base: ApprovalPolicy) -> ApprovalPolicy:
        """``base`` (channel, links, search attributes) with who, how many, how long, where
        and whom to tell directly taken from this decision's ``require_approval``."""
        need = self.approval
        if need is None:
            raise ValueError(f"rule {self.rule} does not require approval")
        return base.model_copy(
            update={
                "approvers": list(need.approvers),
                "approvals_required": need.approvals,
                "timeout": need.deadline,
                "reminder_before": need.reminder,
                **_escalation_fields(need),
                "on_expiry": ExpiryOutcome(need.on_expiry),
                "channel": need.channel or base.channel,
                "notify_dm": need.notify == "dm",
            }
        )


def _escalation_fields(need: ApprovalRequirement) -> dict[str, Any]:
    """One step with no channel keeps the fields it always had (``escalate_after``,
    ``escalate_to``); a ladder, or a step with a channel, becomes ``escalations``."""
    escalate = need.escalate
    if isinstance(escalate, Escalation) and escalate.channel is None:
        return {"escalate_after": escalate.after, "escalate_to": list(escalate.approvers)}
    steps = [
        EscalationStep(after=step.after, approvers=list(step.approvers), channel=step.channel)
        for step in need.ladder
    ]
    return {"escalate_after": None, "escalate_to": [], "escalations": steps}


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the file, the field and why."""


def _norm(text: str | None) -> str | None:
    return None if text is None else normalise(text)


def matches(when: When, request: PolicyRequest) -> bool:
    """Whether every condition in ``when`` holds for ``request`` (text compared normalised)."""
    checks: list[bool] = [when.kind == normalise(request.kind)]
    if when.amount_over is not None:
        checks.append(request.amount is not None and request.amount > when.amount_over)
    if when.amount_at_most is not None:
        checks.append(request.amount is not None and request.amount <= when.amount_at_most)
    if when.priority is not None:
        checks.append(_norm(request.priority) in when.priority)
    if when.tool is not None:
        checks.append(_norm(request.tool) in when.tool)
    if when.action is not None:
        checks.append(_norm(request.action) in when.action)
    if when.target is not None:
        target = _norm(request.target)
        checks.append(target is not None and fnmatch.fnmatchcase(target, when.target))
    if when.input_starts_with is not None:
        checks.append(normalise(request.input or "").startswith(when.input_starts_with))
    if when.attributes is not None:
        checks.append(_attributes_match(when.attributes, request.attributes or {}))
    return all(checks)


def _attributes_match(globs: dict[str, str], attributes: dict[str, str]) -> bool:
    """Every attribute a rule names is on the request and matches its glob (normalised)."""
    given = {normalise(key): normalise(value) for key, value in attributes.items()}
    return all(
        key in given and fnmatch.fnmatchcase(given[key], glob) for key, glob in globs.items()
    )


def decide(policy: Policy, version: str, request: PolicyRequest) -> PolicyDecision:
    """The first matching rule's decision, else the policy's ``otherwise``."""
    for rule in policy.rules:
        if not matches(rule.when, request):
            continue
        if rule.deny is not None:
            return PolicyDecision(
                effect=Effect.DENY, rule=rule.name, version=version, reason=rule.deny
            )
        if rule.require_approval is not None:
            return PolicyDecision(
                effect=Effect.REQUIRE_APPROVAL,
                rule=rule.name,
                version=version,
                approval=rule.require_approval,
            )
        return PolicyDecision(effect=Effect.ALLOW, rule=rule.name, version=version)
    effect = Effect.ALLOW if policy.otherwise == "allow" else Effect.DENY
    reason = "" if effect is Effect.ALLOW else "no policy rule allows this"
    return PolicyDecision(effect=effect, rule="(otherwise)", version=version, reason=reason)
