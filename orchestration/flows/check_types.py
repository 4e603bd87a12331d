"""Types: a branch's ``if`` is boolean, comparisons compare like with like, arithmetic is on
numbers, and inputs' defaults, choices and lengths fit their types."""

from __future__ import annotations

from collections.abc import Callable

from orchestration.flows.expressions import ExpressionError
from orchestration.flows.models import DEFAULT_MAX_LENGTH, FlowFile, InputSpec
from orchestration.flows.problems import Finding
from orchestration.flows.scope import Site, sites
from orchestration.flows.steps import OUTPUTS
from orchestration.flows.value_types import ANY, ValueType, fits, type_of


def check_types(flow: FlowFile) -> list[Finding]:
    """Every type problem; references that name nothing are the reference check's."""
    found: list[Finding] = []
    for name, spec in flow.inputs.items():
        found += _input_problems(name, spec)
    for site in sites(flow):
        try:
            inferred = site.item.infer(types_for(site, flow))
        except ExpressionError as err:
            found.append(Finding(site.loc, err.message, text_column=err.column))
            continue
        if site.loc[-2:] == ("branch", "if") and inferred not in ("boolean", ANY):
            found.append(Finding(site.loc, f"must be a boolean expression, not {inferred}"))
    return found


def types_for(site: Site, flow: FlowFile) -> Callable[[tuple[str, ...]], ValueType | None]:
    """The type of each reference at ``site`` (``any`` when it names nothing)."""

    def types(path: tuple[str, ...]) -> ValueType:
        if path[0] == "inputs":
            spec = flow.inputs.get(path[1])
            return ANY if spec is None else spec.type
        step = site.visible.get(path[1])
        if step is None or len(path) > 3:
            return ANY
        return OUTPUTS[step.kind].get(path[2], ANY)

    return types


def _input_problems(name: str, spec: InputSpec) -> list[Finding]:
    loc = ("inputs", name)
    found: list[Finding] = []
    if spec.type != "string":
        for field in ("max_length", "choices"):
            if getattr(spec, field) is not None:
                found.append(Finding((*loc, field), "only string inputs take " + field))
    default = spec.default
    if default is None:
        return found
    if not fits(default, spec.type):
        message = f"the default {default!r} is {type_of(default)}, not {spec.type}"
        found.append(Finding((*loc, "default"), message))
    elif spec.choices is not None and default not in spec.choices:
        found.append(Finding((*loc, "default"), f"{default!r} is not one of the choices"))
    elif isinstance(default, str) and len(default) > (spec.max_length or DEFAULT_MAX_LENGTH):
        found.append(Finding((*loc, "default"), "longer than max_length"))
    return found
