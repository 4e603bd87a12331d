"""Workflows that ask through :func:`orchestration.ask.request_approval`, as another team's
would: run in the sandbox, with Temporal's default data converter. Only side-effect-free
imports here: the sandbox imports this module again for every run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow

from orchestration.ask import RequestOutcome, request_approval


@dataclass
class Ask:
    """What to ask, how many times, and where chatops listens."""

    chatops_task_queue: str
    request: dict[str, Any]
    times: int = 1
    child_id: str | None = None


@dataclass
class Asked:
    """What each request's answer said, as plain values."""

    outcomes: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    typed: bool = False


@workflow.defn(name="AskingWorkflow")
class AskingWorkflow:
    """Asks ``times`` times in a row; the answers come back typed."""

    @workflow.run
    async def run(self, ask: Ask) -> Asked:
        asked = Asked()
        for _ in range(ask.times):
            result = await request_approval(
                **ask.request, task_queue=ask.chatops_task_queue, id=ask.child_id
            )
            asked.outcomes.append(result.outcome.value)
            asked.rules.append(result.policy_rule)
            asked.typed = isinstance(result.outcome, RequestOutcome)
        return asked
