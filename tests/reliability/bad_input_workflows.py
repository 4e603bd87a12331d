"""The share of bad input that starts or decides workflows, and the check that none is stuck.

- RequestApproval started by another team's workflow code (the default data converter, plain
  JSON) with drawn input: it must fail at once with ``InvalidRequest`` naming the problem, or
  go on (denied, allowed, or waiting on its card);
- orders rejected from the modal with drawn reasons: each must end rejected, with the reason
  as typed;
- every task the webhook started (drawn bodies, and a few at the edges: deep or large
  arguments, long input).

A workflow is *stuck* when it failed workflow tasks, or is still running but neither waiting
for a person nor done within the deadline (an activity retrying forever).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.converter import DataConverter

from bot.hooks import MAX_BODY
from bot.modals import REJECT_VIEW
from orchestration.approval import MEMO_KEY
from orchestration.models.order import OrderResult
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_SIGNING_SECRET
from tests.helpers import unique
from tests.reliability.bad_input_http import Sender, drawn
from tests.reliability.bad_input_pure import REQUEST
from tests.reliability.bad_input_results import Results, clear_text
from tests.reliability.bad_input_strategies import TEXT, deep_text, mutate
from tests.reliability.forgery_payloads import Forger, signed_headers
from tests.reliability.forgery_stage import waiting_order
from tests.stack import Stack

SETTLE_WITHIN = 30.0


async def settled(handle: WorkflowHandle[Any, Any]) -> str | None:
    """None once the workflow has ended or waits for a person with nothing failing; else
    what is wrong when the deadline passes."""
    deadline = time.monotonic() + SETTLE_WITHIN
    problem = "never looked at"
    while time.monotonic() < deadline:
        description = await handle.describe()
        pending = description.raw_description.pending_activities
        retrying = [a for a in pending if a.attempt >= 3]
        if await _failed_tasks(handle):
            return f"{handle.id}: workflow tasks failed"
        waiting = (await description.memo_value(MEMO_KEY, {}) or {}).get("status") == "pending"
        if description.status is not WorkflowExecutionStatus.RUNNING or (waiting and not retrying):
            return None
        failures = [a.last_failure.message for a in retrying]
        problem = f"{handle.id}: running, not waiting for a person; retrying {failures}"
        await asyncio.sleep(0.2)
    return problem


async def _failed_tasks(handle: WorkflowHandle[Any, Any]) -> bool:
    async for event in handle.fetch_history_events():
        if event.event_type is EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            return True
    return False


async def request_approval_runs(stack: Stack, results: Results, count: int) -> None:
    """RequestApproval started by type name with drawn JSON; invalid input fails at once,
    saying why; nothing is left stuck."""
    team = Client(
        stack.client.service_client,
        namespace=stack.client.namespace,
        data_converter=DataConverter.default,  # plain JSON, as any SDK sends it
    )
    handles = []
    for raw in drawn(mutate(REQUEST), count):
        results.case("request_approval_runs")
        handle = await team.start_workflow(
            "RequestApproval", raw, id=unique("bad-request"), task_queue=stack.task_queue
        )
        handles.append((handle, raw))
    for handle, raw in handles:
        problem = await settled(handle)
        if problem is not None:
            results.problem("stuck", "request_approval_runs", f"{problem}: {raw!r:.120}")
            continue
        if (await handle.describe()).status is WorkflowExecutionStatus.FAILED:
            await _failed_clearly(handle, results, raw)


async def _failed_clearly(handle: WorkflowHandle[Any, Any], results: Results, raw: Any) -> None:
    try:
        await handle.result()
    except WorkflowFailureError as err:
        cause = err.cause
        message = getattr(cause, "message", "")
        if getattr(cause, "type", None) != "InvalidRequest" or not clear_text(message):
            results.problem("unclear", "request_approval_runs", f"{raw!r:.80}: {cause!r}")


async def rejections(
    stack: Stack, sender: Sender, forger: Forger, results: Results, count: int
) -> None:
    """Orders rejected from the modal with drawn reasons: each ends rejected, the reason kept
    as typed (stripped), never cut."""
    reasons = [r for r in drawn(TEXT, count * 3) if r.strip() and len(r.strip()) <= 2000]
    for reason in reasons[:count]:
        target = await waiting_order(stack, "rejected with a drawn reason")
        metadata = {"workflow_id": target.workflow_id, "request_id": "1"}
        metadata["channel"] = APPROVALS_CHANNEL_ID
        request = forger.submission(APPROVER_ID, REJECT_VIEW, metadata, {"reason": reason})
        results.case("rejections")
        headers = signed_headers(request, DEFAULT_SIGNING_SECRET)
        status, text = await sender.judge.post(sender.events, request.body, headers)
        if (status, text) != (200, ""):  # taken: the modal closes
            results.problem("unclear", "rejections", f"{reason[:60]!r} -> {status} {text[:100]}")
        problem = await settled(target.handle)
        if problem is not None:
            results.problem("stuck", "rejections", problem)
            continue
        result: OrderResult = await target.handle.result()
        kept = result.approval.reason if result.approval else None
        if kept != reason.strip():
            results.problem("unclear", "rejections", f"reason {reason[:60]!r} kept as {kept!r:.60}")


def edge_tasks() -> list[bytes]:
    """Valid tasks at the edges of what the webhook takes."""
    base = {"agent": "ops-bot", "tool": "search", "action": "read", "target": "docs"}
    bodies = []
    for depth in (8, 50, 300, 900):
        task = json.dumps(base | {"task_id": unique("EDGE")})
        bodies.append((task[:-1] + ", " + deep_text(depth)[1:]).encode())
    big = {"blob": "x" * (MAX_BODY - 1000)}
    for extra in ({"arguments": big}, {"input": "\u65e5" * 2000}, {"requested_by": "U" * 5000}):
        bodies.append(json.dumps(base | {"task_id": unique("EDGE")} | extra).encode())
    return bodies


async def webhook_edges(sender: Sender) -> None:
    for body in edge_tasks():
        await sender.webhook(body, "application/json", f"edge task {body[:100]!r}")


async def started_tasks(stack: Stack, sender: Sender, results: Results) -> None:
    """Every task the webhook started ends or waits for a person."""
    for workflow_id in sender.started:
        problem = await settled(stack.client.get_workflow_handle(workflow_id))
        if problem is not None:
            results.problem("stuck", "webhook_bodies", problem)
