"""Whatever a flow file holds, the validator answers with problems, never a crash: arbitrary
text, arbitrary YAML values, and mutations of a valid flow."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.flows.problems import FlowInvalid
from orchestration.flows.validate import validate_flow
from tests.orchestration.flows.checking import context, flow_text

pytestmark = pytest.mark.unit

VALID = flow_text(
    """
    inputs:
      amount: {type: number}
    steps:
      - name: check
        branch:
          if: inputs.amount > 5000
          then:
            - name: ask
              approval: {kind: refund, title: "Refund {{ inputs.amount }}"}
      - name: send
        http: {method: POST, url: "http://127.0.0.1:3000/demo/x", body: {a: "{{ inputs.amount }}"}}
      - name: tell
        notify: {channel: ops, text: "{{ steps.send.status }}"}
    """
)


def answer(text: str) -> None:
    """Validate; only FlowInvalid may come out, and then with every problem placed."""
    try:
        validate_flow(text, "flow.yml", context())
    except FlowInvalid as err:
        assert err.problems
        assert all(problem.line >= 1 for problem in err.problems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    answer(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "steps",
                    "inputs",
                    "http",
                    "wait",
                    "branch",
                    "if",
                    "then",
                    "for",
                    "url",
                    "method",
                    "type",
                    "default",
                    "parallel",
                    "call_flow",
                    "outputs",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_any_yaml_value(value: Any) -> None:
    answer(yaml.safe_dump(value))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.integers(0, 20), st.text(max_size=10))
def test_mutations_of_a_valid_flow(start: int, length: int, replacement: str) -> None:
    answer(VALID[:start] + replacement + VALID[start + length :])


def test_the_flow_mutated_above_is_valid() -> None:
    assert validate_flow(VALID, "flow.yml", context()).step_count == 4


@pytest.mark.parametrize(
    "text",
    [
        "steps: !!python/object/apply:os.system [echo]\n",
        "steps: [{name: a, wait: {until: 2026-01-01}}]\n",
        "steps: [{name: a, wait: {for: !!binary aGk=}}]\n",
        "steps: " + "[" * 100 + "]" * 100 + "\n",
        "\ufeffsteps: [{name: a, wait: {for: 1s}}]\n",
        "steps:\n  - name: a\n    notify: {channel: ops, text: \"{{ '\\x00' }}\"}\n",
    ],
)
def test_hostile_files(text: str) -> None:
    answer(text)
