"""Rules for any kind of request, matched on its attributes by glob (``RequestApproval``)."""

from __future__ import annotations

import pytest

from orchestration.policy.file import PolicyError, parse_policy
from orchestration.policy.match import PolicyRequest, decide

POLICY = """
rules:
  - name: frozen-services
    when: {kind: deploy, attributes: {service: "legacy-*"}}
    deny: legacy services are frozen
  - name: payments-in-production
    when: {kind: Deploy, attributes: {" ENV ": Prod, service: "Pay*"}}
    require_approval: {approvers: [U0APPROVE1], approvals: 1, deadline: 30m}
  - name: other-deploys
    when: {kind: deploy}
    allow: true
  - {name: refunds, when: {kind: agent_task}, allow: true}
"""


def rule_for(kind: str, attributes: dict[str, str] | None = None) -> str:
    policy, version = parse_policy(POLICY, "policy.yml")
    return decide(policy, version, PolicyRequest(kind=kind, attributes=attributes)).rule


@pytest.mark.parametrize(
    ("kind", "attributes", "rule"),
    [
        ("deploy", {"env": "prod", "service": "payments"}, "payments-in-production"),
        ("deploy", {"Env": " PROD ", "Service": "PAYOUTS"}, "payments-in-production"),
        ("deploy", {"env": "prod", "service": "api"}, "other-deploys"),
        ("deploy", {"service": "payments"}, "other-deploys"),  # env missing: no match
        ("deploy", None, "other-deploys"),
        ("deploy", {"env": "prod", "service": "Legacy-Billing"}, "frozen-services"),
        (" Deploy", {}, "other-deploys"),
        ("agent_task", {"env": "prod"}, "refunds"),
        ("data_deletion", {"env": "prod"}, "(otherwise)"),
    ],
)
def test_any_kind_matches_with_its_attributes_normalised(
    kind: str, attributes: dict[str, str] | None, rule: str
) -> None:
    assert rule_for(kind, attributes) == rule


def test_attribute_names_and_globs_are_normalised_when_read() -> None:
    policy, _ = parse_policy(POLICY, "policy.yml")
    when = policy.rules[1].when
    assert (when.kind, when.attributes) == ("deploy", {"env": "prod", "service": "pay*"})


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{kind: deploy, attributes: {'bad name': x}}", "when.attributes.bad name.[key]: use a"),
        ("{kind: deploy, attributes: {env: '  '}}", "rules.0.when.attributes.env: must not"),
        ("{kind: deploy, attributes: [env]}", "rules.0.when.attributes: Input should be a"),
        ("{kind: 9deploy}", "rules.0.when.kind: use a letter"),
    ],
)
def test_bad_kinds_and_attributes_are_refused(when: str, expected: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(f"rules:\n  - {{name: x, when: {when}, allow: true}}\n", "policy.yml")
    assert expected in str(caught.value)
