"""What the MCP tools do, without MCP: start a ``RequestApproval`` and wait a bounded time for
its answer, or read where one stands. An answer is always the same shape: pending (with what
it waits for) or the request's result.

Every failure the caller can act on is a :class:`ToolProblem` whose message is for the agent.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import (
    CancelledError,
    TerminatedError,
    WorkflowAlreadyStartedError,
)
from temporalio.exceptions import TimeoutError as WorkflowTimeoutError
from temporalio.service import RPCError

from commands.workflow.approvals import approval_in_memo
from orchestration.ask import as_json
from orchestration.decisions import DecisionRefused, TemporalUnreachable, describe_workflow
from orchestration.models.approval import ApprovalStatus
from orchestration.models.request import (
    RequestApprovalInput,
    RequestApprovalResult,
    RequestOutcome,
)
from orchestration.workflows.request_approval import RequestApprovalWorkflow

# The workflow type that @workflow.defn gives RequestApprovalWorkflow; only these are answered.
REQUEST_APPROVAL_TYPE = "RequestApproval"
ID_PREFIX = "mcp-"
RPC_TIMEOUT = timedelta(seconds=5)
# How often a long wait tells the caller it is still waiting (MCP progress notifications).
PROGRESS_EVERY = 10.0

Status = Literal["pending", "approved", "rejected", "expired", "denied", "cancelled"]
Progress = Callable[[float, float], Awaitable[None]]
STATUSES: dict[RequestOutcome, Status] = {
    RequestOutcome.APPROVED: "approved",
    RequestOutcome.REJECTED: "rejected",
    RequestOutcome.EXPIRED: "expired",
    RequestOutcome.DENIED: "denied",
}


class ToolProblem(Exception):
    """A request the tools cannot serve; the message says why, for the agent to read."""


class NotARequest(ToolProblem):
    """No approval request has that id."""


class Waiting(BaseModel):
    """Whom a pending request waits for, and until when."""

    approvers: list[str] = Field(description="Slack user ids of who may decide")
    approvals_required: int
    approvals: list[str] = Field(description="who approved so far")
    requested_at: datetime
    deadline: datetime = Field(description="when the policy's on_expiry applies")


class ApprovalAnswer(BaseModel):
    """Where an approval request stands: still pending, or how it was decided."""

    workflow_id: str = Field(description="the request's id, for approval_status")
    status: Status
    result: RequestApprovalResult | None = Field(
        default=None, description="the decision (RequestApprovalResult); null while pending"
    )
    waiting_for: Waiting | None = Field(
        default=None,
        description="while people are asked: whom it waits for (null while the policy is checked)",
    )


def request_id(key: str | None) -> str:
    """The workflow id of a request: from the caller's key (idempotent), else a fresh one."""
    return ID_PREFIX + (key if key is not None else uuid.uuid4().hex)


