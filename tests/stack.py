"""A whole chatops stack in one test process: Slack stand-in, bot over real HTTP, worker.

Every part talks to the others as in production: the bot serves ``/slack/events`` on a
real port and the stand-in delivers signed requests there; the worker's activities and the
bot call the stand-in's Web API over HTTP; Temporal is the session's dev server.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.agents import AgentRunner
from activities.cards import APPROVE_ACTION
from activities.orders import OrderServices
from bot.app import EVENTS_PATH, build_app, build_web_app
from cli.examples import example_order
from commands.flow.common import FlowStarts
from commands.replies import CommandSettings
from orchestration.approval import MEMO_KEY
from orchestration.models.order import Order, OrderResult
from orchestration.models.scrape import ScrapeInput
from orchestration.settings import Settings
from orchestration.worker import ChatopsWorker
from orchestration.workflows.order import OrderWorkflow
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    OPERATOR_ID,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)
from tests.flow_fakes import FakeStarter
from tests.helpers import (
    REPO_POLICY,
    assert_eventually,
    free_port,
    new_worker,
    order_input,
    unique,
)

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

REPO_FLOWS = REPO_POLICY.parent / "flows"


@dataclass
class Stack:
    """Handles on every part of a running stack."""

    client: Client
    sim: SlackSim
    task_queue: str
    services: OrderServices
    worker: ChatopsWorker | None
    outbox: Path
    agents: AgentRunner
    started: list[WorkflowHandle[Any, Any]] = field(default_factory=list)
    commands: CommandSettings = field(default_factory=CommandSettings)
    # What /flow start calls instead of the driver (tests/flow_fakes.py).
    flow_starter: FakeStarter = field(default_factory=FakeStarter)

    async def start_order(
        self, order: Order, *, expires_in: float = 300, reminder_before: float = 60, **policy: Any
    ) -> WorkflowHandle[OrderWorkflow, OrderResult]:
        """Start an order whose approvers are the stand-in's two approvers."""
        handle = await self.client.start_workflow(
            OrderWorkflow.run,
            order_input(
                order,
                approvers=[APPROVER_ID, APPROVER2_ID],
                timeout=expires_in,
                reminder_before=reminder_before,
                **policy,
            ),
            id=order.workflow_id,
            task_queue=self.task_queue,
        )
        self.started.append(handle)
        return handle

    async def card(self) -> dict:
        """The one card in #approvals (waits for it)."""
        messages = await assert_eventually(
            self.messages, lambda m: len(m) >= 1, what="a card in #approvals"
        )
        assert len(messages) == 1, messages
        return messages[0]

    async def messages(self) -> list[dict]:
        return self.sim.messages(APPROVALS_CHANNEL_ID)

    async def card_text(self) -> str:
        return str((await self.card())["text"])


async def card_published(handle: WorkflowHandle[Any, Any]) -> None:
    """Wait until the workflow's memo knows where its card is (just after the post)."""

    async def where() -> Any:
        state = await (await handle.describe()).memo_value(MEMO_KEY, {})
        return state.get("message_ts")

    await assert_eventually(where, bool, what=f"the card of {handle.id} in the memo")


async def approve_while_slack_is_slow(
    stack: Stack, handle: WorkflowHandle[Any, Any], card: dict[str, Any], seconds: float
) -> None:
    """Approve ``card`` while Slack takes ``seconds`` to take the redrawn card (it answers
    the first redraw with 429 and ``Retry-After``): returns once the decision is in the memo,
    while the order still says "awaiting approval"."""
    stack.sim.faults.add("chat.update", "ratelimit", retry_after=round(seconds))
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)

    async def approval_status() -> str:
        state = await (await handle.describe()).memo_value(MEMO_KEY, {})
        return str(state.get("status"))

    await assert_eventually(approval_status, lambda s: s == "approved", what="the decision")


def large_order() -> Order:
    return example_order("large", requested_by=REQUESTER_ID)


