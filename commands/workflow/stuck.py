"""``/workflow stuck``: the workflows whose workflow task keeps failing, oldest first, with
the error and what to do.

Found with a visibility query on Temporal's ``TemporalReportedProblems`` (see
:mod:`commands.workflow.task_failure`): counted in one query, and the oldest picked as those
started by a moment found with a few counts (:func:`~commands.workflow.threshold.threshold`),
so a read costs about the same with 10 stuck as with 10,000 (after a bad deploy, every
waiting workflow may be). Only those shown are described and their histories read.
"""

from __future__ import annotations

import asyncio
import heapq
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowExecution
from temporalio.service import RPCError, RPCStatusCode

from commands.replies import CommandContext, Reply, clip, workflow_link
from commands.surface import no_arguments, reporting_verb, usage_line
from commands.workflow.common import kind_of, kind_text
from commands.workflow.task_failure import (
    MARK,
    STUCK,
    TaskFailure,
    advice,
    failure_line,
    task_failure,
)
from commands.workflow.threshold import Window, threshold
from orchestration.decisions import DecisionRefused, describe_workflow
from orchestration.slack_text import escape
from orchestration.wording import format_datetime

STUCK_LIMIT = 10
NOT_REPORTED = (
    "This Temporal server does not report stuck workflows (it lacks the "
    "TemporalReportedProblems search attribute); `/workflow status` with an id still shows a "
    "workflow task that keeps failing."
)


class StuckWorkflow(BaseModel):
    """One stuck workflow."""

    workflow_id: str
    workflow_type: str
    kind: str
    started_at: datetime
    failure: TaskFailure = Field(description="why it is stuck, and the error")
    link: str | None


class StuckReport(BaseModel):
    """``chatops workflow stuck --json``."""

    as_of: datetime = Field(description="when this was read")
    total: int = Field(description="how many are stuck in all")
    workflows: list[StuckWorkflow] = Field(
        description=f"the oldest (by start), oldest first, at most {STUCK_LIMIT}"
    )


async def oldest_stuck(client: Client, keep: int) -> tuple[int, list[WorkflowExecution]]:
    """How many workflows are stuck, and the ``keep`` that started first, oldest first."""

    def until(at: datetime) -> str:
        return f"{STUCK} AND StartTime <= '{at.isoformat()}'"

    async def count_until(at: datetime) -> int:
        return (await client.count_workflows(until(at))).count

    total = (await client.count_workflows(STUCK)).count
    bound = await threshold(count_until, datetime.now(UTC), Window(keep, 2 * keep), total=total)
    listed = client.list_workflows(STUCK if bound is None else until(bound))
    oldest = heapq.nsmallest(keep, [e async for e in listed], key=lambda e: e.start_time)
    return total, oldest


async def _stuck(context: CommandContext, execution: WorkflowExecution) -> StuckWorkflow | None:
    """One listed workflow with its failure read; None if it ended or recovered meanwhile."""
    try:
        description = await describe_workflow(context.client, execution.id)
    except DecisionRefused:  # gone since it was listed
        return None
    failure = await task_failure(context.client, description)
    if failure is None:
        return None
    return StuckWorkflow(
        workflow_id=execution.id,
        workflow_type=execution.workflow_type,
        kind=kind_of(execution.workflow_type),
        started_at=execution.start_time,
        failure=failure,
        link=workflow_link(context, execution.id),
    )


async def report(context: CommandContext, args: None) -> StuckReport:
    """The stuck workflows, oldest first.

    Raises:
        DecisionRefused: the server does not report stuck workflows.
    """
    try:
        total, oldest = await oldest_stuck(context.client, STUCK_LIMIT)
    except RPCError as err:
        if err.status is RPCStatusCode.INVALID_ARGUMENT:  # an attribute it does not know
            raise DecisionRefused(NOT_REPORTED, reason="not_reported") from None
        raise
    found = await asyncio.gather(*(_stuck(context, execution) for execution in oldest))
    workflows = [row for row in found if row is not None]
    return StuckReport(as_of=datetime.now(UTC), total=total, workflows=workflows)


def render(stuck: StuckReport) -> Reply:
    """A line per workflow (what it is, since when, the error), then what to do."""
    if not stuck.total:
        return Reply("No workflow is stuck: every running workflow's task is completing.")
    lines = [f"*{stuck.total} stuck (the workflow task keeps failing), oldest first:*"]
    for row in stuck.workflows:
        failure = row.failure
        lines.append(
            f"• {MARK} `{escape(row.workflow_id)}` · {kind_text(row.kind)} · "
            f"{escape(failure.reason)} · started {format_datetime(row.started_at)}\n"
            f"    {failure_line(failure)}"
        )
    if stuck.total > len(stuck.workflows):
        lines.append(f"… and {stuck.total - len(stuck.workflows)} more.")
    drifted = [row.failure for row in stuck.workflows if row.failure.non_determinism]
    if drifted:
        lines.append(f"*What to do about a non-determinism error:* {advice(drifted[0])}")
    if len(drifted) < len(stuck.workflows) or not drifted:
        lines.append(f"*What to do about an error in workflow code:* {advice(None)}")
    lines.append("`/workflow status` with an id shows one of them in full.")
    return Reply(clip("\n".join(lines)))


USAGE = usage_line("stuck", "workflows whose workflow task keeps failing, oldest first")
VERB = reporting_verb("stuck", USAGE, no_arguments, report, render)
