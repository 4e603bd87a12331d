"""/workflow through Slack's protocol (signed slash commands from the stand-in, answers via
response_url) against a real Temporal: status (live, and with no worker), list, pending,
history, stats, cancel and pause with their authorization refusals."""

from __future__ import annotations

import re
from pathlib import Path

from temporalio.client import WorkflowExecutionStatus

from cli.examples import example_order
from orchestration.models.approval import Verdict
from orchestration.models.order import OrderStep
from orchestration.models.ticket import AgentAcceptance, TicketStep
from orchestration.workflows.ticket import TicketWorkflow
from orchestration.workflows.triage import TriageWorkflow
from slacksim import (
    APPROVER_ID,
    GENERAL_CHANNEL_ID,
    OPERATOR_ID,
    REQUESTER_ID,
)
from tests.desk import DeskStack
from tests.helpers import assert_eventually, decide, new_worker, order_input, unique
from tests.stack import Stack, large_order


async def slash(stack: Stack | DeskStack, user: str, text: str, command: str = "/workflow") -> str:
    """Run a slash command as ``user`` in #general; the ephemeral answer's text."""
    before = len(stack.sim.ephemerals(user))
    delivery = await stack.sim.slash(user, GENERAL_CHANNEL_ID, command, text)
    assert delivery.status == 200 and delivery.error is None, delivery
    answers = await assert_eventually(
        lambda: stack.sim.ephemerals(user), lambda e: len(e) > before, what=f"{command} {text}"
    )
    return str(answers[-1]["text"])


def general(stack: Stack | DeskStack) -> list[str]:
    return [str(m["text"]) for m in stack.sim.messages(GENERAL_CHANNEL_ID)]


