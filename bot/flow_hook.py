"""``POST /hooks/flows``: other systems start flows (``flows/<name>.yml``) over HTTP.

Signed as every hook of the bot is (:mod:`bot.signed_hooks`). The body names the flow, its
inputs, optionally a business key (``id``: the same start twice runs once) and the Slack user
it is asked for (``requested_by``), who must then be one the policy's ``flows`` list names
for it; without one the start is recorded as ``webhook``, and only flows some entry of that
list names may be started.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from aiohttp import web
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from temporalio.client import Client

from bot.metrics import record_flow_start
from bot.signed_hooks import Refusal, SignedRequests, answer_start, field_problems, json_body
from commands.flow.access import NOT_ALLOWED, NOT_LISTED, start_refusal
from commands.flow.common import ALREADY_STARTED, REFUSED_INPUTS, STARTED, Starter
from commands.replies import GroupMembers, plain
from orchestration.flow_starts import (
    MAX_PAIRS,
    MAX_VALUE,
    FlowStartRefused,
    InputValue,
    StartedFlow,
)
from orchestration.flows.fields import FLOW_NAME_PATTERN
from orchestration.settings import Settings

FLOWS_PATH = "/hooks/flows"
WEBHOOK_STARTER = "webhook"

InputKey = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class FlowStartAsked(BaseModel):
    """The body of ``POST /hooks/flows``."""

    model_config = ConfigDict(extra="forbid")

    flow: Annotated[str, StringConstraints(pattern=FLOW_NAME_PATTERN)]
    inputs: dict[InputKey, Any] = Field(default_factory=dict, max_length=MAX_PAIRS)
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")] | None = (
        None
    )
    requested_by: Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{2,31}$")] | None = None

    @field_validator("inputs")
    @classmethod
    def _plain_values(cls, inputs: dict[str, Any]) -> dict[str, InputValue]:
        # One message per input, rather than one per type a union tried.
        for key, value in inputs.items():
            if not isinstance(value, str | int | float | bool):
                raise ValueError(f"input {key[:50]!r} must be a string, a number or a boolean")
            if isinstance(value, str) and len(value) > MAX_VALUE:
                raise ValueError(f"input {key[:50]!r} is longer than {MAX_VALUE} characters")
        return inputs


def parse_start(request: web.Request, body: bytes) -> FlowStartAsked:
    """The start a JSON body asks for; refusals name every field that is wrong."""
    data = json_body(request, body, "flow start")
    try:
        return FlowStartAsked.model_validate(data)
    except ValidationError as err:
        raise Refusal(400, "not a valid flow start", problems=field_problems(err)) from None


@dataclass(frozen=True)
class FlowHook:
    """The webhook's handler: checks who may start, then starts with ``start`` (the real
    :func:`orchestration.flow_starts.start_flow`; tests hand in their own); ``groups``
    expands the policy's user groups through Slack."""

    client: Client
    settings: Settings
    start: Starter
    groups: GroupMembers | None = None
    ui_url: str | None = None
    clock: Callable[[], float] = field(default=time.time, repr=False)

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate, validate, check, start; every answer is JSON."""
        return await answer_start("flow webhook", lambda: self._start(request))

    async def _start(self, request: web.Request) -> StartedFlow:
        signed = SignedRequests("flow webhook", self.settings.webhook_secret, self.clock)
        asked = parse_start(request, await signed.body(request))
        refusal = await start_refusal(
            self.settings.policy_file, asked.flow, asked.requested_by, self.groups
        )
        if refusal is not None:
            record_flow_start("webhook", refusal.code)
            status = 403 if refusal.code in (NOT_ALLOWED, NOT_LISTED) else 503
            raise Refusal(status, plain(refusal.text), reason=refusal.code)
        try:
            started = await self.start(
                self.client,
                self.settings,
                asked.flow,
                asked.inputs,
                started_by=asked.requested_by or WEBHOOK_STARTER,
                business_key=asked.id,
                ui_url=self.ui_url,
            )
        except FlowStartRefused as err:
            record_flow_start("webhook", REFUSED_INPUTS)
            raise Refusal(400, str(err), reason=REFUSED_INPUTS) from None
        record_flow_start("webhook", ALREADY_STARTED if started.already_started else STARTED)
        return started
