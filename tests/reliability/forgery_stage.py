"""The real state forged requests aim at, and the check that none of it changed.

Requests of every kind wait in #approvals: an order (one approval needed), an order that
already has one of its two approvals, an order whose requester is an approver, an order
amended while it waited (its first request superseded), a RequestApproval with arguments to
edit, and orders already decided. A schedule waits to be paused, triggered or deleted. Each
target's approval state is snapshotted once set up; afterwards every one must be as it was,
with no attempt applied since but refused ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleSpec,
    ScheduleState,
    WorkflowExecutionStatus,
    WorkflowHandle,
)

from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalState, AttemptResult
from orchestration.models.order import OrderAmendment, OrderItem
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVALS_CHANNEL_ID, REQUESTER_ID, SlackSim
from tests.helpers import assert_eventually, unique
from tests.stack import Stack, large_order

CANARY_NOTE = "forgery canary: nobody may change this"


@dataclass
class Target:
    """A request forged clicks aim at, and its approval state once set up."""

    name: str
    handle: WorkflowHandle[Any, Any]
    card_ts: str
    request_id: str
    running: bool = True
    before: ApprovalState | None = None

    @property
    def workflow_id(self) -> str:
        return self.handle.id

    def value(self, request_id: str | None = None) -> str:
        """A button value naming this request (or another request id of it)."""
        return f"{self.workflow_id}|{request_id or self.request_id}"


async def approval(handle: WorkflowHandle[Any, Any]) -> ApprovalState:
    state = await handle.query(ApprovableWorkflow.approval)
    assert state is not None, handle.id
    return state


async def card_for(sim: SlackSim, workflow_id: str, request_id: str = "1") -> dict[str, Any]:
    """The card in #approvals whose buttons name ``workflow_id``'s request ``request_id``."""
    value = f"{workflow_id}|{request_id}"

    def find() -> dict[str, Any] | None:
        for message in sim.messages(APPROVALS_CHANNEL_ID):
            for block in message.get("blocks", []):
                if any(e.get("value") == value for e in block.get("elements", [])):
                    return message
        return None

    found = await assert_eventually(find, bool, what=f"the card of {value}")
    assert found is not None
    return found


async def waiting_order(stack: Stack, name: str, **policy: Any) -> Target:
    """An order waiting for approval on its card."""
    order = large_order()
    if "requested_by" in policy:
        order = order.model_copy(update={"requested_by": policy.pop("requested_by")})
    handle = await stack.start_order(order, **policy)
    card = await card_for(stack.sim, handle.id)
    return Target(name, handle, card["ts"], "1")


async def superseded_order(stack: Stack) -> tuple[Target, str]:
    """An order amended while it waited: the target (request 2) and its first card's ts."""
    target = await waiting_order(stack, "amended order")
    laptop = OrderItem(sku="LAPTOP-13", name="Laptop 13in", quantity=1, unit_price=Decimal("1299"))
    amendment = OrderAmendment(items=[laptop], amended_by=REQUESTER_ID, reason="smaller")
    await target.handle.signal(OrderWorkflow.amend, amendment)
    card = await card_for(stack.sim, target.workflow_id, "2")
    first_ts = target.card_ts
    target.card_ts, target.request_id = card["ts"], "2"
    return target, first_ts


async def request_with_arguments(stack: Stack) -> Target:
    """A RequestApproval for a production deploy (the policy file's two approvers), asked
    by the requester, with arguments an approver could edit."""
    request = {
        "kind": "deploy",
        "title": "Deploy api 2.3 to production",
        "attributes": {"env": "prod", "service": "api"},
        "requested_by": REQUESTER_ID,
        "arguments": {"version": "2.3", "canary": True},
    }
    handle = await stack.client.start_workflow(
        "RequestApproval", request, id=unique("forgery-deploy"), task_queue=stack.task_queue
    )
    stack.started.append(handle)
    card = await card_for(stack.sim, handle.id)
    return Target("deploy request", handle, card["ts"], "1")


async def canary_schedule(client: Client, task_queue: str) -> str:
    """A schedule that must stay as created: unpaused, never run (it starts in a year)."""
    schedule_id = unique("forgery-canary")
    action = ScheduleActionStartWorkflow(
        "ForgeryCanary", id=f"{schedule_id}-run", task_queue=f"{task_queue}-idle"
    )
    spec = ScheduleSpec(
        intervals=[ScheduleIntervalSpec(every=timedelta(days=1))],
        start_at=datetime.now(UTC) + timedelta(days=365),
    )
    await client.create_schedule(
        schedule_id, Schedule(action=action, spec=spec, state=ScheduleState(note=CANARY_NOTE))
    )
    return schedule_id


async def schedule_changes(client: Client, schedule_id: str) -> list[str]:
    """What is no longer as :func:`canary_schedule` made it."""
    description = await client.get_schedule_handle(schedule_id).describe()
    state, info = description.schedule.state, description.info
    changes = []
    if state.paused:
        changes.append(f"schedule {schedule_id} paused")
    if state.note != CANARY_NOTE:
        changes.append(f"schedule {schedule_id} note now {state.note!r}")
    if info.num_actions or info.running_actions:
        changes.append(f"schedule {schedule_id} ran {info.num_actions} time(s)")
    if [i.every for i in description.schedule.spec.intervals] != [timedelta(days=1)]:
        changes.append(f"schedule {schedule_id} has a new spec")
    return changes


@dataclass
class Changes:
    """What a check found changed: by forged click (its click key) and otherwise."""

    applied_keys: set[str] = field(default_factory=set)
    other: list[str] = field(default_factory=list)


async def target_changes(target: Target, forged_keys: set[str]) -> Changes:
    """What changed on ``target`` since :func:`snapshot`: applied forged clicks, and any
    other difference in its status, approvals, decider or request."""
    assert target.before is not None
    now = await approval(target.handle)
    found = Changes()
    new_attempts = now.attempts[len(target.before.attempts) :]
    for attempt in new_attempts:
        if attempt.result is AttemptResult.APPLIED:
            if attempt.click_key in forged_keys:
                found.applied_keys.add(attempt.click_key)
            else:
                found.other.append(f"{target.name}: applied {attempt.click_key}")
    fields = ("status", "approvals", "decided_by", "request_id", "arguments")
    for name in fields:
        if getattr(now, name) != getattr(target.before, name):
            found.other.append(f"{target.name}: {name} {getattr(now, name)!r}")
    description = await target.handle.describe()
    running = description.status is WorkflowExecutionStatus.RUNNING
    if running != target.running:
        found.other.append(f"{target.name}: now {description.status}")
    return found


async def snapshot(target: Target) -> None:
    """Remember the target's state as it is now, and whether it runs."""
    target.before = await approval(target.handle)
    description = await target.handle.describe()
    target.running = description.status is WorkflowExecutionStatus.RUNNING


async def failed_tasks(handle: WorkflowHandle[Any, Any]) -> int:
    """Workflow tasks that failed in ``handle``'s history (a stuck workflow retries them)."""
    failed = 0
    async for event in handle.fetch_history_events():
        if event.event_type is EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            failed += 1
    return failed
