"""The validator against what lies outside the file: the URL allow-list, the other flows of
the flows directory, and the policy file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestration.flows.urls import UrlError, parse_allow_list
from orchestration.policy.file import Policy, parse_policy
from tests.orchestration.flows.checking import flow_text, only, problems, valid

pytestmark = pytest.mark.unit

POLICY = """\
version: 1
rules:
  - {name: frozen, when: {kind: deploy, attributes: {service: "legacy-*"}}, deny: frozen}
  - name: prod
    when: {kind: deploy, attributes: {env: prod}}
    require_approval: {approvers: [U0APPROVE1], deadline: 30m}
  - {name: other-deploys, when: {kind: deploy}, allow: true}
  - name: refunds
    when: {kind: refund}
    require_approval: {approvers: [U0APPROVE1], deadline: 1h}
otherwise: deny
"""


def policy() -> Policy:
    return parse_policy(POLICY, "policy.yml")[0]


def http(url: str) -> str:
    return f'steps:\n  - name: call\n    http: {{method: POST, url: "{url}"}}\n'


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000/demo/refunds",
        "http://127.0.0.1:3000/demo/refunds/{{ inputs.id }}?x={{ inputs.id }}",
        "http://127.0.0.1:3000/demo/",
    ],
)
def test_urls_under_the_allow_list_are_valid(url: str) -> None:
    text = "inputs:\n  id: {type: string}\n" + http(url)
    assert valid(text).step_count == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:3000/admin", "http://127.0.0.1:3000/admin is outside the allow-list"),
        ("http://127.0.0.1:3001/demo/x", "outside the allow-list"),
        ("https://127.0.0.1:3000/demo/x", "outside the allow-list"),
        ("http://localhost:3000/demo/x", "outside the allow-list"),
        ("http://127.0.0.1:3000/demonic", "outside the allow-list"),
        ("http://127.0.0.1:3000/demo/../admin", "may not contain . or .. segments"),
        ("http://127.0.0.1:3000/demo/%2e%2e/admin", "may not contain . or .. segments"),
        ("http://u:p@127.0.0.1:3000/demo/x", "user names and passwords"),
        ("ftp://127.0.0.1/demo/", "must start with http:// or https://"),
        ("http://127.0.0.1:3000/{{ inputs.id }}", "http://127.0.0.1:3000/ is outside"),
    ],
)
def test_url_outside_the_allow_list(url: str, message: str) -> None:
    problem = only("inputs:\n  id: {type: string}\n" + http(url))
    assert (problem.line, problem.field) == (5, "steps[0].http.url")
    assert message in problem.message


@pytest.mark.parametrize(
    "url",
    [
        "http://{{ inputs.id }}/demo/x",
        "http://127.0.0.1:{{ inputs.id }}/demo/x",
        "{{ inputs.id }}",
        "http://127.0.0.1:3000{{ inputs.id }}",
    ],
)
def test_templated_host(url: str) -> None:
    problem = only("inputs:\n  id: {type: string}\n" + http(url))
    assert (problem.line, problem.field) == (5, "steps[0].http.url")
    assert "the scheme, host and port may not be templated" in problem.message


def test_an_empty_allow_list_allows_nothing() -> None:
    problem = only(http("http://127.0.0.1:3000/demo/x"), allow=())
    assert "allows nothing" in problem.message


def test_bad_allow_list_entries_are_refused() -> None:
    with pytest.raises(UrlError, match=re.escape("'127.0.0.1/demo/': must start with http")):
        parse_allow_list(["http://127.0.0.1:3000/demo/", "127.0.0.1/demo/"])


def write(flows: Path, name: str, text: str) -> None:
    (flows / f"{name}.yml").write_text(flow_text(text))


CHILD = """
inputs:
  order: {type: string}
  amount: {type: number}
  note: {type: string, default: ""}
steps:
  - {name: pause, wait: {for: 1s}}
