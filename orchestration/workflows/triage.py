"""Triage child workflows, one per priority: knowledge base (low), then agents, with
reassignment on a deadline; they end resolved, or asking their parent to escalate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

from orchestration.failures import activity_failure_message

with workflow.unsafe.imports_passed_through():
    from activities.support import SupportDesk
    from orchestration.models.ticket import (
        AgentAcceptance,
        AssignmentAttempt,
        AttemptOutcome,
        FindAgentInput,
        KnowledgeBaseInput,
        OfferInput,
        PauseInput,
        ReleaseAgentInput,
        TicketStatus,
        TicketStep,
        TriageInput,
        TriageOutcome,
        TriageResult,
        WorkInput,
    )

PROGRESS_SIGNAL = "triage_progress"
STEP_TIMEOUT = timedelta(seconds=30)
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=20),
    maximum_attempts=5,
)
WORK_TIMEOUT = timedelta(hours=4)
WORK_HEARTBEAT = timedelta(seconds=10)
WORK_RETRY = RetryPolicy(initial_interval=timedelta(seconds=2), maximum_attempts=3)
RELEASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


class TriageWorkflow:
    """Shared behaviour; subclasses choose the knowledge base and the no-agent rule."""

    TRIES_KNOWLEDGE_BASE = False
    ESCALATES_WHEN_NO_AGENT = False

    def __init__(self, input: TriageInput) -> None:
        self._input = input
        self._status = TicketStatus(
            ticket_id=input.ticket.ticket_id, priority=input.ticket.priority
        )
        self._paused = False
        self._response: AgentAcceptance | None = None

    @workflow.signal
    def pause(self, request: PauseInput) -> None:
        """Hold before the next step."""
        self._paused = True
        self._status.paused = True

    @workflow.signal
    def resume(self, request: PauseInput) -> None:
        """Carry on."""
        self._paused = False
        self._status.paused = False

    @workflow.signal
    def agent_responded(self, response: AgentAcceptance) -> None:
        """A help-desk integration reporting an agent's answer to an offer."""
        self._response = response

    @workflow.query
    def status(self) -> TicketStatus:
        """Where triage is."""
        return self._status

    async def triage(self) -> TriageResult:
        """Knowledge base (if this priority tries it), then agents."""
        ticket = self._input.ticket
        if self.TRIES_KNOWLEDGE_BASE:
            await self._step(TicketStep.SEARCHING_KNOWLEDGE_BASE)
            try:
                article = await workflow.execute_activity_method(
                    SupportDesk.search_knowledge_base,
                    KnowledgeBaseInput(
                        ticket_id=ticket.ticket_id,
                        subject=ticket.subject,
                        description=ticket.description,
                    ),
                    start_to_close_timeout=STEP_TIMEOUT,
                    retry_policy=STEP_RETRY,
                )
            except ActivityError as err:
                workflow.logger.info("knowledge base: %s", activity_failure_message(err))
            else:
                self._status.knowledge_base_article = article.article_id
                return await self._done(f"Answered by {article.article_id}: {article.answer}")
        return await self._assign_and_work()

    async def _assign_and_work(self) -> TriageResult:
        ticket, policy = self._input.ticket, self._input.policy
        tried: list[str] = []
        for attempt in range(1, policy.max_assignment_attempts + 1):
            await self._step(TicketStep.FINDING_AGENT)
            found = await workflow.execute_activity_method(
                SupportDesk.find_available_agent,
                FindAgentInput(ticket_id=ticket.ticket_id, queue=ticket.queue, exclude=tried),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=STEP_RETRY,
            )
            agent = found.agent_id
            if agent is None:
                await self._record(attempt, None, AttemptOutcome.NO_AGENT_FREE)
                if self.ESCALATES_WHEN_NO_AGENT:
                    return await self._escalate(f"no agent free on the {ticket.queue} queue")
                if attempt < policy.max_assignment_attempts:
                    await workflow.sleep(policy.no_agent_retry_delay)
                continue
            tried.append(agent)
            if await self._offer(agent):
                await self._record(attempt, agent, AttemptOutcome.ACCEPTED)
                return await self._work(agent)
            await self._record(attempt, agent, AttemptOutcome.TIMED_OUT)
        return await self._escalate(
            f"no agent took it after {policy.max_assignment_attempts} attempts"
        )

    async def _offer(self, agent: str) -> bool:
        """Offer the ticket; wait for the agent until the acceptance deadline."""
        ticket = self._input.ticket
        await self._step(TicketStep.AWAITING_ACCEPTANCE)
        self._response = None
        offer = await workflow.execute_activity_method(
            SupportDesk.offer_ticket,
            OfferInput(
                ticket_id=ticket.ticket_id,
                workflow_id=workflow.info().workflow_id,
                agent_id=agent,
                subject=ticket.subject,
            ),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=STEP_RETRY,
        )
        if offer.accepted:
            return True

        def answered() -> bool:
            return self._response is not None and self._response.agent_id == agent

        try:
            await workflow.wait_condition(answered, timeout=self._input.policy.acceptance_timeout)
        except TimeoutError:
            return False
        return self._response is not None and self._response.accepted

    async def _work(self, agent: str) -> TriageResult:
        """The agent works the ticket; if that fails, their claim is released first."""
        ticket = self._input.ticket
        self._status.assignee = agent
        await self._step(TicketStep.AGENT_WORKING)
        try:
            work = await workflow.execute_activity_method(
                SupportDesk.work_ticket,
                WorkInput(ticket=ticket, agent_id=agent),
                start_to_close_timeout=WORK_TIMEOUT,
                heartbeat_timeout=WORK_HEARTBEAT,
                retry_policy=WORK_RETRY,
            )
        except ActivityError as err:
            await workflow.execute_activity_method(
                SupportDesk.release_agent,
                ReleaseAgentInput(ticket_id=ticket.ticket_id, agent_id=agent),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=RELEASE_RETRY,
            )
            self._status.assignee = None
            raise ApplicationError(
                f"agent work failed: {activity_failure_message(err)}",
                type="AgentWorkFailed",
                non_retryable=True,
            ) from None
        return await self._done(work.resolution)

    async def _record(self, attempt: int, agent: str | None, outcome: AttemptOutcome) -> None:
        self._status.attempts = attempt
        self._status.history.append(
            AssignmentAttempt(attempt=attempt, agent_id=agent, outcome=outcome, at=workflow.now())
        )
        await self._report()

    async def _step(self, step: TicketStep) -> None:
        """Wait while paused, then move to ``step`` and tell the parent."""
        await workflow.wait_condition(lambda: not self._paused)
        self._status.step = step
        await self._report()

    async def _report(self) -> None:
        parent = workflow.info().parent
        if parent is not None:
            handle = workflow.get_external_workflow_handle(parent.workflow_id)
            await handle.signal(PROGRESS_SIGNAL, self._status)

    async def _done(self, resolution: str) -> TriageResult:
        self._status.resolution = resolution
        await self._step(TicketStep.RESOLVED)
        return TriageResult(
            outcome=TriageOutcome.RESOLVED, resolution=resolution, status=self._status
        )

    async def _escalate(self, reason: str) -> TriageResult:
        self._status.escalation_reason = reason
        await self._report()
        return TriageResult(outcome=TriageOutcome.ESCALATE, reason=reason, status=self._status)


