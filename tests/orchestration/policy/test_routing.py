"""Routing in the policy file: a rule's channel, direct messages to approvers, and escalation
ladders; read, refused with the field and the reason, and turned into the gate's policy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestration.models.approval import ApprovalPolicy
from orchestration.models.routing import EscalationStep
from orchestration.policy.fields import CHANNEL_RULE
from orchestration.policy.file import PolicyError, parse_policy
from orchestration.policy.match import PolicyDecision, PolicyRequest, decide

pytestmark = pytest.mark.unit

BASE = ApprovalPolicy(channel="approvals", temporal_ui_url="http://ui")


def _rule(fields: str) -> str:
    return f"rules:\n  - {{name: x, when: {{kind: order}}, require_approval: {{{fields}}}}}\n"


def gate_policy(fields: str) -> ApprovalPolicy:
    policy, version = parse_policy(_rule(fields), "policy.yml")
    return decide(policy, version, PolicyRequest(kind="order")).approval_policy(BASE)


def refusal(fields: str) -> str:
    with pytest.raises(PolicyError) as raised:
        parse_policy(_rule(fields), "policy.yml")
    return str(raised.value)


def test_a_ladder_becomes_escalation_steps_in_order() -> None:
    gate = gate_policy(
        "approvers: [U1], deadline: 1h, escalate: [{after: 10m, approvers: [U2]}, "
        "{after: 30m, approvers: [S0LEADS], channel: '#payments-leads'}]"
    )
    assert gate.escalations == [
        EscalationStep(after=timedelta(minutes=10), approvers=["U2"]),
        EscalationStep(
            after=timedelta(minutes=30), approvers=["S0LEADS"], channel="payments-leads"
        ),
    ]
    assert (gate.escalate_after, gate.escalate_to) == (None, [])
    assert gate.ladder == gate.escalations


def test_one_step_keeps_its_old_fields_and_is_a_ladder_of_one() -> None:
    gate = gate_policy("approvers: [U1], escalate: {after: 2m, approvers: [U2]}")
    assert (gate.escalate_after, gate.escalate_to, gate.escalations) == (
        timedelta(minutes=2),
        ["U2"],
        [],
    )
    assert gate.ladder == [EscalationStep(after=timedelta(minutes=2), approvers=["U2"])]
    with_channel = gate_policy(
        "approvers: [U1], escalate: {after: 2m, approvers: [U2], channel: C0LEADS01}"
    )
    assert with_channel.escalate_after is None
    assert with_channel.ladder == [
        EscalationStep(after=timedelta(minutes=2), approvers=["U2"], channel="C0LEADS01")
    ]


def test_channel_and_notify_reach_the_gate_and_default_to_the_workers() -> None:
    routed = gate_policy("approvers: [U1], channel: '#payments-approvals', notify: dm")
    plain = gate_policy("approvers: [U1]")
    assert (routed.channel, routed.notify_dm) == ("payments-approvals", True)
    assert (plain.channel, plain.notify_dm, plain.ladder) == ("approvals", False, [])
    assert gate_policy("approvers: [U1], channel: G0PRIVATE1").channel == "G0PRIVATE1"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            "approvers: [U1], deadline: 1h, escalate: [{after: 10m, approvers: [U2]}, "
            "{after: 10m, approvers: [U3]}]",
            "rules.0.require_approval: Value error, escalate.1.after (0:10:00) must be later "
            "than escalate.0.after (0:10:00)",
        ),
        (
            "approvers: [U1], deadline: 1h, escalate: [{after: 20m, approvers: [U2]}, "
            "{after: 10m, approvers: [U3]}]",
            "escalate.1.after (0:10:00) must be later than escalate.0.after (0:20:00)",
        ),
        (
            "approvers: [U1], deadline: 30m, escalate: [{after: 10m, approvers: [U2]}, "
            "{after: 30m, approvers: [U3]}]",
            "rules.0.require_approval: Value error, escalate.1.after (0:30:00) must be shorter "
            "than the deadline (0:30:00)",
        ),
        (
            "approvers: [U1], escalate: [{after: 0s, approvers: [U2]}]",
            "rules.0.require_approval.escalate.0.after: must be between 1s and 30d",
        ),
        (
            "approvers: [U1], escalate: [{after: 1m, approvers: []}]",
            "rules.0.require_approval.escalate.0.approvers: List should have at least 1 item",
        ),
        (
            "approvers: [U1], escalate: [{after: 1m, approvers: [U2], when: later}]",
            "rules.0.require_approval.escalate.0.when: Extra inputs are not permitted",
        ),
        ("approvers: [U1], escalate: []", "rules.0.require_approval.escalate: List should have"),
        (
            "approvers: [U1], escalate: 15m",
            "rules.0.require_approval.escalate: give one step ({after: 15m, approvers: [...]}) "
            "or a list of such steps",
        ),
        (
            "approvers: [U1], escalate: {after: 1m, approvers: [U2], channel: Leads Room}",
            f"rules.0.require_approval.escalate.channel: {CHANNEL_RULE}",
        ),
        ("approvers: [U1], notify: email", "rules.0.require_approval.notify: Input should be 'dm'"),
        ("approvers: [U1], notify: DM", "rules.0.require_approval.notify: Input should be 'dm'"),
        ("approvers: [U1], channel: Payments", f"rules.0.require_approval.channel: {CHANNEL_RULE}"),
        (
            "approvers: [U1], channel: D0DIRECT1",
            f"rules.0.require_approval.channel: {CHANNEL_RULE}",
        ),
        ("approvers: [U1], channel: ''", f"rules.0.require_approval.channel: {CHANNEL_RULE}"),
        (
            "approvers: [U1], channel: ",
            "rules.0.require_approval.channel: is empty: in YAML a # starts a comment",
        ),
    ],
)
def test_routing_mistakes_are_refused_with_the_field_and_why(fields: str, expected: str) -> None:
    assert expected in refusal(fields)


def test_a_ladder_has_at_most_ten_steps() -> None:
    steps = ", ".join(f"{{after: {n}m, approvers: [U2]}}" for n in range(1, 12))
    message = refusal(f"approvers: [U1], deadline: 1h, escalate: [{steps}]")
    assert "rules.0.require_approval.escalate: List should have at most 10 items" in message


def test_a_channel_written_after_a_hash_is_named_as_the_likely_mistake() -> None:
    text = "rules:\n  - name: x\n    when: {kind: order}\n    require_approval:\n"
    text += "      approvers: [U1]\n      channel: #payments\n"
    with pytest.raises(PolicyError, match=r"channel: is empty: in YAML a # starts a comment"):
        parse_policy(text, "policy.yml")


def test_recorded_ladders_are_read_back_without_the_file_limits() -> None:
    """A decision in a workflow's history, dumped with its defaults (``channel: null``)."""
    recorded = {
        "effect": "require_approval",
        "rule": "r",
        "version": "v",
        "approval": {
            "approvers": ["U1"],
            "deadline": "PT2S",
            "reminder": "PT0S",
            "escalate": [
                {"after": "PT0.5S", "approvers": ["U2"], "channel": None},
                {"after": "PT1S", "approvers": ["U3"], "channel": "ops"},
            ],
            "channel": None,
            "notify": "dm",
        },
    }
    decision = PolicyDecision.model_validate(recorded)
    again = PolicyDecision.model_validate(decision.model_dump(mode="json"))
    gate = again.approval_policy(BASE)
    assert [(s.after, s.channel) for s in gate.ladder] == [
        (timedelta(milliseconds=500), None),
        (timedelta(seconds=1), "ops"),
    ]
    assert (gate.channel, gate.notify_dm) == ("approvals", True)
