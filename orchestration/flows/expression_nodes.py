"""The checked form of a flow expression: a small tree of the only things the language has.

:mod:`orchestration.flows.expressions` builds it from Python's own parse tree after refusing
everything else, so evaluation and type inference never meet a node they do not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ExpressionError(ValueError):
    """An expression that cannot be parsed, typed or evaluated.

    Attributes:
        message: What is wrong, in words.
        column: 1-based column in the expression's text, or None when unknown.
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"{message} (column {column})")
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Literal:
    """A constant: number, string, boolean or null."""

    value: Any
    column: int


@dataclass(frozen=True)
class Reference:
    """``inputs.<name>`` or ``steps.<step>.<field>[.<field>...]``."""

    path: tuple[str, ...]
    column: int

    @property
    def dotted(self) -> str:
        """The reference as written."""
        return ".".join(self.path)


@dataclass(frozen=True)
class ListOf:
    """A list or tuple literal (only on the right of ``in`` / ``not in``)."""

    items: tuple[Node, ...]
    column: int


@dataclass(frozen=True)
class Unary:
    """``not x`` or ``-x``."""

    op: str
    operand: Node
    column: int


@dataclass(frozen=True)
class Arithmetic:
    """``a + b``, ``a - b``, ``a * b``, ``a / b`` on numbers."""

    op: str
    left: Node
    right: Node
    column: int


@dataclass(frozen=True)
class Logic:
    """``a and b and ...`` or ``a or b or ...`` on booleans (short-circuit)."""

    op: str
    values: tuple[Node, ...]
    column: int


@dataclass(frozen=True)
class Comparison:
    """``a < b``, chained as in Python: ``a < b <= c`` holds when each pair does."""

    left: Node
    ops: tuple[str, ...]
    comparators: tuple[Node, ...]
    column: int


Node = Literal | Reference | ListOf | Unary | Arithmetic | Logic | Comparison
