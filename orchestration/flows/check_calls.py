"""Called flows: each ``call_flow`` names a flow of the flows directory, gives it every
input it requires (of a fitting type) and none it does not take, and no chain of calls comes
back to a flow already running (``a -> b -> a``, or ``a -> a``)."""

from __future__ import annotations

from orchestration.flows.check_refs import located_references
from orchestration.flows.check_types import types_for
from orchestration.flows.expressions import ExpressionError
from orchestration.flows.load import FlowLibrary
from orchestration.flows.models import FlowFile, called_flows
from orchestration.flows.problems import Finding, Loc
from orchestration.flows.scope import sites
from orchestration.flows.steps import CallFlowStep
from orchestration.flows.value_types import assignable

MAX_CHAIN = 50


def check_calls(flow: FlowFile, name: str, library: FlowLibrary | None) -> list[Finding]:
    """Every problem with the flows ``flow`` (named ``name``) calls."""
    calls = called_flows(flow)
    if calls and library is None:
        return [
            Finding((*p, "call_flow", "flow"), "no flows directory to call from") for p, _ in calls
        ]
    found: list[Finding] = []
    for path, step in calls:
        loc = (*path, "call_flow")
        cycle = _cycle(name, step.call_flow.flow, library) if library else None
        if cycle is not None:
            found.append(Finding((*loc, "flow"), "call_flow cycle: " + " -> ".join(cycle)))
            continue
        child = library.get(step.call_flow.flow) if library else "no flows directory"
        if isinstance(child, str):
            found.append(Finding((*loc, "flow"), child))
            continue
        found += _input_problems(flow, loc, step, child)
        found += _output_problems(flow, step, child)
    return found


def _input_problems(flow: FlowFile, loc: Loc, step: CallFlowStep, child: FlowFile) -> list[Finding]:
    called = step.call_flow.flow
    given = step.call_flow.inputs
    found = [
        Finding((*loc, "inputs"), f"missing input {input_name!r} of flow {called!r}")
        for input_name, spec in child.inputs.items()
        if spec.required and input_name not in given
    ]
    takes = ", ".join(sorted(child.inputs)) or "none"
    for input_name in given:
        if input_name not in child.inputs:
            message = f"flow {called!r} has no input {input_name!r} (it takes: {takes})"
            found.append(Finding((*loc, "inputs", input_name), message, at_key=True))
    for site in sites(flow):
        key = site.loc[len(loc) + 1] if site.loc[: len(loc) + 1] == (*loc, "inputs") else None
        spec = child.inputs.get(str(key)) if key is not None else None
        if spec is None:
            continue
        try:
            inferred = site.item.infer(types_for(site, flow))
        except ExpressionError:
            continue  # the type check reports it
        if not assignable(inferred, spec.type):
            message = f"flow {called!r} takes {key} as {spec.type}, not {inferred}"
            found.append(Finding(site.loc, message))
    return found


def _output_problems(flow: FlowFile, step: CallFlowStep, child: FlowFile) -> list[Finding]:
    """References to outputs of ``step`` that the called flow does not return."""
    found: list[Finding] = []
    returns = ", ".join(sorted(child.outputs)) or "nothing"
    for site in sites(flow):
        for ref, column in located_references(site):
            path = ref.path
            if path[0] == "steps" and path[1] == step.name and path[2] not in child.outputs:
                called = step.call_flow.flow
                message = f"flow {called!r} has no output {path[2]!r} (it returns: {returns})"
                found.append(Finding(site.loc, message, text_column=column))
    return found


def _cycle(start: str, first: str, library: FlowLibrary) -> list[str] | None:
    """The first chain of calls from ``start`` through ``first`` that repeats a flow."""
    stack: list[tuple[str, list[str]]] = [(first, [start])]
    done: set[str] = set()
    while stack:
        current, chain = stack.pop()
        if current in chain:
            return [*chain[chain.index(current) :], current]
        if current in done or len(chain) > MAX_CHAIN:
            continue
        done.add(current)
        child = library.get(current)
        if isinstance(child, FlowFile):
            for _, call in called_flows(child):
                stack.append((call.call_flow.flow, [*chain, current]))
    return None
