"""The worker: runs every chatops workflow and activity on one task queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.orders import OrderServices
from activities.slack import SlackActivities, new_slack_client
from orchestration.settings import Settings
from orchestration.workflows.order import OrderWorkflow

log = logging.getLogger(__name__)

WORKFLOWS: Sequence[type] = (OrderWorkflow,)
GRACEFUL_SHUTDOWN = timedelta(seconds=20)


def build_worker(
    client: Client,
    task_queue: str,
    slack: AsyncWebClient,
    services: OrderServices,
    extra_activities: Sequence[Callable[..., Any]] = (),
) -> Worker:
    """A worker for every chatops workflow, with the given Slack client and domain services."""
    slack_activities = SlackActivities(slack)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=[
            slack_activities.post_approval_card,
            slack_activities.update_approval_card,
            slack_activities.reply_in_thread,
            slack_activities.post_ephemeral,
            slack_activities.resolve_approvers,
            *services.activities(),
            *extra_activities,
        ],
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        workflow_runner=SandboxedWorkflowRunner(
            # pydantic imports these lazily while validating e-mail addresses; importing
            # them inside the sandbox on every run would be slow and warns.
            restrictions=SandboxRestrictions.default.with_passthrough_modules(
                "email_validator", "idna"
            )
        ),
    )


async def run_worker(settings: Settings, client: Client, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set, then shut down gracefully."""
    slack = new_slack_client(settings.bot_token(), settings.effective_slack_api_url)
    services = OrderServices(outbox=settings.data_dir / "outbox")
    worker = build_worker(client, settings.task_queue, slack, services)
    log.info("worker polling task queue %r", settings.task_queue)
    async with worker:
        await stop.wait()
    log.info("worker stopped")
