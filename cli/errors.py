"""Errors the command line reports as one clear line and a non-zero exit code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
# Temporal refuses a payload over 2 MB, after the file was read and checked; request files are
# refused before, with the limit. No order, ticket or task comes near it.
MAX_FILE_BYTES = 1024 * 1024


class CliError(Exception):
    """A problem the user can fix; printed as ``error: <message>``, exit code 1."""


def describe_validation_error(headline: str, err: ValidationError) -> str:
    """``headline:`` then one ``  field.path: message`` line per problem."""
    lines = [f"{headline}:"]
    for problem in err.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)


def read_json_file(path: Path) -> object:
    """A JSON file's content; every problem (unreadable, too large, not UTF-8 JSON, nested too
    deeply to parse) becomes a CliError naming the file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CliError(
                f"{path} is {size:,} bytes; files may be at most {MAX_FILE_BYTES:,} bytes "
                "(1 MiB: Temporal takes at most 2 MB per request)"
            )
        raw = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError as err:
        raise CliError(
            f"{path} is not UTF-8 text (at byte offset {err.start}); save it as UTF-8"
        ) from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise CliError(
            f"{path} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    except RecursionError:
        raise CliError(f"{path} is not valid JSON: nested too deeply to read") from None


def load_json_model(path: Path, model: type[M], noun: str) -> M:
    """Read and validate a JSON file; every problem becomes a CliError naming the field."""
    data = read_json_file(path)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise CliError(describe_validation_error(f"{path} is not a valid {noun}", err)) from None
