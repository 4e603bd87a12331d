"""Errors the command line reports as one clear line and a non-zero exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class CliError(Exception):
    """A problem the user can fix; printed as ``error: <message>``, exit code 1."""


def describe_validation_error(headline: str, err: ValidationError) -> str:
    """``headline:`` then one ``  field.path: message`` line per problem."""
    lines = [f"{headline}:"]
    for problem in err.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)


def load_json_model(path: Path, model: type[M], noun: str) -> M:
    """Read and validate a JSON file; every problem becomes a CliError naming the field."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror or err}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise CliError(
            f"{path} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise CliError(describe_validation_error(f"{path} is not a valid {noun}", err)) from None
