"""Evaluating a checked expression against the values of a flow's inputs and steps.

Every failure is an :class:`ExpressionError`: a missing value, a wrong type (``"a" < 1``),
division by zero, a number too large. Booleans are not numbers here, unlike in Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from orchestration.flows import expression_nodes as nodes
from orchestration.flows.expression_nodes import ExpressionError, Node
from orchestration.flows.value_types import type_of


def evaluate(node: Node, scope: Mapping[str, Any]) -> Any:
    """The value of ``node``; ``scope`` maps ``inputs`` and ``steps`` to nested mappings."""
    if isinstance(node, nodes.Literal):
        return node.value
    if isinstance(node, nodes.Reference):
        return _resolve(node, scope)
    if isinstance(node, nodes.ListOf):
        return [evaluate(item, scope) for item in node.items]
    if isinstance(node, nodes.Unary):
        return _unary(node, evaluate(node.operand, scope))
    if isinstance(node, nodes.Arithmetic):
        return _arithmetic(node, evaluate(node.left, scope), evaluate(node.right, scope))
    if isinstance(node, nodes.Logic):
        return _logic(node, scope)
    return _comparison(node, scope)


def is_number(value: Any) -> bool:
    """An int or a float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _resolve(node: nodes.Reference, scope: Mapping[str, Any]) -> Any:
    value: Any = scope
    for part in node.path:
        if not isinstance(value, Mapping) or part not in value:
            raise ExpressionError(f"no value for {node.dotted}", node.column)
        value = value[part]
    return value


def _unary(node: nodes.Unary, value: Any) -> Any:
    if node.op == "not":
        return not _boolean(value, "not", node.column)
    if not is_number(value):
        raise ExpressionError(f"- needs a number, got {type_of(value)}", node.column)
    return -value


def _arithmetic(node: nodes.Arithmetic, left: Any, right: Any) -> Any:
    if not (is_number(left) and is_number(right)):
        raise ExpressionError(
            f"{node.op} needs numbers, got {type_of(left)} and {type_of(right)}", node.column
        )
    try:
        if node.op == "+":
            result = left + right
        elif node.op == "-":
            result = left - right
        elif node.op == "*":
            result = left * right
        else:
            result = left / right
    except ZeroDivisionError:
        raise ExpressionError("division by zero", node.column) from None
    except OverflowError:
        raise ExpressionError("number too large", node.column) from None
    if isinstance(result, float) and not math.isfinite(result):
        raise ExpressionError("number too large", node.column)
    return result


def _boolean(value: Any, op: str, column: int) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"{op} needs booleans, got {type_of(value)}", column)
    return value


def _logic(node: nodes.Logic, scope: Mapping[str, Any]) -> bool:
    stop = node.op == "or"  # the value that decides: true for or, false for and
    for part in node.values:
        if _boolean(evaluate(part, scope), node.op, node.column) is stop:
            return stop
    return not stop


def _comparison(node: nodes.Comparison, scope: Mapping[str, Any]) -> bool:
    left = evaluate(node.left, scope)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = evaluate(comparator, scope)
        if not compare(op, left, right, node.column):
            return False
        left = right
    return True


def equal(left: Any, right: Any) -> bool:
    """Equality with booleans apart from numbers (``true == 1`` is false)."""
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    if is_number(left) and is_number(right):
        return bool(left == right)
    if type_of(left) != type_of(right):
        return False
    return bool(left == right)


def compare(op: str, left: Any, right: Any, column: int) -> bool:
    """One comparison of two values."""
    if op in ("==", "!="):
        return equal(left, right) is (op == "==")
    if op in ("in", "not in"):
        return _contains(left, right, column) is (op == "in")
    ordered = (is_number(left) and is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )
    if not ordered:
        raise ExpressionError(f"cannot compare {type_of(left)} with {type_of(right)}", column)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _contains(item: Any, container: Any, column: int) -> bool:
    if isinstance(container, list | tuple):
        return any(equal(item, each) for each in container)
    if isinstance(container, str):
        if not isinstance(item, str):
            raise ExpressionError(f"'in' a string needs a string, got {type_of(item)}", column)
        return item in container
    raise ExpressionError(f"'in' needs a list or a string, got {type_of(container)}", column)
