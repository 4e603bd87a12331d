"""The validator on the shape of a file: YAML, the schema, names and size. Each mistake is
reported with its line and field."""

from __future__ import annotations

import pytest

from orchestration.flows.models import MAX_NESTING, MAX_STEPS
from orchestration.flows.yaml_tree import MAX_BYTES
from tests.orchestration.flows.checking import only, problems, valid, where

pytestmark = pytest.mark.unit

WAIT = "{for: 1s}"


def test_a_valid_flow_has_no_problems_and_a_content_hash() -> None:
    flow = valid(
        """
        inputs:
          amount: {type: number, default: 10}
        steps:
          - name: pause
            wait: {for: 5m}
        """
    )
    assert flow.step_count == 1
    assert len(flow.content_hash) == 64
    assert flow.warnings == []


def test_yaml_syntax() -> None:
    problem = only(
        """
        steps:
          - name: a
            wait: {for: 1s
        """
    )
    assert (problem.line, problem.field) == (4, "")
    assert "not valid YAML" in problem.message


def test_the_top_level_must_be_a_mapping() -> None:
    assert "top level must be a mapping" in only("- a\n- b\n").message


def test_the_size_is_bounded() -> None:
    text = "description: " + "x" * MAX_BYTES + "\n"
    assert "larger than 256 KiB" in only(text).message


def test_duplicate_key() -> None:
    problem = only(
        """
        steps:
          - name: a
            wait: {for: 1s}
            name: b
        """
    )
    assert (problem.line, problem.field) == (4, "steps[0].name")
    assert problem.message == "duplicate key 'name' (first on line 2)"


def test_aliases_are_refused() -> None:
    problem = only(
        """
        inputs:
          a: &spec {type: string}
          b: *spec
        steps:
          - {name: a, wait: {for: 1s}}
        """
    )
    assert (problem.line, problem.field) == (3, "inputs.b")
    assert "aliases" in problem.message


def test_unknown_step_type() -> None:
    problem = only(
        """
        steps:
          - name: pause
            wait: {for: 1s}
          - name: call
            htp: {method: GET, url: "http://127.0.0.1:3000/demo/x"}
        """
    )
    assert (problem.line, problem.field) == (4, "steps[1]")
    assert problem.message.startswith("unknown step type 'htp'; one of http, approval, notify")


def test_two_step_types_in_one_step() -> None:
    problem = only("steps:\n  - {name: a, wait: {for: 1s}, notify: {channel: ops, text: x}}\n")
    assert "this one has notify and wait" in problem.message


def test_unknown_field() -> None:
    problem = only(
        """
        steps:
          - name: call
            http:
              method: GET
              url: http://127.0.0.1:3000/demo/x
              retry: 3
        """
    )
    assert (problem.line, problem.field) == (6, "steps[0].http.retry")
    assert problem.message == "unknown field 'retry'"


def test_yaml_booleans_where_text_belongs_are_explained() -> None:
    problem = only("steps:\n  - {name: no, wait: {for: 1s}}\n")
    assert (problem.line, problem.field) == (2, "steps[0].name")
    assert "YAML reads yes, no, on, off, true, false as booleans" in problem.message


def test_missing_field() -> None:
    problem = only("steps:\n  - name: tell\n    notify: {channel: ops}\n")
    assert (problem.line, problem.field) == (3, "steps[0].notify.text")
    assert problem.message == "missing field 'text'"


def test_every_schema_problem_is_reported_at_once() -> None:
    assert where(
        """
        version: 2
        steps:
          - name: Bad-Name
            wait: {for: 1s}
          - name: tell
            notify: {channel: "#ops", text: hi, extra: 1}
        """
    ) == [(1, "version"), (3, "steps[0].name"), (6, "steps[1].notify.extra")]


