"""``request_approval`` from Python workflows: from another team's sandboxed workflow with the
default data converter, against the real stack: typed answers, deterministic child ids, and
bad requests refused before anything starts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from orchestration.ask import DEFAULT_TASK_QUEUE
from orchestration.settings import Settings
from slacksim import APPROVALS_CHANNEL_ID, REQUESTER_ID
from tests.helpers import unique
from tests.orchestration.asking import Ask, AskingWorkflow
from tests.stack import Stack

STAGING = {
    "kind": "deploy",
    "title": "Deploy api 2.3 to staging",
    "attributes": {"env": "staging", "service": "api"},
    "requested_by": REQUESTER_ID,
}
Team = tuple[Client, str]


@pytest_asyncio.fixture
async def team(stack: Stack, request: pytest.FixtureRequest) -> AsyncIterator[Team]:
    """Another team's client (default data converter) and worker (the default sandbox, or
    none when the test's parameter says ``unsandboxed``)."""
    client = Client(stack.client.service_client, namespace=stack.client.namespace)
    queue = unique("asking")
    runner: WorkflowRunner = SandboxedWorkflowRunner()
    if getattr(request, "param", None) == "unsandboxed":
        runner = UnsandboxedWorkflowRunner()
    worker = Worker(client, task_queue=queue, workflows=[AskingWorkflow], workflow_runner=runner)
    async with worker:
        yield client, queue


async def ask(stack: Stack, team: Team, request: dict[str, Any], **options: Any) -> Any:
    client, queue = team
    return await client.start_workflow(
        AskingWorkflow.run,
        Ask(chatops_task_queue=stack.task_queue, request=request, **options),
        id=unique("asking"),
        task_queue=queue,
    )


@pytest.mark.parametrize("team", ["sandboxed", "unsandboxed"], indirect=True)
async def test_requests_get_ids_from_the_parent_in_order_and_replay(
    stack: Stack, team: Team
) -> None:
    handle = await ask(stack, team, STAGING, times=2)
    asked = await handle.result()
    assert (asked.outcomes, asked.rules, asked.typed) == (
        ["approved", "approved"],
        ["other-deploys", "other-deploys"],
        True,
    )
    for n in (1, 2):
        child = await stack.client.get_workflow_handle(f"{handle.id}-approval-{n}").describe()
        assert (child.workflow_type, child.status) == (
            "RequestApproval",
            WorkflowExecutionStatus.COMPLETED,
        )
    # Replayed by a new instance, the count starts again at 1: the same ids, no mismatch.
    replayed = await Replayer(workflows=[AskingWorkflow]).replay_workflow(
        await handle.fetch_history()
    )
    assert replayed.replay_failure is None


async def test_an_explicit_id_names_the_request(stack: Stack, team: Team) -> None:
    child_id = unique("deploy-approval")
    handle = await ask(stack, team, STAGING, child_id=child_id)
    assert (await handle.result()).outcomes == ["approved"]
    child = await stack.client.get_workflow_handle(child_id).describe()
    assert child.parent_id == handle.id


async def test_a_bad_request_fails_the_asking_workflow_before_anything_starts(
    stack: Stack, team: Team
) -> None:
    bad = {**STAGING, "kind": "Deploy", "title": ""}
    handle = await ask(stack, team, bad)
    with pytest.raises(WorkflowFailureError) as raised:
        await handle.result()
    failure = raised.value.cause
    assert isinstance(failure, ApplicationError)
    assert (failure.type, failure.non_retryable) == ("InvalidRequest", True)
    assert failure.message == (
        "invalid RequestApproval input: kind: String should match pattern "
        "'^[a-z][a-z0-9_.-]{0,39}$'; title: String should have at least 1 character"
    )
    with pytest.raises(RPCError) as missing:
        await stack.client.get_workflow_handle(f"{handle.id}-approval-1").describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []


def test_importing_request_approval_pulls_in_no_slack_bot_or_activities() -> None:
    probe = "import sys, orchestration.ask\nprint(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    for package in ("activities", "bot", "commands", "cli", "slacksim", "slack_sdk", "aiohttp"):
        assert f"'{package}'" not in loaded


@pytest.mark.unit
def test_the_default_task_queue_is_chatops_default() -> None:
    assert DEFAULT_TASK_QUEUE == Settings.model_fields["task_queue"].default == "chatops"
