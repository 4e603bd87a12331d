"""The AI agent's side effects: run a task (long, heartbeating), take feedback.

A local stand-in agent: it "runs" the tool for a moment and reports what it did; feedback
from a rejection is kept, as a real agent would use it for its next attempt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from orchestration.models.agent import AgentFeedbackInput, RunAgentInput, RunAgentResult

STEP_SECONDS = 0.1


@dataclass
class AgentRunner:
    """Runs agent tasks; remembers what ran and the feedback it was given."""

    steps: int = 3
    ran: list[RunAgentInput] = field(default_factory=list)
    feedback: list[AgentFeedbackInput] = field(default_factory=list)
    started: list[RunAgentInput] = field(default_factory=list)
    cancelled: list[RunAgentInput] = field(default_factory=list)

    @activity.defn
    async def run_agent_task(self, run: RunAgentInput) -> RunAgentResult:
        """Run the task step by step, heartbeating so cancellation reaches it."""
        task = run.task
        self.started.append(run)
        try:
            for step in range(self.steps):
                activity.heartbeat(step)
                await asyncio.sleep(STEP_SECONDS)
        except asyncio.CancelledError:
            self.cancelled.append(run)  # a real agent would stop its tool here
            raise
        if task.tool == "broken":
            raise ApplicationError(
                f"tool {task.tool} failed", type="ToolFailed", non_retryable=True
            )
        self.ran.append(run)
        args = ", ".join(f"{k}={v}" for k, v in sorted(task.arguments.items()))
        return RunAgentResult(
            summary=f"{task.agent} ran {task.tool}.{task.action} on {task.target}"
            + (f" ({args})" if args else "")
        )

    @activity.defn
    async def give_agent_feedback(self, feedback: AgentFeedbackInput) -> None:
        """Hand a rejection's feedback to the agent."""
        self.feedback.append(feedback)

    def activities(self) -> list[Callable[..., Any]]:
        """Every activity this runner registers with a worker."""
        return [self.run_agent_task, self.give_agent_feedback]