"""


def call(flow: str, inputs: str = "{}") -> str:
    return f"steps:\n  - name: sub\n    call_flow: {{flow: {flow}, inputs: {inputs}}}\n"


def test_call_flow_with_every_required_input_is_valid(tmp_path: Path) -> None:
    write(tmp_path, "child", CHILD)
    assert valid(call("child", "{order: A1, amount: '{{ 5 }}'}"), flows_dir=tmp_path)


def test_call_flow_outputs_are_the_called_flows(tmp_path: Path) -> None:
    write(tmp_path, "child", CHILD + 'outputs:\n  total: "{{ inputs.amount }}"\n')
    text = call("child", "{order: A1, amount: '{{ 5 }}'}") + (
        "  - name: tell\n"
        '    notify: {channel: ops, text: "{{ steps.sub.total }} {{ steps.sub.sum }}"}\n'
    )
    problem = only(text, flows_dir=tmp_path)
    assert (problem.line, problem.field) == (5, "steps[1].notify.text")
    assert problem.column == len('    notify: {channel: ops, text: "{{ steps.sub.total }} {{ s')
    assert problem.message == "flow 'child' has no output 'sum' (it returns: total)"


def test_call_flow_to_a_missing_flow(tmp_path: Path) -> None:
    problem = only(call("nowhere"), flows_dir=tmp_path)
    assert (problem.line, problem.field) == (3, "steps[0].call_flow.flow")
    assert "no flow 'nowhere'" in problem.message


def test_call_flow_to_an_invalid_flow(tmp_path: Path) -> None:
    write(tmp_path, "broken", "steps: []\n")
    problem = only(call("broken"), flows_dir=tmp_path)
    assert "flow 'broken' is not valid; run chatops flow validate" in problem.message


def test_call_flow_missing_and_unknown_inputs(tmp_path: Path) -> None:
    write(tmp_path, "child", CHILD)
    found = problems(
        "steps:\n  - name: sub\n    call_flow:\n      flow: child\n      inputs:\n"
        "        order: A1\n        colour: red\n",
        flows_dir=tmp_path,
    )
    assert [(p.line, p.field, p.message) for p in found] == [
        (6, "steps[0].call_flow.inputs", "missing input 'amount' of flow 'child'"),
        (
            7,
            "steps[0].call_flow.inputs.colour",
            "flow 'child' has no input 'colour' (it takes: amount, note, order)",
        ),
    ]


def test_call_flow_input_of_the_wrong_type(tmp_path: Path) -> None:
    write(tmp_path, "child", CHILD)
    problem = only(call("child", "{order: A1, amount: '{{ true }}'}"), flows_dir=tmp_path)
    assert problem.field == "steps[0].call_flow.inputs.amount"
    assert problem.message == "flow 'child' takes amount as number, not boolean"


def test_call_flow_cycle_through_another_flow(tmp_path: Path) -> None:
    write(tmp_path, "b", call("a"))
    problem = only(call("b"), path=str(tmp_path / "a.yml"), flows_dir=tmp_path)
    assert (problem.line, problem.field) == (3, "steps[0].call_flow.flow")
    assert problem.message == "call_flow cycle: a -> b -> a"


def test_call_flow_calling_itself(tmp_path: Path) -> None:
    problem = only(call("a"), path=str(tmp_path / "a.yml"), flows_dir=tmp_path)
    assert (problem.line, problem.field) == (3, "steps[0].call_flow.flow")
    assert problem.message == "call_flow cycle: a -> a"


def test_call_flow_without_a_flows_directory() -> None:
    assert "no flows directory" in only(call("child")).message


def approval(kind: str, attributes: str = "{}") -> str:
    return flow_text(
        f"""
        inputs:
          env: {{type: string}}
        steps:
          - name: ask
            approval:
              kind: {kind}
              title: Please
              attributes: {attributes}
        """
    )


def test_an_approval_the_policy_sends_to_people_is_valid() -> None:
    assert valid(approval("deploy", "{env: prod}"), policy=policy()).warnings == []
    assert valid(approval("refund"), policy=policy()).warnings == []


def test_approval_denied_by_the_policy() -> None:
    problem = only(approval("deploy", "{service: legacy-web}"), policy=policy())
    assert (problem.line, problem.field) == (6, "steps[0].approval")
    assert problem.message == "policy rule 'frozen' denies kind deploy: frozen"


def test_approval_matching_no_rule() -> None:
    problem = only(approval("payout"), policy=policy())
    assert (problem.line, problem.field) == (6, "steps[0].approval")
    assert "no policy rule matches kind payout" in problem.message


def test_approval_the_policy_allows_is_a_warning() -> None:
    flow = valid(approval("deploy", "{env: dev}"), policy=policy())
    assert [(w.line, w.field) for w in flow.warnings] == [(6, "steps[0].approval")]
    assert "will never ask anyone" in flow.warnings[0].message
    assert str(flow.warnings[0]).startswith("flow.yml:6:7: steps[0].approval: warning: ")


def test_a_templated_attribute_may_still_reach_people() -> None:
    # env may be prod at run time: the rule that asks people may decide, so no verdict now.
    flow = valid(approval("deploy", '{env: "{{ inputs.env }}"}'), policy=policy())
    assert flow.warnings == []


def test_the_policy_check_is_skipped_without_a_policy() -> None:
    assert valid(approval("payout")).warnings == []
