"""How a workflow ended, in its ``ChatopsOutcome`` search attribute: what Temporal's UI can
show as a column and filter on, where the workflow's own status says only "Completed"."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle

from cli.tickets import example_ticket
from orchestration import search_attributes as sa
from orchestration.models.agent import AgentTaskOutcome
from orchestration.models.approval import Verdict
from orchestration.models.order import OrderStep
from orchestration.models.ticket import TicketInput, TicketPolicy, TicketStep
from orchestration.workflows.ticket import TicketWorkflow
from slacksim import APPROVER_ID, REQUESTER_ID
from tests.helpers import decide
from tests.stack import Stack, large_order
from tests.system.test_agent_tasks import start


async def outcome_of(handle: WorkflowHandle[Any, Any]) -> str | None:
    described = await handle.describe()
    return described.typed_search_attributes.get(sa.OUTCOME)


async def test_a_rejected_order_ends_completed_with_the_outcome_rejected(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    await decide(handle, Verdict.REJECT, APPROVER_ID, reason="not this month")
    result = await handle.result()
    assert result.step is OrderStep.CANCELLED
    assert await outcome_of(handle) == "rejected"


async def test_a_cancelled_order_has_the_outcome_cancelled(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    assert await outcome_of(handle) == "cancelled"


async def test_completed_and_denied_agent_tasks_say_so(stack: Stack) -> None:
    outcomes = {}
    for tool, action, text in (("search", "read", ""), ("sql", "run", "forbidden: x")):
        handle = await start(stack, tool=tool, action=action, target="docs", input=text)
        result = await handle.result()
        outcomes[result.outcome] = await outcome_of(handle)
    assert outcomes == {AgentTaskOutcome.COMPLETED: "completed", AgentTaskOutcome.DENIED: "denied"}


async def test_a_ticket_whose_escalation_is_rejected_has_the_outcome_rejected(
    stack: Stack,
) -> None:
    ticket = example_ticket("no-agents", requested_by=REQUESTER_ID)
    handle = await stack.client.start_workflow(
        TicketWorkflow.run,
        TicketInput(ticket=ticket, policy=TicketPolicy(use_policy_file=False)),
        id=ticket.workflow_id,
        task_queue=stack.task_queue,
    )
    stack.started.append(handle)
    await stack.card()
    await decide(handle, Verdict.REJECT, APPROVER_ID, reason="support has it")
    result = await handle.result()
    assert result.step is TicketStep.WITH_SUPPORT
    assert await outcome_of(handle) == "rejected"
