"""The steps of a flow file: an object with a ``name`` and exactly one kind key (``http``,
``approval``, ``notify``, ``wait``, ``branch``, ``parallel``, ``call_flow``).

Which key is present picks the model (a pydantic discriminated union,
https://docs.pydantic.dev/latest/concepts/unions/#discriminated-unions-with-callable-discriminator).
Each kind's outputs, referenced as ``steps.<name>.<field>``, are in :data:`OUTPUTS`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from orchestration.durations import Bounds
from orchestration.flows.fields import (
    ExpressionText,
    FlowName,
    StepName,
    Strict,
    TemplatedJson,
    TemplateText,
    bounded_duration,
)
from orchestration.flows.value_types import ValueType
from orchestration.models.request import MAX_ATTRIBUTES, MAX_FIELDS, AttributeName, Kind, Label
from orchestration.policy.fields import ChannelRef

KINDS = ("http", "approval", "notify", "wait", "branch", "parallel", "call_flow")
HTTP_TIMEOUT = Bounds(timedelta(seconds=1), timedelta(minutes=5))
WAIT_FOR = Bounds(timedelta(seconds=1), timedelta(days=366))

OUTPUTS: dict[str, dict[str, ValueType]] = {
    "http": {"status": "integer", "body": "any", "ok": "boolean"},
    "approval": {
        "outcome": "string",
        "approved_by": "list",
        "rejected_by": "string",
        "reason": "string",
        "arguments": "object",
    },
    "notify": {},
    "wait": {},
    "branch": {"taken": "string"},
    "parallel": {},
    "call_flow": {},  # the called flow's outputs, known once it is read
}


class HttpCall(Strict):
    """An HTTP request to a URL the allow-list permits."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field(description="HTTP method")
    url: TemplateText = Field(description="Absolute URL; only its path and query may be templated")
    headers: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,64}$")], TemplateText] = Field(
        default_factory=dict, max_length=20, description="Request headers"
    )
    body: TemplatedJson = Field(default=None, description="JSON body; its strings are templates")
    expect: list[Annotated[int, Field(ge=100, le=599)]] | None = Field(
        default=None, max_length=50, description="Statuses that count as success (default 2xx)"
    )
    retries: int = Field(default=3, ge=0, le=10, description="Attempts after the first")
    timeout: bounded_duration(HTTP_TIMEOUT) = Field(  # type: ignore[valid-type]
        default=timedelta(seconds=10), description="Per attempt"
    )


class ApprovalCall(Strict):
    """A request for a human decision, through ``RequestApproval`` (docs/request-approval.md)."""

    kind: Kind = Field(description="What is asked for; policy rules match on it (not templated)")
    title: TemplateText = Field(description="The request's title, shown on the card")
    fields: dict[Label, TemplateText] = Field(
        default_factory=dict, max_length=MAX_FIELDS, description="Lines shown on the card"
    )
    attributes: dict[AttributeName, TemplateText] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES, description="Values policy rules match"
    )
    arguments: TemplatedJson = Field(default=None, description="Values approvers may edit")
    if_not_approved: Literal["stop", "continue"] = Field(
        default="stop", description="stop: the flow fails (on_failure runs); continue: go on"
    )


class NotifyCall(Strict):
    """A message to a Slack channel."""

    channel: ChannelRef = Field(description='"#name" or a channel id')
    text: TemplateText = Field(description="The message")


class WaitCall(Strict):
    """A pause: for a duration, or until a time; exactly one."""

    for_: bounded_duration(WAIT_FOR) | None = Field(  # type: ignore[valid-type]
        default=None, alias="for", description="How long"
    )
    until: TemplateText | None = Field(default=None, description="An ISO-8601 time")

    @model_validator(mode="after")
    def _one(self) -> WaitCall:
        if (self.for_ is None) == (self.until is None):
            raise ValueError("give exactly one of for, until")
        return self


class BranchCall(Strict):
    """Steps run only when a condition holds (``then``), or when it does not (``else``)."""

    if_: ExpressionText = Field(alias="if", description="A boolean expression")
    then: list[Step] = Field(min_length=1, description="Run when it holds")
    else_: list[Step] = Field(default_factory=list, alias="else", description="Run otherwise")


class ParallelCall(Strict):
    """Steps run at the same time; the flow goes on when all have finished."""

    steps: list[Step] = Field(min_length=2, description="They may not reference each other")


class CallFlow(Strict):
    """Another flow of the flows directory, run as a child; its outputs are this step's."""

    flow: FlowName = Field(description="The called flow's name")
    inputs: dict[str, TemplateText] = Field(default_factory=dict, description="Its inputs")


class StepBase(Strict):
    """What every step has: a name, unique in the whole file."""

    name: StepName

    @property
    def kind(self) -> str:
        """The step's kind key (``http``, ``approval``, ...)."""
        return next(kind for kind in KINDS if kind in type(self).model_fields)

    @property
    def call(self) -> Strict:
        """The object under the kind key."""
        call: Strict = getattr(self, self.kind)
        return call


class HttpStep(StepBase):
    """Send an HTTP request."""

    http: HttpCall


class ApprovalStep(StepBase):
    """Ask people to approve, as the policy file says."""

    approval: ApprovalCall


class NotifyStep(StepBase):
    """Post a message to Slack."""

    notify: NotifyCall


class WaitStep(StepBase):
    """Wait a while."""

    wait: WaitCall


class BranchStep(StepBase):
    """Run steps on a condition."""

    branch: BranchCall


class ParallelStep(StepBase):
    """Run steps at the same time."""

    parallel: ParallelCall


class CallFlowStep(StepBase):
    """Run another flow of the flows directory."""

    call_flow: CallFlow


def step_kind(value: Any) -> str | None:
    """The kind key a step object has (None: none, or more than one)."""
    if isinstance(value, StepBase):
        return value.kind
    if not isinstance(value, dict):
        return None
    present = [kind for kind in KINDS if kind in value]
    return present[0] if len(present) == 1 else None


Step = Annotated[
    Annotated[HttpStep, Tag("http")]
    | Annotated[ApprovalStep, Tag("approval")]
    | Annotated[NotifyStep, Tag("notify")]
    | Annotated[WaitStep, Tag("wait")]
    | Annotated[BranchStep, Tag("branch")]
    | Annotated[ParallelStep, Tag("parallel")]
    | Annotated[CallFlowStep, Tag("call_flow")],
    Discriminator(step_kind),
]

for _model in (BranchCall, ParallelCall):
    _model.model_rebuild()
