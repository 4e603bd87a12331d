"""The schema check: the file's value against :class:`~orchestration.flows.models.FlowFile`,
with pydantic's errors said in the flow format's words (unknown step types and fields)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from orchestration.flows.models import FlowFile
from orchestration.flows.problems import Finding, Loc
from orchestration.flows.steps import KINDS

KIND_LIST = ", ".join(KINDS)


def check_schema(data: Any) -> tuple[FlowFile | None, list[Finding]]:
    """The flow, or None with every schema problem."""
    try:
        return FlowFile.model_validate(data), []
    except ValidationError as err:
        return None, [_finding(error, data) for error in err.errors(include_url=False)]


def _finding(error: ErrorDetails, data: Any) -> Finding:
    loc = _without_tags(tuple(error["loc"]))
    kind = error["type"]
    if loc and loc[-1] == "[key]":
        return Finding(loc[:-1], f"bad key: {error['msg']}", at_key=True)
    if kind == "union_tag_not_found":
        return Finding(loc, _step_problem(_at(data, loc)))
    if kind == "extra_forbidden":
        return Finding(loc, f"unknown field {loc[-1]!r}", at_key=True)
    if kind == "missing":
        return Finding(loc, f"missing field {loc[-1]!r}")
    if kind == "string_type" and isinstance(error.get("input"), bool):
        return Finding(loc, "must be text: YAML reads yes, no, on, off, true, false as booleans")
    if kind in ("template", "expression"):
        context = error.get("ctx") or {}
        return Finding(loc, str(context.get("message")), text_column=context.get("column"))
    return Finding(loc, error["msg"].removeprefix("Value error, "))


def _without_tags(loc: Loc) -> Loc:
    """pydantic puts the union's tag (the step's kind) after a step's index: drop it, the
    field path names the kind once (``steps[0].wait.for``, ``steps[0].name``)."""
    kept: list[str | int] = []
    for index, part in enumerate(loc):
        if part in KINDS and index > 0 and isinstance(loc[index - 1], int):
            continue
        kept.append(part)
    return tuple(kept)


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _step_problem(step: Any) -> str:
    if not isinstance(step, dict):
        return f"a step must be a mapping with a name and one of {KIND_LIST}"
    present = [kind for kind in KINDS if kind in step]
    if len(present) > 1:
        return f"a step has exactly one of {KIND_LIST}; this one has {' and '.join(present)}"
    others = [str(key) for key in step if key != "name"]
    if others:
        return f"unknown step type {others[0]!r}; one of {KIND_LIST}"
    return f"a step needs one of {KIND_LIST}"
