"""The policy: each approval step's request (its kind and the attributes written without
templates) is matched against the policy file the way ``RequestApproval`` will match it.

A rule that needs an attribute the step templates may or may not match; the step is refused
only when every rule that could decide it denies it, and warned about when every one allows it
(it will never ask anyone).
"""

from __future__ import annotations

from orchestration.flows.models import FlowFile, all_steps
from orchestration.flows.problems import Finding
from orchestration.flows.steps import ApprovalCall, ApprovalStep
from orchestration.names import normalise
from orchestration.policy.file import Policy, Rule
from orchestration.policy.match import PolicyRequest, matches


def check_policy(flow: FlowFile, policy: Policy | None) -> list[Finding]:
    """Every approval step the policy surely denies (an error) or surely allows (a warning)."""
    if policy is None:
        return []
    found: list[Finding] = []
    for path, step, _ in all_steps(flow):
        if isinstance(step, ApprovalStep):
            finding = _judge(step.approval, policy)
            if finding is not None:
                message, warning = finding
                found.append(Finding((*path, "approval"), message, warning=warning))
    return found


def _judge(call: ApprovalCall, policy: Policy) -> tuple[str, bool] | None:
    """(message, is_warning), or None when the step may be sent for approval."""
    deciders = _possible_rules(call, policy)
    kind = call.kind
    effects = {_effect(rule, policy) for rule in deciders}
    last = deciders[-1] if deciders else None
    if effects == {"deny"}:
        if last is None:
            return f"no policy rule matches kind {kind} and the policy denies the rest", False
        return f"policy rule {last.name!r} denies kind {kind}: {last.deny}", False
    if effects == {"allow"}:
        name = "otherwise: allow" if last is None else f"rule {last.name!r}"
        return f"the policy allows kind {kind} ({name}): the step will never ask anyone", True
    return None


def _effect(rule: Rule | None, policy: Policy) -> str:
    if rule is None:
        return policy.otherwise
    if rule.deny is not None:
        return "deny"
    return "allow" if rule.allow else "require_approval"


def _possible_rules(call: ApprovalCall, policy: Policy) -> list[Rule | None]:
    """The rules that may decide the step, in order: those that match only if a templated
    attribute has the right value, then the first that surely matches (None: otherwise)."""
    static = {name: text.text for name, text in call.attributes.items() if text.is_static}
    templated = {normalise(name) for name in call.attributes if name not in static}
    request = PolicyRequest(kind=call.kind, attributes=static)
    possible: list[Rule | None] = []
    for rule in policy.rules:
        if matches(rule.when, request):
            return [*possible, rule]
        wanted = rule.when.attributes or {}
        if templated & set(wanted):
            rest = {key: glob for key, glob in wanted.items() if key not in templated}
            if matches(rule.when.model_copy(update={"attributes": rest}), request):
                possible.append(rule)
    return [*possible, None]
