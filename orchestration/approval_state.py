"""The approval gate's state machine: decision attempts applied one at a time, in order.

The first valid decision wins (or, with a quorum, the last approval it needs); duplicates,
late clicks, outsiders and self-approval are recorded with the reason they were refused and
change nothing. Deterministic, no I/O: the gate (:mod:`orchestration.approval`) publishes the
state and redraws the card.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from orchestration.canonical import model_digest
    from orchestration.models.approval import (
        ApprovalMark,
        ApprovalRequest,
        ApprovalState,
        ApprovalStatus,
        AttemptResult,
        DecisionAttempt,
        DecisionInput,
        DecisionSource,
        EphemeralInput,
        ThreadReplyInput,
        Verdict,
    )
    from orchestration.models.audit import ATTEMPT_MEMO_KEY, AttemptRecord
    from orchestration.policy.deciders import naming_the_request, refusal_for

# Decisions that do not say when they were made are judged at the moment they are applied.
JUDGE_BY_TIME_PATCH = "judge-decisions-by-their-time"
# Each attempt, as judged, is also upserted into the memo: one history event per attempt, so
# ``chatops audit`` reads the trail from the history with no worker running.
RECORD_ATTEMPTS_PATCH = "record-decision-attempts"
MAX_ATTEMPTS_KEPT = 200


class GateState:
    """One workflow's approval requests (one at a time) and the decisions applied to them."""

    def __init__(self) -> None:
        self.state: ApprovalState | None = None
        self._request: ApprovalRequest | None = None
        self._seen_clicks: set[str] = set()
        self._count = 0
        self._progress = False
        # Since LEAN_GATE_PATCH: card redraws run as local activities, and memo and search
        # attributes are upserted only when they change (set when a request opens).
        self._lean = False
        self._published: tuple[object, object] | None = None

    def _publish(self) -> None:
        """Mirror the state where others read it (the gate does)."""
        raise NotImplementedError

    def _note(self, note: EphemeralInput | ThreadReplyInput, channel: str = "") -> None:
        """Tell someone in Slack, in the background (the gate does); a thread reply is paced
        in ``channel``, as named where its thread was posted (its own channel if empty)."""
        raise NotImplementedError

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
            self._refuse(decision, refusal)
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

    def _refuse(self, decision: DecisionInput, refusal: str) -> None:
        """Record a refused attempt; a click in Slack is answered where it was made."""
        self._record(decision, AttemptResult.REFUSED, refusal)
        state = self.state
        if state is not None and decision.source is DecisionSource.SLACK and state.channel:
            answer = naming_the_request(refusal, state.title)
            # Where the click was made when that is the card or one of its copies (a direct
            # message, an escalation channel); else the card's channel.
            places = {state.channel, *(copy.channel for copy in state.copies if copy.placed)}
            channel = decision.channel if decision.channel in places else state.channel
            self._note(EphemeralInput(channel=channel, user=decision.user_id, text=answer))

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
        attempt = DecisionAttempt(
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
        attempts = self.state.attempts
        attempts.append(attempt)
        del attempts[:-MAX_ATTEMPTS_KEPT]
        if workflow.patched(RECORD_ATTEMPTS_PATCH):
            self._record_in_history(attempt)

    def _record_in_history(self, attempt: DecisionAttempt) -> None:
        """Upsert the attempt into the memo: its event in the history is the audit's record."""
        state, request = self.state, self._request
        assert state is not None and request is not None
        record = AttemptRecord(
            request_id=state.request_id,
            request_digest=model_digest(request),
            policy_rule=state.policy_rule,
            policy_version=state.policy_version,
            attempt=attempt,
        )
        workflow.upsert_memo({ATTEMPT_MEMO_KEY: record.model_dump(mode="json")})