@workflow.defn
class LowPriorityTriageWorkflow(TriageWorkflow):
    """Low: the knowledge base first; when it has no answer, an agent."""

    TRIES_KNOWLEDGE_BASE = True

    @workflow.init
    def __init__(self, input: TriageInput) -> None:
        super().__init__(input)

    @workflow.run
    async def run(self, input: TriageInput) -> TriageResult:
        """Triage a low-priority ticket."""
        return await self.triage()


@workflow.defn
class MediumPriorityTriageWorkflow(TriageWorkflow):
    """Medium: an agent; with none free, wait and try again (bounded)."""

    @workflow.init
    def __init__(self, input: TriageInput) -> None:
        super().__init__(input)

    @workflow.run
    async def run(self, input: TriageInput) -> TriageResult:
        """Triage a medium-priority ticket."""
        return await self.triage()


@workflow.defn
class HighPriorityTriageWorkflow(TriageWorkflow):
    """High: an agent now; with none free, escalate at once."""

    ESCALATES_WHEN_NO_AGENT = True

    @workflow.init
    def __init__(self, input: TriageInput) -> None:
        super().__init__(input)

    @workflow.run
    async def run(self, input: TriageInput) -> TriageResult:
        """Triage a high-priority ticket."""
        return await self.triage()


TRIAGE_WORKFLOWS: dict[str, Any] = {
    "low": LowPriorityTriageWorkflow,
    "medium": MediumPriorityTriageWorkflow,
    "high": HighPriorityTriageWorkflow,
}
