"""OrderWorkflow: validate, approve when large, then pay, reserve, deliver, confirm, as a saga."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError

from orchestration.approval import ApprovableWorkflow, activity_failure_message
from orchestration.policy.check import POLICY_FILE_PATCH, check_policy
from orchestration.saga import Saga
from orchestration.workflows.order_steps import (
    COMPENSATION_RETRY,
    SAGA_PATCH,
    STATUS_MEMO_KEY,
    STEP_RETRY,
    STEP_TIMEOUT,
    OrderFailed,
    OrderSteps,
    money,
)

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.orders import OrderServices
    from orchestration import search_attributes as sa
    from orchestration.models.approval import (
        ApprovalPolicy,
        ApprovalRequest,
        ApprovalState,
        ApprovalStatus,
        CardField,
        ConfirmText,
        Verdict,
    )
    from orchestration.models.order import (
        AmendmentRecord,
        DeliveryResult,
        Order,
        OrderAmendment,
        OrderInput,
        OrderResult,
        OrderStatus,
        OrderStep,
    )
    from orchestration.policy.match import Effect, PolicyDecision, PolicyRequest

AMENDABLE_STEPS = (OrderStep.RECEIVED, OrderStep.VALIDATING, OrderStep.AWAITING_APPROVAL)
# An amended order is validated again, not only checked against the policy again.
REVALIDATE_PATCH = "revalidate-amended-orders"
# Amendments only while the request is undecided (the step says awaiting approval until the
# card is redrawn, which can take as long as Slack is slow).
AMEND_UNDECIDED_PATCH = "amend-only-undecided"
# Approval outcomes after which the order can no longer change.
DECIDED = (
    ApprovalStatus.APPROVED,
    ApprovalStatus.REJECTED,
    ApprovalStatus.EXPIRED,
    ApprovalStatus.CANCELLED,
)
__all__ = ["AMENDABLE_STEPS", "DECIDED", "STATUS_MEMO_KEY", "OrderWorkflow", "money"]


@workflow.defn
class OrderWorkflow(ApprovableWorkflow, OrderSteps):
    """One order, from validation to confirmation email, with a human gate above a threshold."""

    @workflow.init
    def __init__(self, input: OrderInput) -> None:
        super().__init__()
        order = input.order
        self._input = input
        self._order = order
        self._status = OrderStatus(
            order_id=order.order_id,
            total=order.total,
            currency=order.currency,
            needs_approval=order.total > input.policy.approval_threshold,
        )
        self._indexed = input.policy.approval.search_attributes
        self._saga = Saga(STEP_TIMEOUT, COMPENSATION_RETRY)
        # Whether this run compensates before each step (SAGA_PATCH); set when it starts.
        self._safe_steps = False
        # Set once the order is settled (allowed, approved, denied, failed): no more changes.
        self._settled = False

    @workflow.query
    def status(self) -> OrderStatus:
        """Where the order is now."""
        return self._status

    @workflow.run
    async def run(self, input: OrderInput) -> OrderResult:
        """Process the order; returns how it ended (completed, cancelled or failed)."""
        if self._indexed:
            workflow.upsert_search_attributes([sa.KIND.value_set("order")])
        try:
            result = await self._process()
        except asyncio.CancelledError:
            await self._cancelled()
            raise
        await self.gate.close()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return result

    async def _cancelled(self) -> None:
        """Cancelled: undo what was done (the running step has finished), and say so."""
        step = self._status.step.value.replace("_", " ")
        await self._compensate()
        self._set_step(OrderStep.CANCELLED)
        state = self.gate.state
        if state is not None and state.status is ApprovalStatus.APPROVED:
            note = "Order cancelled; any charge was refunded."
            if self._safe_steps:
                undone = ", ".join(self._status.compensations) or "nothing had been done yet"
                note = f"Order cancelled while {step}; undone: {undone}."
            await self.gate.finish(note)
        await self.gate.close()

    async def _process(self) -> OrderResult:
        self._safe_steps = workflow.patched(SAGA_PATCH)
        revalidate = workflow.patched(REVALIDATE_PATCH)
        if not revalidate:
            failure = await self._validate()
            if failure is not None:
                return failure
        approval = self._input.policy.approval
        use_file = self._input.policy.use_policy_file and workflow.patched(POLICY_FILE_PATCH)
        while True:
            revision = self._revision(revalidate)
            if revalidate:
                failure = await self._validate()
                if failure is not None:
                    return failure
            if use_file:
                decision = await self._check_policy()
            if (revalidate or use_file) and self._revision(revalidate) != revision:
                continue  # amended meanwhile: validate and check the new items instead
            if use_file:
                if decision.effect is Effect.DENY:
                    return self._deny(decision)
                if decision.effect is Effect.REQUIRE_APPROVAL:
                    approval = decision.approval_policy(self._input.policy.approval)
            if not self._status.needs_approval:
                break
            self._set_step(OrderStep.AWAITING_APPROVAL)
            asked = self._order  # what the card shows, and so what an approval is for
            try:
                state = await self.gate.request(self._approval_request(approval))
            except ActivityError as err:
                return self._fail(f"approval card not posted: {activity_failure_message(err)}")
            if state.status is ApprovalStatus.SUPERSEDED:
                continue  # amended while waiting: check again, and ask again on a new card
            if state.outcome is not Verdict.APPROVE:
                result = self._cancel(state)
                await self.gate.finish("Order cancelled.")
                return result
            if self._safe_steps:
                self._order = asked  # charge exactly what was approved
            break
        self._settled = True
        return await self._fulfil_and_report()

    def _revision(self, applied_only: bool) -> int:
        """How many amendments there were (runs before REVALIDATE_PATCH counted refused ones
        too, which only made them check once more)."""
        if applied_only:
            return sum(1 for a in self._status.amendments if a.applied)
        return len(self._status.amendments)

    async def _validate(self) -> OrderResult | None:
        """Business rules on the order as it is now; the failed result, or None."""
        self._set_step(OrderStep.VALIDATING)
        try:
            await workflow.execute_activity_method(
                OrderServices.validate_order,
                self._order,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=STEP_RETRY,
            )
        except ActivityError as err:
            return self._fail(f"invalid order: {activity_failure_message(err)}")
        return None

    async def _fulfil_and_report(self) -> OrderResult:
        try:
            delivery = await self._fulfil()
        except OrderFailed as failed:
            await self._compensate()
            result = self._fail(str(failed))
            await self.gate.finish(f"Order failed: {failed}. Payment refunded, stock released.")
            return result
        self._set_step(OrderStep.COMPLETED)
        note = f"Order completed: {delivery.carrier} tracking {delivery.tracking_number}."
        if self._status.email_error:
            note += f" The confirmation e-mail was not sent: {self._status.email_error}."
        await self.gate.finish(note)
        return self._result("Order processed successfully", delivery)

    @workflow.signal
    def amend(self, amendment: OrderAmendment) -> None:
        """New items while the order waits for approval: the card is superseded and the
        order is validated, checked and asked about again. Refused (and recorded) once the
        request is decided, and at any later step."""
        total = sum((item.subtotal for item in amendment.items), Decimal("0"))
        record = AmendmentRecord(
            at=workflow.now(),
            amended_by=amendment.amended_by,
            reason=amendment.reason,
            total=total,
            applied=False,
        )
        self._status.amendments.append(record)
        record.refusal = self._amend_refusal()
        if record.refusal is not None:
            self._publish_status()
            return
        try:
            order = Order.model_validate(
                {**self._order.model_dump(), "items": [i.model_dump() for i in amendment.items]}
            )
        except ValidationError as err:
            record.refusal = "; ".join(str(e["msg"]) for e in err.errors())
            self._publish_status()
            return
        record.applied = True
        self._order = order
        self._status.total = order.total
        if not self._input.policy.use_policy_file:
            self._status.needs_approval = order.total > self._input.policy.approval_threshold
        total_text = money(order.total, order.currency)
        self.gate.supersede(amendment.amended_by, f"The order is now {total_text}.")
        self._publish_status()

    def _amend_refusal(self) -> str | None:
        """Why the order cannot take an amendment now, or None."""
        step = self._status.step
        if step not in AMENDABLE_STEPS:
            return f"the order is {step.value.replace('_', ' ')}"
        state = self.gate.state
        decided = self._settled or (state is not None and state.status in DECIDED)
        if decided and workflow.patched(AMEND_UNDECIDED_PATCH):
            if state is not None and state.status in DECIDED:
                return (
                    f"the order's approval request was already {state.status.value}; "
                    "amendments are taken only while it waits for a decision"
                )
            return "the order has already been cleared to go ahead"
        return None

    async def _check_policy(self) -> PolicyDecision:
        decision = await check_policy(PolicyRequest(kind="order", amount=self._order.total))
        self._status.policy = decision
        self._status.needs_approval = decision.effect is Effect.REQUIRE_APPROVAL
        self._publish_status()
        return decision

    def _deny(self, decision: PolicyDecision) -> OrderResult:
        reason = f"denied by policy rule {decision.rule}: {decision.reason}"
        self._status.failure_reason = reason
        self._set_step(OrderStep.CANCELLED)
        return self._result(f"Order cancelled: {reason}", None)

    def _approval_request(self, approval: ApprovalPolicy) -> ApprovalRequest:
        order, policy = self._order, self._input.policy
        total = money(order.total, order.currency)
        address = order.shipping_address
        items = ", ".join(f"{i.quantity} x {i.name}" for i in order.items[:5])
        if len(order.items) > 5:
            items += f" and {len(order.items) - 5} more"
        confirm = None
        if order.total > policy.confirm_above:
            confirm = ConfirmText(
                title=f"Approve {total}?"[:100],
                text=f"Charge {order.customer.name} {total} for order {order.order_id}?"[:300],
            )
        return ApprovalRequest(
            kind="order",
            subject_id=order.order_id,
            title=f"Order {order.order_id} for {total}",
            fields=[
                CardField(
                    label="Customer", value=f"{order.customer.name} ({order.customer.email})"
                ),
                CardField(label="Amount", value=total),
                CardField(label="Items", value=items),
                CardField(label="Ship to", value=f"{address.city}, {address.country}"),
            ],
            requester=order.requested_by,
            requester_label=self._input.requester_label,
            expiry_effect="auto-cancels",
            confirm=confirm,
            policy=approval,
            policy_rule=self._status.policy.rule if self._status.policy else None,
            policy_version=self._status.policy.version if self._status.policy else None,
        )

    def _fail(self, reason: str) -> OrderResult:
        self._status.failure_reason = reason
        self._set_step(OrderStep.FAILED)
        workflow.logger.info("order failed: %s", reason)
        return self._result(f"Order failed: {reason}", None)

    def _cancel(self, state: ApprovalState) -> OrderResult:
        status = state.status
        reason = (
            "approval expired" if status is ApprovalStatus.EXPIRED else f"approval {status.value}"
        )
        if state.outcome is Verdict.REJECT and status is ApprovalStatus.EXPIRED:
            reason += "; the policy rejects on expiry"
        self._status.failure_reason = reason
        self._set_step(OrderStep.CANCELLED)
        return self._result(f"Order cancelled: {reason}", None)

    def _result(self, message: str, delivery: DeliveryResult | None) -> OrderResult:
        return OrderResult(
            order_id=self._status.order_id,
            step=self._status.step,
            message=message,
            transaction_id=self._status.transaction_id,
            reservation_id=self._status.reservation_id,
            delivery=delivery,
            approval=self.gate.state,
        )
