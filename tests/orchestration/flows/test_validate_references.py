"""The validator on references and types: what a template or expression may name, and the
types it may combine. Each mistake is reported with its line, column and field."""

from __future__ import annotations

import pytest

from tests.orchestration.flows.checking import only, valid

pytestmark = pytest.mark.unit

HEAD = """\
inputs:
  amount: {type: number}
  order: {type: string}
steps:
  - name: fetch
    http: {method: GET, url: "http://127.0.0.1:3000/demo/orders"}
  - name: pause
    wait: {for: 1s}
"""
# The line of the step each test appends (the file's 9th line is its "- name:").
STEP_LINE = 9


def with_step(step: str) -> str:
    return HEAD + step


def notify(text: str) -> str:
    return with_step(f'  - name: tell\n    notify: {{channel: ops, text: "{text}"}}\n')


def test_references_to_earlier_steps_and_inputs_are_valid() -> None:
    flow = valid(notify("{{ inputs.order }}: {{ steps.fetch.status }} {{ steps.fetch.body.id }}"))
    assert flow.step_count == 3


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("{{ inputs.amout }}", "unknown input 'amout' (declared: amount, order)", 4),
        ("{{ steps.fetsh.status }}", "unknown step 'fetsh'", 4),
        ("x {{ steps.fetch.code }}", "step 'fetch' (http) has no output 'code'; it has status", 6),
        ("{{ steps.pause.done }}", "step 'pause' (wait) has no outputs", 4),
        ("{{ steps.fetch.status.x }}", "steps.fetch.status is integer; it has no fields", 4),
        ("{{ steps.tell.ok }}", "step 'tell' does not run before this point", 4),
    ],
)
def test_reference_mistakes(text: str, message: str, column: int) -> None:
    problem = only(notify(text))
    assert (problem.line, problem.field) == (STEP_LINE + 1, "steps[2].notify.text")
    assert message in problem.message
    # The text starts after `    notify: {channel: ops, text: "`.
    assert problem.column == len('    notify: {channel: ops, text: "') + column


def test_forward_reference() -> None:
    problem = only(
        """
        steps:
          - name: first
            notify: {channel: ops, text: "{{ steps.second.status }}"}
          - name: second
            http: {method: GET, url: "http://127.0.0.1:3000/demo/x"}
        """
    )
    assert (problem.line, problem.field) == (3, "steps[0].notify.text")
    assert "step 'second' does not run before this point" in problem.message


def test_a_parallel_sibling_cannot_be_referenced() -> None:
    problem = only(
        """
        steps:
          - name: both
            parallel:
              steps:
                - name: left
                  http: {method: GET, url: "http://127.0.0.1:3000/demo/x"}
                - name: right
                  notify: {channel: ops, text: "{{ steps.left.status }}"}
          - name: after
            notify: {channel: ops, text: "{{ steps.left.status }}"}
        """
    )
    assert (problem.line, problem.field) == (8, "steps[0].parallel.steps[1].notify.text")
    assert "runs in parallel with this one" in problem.message


def test_the_other_arm_of_a_branch_cannot_be_referenced() -> None:
    problem = only(
        """
        steps:
          - name: choose
            branch:
              if: "true"
              then: [{name: ask, http: {method: GET, url: "http://127.0.0.1:3000/demo/x"}}]
              else: [{name: tell, notify: {channel: ops, text: "{{ steps.ask.status }}"}}]
        """
    )
    assert (problem.line, problem.field) == (6, "steps[0].branch.else[0].notify.text")
    assert "step 'ask' does not run before this point" in problem.message


def test_on_failure_and_outputs_see_the_steps() -> None:
    flow = valid(
        HEAD
        + """\
on_failure:
  - name: report
    notify: {channel: ops, text: "{{ steps.fetch.status }}"}
outputs:
  status: "{{ steps.fetch.status }}"
"""
    )
    assert flow.step_count == 3


def test_outputs_do_not_see_on_failure_steps() -> None:
    problem = only(
        HEAD
        + """\
on_failure:
  - name: report
    http: {method: GET, url: "http://127.0.0.1:3000/demo/x"}
outputs:
  status: "{{ steps.report.status }}"
"""
    )
    assert (problem.line, problem.field) == (13, "outputs.status")
    assert "step 'report' does not run before this point" in problem.message


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("inputs.amount > 'x'", "compares number with string"),
        ("inputs.order == 5", "compares string with integer"),
        ("steps.fetch.status + 1", "must be a boolean expression, not integer"),
        ("inputs.order", "must be a boolean expression, not string"),
        ("not inputs.amount", "not needs booleans, got number"),
    ],
)
def test_type_mismatch_in_if(condition: str, message: str) -> None:
    problem = only(
        with_step(
            f"""\
  - name: choose
    branch:
      if: "{condition}"
      then: [{{name: big, wait: {{for: 1s}}}}]
"""
        )
    )
    assert (problem.line, problem.field) == (STEP_LINE + 2, "steps[2].branch.if")
    assert message in problem.message


def test_a_card_field_labelled_if_is_not_a_condition() -> None:
    fields = '{if: "{{ inputs.order }}"}'
    text = with_step(f"  - name: ask\n    approval: {{kind: refund, title: x, fields: {fields}}}\n")
    assert valid(text).step_count == 3


def test_type_mismatch_in_a_template() -> None:
    problem = only(notify("{{ inputs.amount * inputs.order }}"))
    assert (problem.line, problem.field) == (STEP_LINE + 1, "steps[2].notify.text")
    assert "* needs numbers, got number and string" in problem.message


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        (
            '{type: number, default: "5"}',
            "inputs.x.default",
            "the default '5' is string, not number",
        ),
        ("{type: integer, default: 2.5}", "inputs.x.default", "is number, not integer"),
        ("{type: boolean, default: 1}", "inputs.x.default", "is integer, not boolean"),
        (
            "{type: string, default: c, choices: [a, b]}",
            "inputs.x.default",
            "not one of the choices",
        ),
        ("{type: integer, choices: [a]}", "inputs.x.choices", "only string inputs take choices"),
        ("{type: text}", "inputs.x.type", "Input should be 'string'"),
    ],
)
def test_bad_input_declarations(spec: str, field: str, message: str) -> None:
    problem = only(f"inputs:\n  x: {spec}\nsteps:\n  - {{name: a, wait: {{for: 1s}}}}\n")
    assert (problem.line, problem.field) == (2, field)
    assert message in problem.message


def test_an_integer_default_fits_a_number_input() -> None:
    assert valid(
        "inputs:\n  x: {type: number, default: 5}\nsteps:\n  - {name: a, wait: {for: 1s}}\n"
    )
