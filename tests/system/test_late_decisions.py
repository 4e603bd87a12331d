"""A decision is judged by the time it was made: one made before the deadline counts even if
the worker applies it later; one made after is refused, and the person is told when the
request expired, even while no worker has applied the expiry yet."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle

from activities.cards import APPROVE_ACTION
from orchestration.approval import MEMO_KEY
from orchestration.decisions import DecisionRefused, send_decision
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    AttemptResult,
    DecisionInput,
    DecisionSource,
    Verdict,
)
from orchestration.models.order import OrderResult, OrderStep
from orchestration.slack_text import mention
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID
from tests.helpers import assert_eventually, decide, new_worker, order_input, unique
from tests.stack import Stack, card_published, large_order

EXPIRES_IN = 3.0


async def waiting_order(stack: Stack, queue: str) -> WorkflowHandle[OrderWorkflow, OrderResult]:
    """An order whose card is posted, on ``queue``, expiring in a few seconds."""
    order = large_order().model_copy(update={"order_id": unique("ORD")})
    handle = await stack.client.start_workflow(
        OrderWorkflow.run,
        order_input(
            order,
            approvers=[APPROVER_ID, APPROVER2_ID],
            timeout=EXPIRES_IN,
            reminder_before=0,
        ),
        id=order.workflow_id,
        task_queue=queue,
    )
    stack.started.append(handle)
    await card_published(handle)
    return handle


async def published(handle: WorkflowHandle[Any, Any]) -> ApprovalState:
    raw = await (await handle.describe()).memo_value(MEMO_KEY, None)
    return ApprovalState.model_validate(raw)


async def card_of(stack: Stack, handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    state = await published(handle)
    assert state.channel == APPROVALS_CHANNEL_ID and state.message_ts
    return stack.sim.message(APPROVALS_CHANNEL_ID, state.message_ts)


async def past(moment: datetime) -> None:
    """Wait until the wall clock has passed ``moment``."""
    await assert_eventually(
        lambda: datetime.now(UTC) > moment, bool, within=EXPIRES_IN + 10, what=f"{moment}"
    )


async def test_decisions_are_judged_by_when_they_were_made(stack: Stack) -> None:
    queue = unique("late")
    worker = new_worker(stack.client, queue, stack.sim.api_url, stack.outbox)
    async with worker:
        on_time = await waiting_order(stack, queue)
        late = await waiting_order(stack, queue)
    # No worker runs now: nothing applies decisions or expiries until one returns.

    # Clicked in time: the bot sends it; it is applied only after the deadline.
    card = await card_of(stack, on_time)
    clicked = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert clicked.status == 200

    deadline = (await published(late)).deadline
    await past(deadline + timedelta(seconds=0.5))
    # Clicked too late: the card still has its buttons, but the bot refuses at once.
    card = await card_of(stack, late)
    clicked = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert clicked.status == 200
    told = await assert_eventually(
        lambda: stack.sim.ephemerals(APPROVER_ID), lambda e: any("expired" in m["text"] for m in e)
    )
    expected = f"This request expired at {deadline.strftime('%H:%M UTC')}; your decision came at "
    assert any(m["text"].startswith(expected) for m in told), told
    # A sender that skips the bot's check (a script, an older bot) is refused by the workflow.
    await decide(
        late,
        Verdict.APPROVE,
        APPROVER2_ID,
        source=DecisionSource.SLACK,
        click_key="script:1",
        decided_at=datetime.now(UTC),
    )

    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox):
        first = await asyncio.wait_for(on_time.result(), 30)
        second = await asyncio.wait_for(late.result(), 30)
    assert first.step is OrderStep.COMPLETED
    assert first.approval is not None and first.approval.decided_by == APPROVER_ID
    assert second.step is OrderStep.CANCELLED
    assert second.approval is not None
    assert second.approval.status is ApprovalStatus.EXPIRED
    (attempt,) = second.approval.attempts
    assert attempt.result is AttemptResult.REFUSED and attempt.user_id == APPROVER2_ID
    assert attempt.refusal is not None and attempt.refusal.startswith(
        f"This request expired at {deadline.strftime('%H:%M UTC')}"
    )


def late_approval(click_key: str) -> DecisionInput:
    """A second approver's click, made now."""
    return DecisionInput(
        verdict=Verdict.APPROVE,
        user_id=APPROVER2_ID,
        source=DecisionSource.SLACK,
        click_key=click_key,
        decided_at=datetime.now(UTC),
    )


async def test_a_decision_reaching_an_ended_workflow_is_told_what_became_of_the_request(
    stack: Stack,
) -> None:
    """The bot's check passed while the request waited, then the workflow ended before the
    signal arrived: the answer says who decided, and names the request."""
    queue = unique("ended")
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox):
        handle = await waiting_order(stack, queue)
        await decide(handle, Verdict.REJECT, APPROVER_ID, reason="too much")
        result = await asyncio.wait_for(handle.result(), 30)
    assert result.approval is not None and result.approval.status is ApprovalStatus.REJECTED
    late = late_approval("late:1")
    with pytest.raises(DecisionRefused) as refused:
        await send_decision(stack.client, handle.id, late)
    assert str(refused.value).startswith(f"Already rejected by {mention(APPROVER_ID)} at ")
    assert refused.value.title == result.approval.title


async def test_a_decision_reaching_a_workflow_that_ended_undecided_says_so(stack: Stack) -> None:
    queue = unique("ended")
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox):
        handle = await waiting_order(stack, queue)
        await handle.terminate("gone")
    late = late_approval("late:2")
    with pytest.raises(DecisionRefused) as refused:
        await send_decision(stack.client, handle.id, late)
    assert str(refused.value) == f"{handle.id} has terminated; nothing can be decided any more."
