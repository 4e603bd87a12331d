"""A worker told to stop (SIGTERM in ``chatops worker``) stops polling, tells the activities it
runs, and waits for them: one that finishes in the grace period reports its result, so nothing
is done twice, and the next worker carries the workflow on from there."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio import activity
from temporalio.api.enums.v1 import EventType

from activities.orders import OrderServices
from cli.examples import example_order
from orchestration.models.order import OrderStep, PaymentInput, PaymentResult
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVER_ID, REQUESTER_ID
from tests.helpers import new_worker, order_input, unique
from tests.stack import Stack

WAIT = 30.0


class PaysWhileStopping(OrderServices):
    """Payment that finishes only once its worker is shutting down."""

    def __init__(self, outbox: Path) -> None:
        super().__init__(outbox)
        self.started = asyncio.Event()
        self.attempts = 0

    @activity.defn(name="process_payment")
    async def process_payment(self, payment: PaymentInput) -> PaymentResult:
        self.attempts += 1
        self.started.set()
        await activity.wait_for_worker_shutdown()
        return await super().process_payment(payment)


async def test_a_stopping_worker_finishes_its_activity_and_the_next_one_carries_on(
    stack: Stack,
) -> None:
    services = PaysWhileStopping(stack.outbox)
    queue = unique("stopping")
    order = example_order("small", requested_by=REQUESTER_ID)
    first = new_worker(stack.client, queue, stack.sim.api_url, stack.outbox, services=services)
    running = asyncio.ensure_future(first.run())
    handle = await stack.client.start_workflow(
        OrderWorkflow.run,
        order_input(order, approvers=[APPROVER_ID]),
        id=order.workflow_id,
        task_queue=queue,
    )
    stack.started.append(handle)
    await asyncio.wait_for(services.started.wait(), WAIT)

    await asyncio.wait_for(first.shutdown(), WAIT)
    await running

    history = await handle.fetch_history()
    completed = [
        e for e in history.events if e.event_type is EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
    ]
    assert len(completed) == 2  # validation, then the payment it finished while stopping
    assert list(services.charges) == [order.order_id]

    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox, services=services):
        result = await asyncio.wait_for(handle.result(), WAIT)
    assert result.step is OrderStep.COMPLETED
    assert (services.attempts, list(services.charges)) == (1, [order.order_id])