async def ask(
    client: Client,
    task_queue: str,
    request: RequestApprovalInput,
    *,
    key: str | None,
    wait: float,
    progress: Progress | None = None,
) -> ApprovalAnswer:
    """Start the request (or find the one started with the same key) and wait up to ``wait``
    seconds for its decision."""
    workflow_id = request_id(key)
    try:
        await client.start_workflow(
            RequestApprovalWorkflow.run,
            as_json(request),
            id=workflow_id,
            task_queue=task_queue,
            # The same key while it runs: attach to it; after it ended: its answer, not a new ask.
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            rpc_timeout=RPC_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        pass  # asked before with this key and already decided
    except RPCError as err:
        raise ToolProblem(_unreachable(err, "the request was not started")) from None
    try:
        return await answer(client, workflow_id, wait=wait, progress=progress)
    except NotARequest:
        if key is None:
            raise
        raise ToolProblem(f"request_key {key!r} is taken by another workflow") from None


async def answer(
    client: Client, workflow_id: str, *, wait: float = 0, progress: Progress | None = None
) -> ApprovalAnswer:
    """Where the request stands, after waiting up to ``wait`` seconds for its decision."""
    description = await _describe(client, workflow_id)
    handle = client.get_workflow_handle(workflow_id, result_type=RequestApprovalResult)
    if description.status == WorkflowExecutionStatus.RUNNING and wait > 0:
        try:
            result = await _result_within(handle, wait, progress)
        except WorkflowFailureError as err:
            return _unanswered(workflow_id, err)
        if result is not None:
            return _decided(workflow_id, result)
        description = await _describe(client, workflow_id)  # what it waits for now
    if description.status == WorkflowExecutionStatus.RUNNING:
        return await _pending(description)
    return await _final(handle)


async def _describe(client: Client, workflow_id: str) -> WorkflowExecutionDescription:
    try:
        description = await describe_workflow(client, workflow_id, RPC_TIMEOUT)
    except DecisionRefused:
        raise NotARequest(f"no approval request with id {workflow_id}") from None
    except TemporalUnreachable as err:
        raise ToolProblem(str(err)) from None
    # Other workflows' ids, types and state are none of the caller's business.
    if description.workflow_type != REQUEST_APPROVAL_TYPE:
        raise NotARequest(f"no approval request with id {workflow_id}")
    return description


async def _result_within(
    handle: WorkflowHandle[object, RequestApprovalResult], wait: float, progress: Progress | None
) -> RequestApprovalResult | None:
    """The result if the request is decided within ``wait`` seconds, else None."""
    task = asyncio.create_task(handle.result())
    start = time.monotonic()
    try:
        while (left := wait - (time.monotonic() - start)) > 0:
            done, _ = await asyncio.wait({task}, timeout=min(left, PROGRESS_EVERY))
            if done:
                return task.result()
            if progress is not None:
                await progress(round(time.monotonic() - start, 1), wait)
        return None
    except RPCError as err:
        raise ToolProblem(_unreachable(err, "the request goes on")) from None
    finally:
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()  # decided just after the wait ended: the answer reads it again


async def _final(handle: WorkflowHandle[object, RequestApprovalResult]) -> ApprovalAnswer:
    try:
        result = await handle.result(rpc_timeout=RPC_TIMEOUT)
    except WorkflowFailureError as err:
        return _unanswered(handle.id, err)
    except RPCError as err:
        raise ToolProblem(_unreachable(err, "nothing was changed")) from None
    return _decided(handle.id, result)


async def _pending(description: WorkflowExecutionDescription) -> ApprovalAnswer:
    state = await approval_in_memo(description)
    waiting = None
    if state is not None and state.status is ApprovalStatus.PENDING:
        waiting = Waiting(
            approvers=state.approvers,
            approvals_required=state.approvals_required,
            approvals=state.approvals,
            requested_at=state.requested_at,
            deadline=state.deadline,
        )
    return ApprovalAnswer(workflow_id=description.id, status="pending", waiting_for=waiting)


def _decided(workflow_id: str, result: RequestApprovalResult) -> ApprovalAnswer:
    return ApprovalAnswer(workflow_id=workflow_id, status=STATUSES[result.outcome], result=result)


def _unanswered(workflow_id: str, err: WorkflowFailureError) -> ApprovalAnswer:
    """A request that ended without a decision: cancelled, or a problem saying how it ended."""
    cause = err.cause
    if isinstance(cause, CancelledError):
        return ApprovalAnswer(workflow_id=workflow_id, status="cancelled")
    if isinstance(cause, TerminatedError):
        how = "terminated"
    elif isinstance(cause, WorkflowTimeoutError):
        how = "timed out"
    else:
        how = "failed"
    raise ToolProblem(
        f"approval request {workflow_id} ended without a decision: {how} ({cause or err})"
    )


def _unreachable(err: RPCError, consequence: str) -> str:
    return f"could not reach Temporal ({err.status.name}); {consequence}. Try again shortly."
