"""The approval gate: one mechanism for every request that waits on a human in Slack.

A workflow inherits :class:`ApprovableWorkflow`, which gives it the ``decide`` signal and the
``approval`` query, and calls ``await self.gate.request(...)`` where a human must decide.
The gate posts the card, reminds before the deadline, enforces who may decide (first valid
decision wins; duplicates, late clicks, outsiders and self-approval change nothing), records
every attempt, keeps memo and search attributes current for ``describe()``, and redraws the
card on every terminal outcome.

Workflow code: deterministic, no I/O; all Slack calls are activities.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from activities.slack import SlackActivities
    from orchestration import search_attributes as sa
    from orchestration.approval_rules import refusal_for
    from orchestration.models.approval import (
        ApprovalMark,
        ApprovalRequest,
        ApprovalState,
        ApprovalStatus,
        AttemptResult,
        CardInput,
        DecisionAttempt,
        DecisionInput,
        DecisionSource,
        EphemeralInput,
        ResolveApproversInput,
        ThreadReplyInput,
        Verdict,
    )
    from orchestration.wording import escalation_text as build_escalation_text
    from orchestration.wording import reminder_text as build_reminder_text

MEMO_KEY = "approval"
PUBLISH_RESOLVED_PATCH = "publish-resolved-approvers"
# Decisions that do not say when they were made are judged at the moment they are applied.
JUDGE_BY_TIME_PATCH = "judge-decisions-by-their-time"
SLACK_CALL_TIMEOUT = timedelta(seconds=20)
SLACK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
# A card update or reminder that still fails after this long is given up (and recorded);
# the order itself must not fail because Slack was down.
CARD_UPDATE_WINDOW = timedelta(minutes=30)
NOTE_WINDOW = timedelta(minutes=2)
MAX_ATTEMPTS_KEPT = 200


def activity_failure_message(err: BaseException) -> str:
    """The innermost message of an activity failure, for people to read."""
    cause: BaseException | None = err
    while isinstance(cause, ActivityError | ChildWorkflowError) and cause.cause is not None:
        cause = cause.cause
    if isinstance(cause, ApplicationError):
        return cause.message
    return str(cause or err)


class ApprovalGate:
    """State and behaviour of one workflow's approval requests (one at a time)."""

    def __init__(self) -> None:
        self.state: ApprovalState | None = None
        self._request: ApprovalRequest | None = None
        self._seen_clicks: set[str] = set()
        self._notes: list[asyncio.Task[None]] = []
        self._count = 0
        self._progress = False

    # -- decisions -----------------------------------------------------------------------

    def on_decision(self, decision: DecisionInput) -> None:
        """Apply or refuse one decision attempt. Synchronous, so attempts apply in order."""
        state = self.state
        if decision.click_key in self._seen_clicks:
            self._record(decision, AttemptResult.DUPLICATE, None)
            return
        self._seen_clicks.add(decision.click_key)
        decision = self._judged(decision)
        refusal = refusal_for(state, decision)
        if refusal is not None:
            self._record(decision, AttemptResult.REFUSED, refusal)
            if state is not None and decision.source is DecisionSource.SLACK and state.channel:
                self._note(
                    EphemeralInput(channel=state.channel, user=decision.user_id, text=refusal)
                )
            return
        assert state is not None  # _refusal refuses when there is no request
        if (
            decision.verdict is Verdict.APPROVE
            and decision.arguments is not None
            and decision.arguments != state.arguments
        ):
            self._apply_edits(decision)
            return
        if decision.verdict is Verdict.APPROVE:
            self._count_approval(decision)
            if len(state.approvals) < state.approvals_required:
                # Quorum not reached yet: record it; the gate redraws the card's progress.
                self._record(decision, AttemptResult.APPLIED, None)
                self._progress = True
                self._publish()
                return
        state.status = (
            ApprovalStatus.APPROVED
            if decision.verdict is Verdict.APPROVE
            else ApprovalStatus.REJECTED
        )
        self._decided(decision)
        self._record(decision, AttemptResult.APPLIED, None)
        self._publish()

    @staticmethod
    def _judged(decision: DecisionInput) -> DecisionInput:
        """The decision with the moment it is judged by: when it was made, never later than
        now (a clock ahead of the server's gains nothing); a decision that does not say when
        it was made is judged now (older histories: as they ran, applied without a time)."""
        now = workflow.now()
        made = decision.decided_at
        if made is None:
            if not workflow.patched(JUDGE_BY_TIME_PATCH):
                return decision
            made = now
        return decision.model_copy(update={"decided_at": min(made, now)})

    def _count_approval(self, decision: DecisionInput) -> None:
        state = self.state
        assert state is not None
        state.approvals.append(decision.user_id)
        state.approval_marks.append(
            ApprovalMark(
                user_id=decision.user_id,
                source=decision.source,
                on_behalf_of=decision.on_behalf_of,
                at=decision.decided_at,
            )
        )

    def _decided(self, decision: DecisionInput) -> None:
        """Who decided, when (the moment the decision was made), from where, and why."""
        state = self.state
        assert state is not None
        state.decided_by = decision.user_id
        state.decided_at = decision.decided_at or workflow.now()
        state.decision_source = decision.source
        state.on_behalf_of = decision.on_behalf_of
        state.reason = decision.reason.strip()

    def _apply_edits(self, decision: DecisionInput) -> None:
        """ "Approve with edits": the edited arguments are what runs. When this approval alone
        decides, the request is approved as edited; when others must still approve (or already
        approved other arguments), the request is superseded and the workflow asks again."""
        state = self.state
        assert state is not None and decision.arguments is not None
        state.arguments = decision.arguments
        state.edited_by = decision.user_id
        self._decided(decision)
        if state.approvals_required == 1 and not state.approvals:
            self._count_approval(decision)
            state.status = ApprovalStatus.APPROVED
        else:
            state.status = ApprovalStatus.SUPERSEDED
            state.outcome_note = (
                "Approved with edits; the edited request needs "
                f"{state.approvals_required} approvals again, on a new card."
            )
        self._record(decision, AttemptResult.APPLIED, None)
        self._publish()

    def supersede(self, by: str, note: str) -> None:
        """End the pending request because ``by`` changed what it asks about; the caller asks
        again. Nothing happens when no request is pending."""
        state = self.state
        if state is None or state.status.is_terminal:
            return
        state.status = ApprovalStatus.SUPERSEDED
        state.decided_by = by
        state.decided_at = workflow.now()
        state.outcome_note = note
        self._publish()

    def _record(self, decision: DecisionInput, result: AttemptResult, refusal: str | None) -> None:
        if self.state is None:
            workflow.logger.warning(
                "decision from %s before any request: %s", decision.user_id, refusal
            )
            return
        attempts = self.state.attempts
        attempts.append(
            DecisionAttempt(
                at=workflow.now(),
                user_id=decision.user_id,
                verdict=decision.verdict,
                reason=decision.reason,
                source=decision.source,
                click_key=decision.click_key,
                result=result,
                refusal=refusal,
                arguments=decision.arguments,
                decided_at=decision.decided_at,
                on_behalf_of=decision.on_behalf_of,
            )
        )
        del attempts[:-MAX_ATTEMPTS_KEPT]

    # -- the request ---------------------------------------------------------------------

    async def request(self, request: ApprovalRequest) -> ApprovalState:
        """Post a card and wait for a decision or the deadline; returns the terminal state.

        Raises:
            ActivityError: the card could not be posted at all (for example an unknown
                channel); nobody could decide, so the caller should fail the request.
        """
        policy = request.policy
        now = workflow.now()
        self._count += 1
        self._request = request
        state = ApprovalState(
            request_id=str(self._count),
            kind=request.kind,
            subject_id=request.subject_id,
            title=request.title,
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
        self.state = state
        self._publish()
        if any(a.startswith("S") for a in policy.approvers):
            state.approvers = await self._resolve(policy.approvers, policy.timeout)
            if workflow.patched(PUBLISH_RESOLVED_PATCH):
                # Before the card shows: the bot checks clickers against the published state.
                self._publish()
        # Cancelling the workflow must not cancel the card post: a post that Slack already took
        # would leave a card nobody can update. The post finishes; then the card says cancelled.
        post = workflow.start_activity_method(
            SlackActivities.post_approval_card,
            self._card(),
            start_to_close_timeout=SLACK_CALL_TIMEOUT,
            schedule_to_close_timeout=max(policy.timeout, timedelta(minutes=1)),
            retry_policy=SLACK_RETRY,
        )
        try:
            try:
                posted = await asyncio.shield(post)
            except asyncio.CancelledError:
                with contextlib.suppress(ActivityError):
                    posted = await post
                    state.channel, state.message_ts = posted.channel, posted.ts
                raise
            state.channel, state.message_ts = posted.channel, posted.ts
            self._publish()
            await self._wait_for_decision()
        except asyncio.CancelledError:
            if not state.status.is_terminal:
                state.status = ApprovalStatus.CANCELLED
                state.decided_at = workflow.now()
                self._publish()
            await self.redraw()
            raise
        await self.redraw()
        return state

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

        # Reminder and escalation, in time order; then the deadline.
        steps: list[tuple[datetime, Callable[[], Awaitable[None]]]] = []
        if timedelta(0) < policy.reminder_before < policy.timeout:
            steps.append((state.deadline - policy.reminder_before, self._remind))
        after = policy.escalate_after
        if after is not None and policy.escalate_to and timedelta(0) < after < policy.timeout:
            steps.append((state.requested_at + after, self._escalate))
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

    def _thread_note(self, text: str) -> None:
        """A note in the card's thread, once there is a card."""
        state = self.state
        if state is not None and state.channel and state.message_ts:
            self._note(
                ThreadReplyInput(channel=state.channel, thread_ts=state.message_ts, text=text)
            )

    async def _escalate(self) -> None:
        """Let the policy's second group decide too, and tell them in the card's thread."""
        state, request = self.state, self._request
        assert state is not None and request is not None
        group = request.policy.escalate_to
        added = group
        if any(a.startswith("S") for a in group):
            try:
                added = await self._resolve(group, state.deadline - workflow.now())
            except ActivityError as err:
                message = activity_failure_message(err)
                workflow.logger.warning("escalation group not resolved: %s", message)
                return
        if state.status.is_terminal:
            return
        state.escalated_at = workflow.now()
        state.escalated_to = list(added)
        state.approvers += [a for a in added if a not in state.approvers]
        self._publish()
        self._thread_note(build_escalation_text(state))
        await self.redraw()

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

    # -- after the decision --------------------------------------------------------------

    async def finish(self, note: str) -> None:
        """Record what became of the request (order completed, failed...) and redraw the card."""
        if self.state is None:
            return
        self.state.outcome_note = note
        self._publish()
        await self.redraw()

    async def redraw(self) -> None:
        """Bring the card up to date; a card that cannot be updated is recorded, not fatal."""
        state = self.state
        if state is None or not state.channel or not state.message_ts:
            return
        try:
            reposted = await workflow.execute_activity_method(
                SlackActivities.update_approval_card,
                self._card(),
                start_to_close_timeout=SLACK_CALL_TIMEOUT,
                schedule_to_close_timeout=CARD_UPDATE_WINDOW,
                retry_policy=SLACK_RETRY,
            )
            if reposted is not None:  # the old card was gone: this is the card now
                state.channel, state.message_ts = reposted.channel, reposted.ts
            state.card_error = None
        except ActivityError as err:
            state.card_error = activity_failure_message(err)
            workflow.logger.warning("card update failed: %s", state.card_error)
        self._publish()

    async def close(self) -> None:
        """Wait for outstanding notes (ephemeral refusals, reminders) before the run ends."""
        while self._notes:
            pending, self._notes = self._notes, []
            await asyncio.gather(*pending, return_exceptions=True)

    # -- helpers -------------------------------------------------------------------------

    def _card(self) -> CardInput:
        assert self._request is not None and self.state is not None
        info = workflow.info()
        ui = self._request.policy.temporal_ui_url
        link = (
            f"{ui.rstrip('/')}/namespaces/{info.namespace}/workflows/{info.workflow_id}"
            if ui
            else None
        )
        return CardInput(
            request=self._request,
            state=self.state.model_copy(update={"attempts": []}),
            workflow_id=info.workflow_id,
            card_key=f"{info.workflow_id}/{info.run_id}/{self.state.request_id}",
            workflow_link=link,
        )

    def _note(self, note: EphemeralInput | ThreadReplyInput) -> None:
        """Send a note in the background; a note that cannot be delivered is only logged."""

        async def send() -> None:
            try:
                if isinstance(note, EphemeralInput):
                    await workflow.execute_activity_method(
                        SlackActivities.post_ephemeral,
                        note,
                        start_to_close_timeout=SLACK_CALL_TIMEOUT,
                        schedule_to_close_timeout=NOTE_WINDOW,
                        retry_policy=SLACK_RETRY,
                    )
                else:
                    await workflow.execute_activity_method(
                        SlackActivities.reply_in_thread,
                        note,
                        start_to_close_timeout=SLACK_CALL_TIMEOUT,
                        schedule_to_close_timeout=NOTE_WINDOW,
                        retry_policy=SLACK_RETRY,
                    )
            except ActivityError as err:
                workflow.logger.warning("note not delivered: %s", activity_failure_message(err))

        self._notes.append(asyncio.ensure_future(send()))

    def _publish(self) -> None:
        """Mirror the state into memo and search attributes, for ``describe()`` and lists."""
        state = self.state
        if state is None:
            return
        workflow.upsert_memo({MEMO_KEY: state.model_dump(mode="json", exclude={"attempts"})})
        if self._request is None or not self._request.policy.search_attributes:
            return
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.APPROVAL_STATUS.value_set(state.status.value),
            sa.APPROVAL_DEADLINE.value_set(state.deadline),
        ]
        if state.requester:
            updates.append(sa.APPROVAL_REQUESTER.value_set(state.requester))
        if state.decided_by:
            updates.append(sa.APPROVAL_DECIDED_BY.value_set(state.decided_by))
        workflow.upsert_search_attributes(updates)


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
