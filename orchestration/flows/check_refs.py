"""References: every ``inputs.<name>`` names a declared input, and every
``steps.<step>.<field>`` a step that surely ran before (:mod:`orchestration.flows.scope`) and
an output its kind has (:data:`orchestration.flows.steps.OUTPUTS`)."""

from __future__ import annotations

from collections.abc import Iterator

from orchestration.flows.expression_nodes import Reference
from orchestration.flows.expressions import Expression
from orchestration.flows.models import FlowFile, all_steps
from orchestration.flows.problems import Finding
from orchestration.flows.scope import Site, sites
from orchestration.flows.steps import OUTPUTS
from orchestration.flows.value_types import ANY


def check_references(flow: FlowFile) -> list[Finding]:
    """Every reference that names nothing, or something not yet run."""
    every_step = {step.name: step for _, step, _ in all_steps(flow)}
    found: list[Finding] = []
    for site in sites(flow):
        for ref, column in located_references(site):
            problem = _problem(ref, site, flow, every_step)
            if problem is not None:
                found.append(Finding(site.loc, problem, text_column=column))
    return found


def located_references(site: Site) -> Iterator[tuple[Reference, int]]:
    """Each reference of a site with its 1-based column in the site's text."""
    if isinstance(site.item, Expression):
        for ref in site.item.reference_nodes():
            yield ref, ref.column
        return
    for expr, offset in site.item.located_expressions():
        for ref in expr.reference_nodes():
            yield ref, offset + ref.column


def _problem(ref: Reference, site: Site, flow: FlowFile, every_step: dict) -> str | None:
    if ref.path[0] == "inputs":
        name = ref.path[1]
        if name in flow.inputs:
            return None
        declared = ", ".join(sorted(flow.inputs)) or "none"
        return f"unknown input {name!r} (declared: {declared})"
    name, output = ref.path[1], ref.path[2]
    if name not in every_step:
        return f"unknown step {name!r}"
    if name in site.concurrent:
        return f"step {name!r} runs in parallel with this one; its outputs are not known here"
    if name not in site.visible:
        return f"step {name!r} does not run before this point; reference earlier steps only"
    kind = every_step[name].kind
    outputs = OUTPUTS[kind]
    if kind == "call_flow":  # the called flow's outputs: checked with it (check_calls)
        return None
    if not outputs:
        return f"step {name!r} ({kind}) has no outputs"
    if output not in outputs:
        return f"step {name!r} ({kind}) has no output {output!r}; it has {', '.join(outputs)}"
    if len(ref.path) > 3 and outputs[output] not in (ANY, "object"):
        return f"steps.{name}.{output} is {outputs[output]}; it has no fields"
    return None
