"""Templates: text with ``{{ expression }}`` interpolations, e.g. ``Refund {{ inputs.order_id }}``.

A template that is one interpolation and nothing else stands for the value itself, so a JSON
body field written ``"{{ inputs.amount }}"`` sends a number, not text.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orchestration.flows.expressions import Expression, ExpressionError, parse_expression
from orchestration.flows.value_types import ValueType

OPEN, CLOSE = "{{", "}}"

Part = str | Expression


@dataclass(frozen=True)
class Template:
    """Parsed template text: literal text and expressions, in order."""

    text: str
    parts: tuple[Part, ...]
    # Where each expression's text starts in ``text`` (0-based), for columns in messages.
    offsets: tuple[int, ...] = field(default=(), repr=False, compare=False)

    def expressions(self) -> tuple[Expression, ...]:
        """The interpolated expressions, in order."""
        return tuple(part for part in self.parts if isinstance(part, Expression))

    def references(self) -> frozenset[tuple[str, ...]]:
        """Every reference of every interpolation."""
        return frozenset(ref for expr in self.expressions() for ref in expr.references())

    @property
    def is_static(self) -> bool:
        """True when there is nothing to interpolate."""
        return not self.expressions()

    @property
    def static_prefix(self) -> str:
        """The text before the first interpolation (all of it when static)."""
        prefix = ""
        for part in self.parts:
            if isinstance(part, Expression):
                break
            prefix += part
        return prefix

    @property
    def single(self) -> Expression | None:
        """The expression, when the template is exactly one interpolation."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Expression):
            return self.parts[0]
        return None

    def render(self, scope: Mapping[str, Any]) -> str:
        """The text, each interpolation formatted (:func:`format_value`)."""
        return "".join(
            format_value(part.evaluate(scope)) if isinstance(part, Expression) else part
            for part in self.parts
        )

    def value(self, scope: Mapping[str, Any]) -> Any:
        """The value itself for a single interpolation, else the rendered text."""
        single = self.single
        return self.render(scope) if single is None else single.evaluate(scope)

    def infer(self, types: Callable[[tuple[str, ...]], ValueType | None]) -> ValueType:
        """The static type of :meth:`value`; checks every interpolation."""
        found = []
        for expr, offset in zip(self.expressions(), self.offsets, strict=True):
            try:
                found.append(expr.infer(types))
            except ExpressionError as err:
                raise ExpressionError(err.message, offset + (err.column or 1)) from None
        return found[0] if self.single is not None else "string"

    def located_expressions(self) -> tuple[tuple[Expression, int], ...]:
        """Each expression with the 0-based offset of its text in :attr:`text`."""
        return tuple(zip(self.expressions(), self.offsets, strict=True))


def format_value(value: Any) -> str:
    """A value as text: integral numbers without ``.0``, ``true``/``false``, null as nothing,
    objects and lists as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return str(value)


def parse_template(text: str) -> Template:
    """Parse ``text``.

    Raises:
        ExpressionError: An unclosed ``{{`` or a bad expression; the column is in ``text``.
    """
    parts: list[Part] = []
    offsets: list[int] = []
    position = 0
    while (start := text.find(OPEN, position)) >= 0:
        end = text.find(CLOSE, start + len(OPEN))
        if end < 0:
            raise ExpressionError(f"{OPEN} without a closing {CLOSE}", start + 1)
        if start > position:
            parts.append(text[position:start])
        inner = text[start + len(OPEN) : end]
        offsets.append(start + len(OPEN))
        try:
            parts.append(parse_expression(inner))
        except ExpressionError as err:
            raise ExpressionError(err.message, offsets[-1] + (err.column or 1)) from None
        position = end + len(CLOSE)
    if position < len(text):
        parts.append(text[position:])
    return Template(text=text, parts=tuple(parts), offsets=tuple(offsets))
