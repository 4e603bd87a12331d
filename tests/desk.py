"""A ticket stack on the time-skipping server: stand-in, bot over HTTP, worker, help desk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.orders import OrderServices
from activities.slack import new_slack_client
from activities.support import SupportDesk
from cli.tickets import example_ticket
from commands.replies import CommandSettings
from orchestration.models.approval import ApprovalPolicy
from orchestration.models.ticket import Ticket, TicketInput, TicketPolicy, TicketResult
from orchestration.worker import build_worker
from orchestration.workflows.ticket import TicketWorkflow
from slacksim import (
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    OPERATOR_ID,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)
from tests.helpers import assert_eventually, unique
from tests.stack import start_bot

ACCEPTANCE = timedelta(minutes=2)
ESCALATION_TIMEOUT = timedelta(minutes=30)


@dataclass
class DeskStack:
    """Handles on a running ticket stack."""

    env: WorkflowEnvironment
    sim: SlackSim
    desk: SupportDesk
    task_queue: str
    started: list[WorkflowHandle[TicketWorkflow, TicketResult]] = field(default_factory=list)

    @property
    def client(self) -> Client:
        return self.env.client

    async def start(self, ticket: Ticket | str) -> WorkflowHandle[TicketWorkflow, TicketResult]:
        """Start a ticket (an example name or a Ticket); approvers: Alex Approver."""
        if isinstance(ticket, str):
            ticket = example_ticket(ticket, requested_by=REQUESTER_ID)
        policy = TicketPolicy(
            acceptance_timeout=ACCEPTANCE,
            max_assignment_attempts=3,
            no_agent_retry_delay=timedelta(minutes=1),
            escalation=ApprovalPolicy(
                approvers=[APPROVER_ID],
                timeout=ESCALATION_TIMEOUT,
                reminder_before=timedelta(minutes=5),
                search_attributes=False,
            ),
            search_attributes=False,
            use_policy_file=False,
        )
        handle = await self.client.start_workflow(
            TicketWorkflow.run,
            TicketInput(ticket=ticket, policy=policy, requester_label="tests"),
            id=ticket.workflow_id,
            task_queue=self.task_queue,
        )
        self.started.append(handle)
        return handle

    def child(self, handle: WorkflowHandle[Any, Any], priority: str) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(f"{handle.id}-{priority}")

    def all_handles(self) -> list[WorkflowHandle[Any, Any]]:
        """Tickets and their triage children, for recording histories."""
        handles: list[WorkflowHandle[Any, Any]] = []
        for handle in self.started:
            handles.append(handle)
            handles.extend(self.child(handle, p) for p in ("low", "medium", "high"))
        return handles

    async def advance_until(self, probe: Any, check: Any, step: timedelta = ACCEPTANCE) -> Any:
        """Skip time in steps (the clock is otherwise locked) until ``check(probe())``."""

        async def skip_then_probe() -> Any:
            value = await probe()
            if not check(value):
                await self.env.sleep(step)
            return value

        return await assert_eventually(skip_then_probe, check, within=60, interval=0.1)


@asynccontextmanager
async def running_desk(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[DeskStack]:
    """Stand-in + bot + worker (with a fresh help desk) on a fresh task queue."""
    async with running_sim() as sim:
        queue = unique("tq-tickets")
        # The time-skipping server has no custom search attributes: nor do the lists here.
        commands = CommandSettings(
            operators=(OPERATOR_ID,), task_queue=queue, search_attributes=False
        )
        runner = await start_bot(env.client, sim, commands)
        desk = SupportDesk()
        worker = build_worker(
            env.client,
            queue,
            new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url),
            OrderServices(outbox=tmp_path),
            desk=desk,
        )
        try:
            async with worker:
                yield DeskStack(env, sim, desk, queue)
        finally:
            await runner.cleanup()
