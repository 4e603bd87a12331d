"""``/workflow status <id>``: kind, state, step, the approval (pending with deadline, or who
decided), the policy rule, and a link. Reads describe and memo, so it answers with no worker
running; asks the live ``status`` query (briefly) only of a running workflow."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio.client import WorkflowExecutionStatus, WorkflowQueryFailedError
from temporalio.service import RPCError

from commands.replies import CommandContext, Reply, clip, workflow_link
from commands.surface import reporting_verb, usage_line
from commands.workflow.approvals import ApprovalFacts, approval_in_memo, approval_line
from commands.workflow.common import (
    WorkflowId,
    kind_of,
    kind_text,
    one_workflow,
    state_of,
    state_text,
)
from commands.workflow.task_failure import MARK, TaskFailure, advice, failure_line, task_failure
from orchestration.decisions import describe_workflow
from orchestration.models.flow import FlowStatus
from orchestration.slack_text import escape
from orchestration.slack_text import link as link_to
from orchestration.wording import format_time

QUERY_TIMEOUT = timedelta(seconds=2)
SOURCES = {"live": "live", "memo": "memo", "memo_no_worker": "memo (no worker answered)"}


class Step(BaseModel):
    """Where a workflow is."""

    name: str = Field(description="e.g. awaiting_approval")
    paused: bool = False
    failure_reason: str | None = None
    source: Literal["live", "memo", "memo_no_worker"] = Field(
        description="live: the workflow answered; memo: read from its memo (memo_no_worker: "
        "it runs, but no worker answered in time)"
    )


class Policy(BaseModel):
    """The policy rule that decided the request, and the policy file's version."""

    rule: str
    version: str


class StatusReport(BaseModel):
    """``chatops workflow status <id> --json``."""

    as_of: datetime = Field(description="when this was read (deadlines are relative to it)")
    workflow_id: str
    workflow_type: str
    kind: str = Field(description="order, ticket, agent_task, ticket_triage, scrape, or the type")
    state: str = Field(description="running, completed, failed, cancelled, terminated, timed_out")
    step: Step | None
    approval: ApprovalFacts | None
    policy: Policy | None
    started_at: datetime | None
    closed_at: datetime | None
    link: str | None = Field(description="the workflow in Temporal's UI, when one is known")
    stuck: TaskFailure | None = Field(
        default=None, description="its workflow task keeps failing (null: it is not stuck)"
    )
    flow: FlowStatus | None = Field(
        default=None, description="a flow's steps, each with its state and result (else null)"
    )


async def _live_status(context: CommandContext, workflow_id: str) -> dict[str, Any] | None:
    """The ``status`` query's answer when a worker gives one in time, else None."""
    handle = context.client.get_workflow_handle(workflow_id)
    try:
        answer = await handle.query("status", rpc_timeout=QUERY_TIMEOUT)
    except (RPCError, WorkflowQueryFailedError):  # no worker in time, or no such query
        return None
    return answer if isinstance(answer, dict) else None


def _step(info: Any, source: str) -> Step | None:
    if not isinstance(info, dict) or not info.get("step"):
        return None
    failure = info.get("failure_reason")
    return Step.model_validate(
        {
            "name": str(info["step"]),
            "paused": bool(info.get("paused")),
            "failure_reason": str(failure) if failure else None,
            "source": source,
        }
    )


def _policy(raw: Any) -> Policy | None:
    if not isinstance(raw, dict) or not raw.get("rule"):
        return None
    return Policy(rule=str(raw["rule"]), version=str(raw.get("version", "?")))


async def report(context: CommandContext, args: WorkflowId) -> StatusReport:
    """The workflow's facts (an unknown id raises "No workflow X.")."""
    workflow_id = args.workflow_id
    description = await describe_workflow(context.client, workflow_id)
    info, source, stuck = None, "memo", None
    if description.status == WorkflowExecutionStatus.RUNNING:
        info, stuck = await asyncio.gather(
            _live_status(context, workflow_id), task_failure(context.client, description)
        )
        source = "live" if info is not None else "memo_no_worker"
    if info is None:
        info = await description.memo_value("status", None)
    approval = await approval_in_memo(description)
    return StatusReport(
        as_of=datetime.now(UTC),
        workflow_id=workflow_id,
        workflow_type=description.workflow_type,
        kind=kind_of(description.workflow_type),
        state=state_of(description.status),
        step=_step(info, source),
        approval=None if approval is None else ApprovalFacts.of(approval),
        policy=_policy(await description.memo_value("policy", None)),
        started_at=description.start_time,
        closed_at=description.close_time,
        link=workflow_link(context, workflow_id),
        stuck=stuck,
        flow=_flow(info),
    )


def _flow(info: Any) -> FlowStatus | None:
    """A flow's status (``Flow`` workflows answer and keep one), else None."""
    if not isinstance(info, dict) or "flow" not in info or "steps" not in info:
        return None
    try:
        return FlowStatus.model_validate(info)
    except ValueError:
        return None


def render(status: StatusReport) -> Reply:
    """The facts as lines of mrkdwn."""
    lines = [
        f"*{escape(status.workflow_id)}*: {kind_text(status.kind)}, {state_text(status.state)}"
    ]
    if status.stuck is not None:
        lines += _stuck_lines(status.workflow_id, status.stuck)
    step = status.step
    if step is not None:
        extra = " (paused)" if step.paused else ""
        if step.failure_reason:
            extra += f": {escape(step.failure_reason)}"
        name = escape(step.name.replace("_", " "))
        lines.append(f"Step: {name}{extra} (from {SOURCES[step.source]})")
    if status.flow is not None:
        lines += flow_lines(status.flow)
    if status.approval is not None:
        lines.append(approval_line(status.approval, status.as_of))
    if status.policy is not None:
        rule, version = escape(status.policy.rule), escape(status.policy.version)
        lines.append(f"Policy: {rule} (version {version})")
    if status.started_at:
        closed = f", closed {format_time(status.closed_at)}" if status.closed_at else ""
        lines.append(f"Started {format_time(status.started_at)}{closed}")
    if status.link:
        lines.append(link_to(status.link, "Open in Temporal"))
    return Reply(clip("\n".join(lines)))


def flow_lines(flow: FlowStatus) -> list[str]:
    """The flow's name and content hash, then each step: its state and result."""
    lines = [f"Flow {escape(flow.flow)} (file sha256 {escape(flow.content_hash[:12])})"]
    for step in flow.steps:
        result = f" ({escape(step.result)})" if step.result else ""
        lines.append(f"• {escape(step.name)}: {step.state}{result}")
    if flow.more_steps:
        lines.append(f"• … and {flow.more_steps} more steps")
    return lines


def _stuck_lines(workflow_id: str, stuck: TaskFailure) -> list[str]:
    """Stuck: what fails, since when, the error, and what to do."""
    return [
        f"{MARK} *Stuck: its workflow task keeps failing* ({escape(stuck.reason)}; "
        f"{failure_line(stuck)})",
        f"*What to do:* {advice(stuck, workflow_id)}",
    ]


USAGE = usage_line("status <id>", "kind, state, step, pending approval, who decided, a link")
VERB = reporting_verb("status", USAGE, one_workflow, report, render)
