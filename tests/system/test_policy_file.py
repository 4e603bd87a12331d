"""Orders, tickets and agent tasks all decided by one policy file on a real worker: allow,
deny, require approval; the rule and version recorded on each decision; edits apply to new
requests at once while waiting ones keep their version; escalation; the outcome on expiry."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle

from activities.agents import AgentRunner
from activities.cards import APPROVE_ACTION
from activities.orders import OrderServices
from activities.policy import PolicyEngine
from activities.slack import new_slack_client
from activities.support import SupportDesk
from cli.examples import example_order
from cli.tickets import example_ticket
from orchestration.approval import ApprovableWorkflow
from orchestration.models.agent import AgentTask, AgentTaskInput, AgentTaskOutcome
from orchestration.models.approval import ApprovalPolicy, ApprovalStatus
from orchestration.models.order import OrderInput, OrderPolicy, OrderResult, OrderStep
from orchestration.models.ticket import TicketInput, TicketPolicy, TicketResult, TicketStep
from orchestration.policy.file import parse_policy
from orchestration.policy.match import Effect
from orchestration.worker import build_worker
from orchestration.workflows.agent_task import AgentTaskWorkflow
from orchestration.workflows.order import OrderWorkflow
from orchestration.workflows.ticket import TicketWorkflow
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    REQUESTER_ID,
)
from tests.helpers import assert_eventually, unique
from tests.stack import Stack

POLICY = """\
rules:
  - name: orders-too-big
    when: {kind: order, amount_over: 10000}
    deny: orders over $10,000 go through procurement
  - name: orders-need-finance
    when: {kind: order, amount_over: 1000}
    require_approval: {approvers: [U0APPROVE1], deadline: 5m}
  - name: orders-small
    when: {kind: order}
    allow: true
  - name: tickets-high-go-straight-up
    when: {kind: ticket, priority: [high]}
    allow: true
  - name: tickets-medium-need-a-lead
    when: {kind: ticket, priority: [medium]}
    require_approval: {approvers: [U0APPROVE2], deadline: 5m}
  - name: tickets-low-stay
    when: {kind: ticket, priority: [low]}
    deny: low-priority tickets stay with support
  - name: agents-never-drop
    when: {kind: agent_task, action: [drop]}
    deny: dropping is never automated
  - name: agents-deploys
    when: {kind: agent_task, action: [deploy]}
    require_approval:
      approvers: [U0APPROVE1]
      deadline: 20s
      reminder: 0s
      escalate: {after: 2s, approvers: [U0APPROVE2]}
  - name: agents-restarts-expire-rejected
    when: {kind: agent_task, action: [restart]}
    require_approval: {approvers: [U0APPROVE1], deadline: 10s, reminder: 0s, on_expiry: reject}
  - name: orders-never-reached
    when: {kind: agent_task, action: [approve-on-expiry]}
    require_approval: {approvers: [U0APPROVE1], deadline: 10s, reminder: 0s, on_expiry: approve}
  - name: agents-reboots-just-expire
    when: {kind: agent_task, action: [reboot]}
    require_approval: {approvers: [U0APPROVE1], deadline: 10s, reminder: 0s}
  - name: agents-otherwise
    when: {kind: agent_task}
    allow: true
