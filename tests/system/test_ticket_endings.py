"""Ticket endings beyond the main triage paths, on the time-skipping server: a ticket cancelled
in triage, a high-priority ticket an agent takes, a low-priority one nobody answers."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError
from temporalio.exceptions import CancelledError

from cli.tickets import example_ticket
from orchestration.models.approval import Verdict
from orchestration.models.ticket import AttemptOutcome, TicketStep
from orchestration.workflows.ticket import TicketWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, REQUESTER_ID
from tests.desk import DeskStack
from tests.helpers import assert_eventually, decide


async def test_cancelling_a_ticket_in_triage_cancels_its_triage_too(desk: DeskStack) -> None:
    handle = await desk.start("unanswered")  # offered to Cy, who never answers
    await assert_eventually(lambda: len(desk.desk.offers), lambda n: n == 1, what="first offer")
    await handle.cancel()
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    assert isinstance(failed.value.cause, CancelledError)
    child = await desk.child(handle, "medium").describe()
    assert child.status is WorkflowExecutionStatus.CANCELED
    assert desk.sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_high_priority_ticket_an_agent_takes_is_resolved(desk: DeskStack) -> None:
    handle = await desk.start("high")
    result = await handle.result()
    assert (result.step, result.status.assignee) == (TicketStep.RESOLVED, "agent-ana")
    assert result.status.resolution == "Ana resolved: Checkout down for EU customers"
    assert result.escalation is None


async def test_low_ticket_nobody_answers_escalates_and_rejection_keeps_it(desk: DeskStack) -> None:
    # No article matches, and the slow queue's agents never answer an offer.
    ticket = example_ticket("low", requested_by=REQUESTER_ID).model_copy(
        update={"subject": "Fonts look blurry", "description": "", "queue": "slow-queue"}
    )
    handle = await desk.start(ticket)
    status = await desk.advance_until(
        lambda: handle.query(TicketWorkflow.status),
        lambda s: s.step is TicketStep.AWAITING_ESCALATION,
    )
    assert [a.outcome for a in status.history] == [AttemptOutcome.TIMED_OUT] * 3
    assert status.knowledge_base_article is None
    await decide(handle, Verdict.REJECT, APPROVER_ID, reason="a font bug, not urgent")
    result = await handle.result()
    assert result.step is TicketStep.WITH_SUPPORT
    assert result.status.outcome_reason == "escalation rejected: a font bug, not urgent"
