"""TicketWorkflow: triage in a child per priority; escalation to engineering through the
approval gate, also when the child fails (not when the ticket itself was cancelled)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ChildWorkflowError

from orchestration.approval import ApprovableWorkflow
from orchestration.failures import activity_failure_message
from orchestration.notes import NoteDelivery, post_mrkdwn_notice
from orchestration.outcomes import Outcome, not_done, record_outcome
from orchestration.policy.check import POLICY_FILE_PATCH, check_policy
from orchestration.workflows.triage import PROGRESS_SIGNAL, TRIAGE_WORKFLOWS, TriageWorkflow

with workflow.unsafe.imports_passed_through():
    from orchestration import search_attributes as sa
    from orchestration.models.approval import (
        ApprovalPolicy,
        ApprovalRequest,
        ApprovalStatus,
        CardField,
        Verdict,
    )
    from orchestration.models.ticket import (
        PauseInput,
        TicketInput,
        TicketResult,
        TicketStatus,
        TicketStep,
        TriageInput,
        TriageOutcome,
        TriageResult,
    )
    from orchestration.policy.match import Effect, PolicyRequest
    from orchestration.request_names import escalation_name
    from orchestration.slack_text import escape, mention
    from orchestration.wording import format_datetime

STATUS_MEMO_KEY = "status"
NOTICE_TIMEOUT = timedelta(seconds=20)
NOTICE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
NOTICE_WINDOW = timedelta(minutes=30)
NOTICE_DELIVERY = NoteDelivery(NOTICE_TIMEOUT, NOTICE_WINDOW, NOTICE_RETRY)
# A ticket cancelled during triage ends cancelled; before this patch it was escalated.
CANCELLED_IN_TRIAGE_PATCH = "ticket-cancelled-in-triage"
# What the child reports that the parent takes over (paused is the parent's own).
CHILD_FIELDS = ("step", "assignee", "attempts", "history", "knowledge_base_article", "resolution")


@workflow.defn
class TicketWorkflow(ApprovableWorkflow):
    """One support ticket: triage by priority, and escalation decided by a human."""

    @workflow.init
    def __init__(self, input: TicketInput) -> None:
        super().__init__()
        self._input = input
        ticket = input.ticket
        self._status = TicketStatus(ticket_id=ticket.ticket_id, priority=ticket.priority)
        self._indexed = input.policy.search_attributes
        self._paused = False
        self._child: workflow.ChildWorkflowHandle[Any, TriageResult] | None = None

    @workflow.query
    def status(self) -> TicketStatus:
        """Current step, assignee, attempts and the assignment history."""
        return self._status

    @workflow.signal
    async def pause(self, request: PauseInput) -> None:
        """Hold the ticket (and its triage) before the next step."""
        self._paused = True
        self._status.paused = True
        self._publish()
        if self._child is not None:
            await self._child.signal(TriageWorkflow.pause, request)

    @workflow.signal
    async def resume(self, request: PauseInput) -> None:
        """Let the ticket move again."""
        self._paused = False
        self._status.paused = False
        self._publish()
        if self._child is not None:
            await self._child.signal(TriageWorkflow.resume, request)

    @workflow.signal(name=PROGRESS_SIGNAL)
    def triage_progress(self, reported: TicketStatus) -> None:
        """The triage child's progress, so this workflow's status tells it all."""
        for name in CHILD_FIELDS:
            setattr(self._status, name, getattr(reported, name))
        self._publish()

    @workflow.run
    async def run(self, input: TicketInput) -> TicketResult:
        """Triage, then resolve or escalate."""
        if self._indexed:
            workflow.upsert_search_attributes([sa.KIND.value_set("ticket")])
        self._publish()
        try:
            result = await self._handle()
        except asyncio.CancelledError:
            record_outcome(self._indexed, Outcome.CANCELLED)
            raise
        record_outcome(self._indexed, self._outcome(result))
        await self.gate.close()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return result

    async def _handle(self) -> TicketResult:
        """Triage; escalate when triage asks for it."""
        await workflow.wait_condition(lambda: not self._paused)
        reason = await self._triage()
        if reason is None:
            return self._result("Resolved by support")
        return await self._escalate(reason)

    def _outcome(self, result: TicketResult) -> Outcome:
        """What the ticket's ending meant: resolved, escalated, or why it stays with support."""
        done = {TicketStep.RESOLVED: Outcome.RESOLVED, TicketStep.ESCALATED: Outcome.ESCALATED}
        return done.get(result.step) or not_done(
            self._status.policy, self.gate.state, Outcome.WITH_SUPPORT
        )

    async def _triage(self) -> str | None:
        """Run the priority's child; None when resolved, else why to escalate."""
        ticket = self._input.ticket
        child_class = TRIAGE_WORKFLOWS[ticket.priority.value]
        info = workflow.info()
        try:
            self._child = await workflow.start_child_workflow(
                child_class.run,
                TriageInput(ticket=ticket, policy=self._input.policy),
                id=f"{info.workflow_id}-{ticket.priority.value}",
                task_queue=info.task_queue,
            )
            outcome: TriageResult = await self._child
        except ChildWorkflowError as err:
            if workflow.cancellation_reason() is not None and workflow.patched(
                CANCELLED_IN_TRIAGE_PATCH
            ):
                # The ticket's own cancellation reached its child: nothing to escalate.
                raise asyncio.CancelledError("the ticket was cancelled") from err
            # A failed child is an escalation, never a failed ticket.
            return f"triage failed: {activity_failure_message(err)}"
        finally:
            self._child = None
        self._status.resolution = outcome.resolution
        if outcome.outcome is TriageOutcome.RESOLVED:
            self._set_step(TicketStep.RESOLVED)
            return None
        return outcome.reason or "triage asked for escalation"

    async def _escalate(self, reason: str) -> TicketResult:
        self._status.escalation_reason = reason
        await workflow.wait_condition(lambda: not self._paused)
        self._set_step(TicketStep.AWAITING_ESCALATION)
        approval = self._input.policy.escalation
        if self._input.policy.use_policy_file and workflow.patched(POLICY_FILE_PATCH):
            ticket = self._input.ticket
            decision = await check_policy(
                PolicyRequest(kind="ticket", priority=ticket.priority.value)
            )
            self._status.policy = decision
            self._publish()
            if decision.effect is Effect.DENY:
                return self._stay_with_support(f"escalation denied by policy: {decision.reason}")
            if decision.effect is Effect.ALLOW:
                return await self._escalated(reason, escape(f"policy rule {decision.rule}"))
            approval = decision.approval_policy(approval)
        state = await self.gate.request(self._escalation_request(reason, approval))
        if state.outcome is Verdict.APPROVE:
            return await self._escalated(reason, mention(state.decided_by, "the policy on expiry"))
        why = (
            "escalation expired"
            if state.status is ApprovalStatus.EXPIRED
            else (
                f"escalation {state.status.value}" + (f": {state.reason}" if state.reason else "")
            )
        )
        result = self._stay_with_support(why)
        await self.gate.finish("Stays with support.")
        return result

    async def _escalated(self, reason: str, approver: str) -> TicketResult:
        await self._notify_engineering(reason, approver)
        self._set_step(TicketStep.ESCALATED)
        await self.gate.finish(
            f"Escalated to engineering (#{self._input.policy.engineering_channel} notified)."
        )
        return self._result(f"Escalated to engineering: {reason}")

    def _stay_with_support(self, why: str) -> TicketResult:
        self._status.outcome_reason = why
        self._set_step(TicketStep.WITH_SUPPORT)
        return self._result(f"Stays with support ({why})")

    async def _notify_engineering(self, reason: str, approver: str) -> None:
        """Tell engineering; ``approver`` is mrkdwn (a mention, or escaped text)."""
        ticket, policy = self._input.ticket, self._input.policy
        about = escape(
            f"{ticket.ticket_id} ({ticket.priority.value}: {ticket.subject}) for "
            f"{ticket.customer.name}. Why: {reason}."
        )
        text = f"Escalated from support: {about} Approved by {approver}."
        failure = await post_mrkdwn_notice(policy.engineering_channel, text, NOTICE_DELIVERY)
        if failure is not None:
            self._status.outcome_reason = f"engineering not notified: {failure}"

    def _escalation_request(self, reason: str, approval: ApprovalPolicy) -> ApprovalRequest:
        ticket = self._input.ticket
        opened = ticket.opened_at or workflow.info().start_time
        customer = f"{ticket.customer.name} ({ticket.customer.email})"
        name = escalation_name(ticket)
        return ApprovalRequest(
            kind="ticket",
            subject_id=ticket.ticket_id,
            title=name.title,
            question=name.question,
            fields=[
                CardField(label="Subject", value=ticket.subject),
                CardField(label="Priority", value=ticket.priority.value),
                CardField(label="Customer", value=customer),
                CardField(label="Opened", value=format_datetime(opened), at=opened),
                CardField(label="Assigned to", value=self._status.assignee or "nobody"),
                CardField(label="Why escalated", value=reason),
            ],
            requester=ticket.requested_by,
            requester_label=self._input.requester_label,
            policy=approval,
            policy_rule=self._status.policy.rule if self._status.policy else None,
            policy_version=self._status.policy.version if self._status.policy else None,
        )

    def _set_step(self, step: TicketStep) -> None:
        self._status.step = step
        self._publish()

    def _publish(self) -> None:
        workflow.upsert_memo({STATUS_MEMO_KEY: self._status.model_dump(mode="json")})
        if self._indexed:
            workflow.upsert_search_attributes([sa.STEP.value_set(self._status.step.value)])

    def _result(self, message: str) -> TicketResult:
        return TicketResult(
            ticket_id=self._input.ticket.ticket_id,
            step=self._status.step,
            message=message,
            status=self._status,
            escalation=self.gate.state,
        )