async def test_status_shows_kind_state_step_approval_and_a_link(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    text = await slash(stack, REQUESTER_ID, f"status {handle.id}")
    assert text.startswith(f"*{handle.id}*: order, running")
    assert "Step: awaiting approval (from live)" in text
    assert "Waiting for approval from <@U0APPROVE1>, <@U0APPROVE2>; deadline " in text
    assert (
        f"<http://127.0.0.1:8233/namespaces/default/workflows/{handle.id}|Open in Temporal>" in text
    )


async def test_status_works_with_no_worker_running(stack: Stack, tmp_path: Path) -> None:
    queue = unique("tq-gone")
    order = large_order()
    worker = new_worker(stack.client, queue, stack.sim.api_url, tmp_path)
    async with worker:
        handle = await stack.client.start_workflow(
            "OrderWorkflow",
            order_input(order, approvers=[APPROVER_ID]),
            id=order.workflow_id,
            task_queue=queue,
        )
        stack.started.append(handle)
        await stack.card()
    # The worker is gone: status comes from describe() and the memo.
    text = await slash(stack, REQUESTER_ID, f"status {handle.id}")
    assert "Step: awaiting approval (from memo (no worker answered))" in text
    assert "Waiting for approval from <@U0APPROVE1>" in text


async def test_list_pending_history_and_stats(stack: Stack) -> None:
    waiting = await stack.start_order(large_order())
    small = await stack.start_order(example_order("small", requested_by=REQUESTER_ID))
    assert (await small.result()).step is OrderStep.COMPLETED
    await stack.card()

    running = await slash(stack, REQUESTER_ID, "list running order")
    assert f"`{waiting.id}` · order · running · awaiting approval" in running
    assert small.id not in running
    done = await assert_eventually(
        lambda: slash(stack, REQUESTER_ID, "list completed"),
        lambda t: small.id in t,
        what="the completed order listed (visibility is eventually consistent)",
    )
    assert waiting.id not in done

    # The session's Temporal is shared with other tests: look for this test's requests.
    pending = await slash(stack, REQUESTER_ID, "pending")
    assert re.match(r"\*\d+ waiting for approval, oldest first:\*\n", pending)
    assert f"(`{waiting.id}`): waiting " in pending
    assert small.id not in pending

    history = await slash(stack, REQUESTER_ID, f"history {small.id}")
    assert "started (OrderWorkflow)" in history
    assert "step: process payment" in history and history.rstrip().endswith("completed")

    await decide(waiting, Verdict.APPROVE, APPROVER_ID, reason="known customer", click_key="k-1")
    await waiting.result()
    history = await slash(stack, REQUESTER_ID, f"history {waiting.id}")
    assert "decision: approve by <@U0APPROVE1> (cli): known customer" in history

    stats = await slash(stack, REQUESTER_ID, "stats 1d")
    counts = re.match(
        r"\*Approvals in the last 1d:\* (\d+) asked, (\d+) decided, (\d+) expired", stats
    )
    assert counts is not None, stats
    assert int(counts[1]) >= int(counts[2]) >= 1
    assert re.search(r"By approver: .*<@U0APPROVE1> \d+", stats)
    assert re.search(r"Median time to decision: \d+", stats)


async def test_cancel_and_pause_are_for_operators_and_announced(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    refused = await slash(stack, REQUESTER_ID, f"cancel {handle.id} changed my mind")
    assert refused.startswith("Only operators (CHATOPS_OPERATORS) may cancel")
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING

    not_a_ticket = await slash(stack, OPERATOR_ID, f"pause {handle.id}")
    assert not_a_ticket == f"Only tickets can be paused; {handle.id} is an order."

    done = await slash(stack, OPERATOR_ID, f"cancel {handle.id} customer called")
    assert done == f"Cancellation of {handle.id} requested; it cleans up and ends."
    announced = await assert_eventually(
        lambda: general(stack), bool, what="the cancellation announced"
    )
    assert announced == [f"<@{OPERATOR_ID}> cancelled `{handle.id}`: customer called"]
    final = await assert_eventually(
        lambda: handle.describe(),
        lambda d: d.status == WorkflowExecutionStatus.CANCELED,
        what="the order cancelled",
    )
    assert final.status == WorkflowExecutionStatus.CANCELED
    again = await slash(stack, OPERATOR_ID, f"cancel {handle.id}")
    assert again == f"{handle.id} has cancelled; nothing to cancel."


async def test_unknown_ids_and_nonsense_get_clear_answers(stack: Stack) -> None:
    assert await slash(stack, REQUESTER_ID, "status order-NOPE") == "No workflow order-NOPE."
    nonsense = await slash(stack, REQUESTER_ID, "frobnicate everything")
    assert nonsense.startswith("Unknown command 'frobnicate'.\n```Usage: /workflow <command>")
    helped = await slash(stack, REQUESTER_ID, "")
    assert helped.startswith("```Usage: /workflow <command>")


async def test_pause_and_resume_a_real_ticket_through_slack(desk: DeskStack) -> None:
    handle = await desk.start("unanswered")
    await assert_eventually(lambda: len(desk.desk.offers), lambda n: n == 1, what="first offer")
    refused = await slash(desk, REQUESTER_ID, f"pause {handle.id} incident")
    assert refused.startswith("Only operators (CHATOPS_OPERATORS) may cancel, pause or resume")

    answer = await slash(desk, OPERATOR_ID, f"pause {handle.id} incident in the export service")
    assert answer == f"{handle.id} paused."
    announced = await assert_eventually(lambda: general(desk), bool, what="the pause announced")
    assert announced == [f"<@{OPERATOR_ID}> paused `{handle.id}`: incident in the export service"]
    status = await assert_eventually(
        lambda: handle.query(TicketWorkflow.status), lambda s: s.paused, what="ticket paused"
    )
    assert status.step is TicketStep.AWAITING_ACCEPTANCE
    child = desk.child(handle, "medium")
    await assert_eventually(
        lambda: child.query(TriageWorkflow.status), lambda s: s.paused, what="child paused"
    )
    shown = await slash(desk, REQUESTER_ID, f"status {handle.id}")
    assert "Step: awaiting acceptance (paused) (from live)" in shown

    answer = await slash(desk, OPERATOR_ID, f"resume {handle.id} fixed")
    assert answer == f"{handle.id} resumed."
    await assert_eventually(
        lambda: handle.query(TicketWorkflow.status), lambda s: not s.paused, what="resumed"
    )
    await child.signal(TriageWorkflow.agent_responded, AgentAcceptance(agent_id="agent-cy"))
    result = await handle.result()
    assert result.step is TicketStep.RESOLVED and result.status.paused is False
    assert general(desk)[-1] == f"<@{OPERATOR_ID}> resumed `{handle.id}`: fixed"
