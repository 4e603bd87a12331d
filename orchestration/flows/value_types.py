"""The types a flow's values have, as its validator reasons about them."""

from __future__ import annotations

from typing import Any, Literal

ValueType = Literal["string", "integer", "number", "boolean", "object", "list", "any", "null"]

ANY: ValueType = "any"
NUMERIC = frozenset({"integer", "number"})


def assignable(source: ValueType, target: ValueType) -> bool:
    """Whether a value of type ``source`` may stand where ``target`` is expected."""
    if ANY in (source, target) or source == target:
        return True
    return source == "integer" and target == "number"


def comparable(left: ValueType, right: ValueType) -> bool:
    """Whether ``<``, ``<=``, ``>``, ``>=`` may compare the two (numbers, or strings)."""
    if ANY in (left, right):
        return left in (*NUMERIC, "string", ANY) and right in (*NUMERIC, "string", ANY)
    return (left in NUMERIC and right in NUMERIC) or left == right == "string"


def fits(value: Any, wanted: ValueType) -> bool:
    """Whether ``value`` (met at run time, or written in the file) may stand where ``wanted``
    is expected."""
    found = type_of(value)
    return found != ANY and assignable(found, wanted)


def type_of(value: Any) -> ValueType:
    """The type of a value met at run time (JSON's kinds; booleans are not numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return ANY
