"""The flow expression language: a safe subset of Python's expression syntax.

Text is parsed by the standard library's :mod:`ast` (never evaluated by Python) and every node
is checked against a whitelist: literals, references to inputs and to earlier steps' outputs,
comparisons, ``and``/``or``/``not`` and arithmetic on numbers. Anything else (calls,
subscripts, lambdas, comprehensions, f-strings, ``:=``, names starting with ``_``) is refused
naming the column. See https://docs.python.org/3/library/ast.html for the parse tree.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestration.flows import expression_eval, expression_types
from orchestration.flows.expression_nodes import (
    Arithmetic,
    Comparison,
    ExpressionError,
    ListOf,
    Literal,
    Logic,
    Node,
    Reference,
    Unary,
)
from orchestration.flows.value_types import ValueType

__all__ = ["Expression", "ExpressionError", "parse_expression"]

MAX_TEXT = 500
MAX_DEPTH = 20
ROOTS = ("inputs", "steps")
NAMED_CONSTANTS = {"true": True, "false": False, "null": None}

_ARITHMETIC = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARISONS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_REFUSED = {
    ast.Call: "function calls are not allowed",
    ast.Subscript: "subscripts ([...]) are not allowed; use steps.<step>.<field>",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed; use a template's {{ }} instead",
    ast.NamedExpr: "assignments (:=) are not allowed",
    ast.IfExp: "conditional expressions (x if c else y) are not allowed; use a branch step",
    ast.Dict: "dict literals are not allowed",
    ast.Set: "set literals are not allowed",
    ast.Is: "'is' is not allowed; use == or !=",
    ast.IsNot: "'is not' is not allowed; use == or !=",
}


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression; see :func:`parse_expression`."""

    text: str
    tree: Node = field(repr=False, compare=False)

    def references(self) -> frozenset[tuple[str, ...]]:
        """Every reference, e.g. ``("inputs", "amount")``, ``("steps", "finance", "outcome")``."""
        return frozenset(ref.path for ref in _references(self.tree))

    def reference_nodes(self) -> tuple[Reference, ...]:
        """Every reference with its column, in the order written."""
        return tuple(_references(self.tree))

    def evaluate(self, scope: Mapping[str, Any]) -> Any:
        """The value, with ``scope`` holding ``inputs`` and ``steps``.

        Raises:
            ExpressionError: A reference has no value, or a value has the wrong type.
        """
        return expression_eval.evaluate(self.tree, scope)

    def infer(self, types: Callable[[tuple[str, ...]], ValueType | None]) -> ValueType:
        """The static type, given each reference's type (None: unknown reference).

        Raises:
            ExpressionError: e.g. "compares number with string".
        """
        return expression_types.infer(self.tree, types)


def parse_expression(text: str) -> Expression:
    """Parse and check ``text``.

    Raises:
        ExpressionError: Bad syntax, a refused construct, or over the size limits.
    """
    if len(text) > MAX_TEXT:
        raise ExpressionError(f"longer than {MAX_TEXT} characters")
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    if not body:
        raise ExpressionError("empty expression")
    try:
        parsed = ast.parse(body, mode="eval")
    except SyntaxError as err:
        column = None if err.offset is None else _column(body, err.lineno or 1, err.offset - 1)
        raise ExpressionError(f"syntax error: {err.msg}", _shift(column, lead)) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExpressionError("cannot be parsed (nested too deeply or a NUL character)") from None
    return Expression(text=text, tree=_Converter(body, lead).convert(parsed.body, 1))


def _shift(column: int | None, by: int) -> int | None:
    return None if column is None else column + by


def _column(text: str, lineno: int, byte_offset: int) -> int:
    """1-based character column in ``text`` of an ast position (line, UTF-8 byte offset)."""
    lines = text.split("\n")
    line = lines[min(lineno, len(lines)) - 1]
    within = len(line.encode()[: max(byte_offset, 0)].decode(errors="ignore"))
    return sum(len(earlier) + 1 for earlier in lines[: lineno - 1]) + within + 1


