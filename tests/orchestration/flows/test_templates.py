"""Templates: interpolation, formatting of values, and where a mistake in one is."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.flows.expressions import ExpressionError
from orchestration.flows.templates import format_value, parse_template

pytestmark = pytest.mark.unit

SCOPE: dict[str, Any] = {"inputs": {"order": "ORD-1", "amount": 5000.0, "ok": True, "none": None}}


def test_renders_text_with_interpolations() -> None:
    template = parse_template("Refund {{ inputs.order }} of {{ inputs.amount }}: {{ inputs.ok }}")
    assert template.render(SCOPE) == "Refund ORD-1 of 5000: true"
    assert template.references() == {("inputs", "order"), ("inputs", "amount"), ("inputs", "ok")}
    assert template.static_prefix == "Refund "
    assert not template.is_static


def test_a_single_interpolation_is_the_value_itself() -> None:
    assert parse_template("{{ inputs.amount }}").value(SCOPE) == 5000.0
    assert parse_template(" {{ inputs.amount }}").value(SCOPE) == " 5000"


def test_static_text_is_itself() -> None:
    template = parse_template("plain } text {")
    assert template.is_static
    assert template.render(SCOPE) == "plain } text {"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (3.0, "3"),
        (2.5, "2.5"),
        (7, "7"),
        ({"a": [1]}, '{"a":[1]}'),
        ("x", "x"),
    ],
)
def test_formats_values(value: Any, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("Refund {{ inputs.order ", "{{ without a closing }}", 8),
        ("Refund {{ inputs.order() }}", "function calls are not allowed", 11),
        ("ab{{}}", "empty expression", 5),
    ],
)
def test_mistakes_name_their_column_in_the_template(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_template(text)
    assert caught.value.message == message or message in caught.value.message
    assert caught.value.column == column


def test_static_type_errors_name_their_column_in_the_template() -> None:
    template = parse_template("x {{ inputs.order > 1 }}")
    with pytest.raises(ExpressionError) as caught:
        template.infer(lambda path: "string")
    assert caught.value.column == 6


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("{} ab.inputs()'1+"), max_size=60))
def test_any_text_parses_or_raises_expression_error(text: str) -> None:
    try:
        template = parse_template(text)
    except ExpressionError:
        return
    with contextlib.suppress(ExpressionError):
        template.render(SCOPE)