"""


@contextlib.asynccontextmanager
async def policy_worker(stack: Stack, path: Path, agents: AgentRunner) -> AsyncIterator[str]:
    """A worker on its own task queue that reads ``path`` as its policy file."""
    queue = unique("tq-policy")
    worker = build_worker(
        stack.client,
        queue,
        new_slack_client(DEFAULT_BOT_TOKEN, stack.sim.api_url),
        OrderServices(outbox=path.parent / "outbox"),
        desk=SupportDesk(),
        policy=PolicyEngine(path),
        agents=agents,
    )
    async with worker:
        yield queue


def write_policy(tmp_path: Path, text: str = POLICY) -> tuple[Path, str]:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    return path, parse_policy(text, str(path))[1]


async def start_order(
    stack: Stack, queue: str, example: str
) -> WorkflowHandle[OrderWorkflow, OrderResult]:
    order = example_order(example, requested_by=REQUESTER_ID)
    handle = await stack.client.start_workflow(
        OrderWorkflow.run,
        OrderInput(order=order, policy=OrderPolicy(approval=ApprovalPolicy())),
        id=order.workflow_id,
        task_queue=queue,
    )
    stack.started.append(handle)
    return handle


async def start_ticket(
    stack: Stack, queue: str, priority: str
) -> WorkflowHandle[TicketWorkflow, TicketResult]:
    # Nobody works the night shift: triage fails fast, and the ticket asks to escalate.
    ticket = example_ticket(priority, requested_by=REQUESTER_ID).model_copy(
        update={"queue": "night-shift", "subject": f"{priority} trouble", "description": ""}
    )
    policy = TicketPolicy(
        acceptance_timeout=timedelta(seconds=1),
        max_assignment_attempts=1,
        no_agent_retry_delay=timedelta(milliseconds=100),
        search_attributes=False,
    )
    handle = await stack.client.start_workflow(
        TicketWorkflow.run,
        TicketInput(ticket=ticket, policy=policy),
        id=ticket.workflow_id,
        task_queue=queue,
    )
    stack.started.append(handle)
    return handle


async def start_task(stack: Stack, queue: str, **task: Any) -> WorkflowHandle[Any, Any]:
    agent_task = AgentTask.model_validate(
        {"task_id": unique("TASK"), "agent": "ops-bot", "requested_by": REQUESTER_ID, **task}
    )
    handle = await stack.client.start_workflow(
        AgentTaskWorkflow.run,
        AgentTaskInput(task=agent_task),
        id=agent_task.workflow_id,
        task_queue=queue,
    )
    stack.started.append(handle)
    return handle


async def card_for(stack: Stack, subject: str) -> dict[str, Any]:
    messages = await assert_eventually(
        stack.messages,
        lambda ms: any(subject in m["text"] for m in ms),
        what=f"a card about {subject}",
    )
    return next(m for m in messages if subject in m["text"])


async def test_orders_are_allowed_denied_or_asked_by_the_policy_file(
    stack: Stack, tmp_path: Path
) -> None:
    path, version = write_policy(tmp_path)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        small = await start_order(stack, queue, "small")
        huge = await start_order(stack, queue, "huge")
        large = await start_order(stack, queue, "large")

        done = await small.result()
        assert done.step is OrderStep.COMPLETED and done.approval is None
        status = await small.query(OrderWorkflow.status)
        assert status.policy is not None
        assert (status.policy.rule, status.policy.version) == ("orders-small", version)

        denied = await huge.result()
        assert denied.step is OrderStep.CANCELLED and denied.approval is None
        assert denied.message == (
            "Order cancelled: denied by policy rule orders-too-big: "
            "orders over $10,000 go through procurement"
        )

        card = await card_for(stack, large.id.removeprefix("order-"))
        assert f"Policy: orders-need-finance (version {version})" in str(card["blocks"])
        await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        approved = await large.result()
        assert approved.step is OrderStep.COMPLETED
        assert approved.approval is not None
        # The decision records the rule and the policy version that asked for it.
        assert (approved.approval.policy_rule, approved.approval.policy_version) == (
            "orders-need-finance",
            version,
        )
        assert approved.approval.approvers == [APPROVER_ID]
    # Only the large order asked anyone.
    assert len(await stack.messages()) == 1


async def test_ticket_escalations_are_allowed_denied_or_asked_by_the_policy_file(
    stack: Stack, tmp_path: Path
) -> None:
    path, version = write_policy(tmp_path)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        high = await start_ticket(stack, queue, "high")
        low = await start_ticket(stack, queue, "low")
        medium = await start_ticket(stack, queue, "medium")

        escalated = await high.result()
        assert escalated.step is TicketStep.ESCALATED and escalated.escalation is None
        assert escalated.status.policy is not None
        assert escalated.status.policy.rule == "tickets-high-go-straight-up"

        kept = await low.result()
        assert kept.step is TicketStep.WITH_SUPPORT and kept.escalation is None
        assert kept.status.outcome_reason == (
            "escalation denied by policy: low-priority tickets stay with support"
        )

        card = await card_for(stack, "medium trouble")
        # Only the approver the rule names may decide: the other is refused.
        await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        told = await assert_eventually(
            lambda: stack.sim.ephemerals(APPROVER_ID), bool, what="the refusal"
        )
        assert told[0]["text"].startswith("You are not an approver")
        await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        asked = await medium.result()
        assert asked.step is TicketStep.ESCALATED
        assert asked.escalation is not None
        assert (asked.escalation.policy_rule, asked.escalation.policy_version) == (
            "tickets-medium-need-a-lead",
            version,
        )


async def test_policy_edits_apply_to_new_requests_and_waiting_ones_keep_their_version(
    stack: Stack, tmp_path: Path
) -> None:
    path, first_version = write_policy(tmp_path)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        waiting = await start_order(stack, queue, "large")
        card = await card_for(stack, waiting.id.removeprefix("order-"))

        loosened = POLICY.replace("amount_over: 1000}", "amount_over: 5000}")
        _, second_version = write_policy(tmp_path, loosened)
        assert second_version != first_version
        fresh = await start_order(stack, queue, "large")
        done = await fresh.result()  # no restart: the new rule already lets it through
        assert done.step is OrderStep.COMPLETED and done.approval is None
        status = await fresh.query(OrderWorkflow.status)
        assert status.policy is not None
        assert (status.policy.rule, status.policy.version) == ("orders-small", second_version)

        state = await waiting.query(ApprovableWorkflow.approval)
        assert state is not None and state.status is ApprovalStatus.PENDING
        await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        result = await waiting.result()
        assert result.approval is not None
        assert result.approval.policy_version == first_version


async def test_escalation_lets_a_second_group_decide_after_the_delay(
    stack: Stack, tmp_path: Path
) -> None:
    path, _ = write_policy(tmp_path)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        handle = await start_task(stack, queue, tool="helm", action="deploy", target="web")
        card = await card_for(stack, "helm.deploy")
        await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        told = await assert_eventually(
            lambda: stack.sim.ephemerals(APPROVER2_ID), bool, what="refused before escalation"
        )
        assert told[0]["text"].startswith("You are not an approver")

        state = await assert_eventually(
            lambda: handle.query(ApprovableWorkflow.approval),
            lambda s: s is not None and s.escalated_at is not None,
            what="the escalation",
        )
        assert state is not None and state.escalated_to == [APPROVER2_ID]
        assert state.approvers == [APPROVER_ID, APPROVER2_ID]
        thread = await assert_eventually(
            lambda: stack.sim.thread(APPROVALS_CHANNEL_ID, card["ts"]), bool, what="the note"
        )
        assert thread[0]["text"].startswith("Escalated: ops-bot's run of helm.deploy")
        assert "<@U0APPROVE2>: you may decide it now" in thread[0]["text"]
        redrawn = await assert_eventually(
            lambda: stack.sim.message(APPROVALS_CHANNEL_ID, card["ts"]),
            lambda m: "may decide too" in str(m["blocks"]),
            what="the card showing the escalation",
        )
        assert any(b["type"] == "actions" for b in redrawn["blocks"])

        await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        result = await handle.result()
        assert result.outcome is AgentTaskOutcome.COMPLETED
        assert result.approval is not None and result.approval.decided_by == APPROVER2_ID


async def test_the_outcome_on_expiry_comes_from_the_policy(stack: Stack, tmp_path: Path) -> None:
    path, _ = write_policy(tmp_path)
    agents = AgentRunner()
    async with policy_worker(stack, path, agents) as queue:
        rejected = await start_task(stack, queue, tool="svc", action="restart", target="api")
        approved = await start_task(
            stack, queue, tool="svc", action="approve-on-expiry", target="api"
        )
        dropped = await start_task(stack, queue, tool="sql", action="drop", target="users")
        expired = await start_task(stack, queue, tool="svc", action="reboot", target="api")

        result = await rejected.result()
        assert result.outcome is AgentTaskOutcome.REJECTED
        assert result.approval is not None and result.approval.status is ApprovalStatus.EXPIRED
        feedback = "nobody approved in time, and the policy rejects on expiry"
        assert [f.feedback for f in agents.feedback] == [feedback]

        result = await approved.result()
        assert result.outcome is AgentTaskOutcome.COMPLETED
        assert result.approval is not None and result.approval.status is ApprovalStatus.EXPIRED
        card = await card_for(stack, "svc.approve-on-expiry")
        final = await assert_eventually(
            lambda: stack.sim.message(APPROVALS_CHANNEL_ID, card["ts"]),
            lambda m: "The policy approves it on expiry." in str(m["blocks"]),
            what="the expired card",
        )
        assert "if nobody decides" not in str(final["blocks"])
        promised = [
            str(call.params.get("text"))
            for call in stack.sim.calls_to("chat.postMessage")
            if "needs approval" in str(call.params.get("text"))
            and "svc.approve-on-expiry" in str(call.params.get("text"))
        ]
        assert len(promised) == 1 and "Approved automatically at " in promised[0]
        assert promised[0].endswith("if nobody decides: the task runs.")

        result = await dropped.result()
        assert (result.outcome, result.decision.effect) == (AgentTaskOutcome.DENIED, Effect.DENY)

        result = await expired.result()  # the default on expiry: neither run nor rejected
        assert (result.outcome, result.message) == (
            AgentTaskOutcome.EXPIRED,
            "Not approved in time",
        )
        assert result.approval is not None and result.approval.status is ApprovalStatus.EXPIRED
    assert [r.task.action for r in agents.ran] == ["approve-on-expiry"]
    assert [f.task.action for f in agents.feedback] == ["restart"]
