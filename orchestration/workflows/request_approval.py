"""RequestApproval: any workflow, in any SDK, asks a human through the gate and the policy file.

Started as a child by type name with one JSON object (:class:`RequestApprovalInput`); returns
:class:`RequestApprovalResult`. The input is read and validated here, not by the data
converter (it arrives as a :class:`RawValue`): a bad request, even JSON nested deeper than the
converter reads, fails the workflow with a non-retryable error saying what is wrong, instead
of failing workflow tasks forever. The check is :func:`orchestration.ask.validated`, which
:func:`orchestration.ask.request_approval` runs in the asking workflow too.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError

from orchestration.approval import ApprovableWorkflow
from orchestration.ask import INVALID_REQUEST as INVALID_REQUEST  # still importable here
from orchestration.ask import decoded, validated
from orchestration.outcomes import Outcome, is_cancellation, record_outcome
from orchestration.policy.check import check_policy

with workflow.unsafe.imports_passed_through():
    from activities.policy import PolicyEngine
    from orchestration import search_attributes as sa
    from orchestration.models.approval import (
        ApprovalPolicy,
        ApprovalRequest,
        ApprovalState,
        ApprovalStatus,
        CardField,
        Verdict,
    )
    from orchestration.models.request import (
        RequestApprovalInput,
        RequestApprovalResult,
        RequestOutcome,
    )
    from orchestration.policy.match import Effect, PolicyDecision

KIND = "request_approval"
DEFAULTS_TIMEOUT = timedelta(seconds=10)
DEFAULTS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
# What each result means in the ChatopsOutcome search attribute.
ENDINGS = {
    RequestOutcome.APPROVED: Outcome.COMPLETED,
    RequestOutcome.REJECTED: Outcome.REJECTED,
    RequestOutcome.EXPIRED: Outcome.EXPIRED,
    RequestOutcome.DENIED: Outcome.DENIED,
}


@workflow.defn(name="RequestApproval")
class RequestApprovalWorkflow(ApprovableWorkflow):
    """Policy check; allow, deny, or ask a human with a card; the answer goes back as JSON."""

    def __init__(self) -> None:
        super().__init__()
        self._decision: PolicyDecision | None = None
        self._indexed = False

    @workflow.query
    def decision(self) -> PolicyDecision | None:
        """The policy decision (rule and policy version) this request got."""
        return self._decision

    @workflow.run
    async def run(self, input: RawValue) -> RequestApprovalResult:
        """Validate, check the policy, maybe ask; plain JSON in (any data converter), read
        here so that no input can fail the workflow's task instead of the request."""
        request = validated(decoded(input))
        base = await workflow.execute_activity_method(
            PolicyEngine.approval_defaults,
            start_to_close_timeout=DEFAULTS_TIMEOUT,
            retry_policy=DEFAULTS_RETRY,
        )
        self._indexed = base.search_attributes
        if self._indexed:
            workflow.upsert_search_attributes([sa.KIND.value_set(KIND)])
        try:
            result = await self._handle(request, base)
        except (asyncio.CancelledError, ActivityError) as err:
            if is_cancellation(err):
                record_outcome(self._indexed, Outcome.CANCELLED)
            raise
        record_outcome(self._indexed, ENDINGS[result.outcome])
        await self.gate.close()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return result

    async def _handle(
        self, request: RequestApprovalInput, base: ApprovalPolicy
    ) -> RequestApprovalResult:
        self._decision = decision = await check_policy(request.policy_request())
        if decision.effect is Effect.DENY:
            return self._result(RequestOutcome.DENIED, reason=decision.reason)
        if decision.effect is Effect.ALLOW:
            return self._result(RequestOutcome.APPROVED, arguments=request.arguments)
        arguments = request.arguments
        state = await self.gate.request(self._ask(request, base, arguments))
        while state.status is ApprovalStatus.SUPERSEDED and state.edited_by:
            # Approved with edits while others must approve too: ask again, for the edits.
            arguments = state.arguments
            asked = self._ask(request, base, arguments, carried=[state.edited_by])
            state = await self.gate.request(asked)
        return self._decided(state)

    def _ask(
        self,
        request: RequestApprovalInput,
        base: ApprovalPolicy,
        arguments: dict[str, Any] | None,
        carried: list[str] | None = None,
    ) -> ApprovalRequest:
        decision = self._decision
        assert decision is not None
        fields = [CardField(label=label, value=value) for label, value in request.fields.items()]
        if arguments is not None:
            shown = json.dumps(arguments, sort_keys=True)[:1500]
            fields.append(CardField(label="Arguments", value=shown))
        return ApprovalRequest(
            kind=request.kind,
            subject_id=workflow.info().workflow_id,
            title=request.title,
            fields=fields,
            requester=request.requested_by,
            policy=decision.approval_policy(base),
            arguments=None if arguments is None else dict(arguments),
            approvals=list(carried or []),
            policy_rule=decision.rule,
            policy_version=decision.version,
        )

    def _decided(self, state: ApprovalState) -> RequestApprovalResult:
        at = state.decided_at
        if state.outcome is Verdict.APPROVE:
            reason = "approved on expiry by the policy" if state.decided_by is None else ""
            return self._result(
                RequestOutcome.APPROVED,
                approved_by=list(state.approvals),
                reason=state.reason or reason,
                arguments=state.arguments,
                at=at,
            )
        if state.status is ApprovalStatus.REJECTED:
            return self._result(
                RequestOutcome.REJECTED,
                rejected_by=state.decided_by,
                reason=state.reason,
                arguments=state.arguments,
                at=at,
            )
        return self._result(
            RequestOutcome.EXPIRED, reason="nobody decided in time", arguments=state.arguments
        )

    def _result(self, outcome: RequestOutcome, **given: Any) -> RequestApprovalResult:
        decision = self._decision
        assert decision is not None
        at = given.pop("at", None) or workflow.now()
        return RequestApprovalResult(
            outcome=outcome,
            policy_rule=decision.rule,
            policy_version=decision.version,
            decided_at=at,
            **given,
        )
