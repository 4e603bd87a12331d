"""A whole flow file: its inputs, steps, the steps run on failure, and its outputs.

Every field is described: the JSON Schema generated from these models
(``python -m orchestration.flows.schema``, published as ``docs/flow.schema.json``) is the
format's reference. Checks across fields (names, references, types, URLs, called flows, the
policy) are the validator's (:mod:`orchestration.flows.validate`), which knows line numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr

from orchestration.flows.fields import FlowName, InputName, Strict, TemplateText
from orchestration.flows.steps import (
    BranchStep,
    CallFlowStep,
    ParallelStep,
    Step,
    StepBase,
)

MAX_INPUTS = 50
MAX_OUTPUTS = 50
MAX_STEPS = 200
MAX_NESTING = 5
DEFAULT_MAX_LENGTH = 500

InputType = Literal["string", "integer", "number", "boolean"]


class InputSpec(Strict):
    """One input the flow is started with."""

    type: InputType = Field(description="string, integer, number or boolean")
    description: str = Field(default="", max_length=500, description="For people starting it")
    default: StrictStr | StrictInt | StrictFloat | StrictBool | None = Field(
        default=None, description="Its value when not given; without one the input is required"
    )
    max_length: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        default=None,
        description=f"Strings only: the longest accepted (default {DEFAULT_MAX_LENGTH})",
    )
    choices: list[Annotated[str, Field(max_length=500)]] | None = Field(
        default=None, min_length=1, max_length=100, description="Strings only: the values allowed"
    )

    @property
    def required(self) -> bool:
        """True when the flow cannot start without it."""
        return self.default is None


class FlowFile(Strict):
    """A flow: a process with human gates, run step by step."""

    name: FlowName | None = Field(default=None, description="When given, the file's stem")
    description: str = Field(default="", max_length=2000, description="What the flow does")
    version: Literal[1] = Field(default=1, description="The format's version")
    inputs: dict[InputName, InputSpec] = Field(
        default_factory=dict, max_length=MAX_INPUTS, description="What it is started with"
    )
    steps: list[Step] = Field(min_length=1, description="Run in order")
    on_failure: list[Step] = Field(
        default_factory=list, description="Run when a step fails (e.g. a rollback)"
    )
    outputs: dict[InputName, TemplateText] = Field(
        default_factory=dict, max_length=MAX_OUTPUTS, description="What the flow returns"
    )


def children(step: StepBase) -> list[tuple[tuple[str | int, ...], StepBase]]:
    """The steps directly inside ``step``, each with its path from the step."""
    found: list[tuple[tuple[str | int, ...], StepBase]] = []
    if isinstance(step, BranchStep):
        found += [(("branch", "then", i), s) for i, s in enumerate(step.branch.then)]
        found += [(("branch", "else", i), s) for i, s in enumerate(step.branch.else_)]
    elif isinstance(step, ParallelStep):
        found += [(("parallel", "steps", i), s) for i, s in enumerate(step.parallel.steps)]
    return found


def walk_steps(
    steps: list[StepBase], path: tuple[str | int, ...], depth: int = 1
) -> Iterator[tuple[tuple[str | int, ...], StepBase, int]]:
    """Every step in document order, nested ones included: (path, step, nesting depth)."""
    for index, step in enumerate(steps):
        yield from _walk_one(step, (*path, index), depth)


def _walk_one(
    step: StepBase, path: tuple[str | int, ...], depth: int
) -> Iterator[tuple[tuple[str | int, ...], StepBase, int]]:
    yield path, step, depth
    for inner_path, inner in children(step):
        yield from _walk_one(inner, (*path, *inner_path), depth + 1)


def all_steps(flow: FlowFile) -> Iterator[tuple[tuple[str | int, ...], StepBase, int]]:
    """Every step of ``steps`` then of ``on_failure``, in document order."""
    yield from walk_steps(list(flow.steps), ("steps",))
    yield from walk_steps(list(flow.on_failure), ("on_failure",))


def called_flows(flow: FlowFile) -> list[tuple[tuple[str | int, ...], CallFlowStep]]:
    """Every ``call_flow`` step with its path."""
    return [(path, step) for path, step, _ in all_steps(flow) if isinstance(step, CallFlowStep)]
