"""``chatops start agent-task``: example agent tasks and task files, with the policy's verdict."""

from __future__ import annotations

import getpass
import sys
import uuid
from pathlib import Path
from typing import Any

from temporalio.client import Client

from cli.errors import CliError
from cli.examples import fresh_example, pick_request
from cli.outlook import policy_outlook
from orchestration.decisions import TemporalUnreachable
from orchestration.models.agent import AgentTask, NewAgentTask
from orchestration.settings import Settings
from orchestration.starts import start_agent_task

_AGENT = "ops-bot"

AGENT_TASK_EXAMPLES: dict[str, dict[str, Any]] = {
    "safe": {
        "tool": "search",
        "action": "read",
        "target": "docs",
        "input": "find the runbook for failed payments",
    },
    "risky": {
        "tool": "kubectl",
        "action": "scale",
        "target": "prod-web",
        "input": "scale up for the launch",
        "arguments": {"replicas": 6},
    },
    "forbidden": {
        "tool": "shell",
        "action": "run",
        "target": "build-box",
        "input": "forbidden: wipe the build cache with rm -rf /",
    },
}


def example_agent_task(name: str, requested_by: str | None = None) -> NewAgentTask:
    """A fresh example task (new id each time, so examples can be run repeatedly)."""
    return fresh_example(
        NewAgentTask,
        AGENT_TASK_EXAMPLES,
        name,
        task_id=f"TASK-{uuid.uuid4().hex[:8].upper()}",
        agent=_AGENT,
        requested_by=requested_by,
    )


def pick_agent_task(example: str | None, file: Path | None, requester: str | None) -> NewAgentTask:
    """The agent task named on the command line, checked as a new task (names, target)."""
    return pick_request(
        example,
        file,
        requester,
        model=NewAgentTask,
        make_example=example_agent_task,
        noun="agent task",
    )


def task_outlook(settings: Settings, task: AgentTask) -> str:
    """What the policy file says will happen to ``task``."""
    return policy_outlook(settings, task.policy_request(), "the agent runs it now")


async def cmd_start_agent_task(
    client: Client, settings: Settings, task: AgentTask, outlook: str, ui_url: str | None
) -> None:
    """Start the task; print its workflow id (stdout) and what the policy says (stderr)."""
    try:
        started = await start_agent_task(
            client,
            settings,
            task,
            ui_url=ui_url,
            requester_label=f"chatops CLI ({getpass.getuser()})",
        )
    except TemporalUnreachable as err:
        raise CliError(str(err)) from None
    if started.already_started:
        raise CliError(
            f"agent task {task.task_id} already exists (workflow {started.workflow_id}); "
            "use a new task_id"
        )
    print(started.workflow_id)
    print(f"Agent task {task.task_id}: {outlook}.", file=sys.stderr)
