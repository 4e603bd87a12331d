"""The approval gate: one mechanism for every request that waits on a human in Slack.

A workflow inherits :class:`ApprovableWorkflow`, which gives it the ``decide`` signal and the
``approval`` query, and calls ``await self.gate.request(...)`` where a human must decide.
The gate posts the card, reminds before the deadline, enforces who may decide (first valid
decision wins; duplicates, late clicks, outsiders and self-approval change nothing), records
every attempt, keeps memo and search attributes current for ``describe()``, and redraws the
card on every terminal outcome.

Workflow code: deterministic, no I/O; all Slack calls are activities. The decisions' state
machine is :mod:`orchestration.approval_state`; the card and notes,
:mod:`orchestration.approval_card`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

from orchestration.approval_card import SLACK_CALL_TIMEOUT, SLACK_RETRY
from orchestration.approval_copies import GateCopies
from orchestration.failures import activity_failure_message
from orchestration.metrics import record_request_ended

with workflow.unsafe.imports_passed_through():
    from activities.slack import SlackActivities
    from orchestration.approval_index import approval_updates
    from orchestration.models.approval import (
        ApprovalMark,
        ApprovalRequest,
        ApprovalState,
        ApprovalStatus,
        DecisionInput,
        ResolveApproversInput,
    )
    from orchestration.models.routing import EscalationStep
    from orchestration.wording import escalation_text as build_escalation_text
    from orchestration.wording import reminder_text as build_reminder_text

MEMO_KEY = "approval"
PUBLISH_RESOLVED_PATCH = "publish-resolved-approvers"
# Fewer workflow tasks and history events per decision: the card is redrawn by a local
# activity in the task that applied the decision, and memo and search attributes are upserted
# only when they changed (a redraw used to publish the same state again).
LEAN_GATE_PATCH = "lean-gate"


class ApprovalGate(GateCopies):
    """One workflow's approval requests (one at a time): ask, wait, remind, escalate."""

    async def request(self, request: ApprovalRequest) -> ApprovalState:
        """Post a card and wait for a decision or the deadline; returns the terminal state.

        Raises:
            ActivityError: the card could not be posted at all (for example an unknown
                channel); nobody could decide, so the caller should fail the request.
        """
        policy = request.policy
        self._lean = workflow.patched(LEAN_GATE_PATCH)
        self.state = state = self._open(request)
        self._publish()
        if any(a.startswith("S") for a in policy.approvers):
            state.approvers = await self._resolve(policy.approvers, policy.timeout)
            if workflow.patched(PUBLISH_RESOLVED_PATCH):
                # Before the card shows: the bot checks clickers against the published state.
                self._publish()
        try:
            await self._post_card(policy.timeout)
            self._publish()
            if policy.notify_dm:
                await self._send_direct_copies(state.approvers)
                self._publish()
            await self._wait_for_decision()
        except asyncio.CancelledError:
            if not state.status.is_terminal:
                state.status = ApprovalStatus.CANCELLED
                state.decided_at = workflow.now()
                self._publish()
            record_request_ended(state)
            await self.redraw()
            raise
        record_request_ended(state)
        await self.redraw()
        return state

    def _open(self, request: ApprovalRequest) -> ApprovalState:
        """A new request's state, pending until its deadline."""
        policy = request.policy
        now = workflow.now()
        self._count += 1
        self._request = request
        return ApprovalState(
            request_id=str(self._count),
            kind=request.kind,
            subject_id=request.subject_id,
            title=request.title,
            question=request.question,
            requester=request.requester,
            approvers=list(policy.approvers),
            approvals_required=policy.approvals_required,
            approvals=list(request.approvals),
            # Carried over from an "Approve with edits", which only Slack offers.
            approval_marks=[ApprovalMark(user_id=a) for a in request.approvals],
            requested_at=now,
            deadline=now + policy.timeout,
            on_expiry=policy.on_expiry,
            arguments=request.arguments,
            policy_rule=request.policy_rule,
            policy_version=request.policy_version,
        )

    async def _resolve(self, ids: list[str], within: timedelta) -> list[str]:
        """User ids for configured approvers, user groups expanded."""
        resolved = await workflow.execute_activity_method(
            SlackActivities.resolve_approvers,
            ResolveApproversInput(ids=list(ids)),
            start_to_close_timeout=SLACK_CALL_TIMEOUT,
            schedule_to_close_timeout=within,
            retry_policy=SLACK_RETRY,
        )
        return resolved.user_ids

    async def _wait_for_decision(self) -> None:
        state = self.state
        assert state is not None and self._request is not None
        policy = self._request.policy

        # Reminder and escalation steps, in time order; then the deadline.
        steps: list[tuple[datetime, Callable[[], Awaitable[None]]]] = []
        if timedelta(0) < policy.reminder_before < policy.timeout:
            steps.append((state.deadline - policy.reminder_before, self._remind))
        for number, step in enumerate(policy.ladder, start=1):
            if step.approvers and timedelta(0) < step.after < policy.timeout:
                steps.append((state.requested_at + step.after, self._escalation(number, step)))
        steps.sort(key=lambda step: step[0])
        for at, act in steps:
            if await self._wait_redrawing(at):
                return
            await act()
        if await self._wait_redrawing(state.deadline):
            return
        state.status = ApprovalStatus.EXPIRED
        state.decided_at = workflow.now()
        self._publish()

    async def _remind(self) -> None:
        state = self.state
        assert state is not None
        state.reminded_at = workflow.now()
        self._thread_note(build_reminder_text(state))

    def _escalation(self, number: int, step: EscalationStep) -> Callable[[], Awaitable[None]]:
        async def escalate() -> None:
            await self._escalate(number, step)

        return escalate

    async def _escalate(self, number: int, step: EscalationStep) -> None:
        """Let one step's people decide too, and tell them: in the card's thread, and with a
        copy of the card in the step's channel and their direct messages when the policy
        says so."""
        state, request = self.state, self._request
        assert state is not None and request is not None
        added = step.approvers
        if any(a.startswith("S") for a in added):
            try:
                added = await self._resolve(added, state.deadline - workflow.now())
            except ActivityError as err:
                message = activity_failure_message(err)
                workflow.logger.warning("escalation group not resolved: %s", message)
                return
        if state.status.is_terminal:
            return
        state.escalated_at = workflow.now()
        state.escalated_to += [a for a in added if a not in state.escalated_to]
        state.approvers += [a for a in added if a not in state.approvers]
        self._publish()
        note = build_escalation_text(state, list(added))
        self._thread_note(note)
        await self.redraw()
        if step.channel:
            await self._send_channel_copy(number, step.channel, note)
        if request.policy.notify_dm:
            await self._send_direct_copies(list(added))
        if step.channel or request.policy.notify_dm:
            self._publish()

    async def _wait_redrawing(self, until: datetime) -> bool:
        """Wait for a decision until ``until``, redrawing the card as approvals come in
        (quorum progress); True once the request is decided."""
        state = self.state
        assert state is not None
        while await self._wait(lambda: state.status.is_terminal or self._progress, until):
            if state.status.is_terminal:
                return True
            self._progress = False
            await self.redraw()
        return False

    @staticmethod
    async def _wait(condition: Callable[[], bool], until: datetime) -> bool:
        """Wait for ``condition`` until the moment ``until``; True if it became true."""
        remaining = until - workflow.now()
        if condition():
            return True
        if remaining <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(condition, timeout=remaining)
        except TimeoutError:
            return bool(condition())
        return True

    def _publish(self) -> None:
        """Mirror the state into memo and search attributes, for ``describe()`` and lists."""
        state = self.state
        if state is None:
            return
        memo = state.model_dump(mode="json", exclude={"attempts"})
        updates: list[SearchAttributeUpdate[Any]] = []
        if self._request is not None and self._request.policy.search_attributes:
            updates = approval_updates(state)
        values = [(update.key.name, update.value) for update in updates]
        last_memo, last_values = self._published or (None, None)
        if not (self._lean and memo == last_memo):
            workflow.upsert_memo({MEMO_KEY: memo})
        if updates and not (self._lean and values == last_values):
            workflow.upsert_search_attributes(updates)
        self._published = (memo, values)


class ApprovableWorkflow:
    """Base of workflows with an approval gate: the ``decide`` signal, the ``approval`` query."""

    def __init__(self) -> None:
        self.gate = ApprovalGate()

    @workflow.signal
    def decide(self, decision: DecisionInput) -> None:
        """A decision from a card click or the command line."""
        self.gate.on_decision(decision)

    @workflow.query
    def approval(self) -> ApprovalState | None:
        """The current (or last) approval request, with every attempt."""
        return self.gate.state
