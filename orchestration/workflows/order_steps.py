"""The steps of an order after its decision: pay, reserve, deliver, confirm, as a saga.

A base of :class:`~orchestration.workflows.order.OrderWorkflow`, kept apart so that each file
holds one concern: here, how each step runs and how it is undone (see
:mod:`orchestration.saga`). Workflow code: deterministic, no I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from orchestration.failures import activity_failure_message
from orchestration.saga import Saga

with workflow.unsafe.imports_passed_through():
    from activities.orders import OrderServices
    from orchestration import search_attributes as sa
    from orchestration.models.order import (
        CancelDeliveryInput,
        DeliveryInput,
        DeliveryResult,
        EmailInput,
        Order,
        OrderStatus,
        OrderStep,
        PaymentInput,
        RefundInput,
        ReleaseInput,
        ReserveInput,
    )

STATUS_MEMO_KEY = "status"
# Each step's compensation registered before it runs; cancellation waits for the running step;
# the shipment is called off; a failed confirmation e-mail no longer fails a shipped order.
SAGA_PATCH = "compensate-before-each-step"
STEP_TIMEOUT = timedelta(seconds=30)
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=20),
    maximum_attempts=5,
)
# Compensations must eventually succeed: retry without limit, backing off to a minute.
COMPENSATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)


def money(amount: Decimal, currency: str) -> str:
    """``$1,899.97`` for USD, ``1,899.97 EUR`` otherwise."""
    text = f"{amount:,.2f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


class OrderFailed(Exception):
    """A step failed for good; carries the reason people will read."""


class OrderSteps:
    """Fulfilment of an order: the state it needs is set up by the workflow's ``__init__``."""

    _order: Order
    _status: OrderStatus
    _saga: Saga
    # Whether this run compensates before each step (SAGA_PATCH); set when it starts.
    _safe_steps: bool
    _indexed: bool

    async def _fulfil(self) -> DeliveryResult:
        """Payment, inventory, delivery, email, each with its compensation (see Saga)."""
        order = self._order
        await self._pay(order)
        await self._reserve(order)
        delivery = await self._deliver(order)
        self._set_step(OrderStep.SENDING_CONFIRMATION)
        await self._confirm(order, delivery)
        self._saga.forget()
        return delivery

    async def _pay(self, order: Order) -> None:
        self._set_step(OrderStep.CHARGING_PAYMENT)
        refund = RefundInput(order_id=order.order_id, amount=order.total)
        self._before(
            "refund payment", lambda: self._saga.undo(OrderServices.refund_payment, refund)
        )
        payment = await self._step(
            OrderServices.process_payment,
            PaymentInput(
                order_id=order.order_id,
                amount=order.total,
                currency=order.currency,
                customer_email=str(order.customer.email),
            ),
        )
        self._status.transaction_id = payment.transaction_id
        refund.transaction_id = payment.transaction_id
        self._after("refund payment", lambda: self._saga.undo(OrderServices.refund_payment, refund))

    async def _reserve(self, order: Order) -> None:
        self._set_step(OrderStep.RESERVING_INVENTORY)
        release = ReleaseInput(order_id=order.order_id)
        self._before(
            "release stock", lambda: self._saga.undo(OrderServices.release_inventory, release)
        )
        reservation = await self._step(
            OrderServices.reserve_inventory,
            ReserveInput(order_id=order.order_id, items=order.items),
        )
        self._status.reservation_id = release.reservation_id = reservation.reservation_id
        self._after(
            "release stock", lambda: self._saga.undo(OrderServices.release_inventory, release)
        )

    async def _deliver(self, order: Order) -> DeliveryResult:
        self._set_step(OrderStep.ARRANGING_DELIVERY)
        call_off = CancelDeliveryInput(order_id=order.order_id)
        self._before(
            "cancel shipment", lambda: self._saga.undo(OrderServices.cancel_delivery, call_off)
        )
        delivery: DeliveryResult = await self._step(
            OrderServices.arrange_delivery,
            DeliveryInput(
                order_id=order.order_id, address=order.shipping_address, items=order.items
            ),
        )
        self._status.tracking_number = delivery.tracking_number
        return delivery

    def _before(self, name: str, undo: Callable[[], Awaitable[object]]) -> None:
        """Register a step's compensation before it runs (runs patched with SAGA_PATCH)."""
        if self._safe_steps:
            self._saga.register(name, undo)

    def _after(self, name: str, undo: Callable[[], Awaitable[object]]) -> None:
        """Register a compensation once its step succeeded: how runs before SAGA_PATCH did."""
        if not self._safe_steps:
            self._saga.register(name, undo)

    async def _confirm(self, order: Order, delivery: DeliveryResult) -> None:
        """The confirmation e-mail; once paid and shipped, its failure is noted, not fatal."""
        total = money(order.total, order.currency)
        email = EmailInput(
            order_id=order.order_id,
            to=str(order.customer.email),
            subject=f"Order {order.order_id} confirmed",
            body=(
                f"Hello {order.customer.name},\n\nYour order {order.order_id} ({total}) is on "
                f"its way with {delivery.carrier}, tracking {delivery.tracking_number}, "
                f"expected {delivery.estimated_delivery.isoformat()}.\n"
            ),
        )
        try:
            await self._step(OrderServices.send_confirmation_email, email)
        except OrderFailed as failed:
            if not self._safe_steps:
                raise
            self._status.email_error = str(failed)
            self._publish_status()

    async def _step(self, method: Callable[..., Awaitable[object]], arg: object) -> Any:
        try:
            if self._safe_steps:
                return await self._saga.run_step(method, arg, STEP_RETRY)
            return await workflow.execute_activity_method(
                method, arg, start_to_close_timeout=STEP_TIMEOUT, retry_policy=STEP_RETRY
            )
        except ActivityError as err:
            step = self._status.step.value.replace("_", " ")
            raise OrderFailed(f"{step} failed: {activity_failure_message(err)}") from None

    async def _compensate(self) -> None:
        """Undo completed (and, with SAGA_PATCH, started) steps, newest first."""
        if not self._saga.pending:
            return
        self._set_step(OrderStep.COMPENSATING)
        await self._saga.compensate(self._status.compensations)

    def _set_step(self, step: OrderStep) -> None:
        self._status.step = step
        self._publish_status()
        if self._indexed:
            workflow.upsert_search_attributes([sa.STEP.value_set(step.value)])

    def _publish_status(self) -> None:
        workflow.upsert_memo({STATUS_MEMO_KEY: self._status.model_dump(mode="json")})
