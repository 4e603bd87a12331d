"""A request's approval as ``/workflow status`` and ``pending`` report it: the facts (for text
and JSON alike), read from the workflow's memo, so they answer with no worker running."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, Field, PrivateAttr
from temporalio.client import WorkflowExecution

from orchestration.approval import MEMO_KEY
from orchestration.durations import format_duration
from orchestration.models.approval import ApprovalState, ApprovalStatus
from orchestration.slack_text import mention
from orchestration.wording import decided_line, format_time, quorum_line


class ApprovalFacts(BaseModel):
    """One approval request: what it asks, of whom, by when, and how it was decided."""

    status: ApprovalStatus = Field(
        description="pending, approved, rejected, expired, cancelled or superseded"
    )
    kind: str = Field(description="the kind of request the policy file matched")
    title: str
    requested_by: str | None = Field(description="Slack user id of whoever asked")
    requested_at: datetime = Field(description="when it started waiting")
    deadline: datetime
    approvers: list[str] = Field(description="Slack user ids of who may decide")
    approvals_required: int
    approvals: list[str] = Field(description="who approved so far, in order")
    decided_by: str | None
    on_behalf_of: str | None
    decided_at: datetime | None
    reason: str
    policy_rule: str | None
    policy_version: str | None
    # The wording of a decision (who for whom, from where) reads the whole state.
    _state: ApprovalState = PrivateAttr()

    @classmethod
    def of(cls, state: ApprovalState) -> ApprovalFacts:
        """The facts of a gate's state."""
        facts = cls(
            status=state.status,
            kind=state.kind,
            title=state.title,
            requested_by=state.requester,
            requested_at=state.requested_at,
            deadline=state.deadline,
            approvers=state.approvers,
            approvals_required=state.approvals_required,
            approvals=state.approvals,
            decided_by=state.decided_by,
            on_behalf_of=state.on_behalf_of,
            decided_at=state.decided_at,
            reason=state.reason,
            policy_rule=state.policy_rule,
            policy_version=state.policy_version,
        )
        facts._state = state
        return facts


async def approval_in_memo(execution: WorkflowExecution) -> ApprovalState | None:
    """The approval a workflow keeps in its memo (None for workflows without one)."""
    raw = await execution.memo_value(MEMO_KEY, None)
    return None if raw is None else ApprovalState.model_validate(raw)


def approvers_text(facts: ApprovalFacts, nobody: str) -> str:
    """``<@U1>, <@U2>``, or ``nobody`` when the policy named no one."""
    return ", ".join(mention(a) for a in facts.approvers) or nobody


def approval_line(facts: ApprovalFacts, now: datetime) -> str:
    """Waiting (from whom, deadline, quorum so far), or how it was decided: one line."""
    if facts.status is ApprovalStatus.PENDING:
        who = approvers_text(facts, "nobody configured")
        left = facts.deadline - now
        line = (
            f"Waiting for approval from {who}; deadline {format_time(facts.deadline)} "
            f"(in {format_duration(max(left, timedelta(0)))})"
        )
        progress = quorum_line(facts._state)
        return line + (f"; {progress}" if progress else "")
    # decided_line puts the reason on a line of its own; on one line it needs a separator.
    return "Approval: " + "; ".join(decided_line(facts._state).splitlines())