def _references(node: Node) -> list[Reference]:
    if isinstance(node, Reference):
        return [node]
    children: tuple[Node, ...] = ()
    if isinstance(node, ListOf):
        children = node.items
    elif isinstance(node, Unary):
        children = (node.operand,)
    elif isinstance(node, Arithmetic):
        children = (node.left, node.right)
    elif isinstance(node, Logic):
        children = node.values
    elif isinstance(node, Comparison):
        children = (node.left, *node.comparators)
    return [ref for child in children for ref in _references(child)]


class _Converter:
    """Python's parse tree to ours, refusing every node outside the whitelist."""

    def __init__(self, text: str, lead: int) -> None:
        self.text = text
        self.lead = lead  # the blanks stripped before parsing: columns count them

    def column(self, node: ast.AST) -> int:
        line, offset = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        return _column(self.text, line, offset) + self.lead

    def convert(self, node: ast.expr, depth: int, in_list: bool = False) -> Node:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} levels deep", self.column(node))
        column = self.column(node)
        if isinstance(node, ast.Constant):
            return self.constant(node, column)
        if isinstance(node, ast.Name | ast.Attribute):
            return self.name(node, column)
        if isinstance(node, ast.List | ast.Tuple) and in_list:
            return ListOf(tuple(self.convert(item, depth + 1) for item in node.elts), column)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
            op = "not" if isinstance(node.op, ast.Not) else "-"
            return Unary(op, self.convert(node.operand, depth + 1), column)
        if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = (self.convert(side, depth + 1) for side in (node.left, node.right))
            return Arithmetic(_ARITHMETIC[type(node.op)], left, right, column)
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return Logic(op, tuple(self.convert(v, depth + 1) for v in node.values), column)
        if isinstance(node, ast.Compare):
            return self.compare(node, depth, column)
        raise ExpressionError(self.refusal(node), column)

    def refusal(self, node: ast.AST) -> str:
        if isinstance(node, ast.List | ast.Tuple):
            return "lists are allowed only on the right of 'in' or 'not in'"
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            return f"operator {type(node.op).__name__} is not allowed; use + - * / on numbers"
        return _REFUSED.get(type(node), f"{type(node).__name__} is not allowed in expressions")

    def constant(self, node: ast.Constant, column: int) -> Literal:
        value = node.value
        if value is None or isinstance(value, bool | int | float | str):
            return Literal(value, column)
        raise ExpressionError(f"{type(value).__name__} literals are not allowed", column)

    def name(self, node: ast.Name | ast.Attribute, column: int) -> Node:
        path: list[str] = []
        current: ast.expr = node
        while isinstance(current, ast.Attribute):
            path.insert(0, current.attr)
            current = current.value
        if not isinstance(current, ast.Name):
            raise ExpressionError(self.refusal(current), self.column(current))
        path.insert(0, current.id)
        bad = next((part for part in path if part.startswith("_")), None)
        if bad is not None:
            raise ExpressionError(f"names starting with _ are not allowed: {bad}", column)
        if len(path) == 1 and path[0] in NAMED_CONSTANTS:
            return Literal(NAMED_CONSTANTS[path[0]], column)
        return Reference(_checked_path(path, column), column)

    def compare(self, node: ast.Compare, depth: int, column: int) -> Comparison:
        for op in node.ops:
            if type(op) not in _COMPARISONS:
                raise ExpressionError(self.refusal(op), column)
        ops = tuple(_COMPARISONS[type(op)] for op in node.ops)
        right = tuple(
            self.convert(c, depth + 1, in_list=op in ("in", "not in"))
            for op, c in zip(ops, node.comparators, strict=True)
        )
        return Comparison(self.convert(node.left, depth + 1), ops, right, column)


def _checked_path(path: list[str], column: int) -> tuple[str, ...]:
    root = path[0]
    if root not in ROOTS:
        raise ExpressionError(
            f"unknown name {root!r}; use inputs.<name>, steps.<step>.<field>, true, false or null",
            column,
        )
    if root == "inputs" and len(path) != 2:
        raise ExpressionError("write an input as inputs.<name>", column)
    if root == "steps" and len(path) < 3:
        raise ExpressionError("write a step's output as steps.<step>.<field>", column)
    return tuple(path)
