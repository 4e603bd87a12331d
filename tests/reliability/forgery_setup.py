"""Setting the stage for the forgery scenario: the bot under test (with its webhook) on a real
port, everyone's Home tab, the target requests, the valid requests whose replays are tried,
and a started webhook task."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from temporalio.client import WorkflowHandle

from activities.cards import APPROVE_ACTION
from bot.app import EVENTS_PATH, build_web_app
from bot.hooks import AGENT_TASKS_PATH, AgentTaskHook
from bot.modals import REJECT_VIEW
from orchestration.models.agent import AgentTaskResult
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    DEFAULT_SIGNING_SECRET,
    OPERATOR_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
)
from tests.helpers import assert_eventually, unique
from tests.reliability.forgery_doors import Capture, hook_headers, webhook_settings
from tests.reliability.forgery_judge import Judge
from tests.reliability.forgery_payloads import Forger, Request, signed_headers
from tests.reliability.forgery_stage import (
    Target,
    approval,
    canary_schedule,
    request_with_arguments,
    snapshot,
    superseded_order,
    waiting_order,
)
from tests.reliability.forgery_variants import Targets
from tests.stack import Stack, bot_app, serve

EVERYONE = (REQUESTER_ID, APPROVER_ID, APPROVER2_ID, OUTSIDER_ID, OPERATOR_ID)


@dataclass(frozen=True)
class Doors:
    """Where the bot under test listens."""

    events: str
    hook: str


@asynccontextmanager
async def bot_under_test(stack: Stack) -> AsyncIterator[Doors]:
    """The bot as deployed over HTTP: the stack's Slack and Temporal, the operator's command
    settings, and the agent-task webhook with a secret."""
    hook = AgentTaskHook(stack.client, webhook_settings(stack.task_queue))
    app = bot_app(stack.client, stack.sim, stack.commands)
    runner, port = await serve(build_web_app(app, hook, signing_secret=DEFAULT_SIGNING_SECRET))
    try:
        base = f"http://127.0.0.1:{port}"
        yield Doors(base + EVENTS_PATH, base + AGENT_TASKS_PATH)
    finally:
        await runner.cleanup()


@dataclass
class Stage:
    """What the variants aim at and replay."""

    targets: Targets
    captures: list[Capture] = field(default_factory=list)
    hook_body: bytes = b""
    hook_headers: dict[str, str] = field(default_factory=dict)
    hook_task: WorkflowHandle[object, AgentTaskResult] | None = None

    def all(self) -> list[Target]:
        t = self.targets
        return [t.waiting, t.quorum, t.own, t.amended, t.deploy, t.approved, t.rejected]


async def send_valid(judge: Judge, url: str, request: Request) -> dict[str, str]:
    """Send ``request`` signed as Slack signs it; it must be taken (200). Its headers."""
    headers = signed_headers(request, DEFAULT_SIGNING_SECRET)
    status, text = await judge.post(url, request.body, headers)
    assert status == 200, (request.what, status, text)
    return headers


async def open_homes(judge: Judge, forger: Forger, url: str) -> None:
    """Everyone opens the bot's Home tab once, so Home-tab clicks have a view to come from."""
    for user in EVERYONE:
        await send_valid(judge, url, forger.home_opened(user))
    await assert_eventually(
        lambda: set(EVERYONE) <= set(judge.sim.workspace.homes), bool, what="every Home tab"
    )


async def decided(
    stack: Stack, judge: Judge, forger: Forger, url: str, name: str, reject: bool
) -> tuple[Target, Capture]:
    """An order decided by a valid request (approved by APPROVER_ID, or rejected by
    APPROVER2_ID from the modal), finished; the request captured for replays."""
    target = await waiting_order(stack, name)
    if reject:
        metadata = {"workflow_id": target.workflow_id, "request_id": "1"}
        metadata["channel"] = APPROVALS_CHANNEL_ID
        values = {"reason": "too expensive"}
        request = forger.submission(APPROVER2_ID, REJECT_VIEW, metadata, values)
        user, expect = APPROVER2_ID, ("your decision stands",)
    else:
        request = forger.click(APPROVER_ID, target.card_ts, APPROVE_ACTION, target.value())
        user, expect = APPROVER_ID, ("your decision stands",)
    headers = await send_valid(judge, url, request)
    await target.handle.result()
    return target, Capture(request, headers, user, expect)


async def quorum_with_one_approval(
    stack: Stack, judge: Judge, forger: Forger, url: str
) -> tuple[Target, Capture]:
    """An order needing two approvals, with APPROVER_ID's given by a valid click."""
    target = await waiting_order(stack, "order needing two", approvals_required=2)
    request = forger.click(APPROVER_ID, target.card_ts, APPROVE_ACTION, target.value())
    headers = await send_valid(judge, url, request)
    await assert_eventually(
        lambda: approval(target.handle), lambda s: s.approvals == [APPROVER_ID], what="1 of 2"
    )
    return target, Capture(request, headers, APPROVER_ID, ("You already approved this",))


async def set_stage(stack: Stack, judge: Judge, doors: Doors) -> Stage:
    """Every target, each snapshotted once it is set up; valid requests captured."""
    forger = Forger(stack.sim)
    await open_homes(judge, forger, doors.events)
    quorum, first_approval = await quorum_with_one_approval(stack, judge, forger, doors.events)
    approved, approval_click = await decided(stack, judge, forger, doors.events, "approved", False)
    rejected, rejection = await decided(stack, judge, forger, doors.events, "rejected", True)
    amended, old_card_ts = await superseded_order(stack)
    targets = Targets(
        waiting=await waiting_order(stack, "waiting order"),
        quorum=quorum,
        own=await waiting_order(stack, "approver's own order", requested_by=APPROVER_ID),
        amended=amended,
        old_card_ts=old_card_ts,
        deploy=await request_with_arguments(stack),
        approved=approved,
        rejected=rejected,
        schedule_id=await canary_schedule(stack.client, stack.task_queue),
    )
    stage = Stage(targets, [first_approval, approval_click, rejection])
    await start_webhook_task(stack, judge, doors.hook, stage)
    for target in stage.all():
        await snapshot(target)
    return stage


async def start_webhook_task(stack: Stack, judge: Judge, url: str, stage: Stage) -> None:
    """A task started through the webhook with valid credentials, run to its end: replays of
    its request must start nothing new."""
    task_id = unique("HOOK")
    task = {"task_id": task_id, "agent": "ops-bot", "tool": "search", "action": "read"}
    body = json.dumps(task | {"target": "docs"}).encode()
    headers = hook_headers(body)
    status, text = await judge.post(url, body, headers)
    assert status == 202, text
    handle = stack.client.get_workflow_handle(f"agent-task-{task_id}", result_type=AgentTaskResult)
    await handle.result()
    stage.hook_body, stage.hook_headers, stage.hook_task = body, headers, handle
