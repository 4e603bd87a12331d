"""Agent tasks gated by policy.yml: allowed, denied, approved by a quorum, rejected with
feedback; every decision records the rule and the policy version."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import CancelledError

from activities.cards import APPROVE_ACTION
from orchestration.models.agent import AgentTask, AgentTaskInput, AgentTaskOutcome, AgentTaskResult
from orchestration.models.approval import ApprovalPolicy, Verdict
from orchestration.policy.match import Effect
from orchestration.workflows.agent_task import AgentTaskWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually, decide, unique
from tests.stack import Stack


async def start(stack: Stack, **task: Any) -> WorkflowHandle[AgentTaskWorkflow, AgentTaskResult]:
    agent_task = AgentTask.model_validate(
        {"task_id": unique("TASK"), "agent": "ops-bot", "requested_by": REQUESTER_ID, **task}
    )
    handle = await stack.client.start_workflow(
        AgentTaskWorkflow.run,
        AgentTaskInput(task=agent_task, approval=ApprovalPolicy(channel="approvals")),
        id=agent_task.workflow_id,
        task_queue=stack.task_queue,
    )
    stack.started.append(handle)
    return handle


async def test_read_only_task_runs_without_a_card(stack: Stack) -> None:
    handle = await start(stack, tool="search", action="read", target="docs")
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.COMPLETED
    assert (result.decision.effect, result.decision.rule) == (Effect.ALLOW, "agent-read-only")
    assert result.message == "ops-bot ran search.read on docs"
    notes = stack.sim.messages(APPROVALS_CHANNEL_ID)
    assert [m["text"] for m in notes] == [
        f"Agent task {result.task_id}: Done: ops-bot ran search.read on docs"
    ]


async def test_forbidden_input_is_denied_with_a_notice_and_no_card(stack: Stack) -> None:
    handle = await start(stack, tool="sql", action="run", target="db", input="forbidden: x")
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.DENIED
    assert result.decision.rule == "forbidden-agent-input"
    assert len(result.decision.version) == 12
    texts = [m["text"] for m in stack.sim.messages(APPROVALS_CHANNEL_ID)]
    assert texts == [
        f"Agent task {result.task_id} was denied by policy: "
        'inputs starting with "forbidden" are never run'
    ]
    assert stack.agents.ran == []


async def test_production_change_needs_two_approvals_and_runs_after_them(stack: Stack) -> None:
    handle = await start(
        stack, tool="kubectl", action="restart", target="prod-eu", arguments={"replicas": 3}
    )
    card = await stack.card()
    assert card["text"].startswith("ops-bot's run of kubectl.restart on prod-eu needs approval. ")
    header = card["blocks"][0]["text"]["text"]
    assert header == "Approval needed: Let ops-bot run kubectl.restart on prod-eu?"
    blocks = str(card["blocks"])
    assert '{"replicas": 3}' in blocks and "agent-changes-production (version " in blocks
    for user in (APPROVER_ID, APPROVER2_ID):
        await stack.sim.click(user, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.COMPLETED
    assert result.approval is not None and result.approval.approvals == [APPROVER_ID, APPROVER2_ID]
    assert [r.task.arguments for r in stack.agents.ran] == [{"replicas": 3}]
    thread = await assert_eventually(
        lambda: stack.sim.thread(APPROVALS_CHANNEL_ID, card["ts"]), bool, what="result in thread"
    )
    assert thread[-1]["text"] == "Done: ops-bot ran kubectl.restart on prod-eu (replicas=3)"


async def test_rejection_feedback_reaches_the_agent(stack: Stack) -> None:
    handle = await start(stack, tool="sql", action="delete", target="staging-db")
    await stack.card()
    await decide(
        handle,
        Verdict.REJECT,
        APPROVER_ID,
        reason="delete only rows older than 90 days",
        click_key="r-1",
    )
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.REJECTED
    assert result.decision.rule == "agent-destructive-actions"
    assert [f.feedback for f in stack.agents.feedback] == ["delete only rows older than 90 days"]
    assert stack.agents.ran == []


async def test_cancelling_a_running_task_stops_the_agent_and_says_so(stack: Stack) -> None:
    stack.agents.steps = 600  # about a minute of work
    handle = await start(stack, tool="search", action="read", target="docs")
    await assert_eventually(lambda: stack.agents.started, bool, what="the agent at work")
    await handle.cancel()
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, CancelledError)
    task_id = handle.id.removeprefix("agent-task-")
    assert [r.task.task_id for r in stack.agents.cancelled] == [task_id]
    assert stack.agents.ran == []
    texts = [m["text"] for m in stack.sim.messages(APPROVALS_CHANNEL_ID)]
    assert texts == [f"Agent task {task_id}: Agent task cancelled while it ran; the agent stopped."]


async def test_a_failing_tool_fails_the_task_and_says_so(stack: Stack) -> None:
    handle = await start(stack, tool="broken", action="read", target="docs")
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.FAILED
    assert result.message == "Agent task failed: tool broken failed"
    assert stack.agents.ran == []
    texts = [m["text"] for m in stack.sim.messages(APPROVALS_CHANNEL_ID)]
    assert texts == [f"Agent task {result.task_id}: Agent task failed: tool broken failed"]
