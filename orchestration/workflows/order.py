"""OrderWorkflow: validate, approve when large, then pay, reserve, deliver, confirm, as a saga."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from enum import Enum

from temporalio import workflow
from temporalio.exceptions import ActivityError

from orchestration.approval import ApprovableWorkflow
from orchestration.failures import activity_failure_message
from orchestration.outcomes import Outcome, not_done, record_outcome
from orchestration.policy.check import POLICY_FILE_PATCH, check_policy
from orchestration.saga import Saga
from orchestration.workflows.order_amendments import amend_refusal, amended_order
from orchestration.workflows.order_request import order_approval_request
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
    from activities.orders import OrderServices
    from orchestration import search_attributes as sa
    from orchestration.models.approval import (
        ApprovalPolicy,
        ApprovalState,
        ApprovalStatus,
        Verdict,
    )
    from orchestration.models.order import (
        AmendmentRecord,
        DeliveryResult,
        OrderAmendment,
        OrderInput,
        OrderResult,
        OrderStatus,
        OrderStep,
    )
    from orchestration.policy.match import Effect, PolicyDecision, PolicyRequest

# An amended order is validated again, not only checked against the policy again.
REVALIDATE_PATCH = "revalidate-amended-orders"


class Round(Enum):
    """How one round of clearing an order ended, when it did not end the order."""

    AGAIN = "again"  # amended meanwhile: validate, check and ask again
    CLEARED = "cleared"  # the order may go ahead


__all__ = ["STATUS_MEMO_KEY", "OrderWorkflow", "money"]


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
            record_outcome(self._indexed, Outcome.CANCELLED)
            raise
        record_outcome(self._indexed, self._outcome(result))
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
        use_file = self._input.policy.use_policy_file and workflow.patched(POLICY_FILE_PATCH)
        while True:
            ended = await self._round(revalidate, use_file)
            if ended is not Round.AGAIN:
                break
        if isinstance(ended, OrderResult):
            return ended
        self._settled = True
        return await self._fulfil_and_report()

    async def _round(self, revalidate: bool, use_file: bool) -> OrderResult | Round:
        """Validate (again), check the policy, ask when it must: the failed or cancelled
        result, or whether the order is cleared or must go round again."""
        revision = self._revision(revalidate)
        if revalidate:
            failure = await self._validate()
            if failure is not None:
                return failure
        decision = await self._check_policy() if use_file else None
        if (revalidate or use_file) and self._revision(revalidate) != revision:
            return Round.AGAIN  # amended meanwhile: validate and check the new items instead
        approval = self._input.policy.approval
        if decision is not None:
            if decision.effect is Effect.DENY:
                return self._deny(decision)
            if decision.effect is Effect.REQUIRE_APPROVAL:
                approval = decision.approval_policy(approval)
        if not self._status.needs_approval:
            return Round.CLEARED
        return await self._ask(approval)

    async def _ask(self, approval: ApprovalPolicy) -> OrderResult | Round:
        """Ask for approval of the order as it is now."""
        self._set_step(OrderStep.AWAITING_APPROVAL)
        asked = self._order  # what the card shows, and so what an approval is for
        request = order_approval_request(self._input, asked, approval, self._status.policy)
        try:
            state = await self.gate.request(request)
        except ActivityError as err:
            return self._fail(f"approval card not posted: {activity_failure_message(err)}")
        if state.status is ApprovalStatus.SUPERSEDED:
            return Round.AGAIN  # amended while waiting: check again, and ask again on a new card
        if state.outcome is not Verdict.APPROVE:
            result = self._cancel(state)
            await self.gate.finish("Order cancelled.")
            return result
        if self._safe_steps:
            self._order = asked  # charge exactly what was approved
        return Round.CLEARED

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
        state = self.gate.state
        record.refusal = amend_refusal(self._status.step, state, self._settled)
        if record.refusal is not None:
            self._publish_status()
            return
        order = amended_order(self._order, amendment)
        if isinstance(order, str):
            record.refusal = order
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

    def _outcome(self, result: OrderResult) -> Outcome:
        """What the order's ending meant: a cancelled order was denied, refused or called off."""
        done = {OrderStep.COMPLETED: Outcome.COMPLETED, OrderStep.FAILED: Outcome.FAILED}
        return done.get(result.step) or not_done(
            self._status.policy, result.approval, Outcome.CANCELLED
        )

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
