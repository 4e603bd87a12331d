"""``/workflow pending``: the approvals waiting, oldest first, with age and deadline; and the
scan behind it, which the Home tab and the digest share."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from commands.replies import CommandContext, Reply, clip, workflow_link
from commands.surface import no_arguments, reporting_verb, usage_line
from commands.workflow.approvals import ApprovalFacts, approvers_text
from commands.workflow.common import APPROVABLE, types_clause
from orchestration.approval import MEMO_KEY
from orchestration.durations import format_duration
from orchestration.models.approval import ApprovalState, ApprovalStatus
from orchestration.slack_text import escape
from orchestration.wording import format_time, quoted_title

PENDING_LIMIT = 30

Waiting = tuple[str, ApprovalState]


@dataclass(frozen=True)
class Pending:
    """How many approvals wait (that ``accept`` took), and the oldest of them, oldest first."""

    total: int
    oldest: list[Waiting]


async def pending_approvals(
    context: CommandContext,
    *,
    keep: int = PENDING_LIMIT,
    accept: Callable[[str, ApprovalState], bool] | None = None,
) -> Pending:
    """Every approval waiting now (from memo: works with no worker), counted; the ``keep``
    oldest are kept. Memory stays flat however many wait: the scan streams, holding at most
    ``keep`` requests."""
    query = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
    newest_kept: list[tuple[float, int, Waiting]] = []  # a heap: its top is the newest kept
    total = 0
    async for execution in context.client.list_workflows(query):
        raw = await execution.memo_value(MEMO_KEY, None)
        if not isinstance(raw, dict) or raw.get("status") != ApprovalStatus.PENDING.value:
            continue
        approval = ApprovalState.model_validate(raw)
        if accept is not None and not accept(execution.id, approval):
            continue
        total += 1
        item = (-approval.requested_at.timestamp(), total, (execution.id, approval))
        if len(newest_kept) < keep:
            heapq.heappush(newest_kept, item)
        elif keep and item > newest_kept[0]:  # older than the newest kept one
            heapq.heapreplace(newest_kept, item)
    oldest = [waiting for _, _, waiting in sorted(newest_kept, reverse=True)]
    return Pending(total, oldest)


class PendingRequest(BaseModel):
    """One request waiting for approval."""

    workflow_id: str
    link: str | None
    approval: ApprovalFacts


class PendingReport(BaseModel):
    """``chatops workflow pending --json``."""

    as_of: datetime = Field(description="when this was read (ages are relative to it)")
    total: int = Field(description="how many wait in all")
    requests: list[PendingRequest] = Field(
        description=f"the oldest waiting, oldest first, at most {PENDING_LIMIT}"
    )


async def report(context: CommandContext, args: None) -> PendingReport:
    """The approvals waiting now, oldest first."""
    found = await pending_approvals(context)
    requests = [
        PendingRequest(
            workflow_id=workflow_id,
            link=workflow_link(context, workflow_id),
            approval=ApprovalFacts.of(approval),
        )
        for workflow_id, approval in found.oldest
    ]
    return PendingReport(as_of=datetime.now(UTC), total=found.total, requests=requests)


def render(pending: PendingReport) -> Reply:
    """A line per request: title, id, how long it waits, deadline, who may decide."""
    if not pending.total:
        return Reply("Nothing is waiting for approval.")
    lines = [f"*{pending.total} waiting for approval, oldest first:*"]
    for request in pending.requests:
        approval = request.approval
        lines.append(
            f"• {quoted_title(approval.title)} (`{escape(request.workflow_id)}`): waiting "
            f"{format_duration(pending.as_of - approval.requested_at)}, deadline "
            f"{format_time(approval.deadline)}; {approvers_text(approval, 'nobody')}"
        )
    if pending.total > len(pending.requests):
        lines.append(f"… and {pending.total - len(pending.requests)} more.")
    return Reply(clip("\n".join(lines)))


USAGE = usage_line("pending", "approvals waiting, oldest first")
VERB = reporting_verb("pending", USAGE, no_arguments, report, render)
