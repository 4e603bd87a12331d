"""``/workflow pending``: the approvals waiting, oldest first, with age and deadline; and the
read behind it, which the Home tab and the digest share."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from temporalio.service import RPCError, RPCStatusCode

from commands.replies import CommandContext, Reply, clip, workflow_link
from commands.surface import no_arguments, reporting_verb, usage_line
from commands.workflow.approvals import ApprovalFacts, approvers_text
from commands.workflow.common import APPROVABLE, types_clause
from commands.workflow.pending_index import Selection, indexed_pending
from commands.workflow.waiting import Accept, Oldest, Pending, Waiting, waiting_state
from orchestration.approval import MEMO_KEY
from orchestration.durations import format_duration
from orchestration.slack_text import escape
from orchestration.wording import format_time, quoted_title

__all__ = ["PENDING_LIMIT", "Pending", "Waiting", "pending_approvals", "scanned_pending"]

PENDING_LIMIT = 30
# A Slack user id, safe to put in a visibility query as it is.
USER_ID = re.compile(r"[A-Za-z0-9]{1,64}")
log = logging.getLogger(__name__)


async def pending_approvals(
    context: CommandContext,
    *,
    keep: int = PENDING_LIMIT,
    accept: Accept | None = None,
    decider: str | None = None,
    recheck: Collection[str] = (),
) -> Pending:
    """Every approval waiting now (from visibility and memo: works with no worker), counted;
    the ``keep`` oldest are kept. ``decider``: only the requests that user may decide (then
    ``accept`` must refuse the others too: it decides where the index cannot); ``recheck``:
    workflows ``accept`` may refuse although the index lists them.

    With search attributes on, the index the gate keeps answers in a few queries
    (:mod:`commands.workflow.pending_index`); without them, or on a cluster that lacks the
    index's attributes, every running approvable workflow's memo is read.
    """
    if context.settings.search_attributes and (decider is None or USER_ID.fullmatch(decider)):
        selection = Selection(decider)
        try:
            return await indexed_pending(
                context.client, selection, keep=keep, accept=accept, recheck=recheck
            )
        except RPCError as err:
            if err.status is not RPCStatusCode.INVALID_ARGUMENT:
                raise
            log.warning("pending index not usable (%s); reading every memo instead", err.message)
    return await scanned_pending(context, keep=keep, accept=accept)


async def scanned_pending(
    context: CommandContext, *, keep: int = PENDING_LIMIT, accept: Accept | None = None
) -> Pending:
    """Every running approvable workflow's memo, read as it streams: memory stays flat
    however many wait (at most ``keep`` requests are held), the time does not."""
    query = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
    oldest = Oldest(keep)
    total = 0
    async for execution in context.client.list_workflows(query):
        approval = waiting_state(await execution.memo_value(MEMO_KEY, None))
        if approval is not None and (accept is None or accept(execution.id, approval)):
            total += 1
            oldest.add((execution.id, approval))
    return Pending(total, oldest.oldest_first())


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