@pytest.mark.parametrize(
    ("wait", "message"),
    [
        ("{for: 5 minutes}", "not a duration"),
        ("{for: 400d}", "must be between 1s and 366d"),
        ("{}", "give exactly one of for, until"),
    ],
)
def test_bad_duration(wait: str, message: str) -> None:
    problem = only(f"steps:\n  - name: pause\n    wait: {wait}\n")
    assert problem.line == 3
    assert problem.field.startswith("steps[0].wait")
    assert message in problem.message


def test_http_timeout_is_a_bounded_duration() -> None:
    problem = only(
        """
        steps:
          - name: call
            http: {method: GET, url: "http://127.0.0.1:3000/demo/x", timeout: 1h}
        """
    )
    assert (problem.line, problem.field) == (3, "steps[0].http.timeout")
    assert "must be between 1s and 5m" in problem.message


def test_expression_refused_in_a_branch_condition() -> None:
    problem = only(
        """
        inputs:
          name: {type: string}
        steps:
          - name: check
            branch:
              if: "inputs.name.startswith('a')"
              then: [{name: pause, wait: {for: 1s}}]
        """
    )
    assert (problem.line, problem.field) == (6, "steps[0].branch.if")
    assert problem.column == 12  # the quote is column 11, the expression starts after it
    assert problem.message == "function calls are not allowed"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{{ steps.call.body[0] }}", "subscripts"),
        ("{{ inputs.__class__ }}", "names starting with _"),
        ("{{ (lambda: 1) }}", "lambdas"),
    ],
)
def test_expression_refused_in_a_template(expression: str, message: str) -> None:
    problem = only(f'steps:\n  - name: tell\n    notify: {{channel: ops, text: "{expression}"}}\n')
    assert (problem.line, problem.field) == (3, "steps[0].notify.text")
    assert message in problem.message


def test_the_name_must_be_the_files_stem() -> None:
    problem = only("name: other\nsteps:\n  - {name: a, wait: {for: 1s}}\n", path="flows/mine.yml")
    assert (problem.line, problem.field) == (1, "name")
    assert problem.message == "is 'other' but the file is mine.yml"


def test_the_files_stem_must_be_a_flow_name() -> None:
    problem = only("steps:\n  - {name: a, wait: {for: 1s}}\n", path="flows/My Flow.yml")
    assert (problem.line, problem.field) == (1, "")
    assert problem.message.startswith("the file's name 'My Flow' is not a flow name")


def test_duplicate_step_name_across_nesting() -> None:
    problem = only(
        f"""
        steps:
          - name: pause
            wait: {WAIT}
          - name: both
            parallel:
              steps:
                - {{name: pause, wait: {WAIT}}}
                - {{name: other, wait: {WAIT}}}
        """
    )
    assert (problem.line, problem.field) == (7, "steps[1].parallel.steps[0].name")
    assert problem.message == "duplicate step name 'pause' (first at steps[0])"


def test_too_many_steps() -> None:
    steps = "".join(f"  - {{name: s{i}, wait: {WAIT}}}\n" for i in range(MAX_STEPS + 1))
    problem = only("steps:\n" + steps)
    assert (problem.line, problem.field) == (2, "steps")
    assert f"at most {MAX_STEPS} steps" in problem.message


def test_too_deep_nesting() -> None:
    inner = f"[{{name: leaf, wait: {WAIT}}}]"
    for level in range(MAX_NESTING):
        inner = f"[{{name: b{level}, branch: {{if: 'true', then: {inner}}}}}]"
    problem = only(f"steps: {inner}\n")
    assert problem.line == 1
    assert problem.field == "steps[0]" + ".branch.then[0]" * MAX_NESTING
    assert f"nest at most {MAX_NESTING} deep" in problem.message


def test_problems_come_in_line_order_and_name_the_file() -> None:
    found = problems("steps:\n  - {name: a, wait: {for: x}}\n  - {name: a, wait: {}}\n")
    assert [str(problem).split(":")[0] for problem in found] == ["flow.yml"] * len(found)
    assert [problem.line for problem in found] == sorted(problem.line for problem in found)
