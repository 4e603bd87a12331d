"""A flow's inputs as given to a start (text from ``key=value``, or typed values) checked
against the file's ``inputs``: each read as its type, within its length and choices, missing
ones given their defaults. Mistakes name the input."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from orchestration.flows.models import DEFAULT_MAX_LENGTH, FlowFile, InputSpec
from orchestration.flows.value_types import fits

InputValue = str | int | float | bool
INTEGER = re.compile(r"^[+-]?\d{1,18}$")
TRUE, FALSE = frozenset({"true", "yes", "on", "1"}), frozenset({"false", "no", "off", "0"})


class InputRefused(ValueError):
    """An input that does not fit; the message names it."""


def checked_inputs(flow: FlowFile, given: Mapping[str, InputValue]) -> dict[str, InputValue]:
    """Every declared input: the given value read as its type, else its default.

    Raises:
        InputRefused: an unknown input, a missing required one, or a value that does not fit.
    """
    unknown = sorted(set(given) - set(flow.inputs))
    if unknown:
        takes = ", ".join(flow.inputs) or "no inputs"
        raise InputRefused(f"unknown input {unknown[0][:50]!r} (the flow takes {takes})")
    values: dict[str, InputValue] = {}
    for name, spec in flow.inputs.items():
        if name in given:
            values[name] = _value(name, spec, given[name])
        elif spec.default is not None:
            values[name] = spec.default
        else:
            raise InputRefused(f"input {name!r} is required ({spec.type})")
    return values


def _value(name: str, spec: InputSpec, value: InputValue) -> InputValue:
    read = _read(spec.type, value) if isinstance(value, str) else value
    if not fits(read, spec.type) or (isinstance(read, float) and not math.isfinite(read)):
        raise InputRefused(f"input {name!r} must be {_article(spec.type)}, not {value!r:.60}")
    if isinstance(read, str):
        limit = spec.max_length or DEFAULT_MAX_LENGTH
        if len(read) > limit:
            raise InputRefused(f"input {name!r} is longer than {limit} characters")
        if spec.choices is not None and read not in spec.choices:
            raise InputRefused(f"input {name!r} must be one of {', '.join(spec.choices)}")
    return read


def _read(kind: str, text: str) -> InputValue:
    """Text as ``kind``; text that does not read as it stays text (and is refused)."""
    word = text.strip()
    if kind == "integer" and INTEGER.match(word):
        return int(word)
    if kind == "number":
        if INTEGER.match(word):
            return int(word)
        try:
            number = float(word)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if kind == "boolean" and word.lower() in TRUE | FALSE:
        return word.lower() in TRUE
    return text


def _article(kind: str) -> str:
    return f"an {kind}" if kind == "integer" else f"a {kind}"
