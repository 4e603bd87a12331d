"""Where a flow's templates and expressions are, and which steps each may reference.

A reference must name a step that surely ran before it: an earlier step in document order,
not one in the other arm of the same ``branch`` nor a sibling of the same ``parallel``.
``on_failure`` steps see every step of ``steps``; the flow's ``outputs`` see ``steps`` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from orchestration.flows.expressions import Expression
from orchestration.flows.models import FlowFile
from orchestration.flows.problems import Loc
from orchestration.flows.steps import BranchStep, ParallelStep, StepBase
from orchestration.flows.templates import Template

Item = Template | Expression


@dataclass(frozen=True)
class Site:
    """One template or expression, with what it may reference.

    Attributes:
        loc: Its field's path.
        item: The template or expression.
        visible: The steps that surely ran before it, by name.
        concurrent: Names of steps running in parallel with it.
    """

    loc: Loc
    item: Item
    visible: dict[str, StepBase]
    concurrent: frozenset[str]


def sites(flow: FlowFile) -> list[Site]:
    """Every template and expression of ``flow``, in document order."""
    found: list[Site] = []
    visible: dict[str, StepBase] = {}
    _steps(list(flow.steps), ("steps",), visible, frozenset(), found)
    after_steps = dict(visible)
    _steps(list(flow.on_failure), ("on_failure",), visible, frozenset(), found)
    for key, template in flow.outputs.items():
        found.append(Site(("outputs", key), template, after_steps, frozenset()))
    return found


def step_names(steps: list[StepBase]) -> set[str]:
    """The names of ``steps`` and of every step inside them."""
    names: set[str] = set()
    for step in steps:
        names.add(step.name)
        if isinstance(step, BranchStep):
            names |= step_names([*step.branch.then, *step.branch.else_])
        elif isinstance(step, ParallelStep):
            names |= step_names(list(step.parallel.steps))
    return names


def _steps(
    steps: list[StepBase],
    path: Loc,
    visible: dict[str, StepBase],
    concurrent: frozenset[str],
    found: list[Site],
    first: int = 0,
) -> None:
    for index, step in enumerate(steps, start=first):
        loc = (*path, index, step.kind)
        for sub, item in items(step.call):
            found.append(Site((*loc, *sub), item, dict(visible), concurrent))
        arms: list[tuple[str | int, list[StepBase]]] = []
        if isinstance(step, BranchStep):
            arms = [("then", list(step.branch.then)), ("else", list(step.branch.else_))]
            _arms(arms, loc, visible, concurrent, found, parallel=False)
        elif isinstance(step, ParallelStep):
            arms = [(i, [inner]) for i, inner in enumerate(step.parallel.steps)]
            _arms(arms, (*loc, "steps"), visible, concurrent, found, parallel=True)
        visible[step.name] = step


def _arms(
    arms: list[tuple[str | int, list[StepBase]]],
    loc: Loc,
    visible: dict[str, StepBase],
    concurrent: frozenset[str],
    found: list[Site],
    parallel: bool,
) -> None:
    """Each arm sees what ran before the step, not the other arms; after it, all of them."""
    seen: dict[str, StepBase] = {}
    for key, arm in arms:
        others = {n for k, a in arms if k != key for n in step_names(a)} if parallel else set()
        mine = dict(visible)
        if parallel:  # one step per arm, at its index in the parallel's steps
            _steps(arm, loc, mine, concurrent | others, found, first=int(key))
        else:
            _steps(arm, (*loc, key), mine, concurrent, found)
        seen.update(mine)
    visible.update(seen)


def items(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Item]]:
    """Every template and expression inside a step's object (not inside nested steps)."""
    if isinstance(value, Template | Expression):
        yield loc, value
    elif isinstance(value, StepBase):
        return
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from items(getattr(value, name), (*loc, info.alias or name))
    elif isinstance(value, dict):
        for key, each in value.items():
            yield from items(each, (*loc, key))
    elif isinstance(value, list):
        for index, each in enumerate(value):
            yield from items(each, (*loc, index))
