"""Names and size: step names unique in the whole file, the flow's name its file's stem,
and the bounds on how many steps there are and how deeply they nest."""

from __future__ import annotations

import re

from orchestration.flows.fields import FLOW_NAME_PATTERN, FLOW_NAME_RULE
from orchestration.flows.models import MAX_NESTING, MAX_STEPS, FlowFile, all_steps
from orchestration.flows.problems import Finding, field_path


def check_names(flow: FlowFile, stem: str) -> list[Finding]:
    """Every naming and size problem."""
    found: list[Finding] = []
    if not re.fullmatch(FLOW_NAME_PATTERN, stem):
        found.append(Finding((), f"the file's name {stem!r} is not a flow name: {FLOW_NAME_RULE}"))
    if flow.name is not None and flow.name != stem:
        found.append(Finding(("name",), f"is {flow.name!r} but the file is {stem}.yml"))
    first: dict[str, str] = {}
    count = 0
    for path, step, depth in all_steps(flow):
        count += 1
        if step.name in first:
            message = f"duplicate step name {step.name!r} (first at {first[step.name]})"
            found.append(Finding((*path, "name"), message))
        first.setdefault(step.name, field_path(path))
        if depth > MAX_NESTING:
            message = f"steps nest at most {MAX_NESTING} deep (branch and parallel)"
            found.append(Finding(path, message))
    if count > MAX_STEPS:
        found.append(Finding(("steps",), f"at most {MAX_STEPS} steps in all ({count} here)"))
    return found
