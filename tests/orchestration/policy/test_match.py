"""Deciding by the policy: the first matching rule, text compared normalised."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.models.approval import ApprovalPolicy, ExpiryOutcome
from orchestration.names import normalise
from orchestration.policy.file import Escalation, load_policy, parse_policy
from orchestration.policy.match import Effect, PolicyDecision, PolicyRequest, decide

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def repo_decision(**request: object) -> PolicyDecision:
    policy, version = load_policy(ROOT / "policy.yml")
    return decide(policy, version, PolicyRequest.model_validate(request))


@pytest.mark.parametrize(
    ("request_", "effect", "rule"),
    [
        ({"kind": "order", "amount": "89.95"}, Effect.ALLOW, "small-orders"),
        ({"kind": "order", "amount": "1899.97"}, Effect.REQUIRE_APPROVAL, "orders-over-1000"),
        ({"kind": "order", "amount": "12500"}, Effect.REQUIRE_APPROVAL, "orders-over-10000"),
        ({"kind": "ticket", "priority": "high"}, Effect.REQUIRE_APPROVAL, "ticket-escalations"),
        (
            {"kind": "agent_task", "tool": "sql", "input": "forbidden: drop users"},
            Effect.DENY,
            "forbidden-agent-input",
        ),
        (
            {"kind": "agent_task", "tool": "kubectl", "action": "restart", "target": "prod-eu"},
            Effect.REQUIRE_APPROVAL,
            "agent-changes-production",
        ),
        (
            {"kind": "agent_task", "tool": "sql", "action": "delete", "target": "staging"},
            Effect.REQUIRE_APPROVAL,
            "agent-destructive-actions",
        ),
        (
            {"kind": "agent_task", "tool": "search", "action": "read", "target": "docs"},
            Effect.ALLOW,
            "agent-read-only",
        ),
    ],
)
def test_one_file_decides_every_kind(
    request_: dict[str, object], effect: Effect, rule: str
) -> None:
    decision = repo_decision(**request_)
    assert (decision.effect, decision.rule) == (effect, rule)
    assert len(decision.version) == 12


def test_requirements_carry_quorum_deadline_escalation_and_expiry() -> None:
    decision = repo_decision(kind="agent_task", action="restart", target="prod-us")
    approval = decision.approval
    assert approval is not None and isinstance(approval.escalate, Escalation)
    assert approval.approvals == 2
    assert approval.deadline == timedelta(minutes=30)
    assert approval.reminder == timedelta(minutes=5)
    assert approval.escalate.after == timedelta(minutes=15)
    assert approval.escalate.approvers == ["U0OPERATR1"]
    assert approval.on_expiry == "reject"
    denied = repo_decision(kind="agent_task", input="forbidden thing")
    assert denied.reason == 'inputs starting with "forbidden" are never run'


def test_amount_bands_are_exclusive_at_the_threshold() -> None:
    text = """
rules:
  - {name: big, when: {kind: order, amount_over: 1000}, require_approval: {approvers: [U1]}}
  - {name: rest, when: {kind: order}, allow: true}
