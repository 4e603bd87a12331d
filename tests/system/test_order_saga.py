"""An order is a saga: cancelled mid-step it undoes what was done and ends as cancelled; once
decided it charges exactly what was approved; an amended order is validated again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError, CancelledError

from activities.cards import APPROVE_ACTION
from activities.orders import OrderServices
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalStatus
from orchestration.models.order import (
    DeliveryInput,
    DeliveryResult,
    EmailInput,
    EmailResult,
    Order,
    OrderAmendment,
    OrderItem,
    OrderResult,
    OrderStep,
    PaymentInput,
    PaymentResult,
)
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually, new_worker, order_input, unique
from tests.stack import Stack, approve_while_slack_is_slow, large_order


class HeldServices(OrderServices):
    """Order services whose payment or delivery waits until the test lets it finish, and
    whose confirmation e-mail can be made to fail for good."""

    def __init__(self, outbox: Path, hold: str = "", email_fails: bool = False) -> None:
        super().__init__(outbox)
        self.hold = hold
        self.email_fails = email_fails
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def _held(self, step: str) -> None:
        if step == self.hold:
            self.started.set()
            await self.release.wait()

    @activity.defn(name="process_payment")
    async def process_payment(self, payment: PaymentInput) -> PaymentResult:
        await self._held("payment")
        return await super().process_payment(payment)

    @activity.defn(name="arrange_delivery")
    async def arrange_delivery(self, delivery: DeliveryInput) -> DeliveryResult:
        await self._held("delivery")
        return await super().arrange_delivery(delivery)

    @activity.defn(name="send_confirmation_email")
    async def send_confirmation_email(self, email: EmailInput) -> EmailResult:
        if self.email_fails:
            raise ApplicationError("mail server refused", type="Mail", non_retryable=True)
        return await super().send_confirmation_email(email)


@asynccontextmanager
async def order_worker(stack: Stack, services: OrderServices) -> AsyncIterator[str]:
    """A worker with ``services`` on a fresh task queue; yields the queue."""
    queue = unique("saga")
    worker = new_worker(stack.client, queue, stack.sim.api_url, stack.outbox, services=services)
    async with worker:
        yield queue


async def start(
    stack: Stack, queue: str, order: Order
) -> WorkflowHandle[OrderWorkflow, OrderResult]:
    handle = await stack.client.start_workflow(
        OrderWorkflow.run,
        order_input(order, approvers=[APPROVER_ID, APPROVER2_ID]),
        id=order.workflow_id,
        task_queue=queue,
    )
    stack.started.append(handle)
    return handle


async def cancel_processed(handle: WorkflowHandle[Any, Any]) -> None:
    """Wait until the workflow has run a task after its cancellation was requested: from
    then on it has reacted to the cancellation (today: by waiting for the running step)."""

    async def reacted() -> bool:
        seen_cancel = False
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
                seen_cancel = True
            elif seen_cancel and event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                return True
        return False

    await assert_eventually(reacted, bool, what="the cancellation reaching the workflow")


async def cancel_during(stack: Stack, hold: str, order: Order) -> tuple[HeldServices, Any]:
    """Start ``order``, cancel it while its ``hold`` step runs, then let the step finish."""
    services = HeldServices(stack.outbox, hold=hold)
    async with order_worker(stack, services) as queue:
        handle = await start(stack, queue, order)
        await asyncio.wait_for(services.started.wait(), 20)
        await handle.cancel()
        await cancel_processed(handle)
        services.release.set()
        with pytest.raises(WorkflowFailureError) as failure:
            await asyncio.wait_for(handle.result(), 30)
        assert isinstance(failure.value.cause, CancelledError)
        status = await handle.query(OrderWorkflow.status)
    return services, status


def small(requested_by: str = REQUESTER_ID) -> Order:
    order = large_order()
    item = OrderItem(sku="BOOK-1", name="A book", quantity=1, unit_price=Decimal("20.00"))
    return order.model_copy(update={"order_id": unique("ORD"), "items": [item]})


async def test_cancelling_during_payment_refunds_and_ends_cancelled(stack: Stack) -> None:
    order = small()
    services, status = await cancel_during(stack, "payment", order)
    # The charge went through after the cancellation arrived; it was refunded, not leaked.
    assert services.charges == {}
    assert len(services.refunds) == 1
    assert status.step is OrderStep.CANCELLED
    assert status.compensations == ["refund payment"]


async def test_cancelling_during_delivery_calls_off_the_shipment(stack: Stack) -> None:
    order = small()
    services, status = await cancel_during(stack, "delivery", order)
    assert services.shipments == {}
    assert list(services.cancelled_shipments) == [order.order_id]
    assert services.charges == {} and services.reservations == {}
    assert status.compensations == ["cancel shipment", "release stock", "refund payment"]


async def test_a_cancelled_approved_order_says_so_on_its_card(stack: Stack) -> None:
    services = HeldServices(stack.outbox, hold="payment")
    order = large_order()
    async with order_worker(stack, services) as queue:
        handle = await start(stack, queue, order)
        card = await stack.card()
        await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        await asyncio.wait_for(services.started.wait(), 20)
        await handle.cancel()
        await cancel_processed(handle)
        services.release.set()
        with pytest.raises(WorkflowFailureError):
            await asyncio.wait_for(handle.result(), 30)
    final = await assert_eventually(stack.card, lambda m: "cancelled" in m["text"])
    assert "Order cancelled while charging payment; undone: refund payment." in final["text"]
    assert services.charges == {}


async def test_a_failed_confirmation_email_does_not_undo_a_shipped_order(stack: Stack) -> None:
    services = HeldServices(stack.outbox, email_fails=True)
    order = small()
    async with order_worker(stack, services) as queue:
        handle = await start(stack, queue, order)
        result = await asyncio.wait_for(handle.result(), 30)
        status = await handle.query(OrderWorkflow.status)
    assert result.step is OrderStep.COMPLETED
    assert status.email_error == "sending confirmation failed: mail server refused"
    assert status.compensations == []
    assert services.charges[order.order_id].amount == Decimal("20.00")
    assert order.order_id in services.shipments


async def test_an_amendment_after_the_decision_is_refused_and_the_approved_items_charged(
    stack: Stack,
) -> None:
    order = large_order()
    handle = await stack.start_order(order)
    await approve_while_slack_is_slow(stack, handle, await stack.card(), seconds=3)
    status = await handle.query(OrderWorkflow.status)
    assert status.step is OrderStep.AWAITING_APPROVAL
    costly = OrderItem(sku="GPU-9", name="GPU", quantity=400, unit_price=Decimal("2400.00"))
    await handle.signal(
        OrderWorkflow.amend, OrderAmendment(items=[costly], amended_by=REQUESTER_ID)
    )
    result = await asyncio.wait_for(handle.result(), 30)
    assert result.step is OrderStep.COMPLETED
    status = await handle.query(OrderWorkflow.status)
    (record,) = status.amendments
    assert not record.applied
    assert record.refusal == (
        "the order's approval request was already approved; amendments are taken only while "
        "it waits for a decision"
    )
    assert stack.services.charges[order.order_id].amount == order.total == Decimal("1899.97")


async def test_an_amended_order_is_validated_again(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    # Within what an order may hold, but above what the payment service takes.
    huge = OrderItem(sku="RACK-1", name="Server rack", quantity=500, unit_price=Decimal("9999.99"))
    await handle.signal(OrderWorkflow.amend, OrderAmendment(items=[huge], amended_by=REQUESTER_ID))
    result = await asyncio.wait_for(handle.result(), 30)
    assert result.step is OrderStep.FAILED
    assert result.message == (
        "Order failed: invalid order: order total 4999995.00 exceeds the 1000000 limit"
    )
    assert stack.services.charges == {}
    approval = await handle.query(ApprovableWorkflow.approval)
    assert approval is not None and approval.status is ApprovalStatus.SUPERSEDED
