"""The policy file: read, validated, bounded; broken files refused with file, field and why."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from orchestration.policy.file import Escalation, PolicyError, load_policy, parse_policy
from orchestration.policy.match import PolicyDecision

pytestmark = pytest.mark.unit


def test_the_version_changes_with_the_content() -> None:
    text = "rules:\n  - {name: all, when: {kind: order}, allow: true}\n"
    _, first = parse_policy(text, "a")
    _, again = parse_policy(text, "b")
    _, edited = parse_policy(text + "otherwise: allow\n", "c")
    assert first == again != edited


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: [", "policy.yml: not valid YAML"),
        ("rules: []", "rules: List should have at least 1 item"),
        (
            "rules:\n  - {name: x, when: {kind: order}}",
            "rules.0: Value error, give exactly one of allow, deny, require_approval",
        ),
        (
            "rules:\n  - {name: x, when: {kind: 'pay out'}, allow: true}",
            "rules.0.when.kind: use a letter, then up to 39",
        ),
        (
            "rules:\n  - {name: x, when: {kind: order, amount_over: lots}, allow: true}",
            "rules.0.when.amount_over: Input should be a valid decimal",
        ),
        (
            "rules:\n  - {name: x, when: {kind: order}, require_approval: "
            "{approvers: [U1], approvals: 2}}",
            "rules.0.require_approval: Value error, asks for 2 approvals but names only 1",
        ),
        (
            "rules:\n  - {name: x, when: {kind: order, colour: red}, allow: true}",
            "rules.0.when.colour: Extra inputs are not permitted",
        ),
        (
            "rules:\n  - {name: x, when: {kind: order}, require_approval: "
            "{approvers: [U1], deadline: 5m, escalate: {after: 5m, approvers: [U2]}}}",
            "rules.0.require_approval: Value error, escalate.after (0:05:00) must be shorter "
            "than the deadline (0:05:00)",
        ),
        (
            "rules:\n  - {name: x, when: {kind: order}, require_approval: "
            "{approvers: [U1], on_expiry: maybe}}",
            "rules.0.require_approval.on_expiry: Input should be 'approve', 'reject' or 'cancel'",
        ),
    ],
)
def test_bad_policy_files_are_refused_with_file_field_and_reason(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert expected.removeprefix("policy.yml: ") in message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yml")


def test_a_file_that_is_not_utf8_or_nests_too_deeply_is_a_clear_error(tmp_path: Path) -> None:
    """Both raised past PolicyError before (UnicodeDecodeError, RecursionError): a trace in
    the CLI, and a policy check failing with a Python error in the worker."""
    latin1 = tmp_path / "latin1.yml"
    latin1.write_bytes(b"rules: [{name: caf\xe9}]")
    with pytest.raises(PolicyError) as raised:
        load_policy(latin1)
    assert str(raised.value) == f"{latin1}: not UTF-8 text (at byte offset 18); save it as UTF-8"
    for text in ("rules: " + "[" * 5000 + "]" * 5000, "a: " + "{a: " * 5000 + "1" + "}" * 5000):
        with pytest.raises(PolicyError) as raised:
            parse_policy(text, "policy.yml")
        assert str(raised.value) == "policy.yml: not valid YAML: nested too deeply to read"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("{kind: agent_task, target: 'prod web'}", "rules.0.when.target: use a-z 0-9"),
        ("{kind: agent_task, target: '<!channel>'}", "rules.0.when.target: use a-z 0-9"),
        ("{kind: agent_task, tool: ['kube ctl']}", "rules.0.when.tool.0: use a letter"),
        ("{kind: agent_task, action: ['']}", "rules.0.when.action.0: must not be empty"),
        ("{kind: agent_task, input_starts_with: '  '}", "rules.0.when.input_starts_with: must"),
    ],
)
def test_rule_values_outside_the_character_sets_are_refused(when: str, expected: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(f"rules:\n  - {{name: x, when: {when}, allow: true}}\n", "policy.yml")
    assert expected in str(raised.value)


def _approval(fields: str) -> str:
    return f"rules:\n  - {{name: x, when: {{kind: order}}, require_approval: {{{fields}}}}}\n"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("approvers: [U1], deadline: 0", "deadline: must be between 10s and 30d"),
        ("approvers: [U1], deadline: -60", "deadline: must be between 10s and 30d"),
        ("approvers: [U1], deadline: 999999w", "deadline: must be between 10s and 30d"),
        ("approvers: [U1], deadline: PT0S", "deadline: must be between 10s and 30d"),
        ("approvers: [U1], deadline: 9s", "deadline: must be between 10s and 30d"),
        ("approvers: [U1], deadline: 31d", "deadline: must be between 10s and 30d"),
        ("approvers: [U1], deadline: " + "999999w" * 200, "deadline: Input should be a valid"),
        ("approvers: [U1], reminder: -1", "reminder: must be between 0s and 30d"),
        (
            "approvers: [U1], deadline: 5m, reminder: 5m",
            "reminder: must be shorter than the deadline, or 0s for no reminder",
        ),
        (
            "approvers: [U1], escalate: {after: 0, approvers: [U2]}",
            "escalate.after: must be between 1s and 30d",
        ),
        (
            "approvers: [U1], escalate: {after: 999999w, approvers: [U2]}",
            "escalate.after: must be between 1s and 30d",
        ),
    ],
)
def test_durations_in_a_file_are_bounded_and_the_field_named(fields: str, expected: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(_approval(fields), "policy.yml")
    assert str(raised.value).startswith("policy.yml: invalid policy:\n  rules.0.require_approval.")
    assert f"rules.0.require_approval.{expected}" in str(raised.value)


def test_durations_at_the_limits_are_accepted() -> None:
    policy, _ = parse_policy(
        _approval(
            "approvers: [U1], deadline: 10s, reminder: 0s, escalate: {after: 1s, approvers: [U2]}"
        )
        + _approval("approvers: [U1], deadline: 30d, reminder: 29d").removeprefix("rules:\n"),
        "policy.yml",
    )
    first, second = (rule.require_approval for rule in policy.rules)
    assert first is not None and second is not None
    assert (first.deadline, first.reminder) == (timedelta(seconds=10), timedelta(0))
    assert (second.deadline, second.reminder) == (timedelta(days=30), timedelta(days=29))


def test_recorded_decisions_are_read_back_without_the_file_limits() -> None:
    """Decisions in workflow histories were made under the limits of their day: replay must
    read them as they are (a 2s deadline from a test's policy, a reminder of 0s)."""
    recorded = {
        "effect": "require_approval",
        "rule": "r",
        "version": "v",
        "approval": {
            "approvers": ["U1"],
            "deadline": "PT2S",
            "reminder": "PT0S",
            "escalate": {"after": "PT1S", "approvers": ["U2"]},
        },
    }
    approval = PolicyDecision.model_validate(recorded).approval
    assert approval is not None and isinstance(approval.escalate, Escalation)
    assert (approval.deadline, approval.escalate.after) == (
        timedelta(seconds=2),
        timedelta(seconds=1),
    )
