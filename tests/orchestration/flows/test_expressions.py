"""The expression language: what it computes, what it refuses (with the column), its static
types, and that no text at all makes it raise anything but ExpressionError."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.flows.expressions import (
    MAX_DEPTH,
    MAX_TEXT,
    Expression,
    ExpressionError,
    parse_expression,
)
from orchestration.flows.value_types import ValueType

pytestmark = pytest.mark.unit

SCOPE: dict[str, Any] = {
    "inputs": {"amount": 6000, "name": "ada", "ratio": 0.5, "urgent": True},
    "steps": {
        "finance": {"outcome": "approved", "approved_by": ["U1", "U2"]},
        "fetch": {"status": 200, "body": {"items": {"count": 3}}},
    },
}
TYPES: dict[tuple[str, ...], ValueType] = {
    ("inputs", "amount"): "number",
    ("inputs", "name"): "string",
    ("inputs", "urgent"): "boolean",
    ("steps", "finance", "outcome"): "string",
    ("steps", "finance", "approved_by"): "list",
    ("steps", "fetch", "status"): "integer",
    ("steps", "fetch", "body", "items", "count"): "any",
}


def value(text: str) -> Any:
    return parse_expression(text).evaluate(SCOPE)


def refusal(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(text)
    return caught.value


def inferred(text: str) -> ValueType:
    return parse_expression(text).infer(TYPES.get)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("inputs.amount > 5000", True),
        ("inputs.amount > 5000 and inputs.name == 'ada'", True),
        ("not inputs.urgent or inputs.amount < 0", False),
        ("steps.finance.outcome in ['approved', 'expired']", True),
        ("steps.finance.outcome not in ('approved',)", False),
        ("'U2' in steps.finance.approved_by", True),
        ("'da' in inputs.name", True),
        ("steps.fetch.body.items.count * 2 + 1", 7),
        ("(inputs.amount - 1000) / 2", 2500),
        ("-inputs.ratio", -0.5),
        ("1 < steps.fetch.status <= 200", True),
        ("1 < steps.fetch.status < 200", False),
        ("true == 1", False),  # booleans are not numbers
        ("null == null and false != true", True),
        ("inputs.name == 3", False),
    ],
)
def test_evaluates(text: str, expected: Any) -> None:
    assert value(text) == expected


def test_references_list_every_path() -> None:
    expr = parse_expression("inputs.amount > 1 and steps.finance.outcome == 'approved'")
    assert expr.references() == {("inputs", "amount"), ("steps", "finance", "outcome")}


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("inputs.name.upper()", "function calls are not allowed", 1),
        ("steps.finance.approved_by[0]", "subscripts", 1),
        ("inputs.__class__", "names starting with _", 1),
        ("1 + inputs._x", "names starting with _", 5),
        ("lambda: 1", "lambdas", 1),
        ("[x for x in inputs.a]", "comprehensions", 1),
        ("f'{inputs.name}'", "f-strings", 1),
        ("(x := 1)", "assignments", 2),
        ("1 if true else 2", "conditional expressions", 1),
        ("{'a': 1}", "dict literals", 1),
        ("2 ** 8", "operator Pow", 1),
        ("inputs.name is null", "'is' is not allowed", 1),
        ("os.system", "unknown name 'os'", 1),
        ("inputs", "inputs.<name>", 1),
        ("steps.finance", "steps.<step>.<field>", 1),
        ("[1, 2]", "lists are allowed only", 1),
        ("  inputs.amount >", "syntax error", None),
        ("", "empty expression", None),
    ],
)
def test_refuses_with_the_column(text: str, message: str, column: int | None) -> None:
    err = refusal(text)
    assert message in err.message
    if column is not None:
        assert err.column == column


def test_columns_count_the_blanks_before_the_expression() -> None:
    assert refusal("   inputs.x()").column == 4


def test_bounds_length_and_depth() -> None:
    assert "longer than" in refusal("1" * (MAX_TEXT + 1)).message
    assert "nested more than" in refusal("-" * (MAX_DEPTH + 1) + "1").message
    assert value("-" * (MAX_DEPTH - 1) + "1") == -1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("inputs.name < 1", "cannot compare string with integer"),
        ("inputs.name + 1", "+ needs numbers"),
        ("not inputs.amount", "not needs booleans"),
        ("inputs.amount and true", "and needs booleans"),
        ("1 / 0", "division by zero"),
        ("inputs.missing == 1", "no value for inputs.missing"),
        ("steps.fetch.status.deeper == 1", "no value for steps.fetch.status.deeper"),
        ("1 in inputs.name", "'in' a string needs a string"),
        ("1 in inputs.amount", "'in' needs a list or a string"),
        ("1e308 * 10", "number too large"),
    ],
)
def test_run_time_mistakes_are_expression_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        value(text)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("inputs.amount > 5000", "boolean"),
        ("steps.fetch.status + 1", "integer"),
        ("steps.fetch.status / 2", "number"),
        ("inputs.amount * 2", "number"),
        ("steps.fetch.body.items.count", "any"),
        ("steps.fetch.body.items.count == 'x'", "boolean"),
        ("'U1' in steps.finance.approved_by", "boolean"),
    ],
)
def test_infers_types(text: str, expected: ValueType) -> None:
    assert inferred(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("inputs.amount == 'x'", "compares number with string"),
        ("inputs.name > 3", "compares string with integer"),
        ("inputs.name in [1, 2]", "compares string with integer"),
        ("inputs.amount in inputs.name", "'in' a string needs a string"),
        ("inputs.name * 2", "* needs numbers"),
        ("not inputs.name", "not needs booleans"),
        ("inputs.unknown == 1", "unknown reference inputs.unknown"),
    ],
)
def test_static_type_mistakes(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        inferred(text)
    assert message in caught.value.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_parses_or_raises_expression_error(text: str) -> None:
    try:
        expr = parse_expression(text)
    except ExpressionError:
        return
    _evaluate_and_infer(expr)


ATOMS = st.sampled_from(
    [
        "inputs.amount",
        "inputs.name",
        "inputs.urgent",
        "steps.fetch.status",
        "steps.fetch.body",
        "1",
        "0",
        "2.5",
        "'a'",
        "true",
        "null",
        "[1, 'a']",
        "steps.finance.approved_by",
    ]
)
OPERATORS = st.sampled_from(
    [" + ", " - ", " * ", " / ", " < ", " == ", " != ", " >= ", " and ", " or ", " in ", " not in "]
)


@st.composite
def expressions(draw: st.DrawFn) -> str:
    parts = [draw(ATOMS)]
    for _ in range(draw(st.integers(0, 4))):
        parts += [draw(OPERATORS), draw(st.sampled_from(["", "not ", "-"])) + draw(ATOMS)]
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(expressions())
def test_well_formed_expressions_fail_only_with_expression_error(text: str) -> None:
    try:
        expr = parse_expression(text)
    except ExpressionError:
        return
    _evaluate_and_infer(expr)


def _evaluate_and_infer(expr: Expression) -> None:
    for attempt in (lambda: expr.evaluate(SCOPE), lambda: expr.infer(TYPES.get)):
        with contextlib.suppress(ExpressionError):
            attempt()
