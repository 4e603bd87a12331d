"""What the ``Flow`` workflow (the driver of flow files) is started with, answers and returns."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

InputValue = str | int | float | bool
StepStateName = Literal["pending", "running", "done", "skipped", "failed"]
# The longest result a step's state keeps (the status query, the memo).
MAX_RESULT = 120


class CalledFlow(BaseModel):
    """A flow a ``call_flow`` step runs, as it was when the calling flow started."""

    flow: dict[str, Any] = Field(description="The file as validated (FlowFile data)")
    content_hash: str = Field(description="sha256 of the file's bytes")


class StepState(BaseModel):
    """Where one step of a flow is, and a short result."""

    name: str
    kind: str
    state: StepStateName = "pending"
    result: str = Field(default="", max_length=MAX_RESULT)


class FlowCarried(BaseModel):
    """What a flow carries into its next run when it continues as new."""

    outputs: dict[str, dict[str, Any]] = Field(description="Each finished step's outputs")
    position: int = Field(ge=0, description="The next top-level step to run")
    states: list[StepState] = Field(default_factory=list)


class FlowRun(BaseModel):
    """One run of a flow file: its content as validated when it was started (so editing the
    file does not change a running flow), and everything it calls."""

    name: str
    flow: dict[str, Any] = Field(description="The file as validated (FlowFile data)")
    content_hash: str = Field(description="sha256 of the file's bytes")
    called: dict[str, CalledFlow] = Field(
        default_factory=dict, description="Every flow reachable through call_flow, by name"
    )
    inputs: dict[str, InputValue | None] = Field(default_factory=dict)
    started_by: str = Field(description="A Slack user id, cli:<login> or webhook")
    # The workflow id of the flow that called this one (its check of who started it covers
    # this run too).
    called_by: str | None = None
    # Set ChatopsKind (on called flows) and ChatopsOutcome: the cluster has them.
    search_attributes: bool = False
    carried: FlowCarried | None = None
    # Continue as new after this many top-level steps of one run, besides when Temporal
    # suggests it (None: only then).
    steps_per_run: int | None = Field(default=None, ge=1)


class FlowStatus(BaseModel):
    """The ``status`` query's answer, also kept in the memo (``status``)."""

    flow: str
    content_hash: str
    step: str | None = Field(default=None, description="The step running now (or last)")
    failure_reason: str | None = None
    steps: list[StepState] = Field(default_factory=list)
    more_steps: int = Field(default=0, description="Steps left out of the memo to bound it")


class FlowResult(BaseModel):
    """What a finished flow returns: its ``outputs``."""

    flow: str
    outputs: dict[str, Any] = Field(default_factory=dict)


class FlowStartersInput(BaseModel):
    """Who may start ``flow``, per the policy file's ``flows`` list."""

    flow: str


class FlowStartersResult(BaseModel):
    """The users and groups of the first matching entry; None when no entry names the flow."""

    starters: list[str] | None = None
    policy_version: str = ""
