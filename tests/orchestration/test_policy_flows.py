"""The policy file's ``flows`` list: who may start which flow."""

from __future__ import annotations

import pytest

from orchestration.policy.file import PolicyError, parse_policy
from orchestration.policy.flows import flow_starters
from orchestration.settings import default_policy_file

pytestmark = pytest.mark.unit

RULES = "version: 1\nrules: [{name: any, when: {kind: order}, allow: true}]\n"


def test_the_first_matching_entry_decides() -> None:
    policy, _ = parse_policy(
        RULES
        + "flows:\n"
        + "  - {flow: deploy-prod, started_by: [U0OPERATR1]}\n"
        + "  - {flow: 'deploy-*', started_by: [S0APPROVER, U0REQUEST1]}\n",
        "p.yml",
    )
    assert flow_starters(policy.flows, "deploy-prod") == ["U0OPERATR1"]
    assert flow_starters(policy.flows, "deploy-web") == ["S0APPROVER", "U0REQUEST1"]
    assert flow_starters(policy.flows, "refund") is None


def test_without_a_flows_list_no_flow_may_be_started() -> None:
    policy, _ = parse_policy(RULES, "p.yml")
    assert policy.flows == [] and flow_starters(policy.flows, "refund") is None


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ("{flow: refund, started_by: []}", "flows.0.started_by"),
        ("{flow: refund, started_by: [alice]}", "flows.0.started_by.0"),
        ("{flow: 'Refund!', started_by: [U0REQUEST1]}", "flows.0.flow"),
        ("{flow: refund, started_by: [U0REQUEST1], who: me}", "flows.0.who"),
    ],
)
def test_a_bad_entry_is_refused_naming_its_field(entry: str, field: str) -> None:
    with pytest.raises(PolicyError, match=field.replace(".", r"\.")):
        parse_policy(RULES + f"flows: [{entry}]\n", "p.yml")


def test_the_shipped_policy_names_the_example_flows() -> None:
    policy, _ = parse_policy(default_policy_file().read_text(), "policy.yml")
    assert flow_starters(policy.flows, "refund") == ["U0REQUEST1", "S0APPROVER"]
    assert flow_starters(policy.flows, "production-change") == ["U0OPERATR1"]
