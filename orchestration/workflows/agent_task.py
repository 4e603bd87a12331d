"""AgentTaskWorkflow: an AI agent's task, checked by the policy file, approved when it says so."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, CancelledError
from temporalio.workflow import ActivityCancellationType

from orchestration.approval import ApprovableWorkflow
from orchestration.failures import activity_failure_message
from orchestration.notes import NoteDelivery, post_notice, send_note
from orchestration.outcomes import Outcome, is_cancellation, record_outcome
from orchestration.policy.check import check_policy

with workflow.unsafe.imports_passed_through():
    from activities.agents import AgentRunner
    from activities.slack import SlackActivities
    from orchestration.models.agent import (
        AgentFeedbackInput,
        AgentTask,
        AgentTaskInput,
        AgentTaskOutcome,
        AgentTaskResult,
        RunAgentInput,
    )
    from orchestration.models.approval import (
        ApprovalRequest,
        ApprovalState,
        ApprovalStatus,
        CardField,
        ThreadReplyInput,
        Verdict,
    )
    from orchestration.policy.match import Effect, PolicyDecision
    from orchestration.request_names import agent_task_name
    from orchestration.slack_text import plain_message

RUN_TIMEOUT = timedelta(hours=1)
# Short, so a cancellation reaches the agent within seconds (heartbeats are throttled to 80%).
RUN_HEARTBEAT = timedelta(seconds=5)
RUN_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=3)
NOTE_TIMEOUT = timedelta(seconds=20)
NOTE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
NOTE_WINDOW = timedelta(minutes=10)
NOTE_DELIVERY = NoteDelivery(NOTE_TIMEOUT, NOTE_WINDOW, NOTE_RETRY)


@workflow.defn
class AgentTaskWorkflow(ApprovableWorkflow):
    """Policy check; deny, run, or ask a human first; the outcome goes to Slack."""

    @workflow.init
    def __init__(self, input: AgentTaskInput) -> None:
        super().__init__()
        self._input = input
        self._task = input.task
        self._decision: PolicyDecision | None = None

    @workflow.query
    def decision(self) -> PolicyDecision | None:
        """The policy decision (rule and policy version) this task got."""
        return self._decision

    @workflow.run
    async def run(self, input: AgentTaskInput) -> AgentTaskResult:
        """Check, maybe ask, run, report."""
        try:
            return await self._handle(input.task)
        except (asyncio.CancelledError, ActivityError) as err:
            if is_cancellation(err):
                record_outcome(self._input.approval.search_attributes, Outcome.CANCELLED)
            raise

    async def _handle(self, task: AgentTask) -> AgentTaskResult:
        decision = await check_policy(task.policy_request())
        self._decision = decision
        if decision.effect is Effect.DENY:
            await self._notice(f"Agent task {task.task_id} was denied by policy: {decision.reason}")
            return self._result(AgentTaskOutcome.DENIED, f"Denied: {decision.reason}")
        if decision.effect is Effect.REQUIRE_APPROVAL:
            request = self._approval_request(decision)
            state = await self.gate.request(request)
            while state.status is ApprovalStatus.SUPERSEDED and state.edited_by:
                # Approved with edits while others must approve too: ask again, for the edits.
                self._task = self._task.model_copy(update={"arguments": state.arguments or {}})
                request = self._approval_request(decision, carried=[state.edited_by])
                state = await self.gate.request(request)
            if state.outcome is not Verdict.APPROVE:
                result = await self._not_approved(state)
                await self.gate.close()
                return result
            if state.arguments is not None:
                # What the approvers approved is what runs (edits included).
                self._task = self._task.model_copy(update={"arguments": state.arguments})
        result = await self._run_agent()
        await self.gate.close()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return result

    @workflow.query
    def task(self) -> AgentTask:
        """The task as it runs (or will): arguments edited by an approver included."""
        return self._task

    async def _run_agent(self) -> AgentTaskResult:
        task = self._task
        try:
            outcome = await workflow.execute_activity_method(
                AgentRunner.run_agent_task,
                RunAgentInput(task=task),
                start_to_close_timeout=RUN_TIMEOUT,
                heartbeat_timeout=RUN_HEARTBEAT,
                retry_policy=RUN_RETRY,
                cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        except ActivityError as err:
            if isinstance(err.cause, CancelledError):
                # The workflow was cancelled and the agent has stopped: say so, then end as
                # cancelled (re-raising a cancellation marks the workflow cancelled).
                message = "Agent task cancelled while it ran; the agent stopped."
                await self._report(message)
                await self.gate.finish(message)
                raise
            message = f"Agent task failed: {activity_failure_message(err)}"
            await self._report(message)
            await self.gate.finish(message)
            return self._result(AgentTaskOutcome.FAILED, message)
        await self._report(f"Done: {outcome.summary}")
        await self.gate.finish("Agent task completed.")
        return self._result(AgentTaskOutcome.COMPLETED, outcome.summary)

    async def _not_approved(self, state: ApprovalState) -> AgentTaskResult:
        task = self._task
        if state.outcome is Verdict.REJECT:
            reason = state.reason
            if state.status is ApprovalStatus.EXPIRED:
                reason = "nobody approved in time, and the policy rejects on expiry"
            await workflow.execute_activity_method(
                AgentRunner.give_agent_feedback,
                AgentFeedbackInput(task=task, feedback=reason),
                start_to_close_timeout=NOTE_TIMEOUT,
                retry_policy=NOTE_RETRY,
            )
            message = f"Rejected: {reason}" if reason else "Rejected"
            await self._report(f"Not run. {message} (feedback handed to {task.agent}).")
            return self._result(AgentTaskOutcome.REJECTED, message)
        if state.status is ApprovalStatus.CANCELLED:
            await self._report("Not run: the request was cancelled.")
            return self._result(AgentTaskOutcome.CANCELLED, "Cancelled")
        await self._report("Not run: nobody approved in time.")
        return self._result(AgentTaskOutcome.EXPIRED, "Not approved in time")

    def _approval_request(
        self, decision: PolicyDecision, carried: list[str] | None = None
    ) -> ApprovalRequest:
        task, base = self._task, self._input.approval
        arguments = json.dumps(task.arguments, sort_keys=True)[:1500] or "{}"
        policy = decision.approval_policy(base)
        name = agent_task_name(task)
        return ApprovalRequest(
            kind="agent task",
            subject_id=task.task_id,
            title=name.title,
            question=name.question,
            fields=[
                CardField(label="Agent", value=task.agent),
                CardField(label="Tool / action", value=f"{task.tool}.{task.action}"),
                CardField(label="Target", value=task.target),
                CardField(label="Arguments", value=arguments),
                CardField(label="Input", value=task.input or "(none)"),
            ],
            requester=task.requested_by,
            requester_label=self._input.requester_label,
            policy=policy,
            arguments=dict(task.arguments),
            approvals=list(carried or []),
            policy_rule=decision.rule,
            policy_version=decision.version,
        )

    async def _report(self, text: str) -> None:
        """The result in the card's thread, or in the channel when there is no card. Plain
        text, escaped on the way: it quotes the agent's output, reasons and targets."""
        state = self.gate.state
        if state is not None and state.channel and state.message_ts:
            reply = ThreadReplyInput(
                channel=state.channel,
                thread_ts=state.message_ts,
                text=plain_message(text),
                context=f"Agent task {self._task.task_id}",
            )
            await send_note(
                SlackActivities.reply_in_thread,
                reply,
                NOTE_DELIVERY,
                "report",
                paced_in=self.gate.card_channel,
            )
        else:
            await self._notice(f"Agent task {self._task.task_id}: {text}")

    async def _notice(self, text: str) -> None:
        """A plain-text notice in the approvals channel."""
        await post_notice(self._input.approval.channel, text, NOTE_DELIVERY, "report")

    def _result(self, outcome: AgentTaskOutcome, message: str) -> AgentTaskResult:
        assert self._decision is not None
        record_outcome(self._input.approval.search_attributes, Outcome(outcome.value))
        return AgentTaskResult(
            task_id=self._task.task_id,
            outcome=outcome,
            message=message,
            decision=self._decision,
            approval=self.gate.state,
        )