def bot_app(
    client: Client,
    sim: SlackSim,
    commands: CommandSettings | None = None,
    tracer: Tracer | None = None,
) -> AsyncApp:
    """The Bolt app, calling the stand-in's Web API (each request a span with ``tracer``)."""
    web_client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
    return build_app(web_client, DEFAULT_SIGNING_SECRET, client, commands, tracer)


async def serve(web_app: web.Application, port: int = 0) -> tuple[web.AppRunner, int]:
    """Serve ``web_app`` on 127.0.0.1 (a free port by default); returns the runner and port."""
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, runner.addresses[0][1]


async def start_bot(
    client: Client,
    sim: SlackSim,
    commands: CommandSettings | None = None,
    port: int = 0,
    tracer: Tracer | None = None,
) -> web.AppRunner:
    app = bot_app(client, sim, commands, tracer)
    web_app = build_web_app(app, signing_secret=DEFAULT_SIGNING_SECRET)
    runner, port = await serve(web_app, port)
    sim.bot_url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
    return runner


def flow_settings(queue: str, flows_dir: Path = REPO_FLOWS) -> Settings:
    """The settings flows are started with: the repository's example flows and policy."""
    return Settings(
        task_queue=queue, flows_dir=flows_dir, policy_file=REPO_POLICY, slack_bot_token=None
    )


def stack_commands(
    queue: str, tmp_path: Path, samples: str, starter: FakeStarter | None = None
) -> CommandSettings:
    """Slash commands as a deployment configures them: the stand-in's operator, this task
    queue, scrape runs that fetch the bot's sample pages plus one page that is missing, and
    the example flows, started by ``starter``."""
    flows = FlowStarts(flow_settings(queue), starter or FakeStarter())
    return CommandSettings(
        operators=(OPERATOR_ID,),
        task_queue=queue,
        ui_url="http://127.0.0.1:8233",
        scrape=ScrapeInput(
            sources=[f"{samples}/status.html", f"{samples}/prices.html", f"{samples}/gone.html"],
            output_dir=str(tmp_path / "scrape"),
            channel="general",
        ),
        flows=flows,
    )


@asynccontextmanager
async def running_stack(
    env: WorkflowEnvironment,
    tmp_path: Path,
    client: Client | None = None,
    tracer: Tracer | None = None,
    **worker_options: Any,
) -> AsyncIterator[Stack]:
    """Stand-in + bot + worker on a fresh task queue; bot, worker and test use ``client``
    (the session's by default), and the bot makes a span per request with ``tracer``;
    ``worker_options`` go to :func:`tests.helpers.new_worker` (a policy, flows' allow-list).
    """
    client = client or env.client
    async with running_sim() as sim:
        queue = unique("tq")
        port = free_port()  # the bot also serves the sample pages the scrape job fetches
        starter = FakeStarter()
        commands = stack_commands(queue, tmp_path, f"http://127.0.0.1:{port}/samples", starter)
        runner = await start_bot(client, sim, commands, port=port, tracer=tracer)
        services = OrderServices(outbox=tmp_path / "outbox")
        agents = AgentRunner()
        worker = new_worker(
            client, queue, sim.api_url, tmp_path, services=services, agents=agents, **worker_options
        )
        try:
            async with worker:
                yield Stack(
                    client,
                    sim,
                    queue,
                    services,
                    worker,
                    tmp_path / "outbox",
                    agents,
                    commands=commands,
                    flow_starter=starter,
                )
        finally:
            await runner.cleanup()


async def terminate_unfinished(handles: Sequence[WorkflowHandle[Any, Any]]) -> None:
    """End workflows a test left running (their worker is about to go away)."""
    for handle in handles:
        with contextlib.suppress(RPCError):
            await handle.terminate(reason="test finished")


async def terminate_queue(client: Client, task_queue: str) -> None:
    """End whatever still runs on a test's task queue, also what it started from outside
    (a CLI process, the webhook): left waiting, it would crowd later tests' pending lists."""
    query = f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'"
    async for execution in client.list_workflows(query):
        with contextlib.suppress(RPCError):
            await client.get_workflow_handle(execution.id).terminate(reason="test finished")
