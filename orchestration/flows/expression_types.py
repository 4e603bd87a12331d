"""Static types of flow expressions: what the validator knows before anything runs.

Mistakes that would surely fail (or surely be false) at run time are refused: ``"a" < 1``,
``inputs.amount == "5000"`` with a number input, ``not`` on a number, arithmetic on text.
A reference of unknown type (``any``, e.g. an HTTP response's body) passes every check.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.flows import expression_nodes as nodes
from orchestration.flows.expression_nodes import ExpressionError, Node
from orchestration.flows.value_types import ANY, NUMERIC, ValueType, comparable, type_of

Types = Callable[[tuple[str, ...]], ValueType | None]


def infer(node: Node, types: Types) -> ValueType:
    """The type of ``node``; ``types`` gives each reference's (None: unknown reference)."""
    if isinstance(node, nodes.Literal):
        return type_of(node.value)
    if isinstance(node, nodes.Reference):
        found = types(node.path)
        if found is None:
            raise ExpressionError(f"unknown reference {node.dotted}", node.column)
        return found
    if isinstance(node, nodes.ListOf):
        for item in node.items:
            infer(item, types)
        return "list"
    if isinstance(node, nodes.Unary):
        return _unary(node, infer(node.operand, types))
    if isinstance(node, nodes.Arithmetic):
        return _arithmetic(node, infer(node.left, types), infer(node.right, types))
    if isinstance(node, nodes.Logic):
        for value in node.values:
            _need_boolean(infer(value, types), node.op, node.column)
        return "boolean"
    return _comparison(node, types)


def _need_boolean(found: ValueType, op: str, column: int) -> None:
    if found not in ("boolean", ANY):
        raise ExpressionError(f"{op} needs booleans, got {found}", column)


def _unary(node: nodes.Unary, operand: ValueType) -> ValueType:
    if node.op == "not":
        _need_boolean(operand, "not", node.column)
        return "boolean"
    if operand not in (*NUMERIC, ANY):
        raise ExpressionError(f"- needs a number, got {operand}", node.column)
    return "number" if operand == ANY else operand


def _arithmetic(node: nodes.Arithmetic, left: ValueType, right: ValueType) -> ValueType:
    if left not in (*NUMERIC, ANY) or right not in (*NUMERIC, ANY):
        raise ExpressionError(f"{node.op} needs numbers, got {left} and {right}", node.column)
    if node.op != "/" and left == right == "integer":
        return "integer"
    return "number"


def _equatable(left: ValueType, right: ValueType) -> bool:
    if ANY in (left, right) or "null" in (left, right) or left == right:
        return True
    return left in NUMERIC and right in NUMERIC


def _comparison(node: nodes.Comparison, types: Types) -> ValueType:
    left_node = node.left
    left = infer(left_node, types)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = infer(right_node, types)
        if op in ("in", "not in"):
            _check_in(left, right_node, right, types, node.column)
        elif op in ("==", "!="):
            if not _equatable(left, right):
                raise ExpressionError(f"compares {left} with {right}", node.column)
        elif not comparable(left, right):
            raise ExpressionError(f"compares {left} with {right}", node.column)
        left_node, left = right_node, right
    return "boolean"


def _check_in(item: ValueType, node: Node, container: ValueType, types: Types, column: int) -> None:
    if isinstance(node, nodes.ListOf):
        for each in node.items:
            found = infer(each, types)
            if not _equatable(item, found):
                raise ExpressionError(f"compares {item} with {found}", column)
        return
    if container == "string":
        if item not in ("string", ANY):
            raise ExpressionError(f"'in' a string needs a string, got {item}", column)
        return
    if container not in ("list", ANY):
        raise ExpressionError(f"'in' needs a list or a string, got {container}", column)
