"""``POST /hooks/agent-tasks``: other systems start agent tasks over HTTP.

Signed as every hook of the bot is (:mod:`bot.signed_hooks`): the task id, the workflow's
business key, makes a replay start nothing (``200`` with ``already_started``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from pydantic import ValidationError
from temporalio.client import Client

from bot.signed_hooks import (
    MAX_BODY,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Refusal,
    SignedRequests,
    answer_start,
    field_problems,
    json_body,
)
from orchestration.models.agent import AgentTask, NewAgentTask
from orchestration.settings import Settings
from orchestration.starts import StartedTask, start_agent_task

__all__ = ["AGENT_TASKS_PATH", "MAX_BODY", "SIGNATURE_HEADER", "TIMESTAMP_HEADER", "AgentTaskHook"]

AGENT_TASKS_PATH = "/hooks/agent-tasks"
REQUESTER_LABEL = "webhook"


def parse_task(request: web.Request, body: bytes) -> AgentTask:
    """The agent task in a JSON body, checked as a new task; refusals name every field that
    is wrong."""
    data = json_body(request, body, "task")
    try:
        return NewAgentTask.model_validate(data)
    except ValidationError as err:
        raise Refusal(400, "not a valid agent task", problems=field_problems(err)) from None


@dataclass(frozen=True)
class AgentTaskHook:
    """The webhook's handler: starts tasks with ``settings`` (queue, approvals, secret);
    ``clock`` gives the time signatures are checked against."""

    client: Client
    settings: Settings
    ui_url: str | None = None
    clock: Callable[[], float] = field(default=time.time, repr=False)

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate, validate, start; every answer is JSON."""
        return await answer_start("agent-task webhook", lambda: self._start(request))

    async def _start(self, request: web.Request) -> StartedTask:
        signed = SignedRequests("agent-task webhook", self.settings.webhook_secret, self.clock)
        task = parse_task(request, await signed.body(request))
        return await start_agent_task(
            self.client, self.settings, task, ui_url=self.ui_url, requester_label=REQUESTER_LABEL
        )