"""
    policy, version = parse_policy(text, "inline")
    at = decide(policy, version, PolicyRequest(kind="order", amount=Decimal("1000")))
    above = decide(policy, version, PolicyRequest(kind="order", amount=Decimal("1000.01")))
    assert (at.rule, above.rule) == ("rest", "big")
    nothing = decide(policy, version, PolicyRequest(kind="ticket", priority="low"))
    assert (nothing.effect, nothing.rule) == (Effect.DENY, "(otherwise)")


async def test_the_activity_rereads_the_file_so_edits_apply_without_restart(
    tmp_path: Path,
) -> None:
    from temporalio.exceptions import ApplicationError
    from temporalio.testing import ActivityEnvironment

    from activities.policy import PolicyEngine

    path = tmp_path / "policy.yml"
    path.write_text("rules:\n  - {name: open, when: {kind: order}, allow: true}\n")
    engine = PolicyEngine(path)
    env = ActivityEnvironment()
    request = PolicyRequest(kind="order", amount=Decimal("5"))
    first = await env.run(engine.evaluate_policy, request)
    path.write_text("rules:\n  - {name: closed, when: {kind: order}, deny: frozen}\n")
    second = await env.run(engine.evaluate_policy, request)
    assert (first.effect, first.rule) == (Effect.ALLOW, "open")
    assert (second.effect, second.reason) == (Effect.DENY, "frozen")
    assert first.version != second.version
    path.write_text("rules: nope\n")
    with pytest.raises(ApplicationError, match="invalid policy"):
        await env.run(engine.evaluate_policy, request)


def test_a_decision_becomes_the_gate_policy_keeping_channel_and_links() -> None:
    decision = repo_decision(kind="agent_task", action="restart", target="prod-us")
    base = ApprovalPolicy(channel="ops", temporal_ui_url="http://ui", search_attributes=False)
    gate = decision.approval_policy(base)
    assert (gate.channel, gate.temporal_ui_url, gate.search_attributes) == (
        "ops",
        "http://ui",
        False,
    )
    assert gate.approvers == ["U0APPROVE1", "U0APPROVE2"] and gate.approvals_required == 2
    assert (gate.timeout, gate.reminder_before) == (timedelta(minutes=30), timedelta(minutes=5))
    assert (gate.escalate_after, gate.escalate_to) == (timedelta(minutes=15), ["U0OPERATR1"])
    assert gate.on_expiry is ExpiryOutcome.REJECT
    allowed = repo_decision(kind="order", amount="5")
    with pytest.raises(ValueError, match="does not require approval"):
        allowed.approval_policy(base)


@pytest.mark.parametrize(
    ("request_", "rule"),
    [
        ({"target": "Prod-web"}, "agent-changes-production"),
        ({"target": " prod-web"}, "agent-changes-production"),
        ({"target": "PROD-WEB "}, "agent-changes-production"),
        ({"target": "prod-web\n"}, "agent-changes-production"),
        ({"input": " Forbidden: wipe it"}, "forbidden-agent-input"),
        ({"input": "\tFORBIDDEN wipe it"}, "forbidden-agent-input"),
        ({"input": "\u200bforbidden wipe it"}, "forbidden-agent-input"),  # zero-width space
        ({"input": "\uff46orbidden wipe it"}, "forbidden-agent-input"),  # fullwidth f
        ({"action": "Delete", "target": "staging"}, "agent-destructive-actions"),
        ({"action": " DROP ", "target": "staging"}, "agent-destructive-actions"),
    ],
)
def test_requests_cannot_dodge_rules_by_case_or_spacing(
    request_: dict[str, object], rule: str
) -> None:
    decision = repo_decision(kind="agent_task", tool="sql", **request_)
    assert decision.rule == rule


def test_rules_are_normalised_when_the_file_is_read() -> None:
    text = """
rules:
  - name: written-loosely
    when:
      kind: " Agent_Task"
      tool: [Kubectl]
      action: [" Scale "]
      target: "Prod-*"
      input_starts_with: "Scale   UP"
    deny: written loosely, still matched
  - {name: tickets, when: {kind: ticket, priority: [High]}, allow: true}
"""
    policy, version = parse_policy(text, "policy.yml")
    when = policy.rules[0].when
    assert (when.kind, when.tool, when.action, when.target, when.input_starts_with) == (
        "agent_task",
        ["kubectl"],
        ["scale"],
        "prod-*",
        "scale up",
    )
    request = PolicyRequest(
        kind="agent_task", tool="kubectl", action="scale", target="prod-eu", input="scale up now"
    )
    assert decide(policy, version, request).rule == "written-loosely"
    ticket = PolicyRequest(kind="ticket", priority="HIGH")
    assert decide(policy, version, ticket).rule == "tickets"


def test_normalise_folds_case_width_and_whitespace_and_drops_invisible_characters() -> None:
    assert normalise("  \uff30\uff52\uff4f\uff44\u00adWeb\x00  \n now\u2028") == "prodweb now"
    assert normalise("Straße") == "strasse"
