"""Errors the command line reports as one clear line and a non-zero exit code."""

from __future__ import annotations

from pydantic import ValidationError


class CliError(Exception):
    """A problem the user can fix; printed as ``error: <message>``, exit code 1."""


def describe_validation_error(headline: str, err: ValidationError) -> str:
    """``headline:`` then one ``  field.path: message`` line per problem."""
    lines = [f"{headline}:"]
    for problem in err.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"  {where}: {problem['msg']}")
    return "\n".join(lines)
