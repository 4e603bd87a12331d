"""The worker: runs every chatops workflow and activity on one task queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.agents import AgentRunner
from activities.card_copies import CardCopies
from activities.flow_http import FlowHttp
from activities.ledger import LEDGER_FILENAME
from activities.orders import OrderServices
from activities.policy import PolicyEngine
from activities.schedules import unpause_schedule
from activities.scrape import Scraper
from activities.slack import SlackActivities, new_slack_client
from activities.support import SupportDesk
from orchestration.devserver import (
    EmbeddedServerError,
    create_commands,
    ensure_search_attributes,
)
from orchestration.flows.urls import parse_allow_list
from orchestration.nexus_handler import ChatopsNexusHandler
from orchestration.sandbox import sandbox_runner
from orchestration.schedules import ensure_scrape_schedule
from orchestration.settings import WORKFLOW_CACHE, Settings, default_policy_file
from orchestration.slack_rate import ensure_slack_rate
from orchestration.starts import approval_policy, ui_url
from orchestration.worker_queues import ChatopsWorker
from orchestration.workflows.agent_task import AgentTaskWorkflow
from orchestration.workflows.flow import FlowWorkflow
from orchestration.workflows.job_claim import JobClaimWorkflow
from orchestration.workflows.order import OrderWorkflow
from orchestration.workflows.request_approval import RequestApprovalWorkflow
from orchestration.workflows.schedule_pause import TimedPauseWorkflow
from orchestration.workflows.scrape import ScrapeWorkflow
from orchestration.workflows.ticket import TicketWorkflow
from orchestration.workflows.triage import (
    HighPriorityTriageWorkflow,
    LowPriorityTriageWorkflow,
    MediumPriorityTriageWorkflow,
)

log = logging.getLogger(__name__)

__all__ = ["WORKFLOWS", "ChatopsWorker", "build_worker", "run_worker", "sandbox_runner"]

WORKFLOWS: Sequence[type] = (
    OrderWorkflow,
    TicketWorkflow,
    AgentTaskWorkflow,
    RequestApprovalWorkflow,
    ScrapeWorkflow,
    TimedPauseWorkflow,
    LowPriorityTriageWorkflow,
    MediumPriorityTriageWorkflow,
    HighPriorityTriageWorkflow,
    JobClaimWorkflow,
    FlowWorkflow,
)
GRACEFUL_SHUTDOWN = timedelta(seconds=20)


def build_worker(
    client: Client,
    task_queue: str,
    slack: AsyncWebClient,
    services: OrderServices,
    extra_activities: Sequence[Callable[..., Any]] = (),
    desk: SupportDesk | None = None,
    policy: PolicyEngine | None = None,
    agents: AgentRunner | None = None,
    workflow_cache: int = WORKFLOW_CACHE,
    flow_http: FlowHttp | None = None,
) -> ChatopsWorker:
    """A worker for every chatops workflow, with the given Slack client and domain services,
    keeping at most ``workflow_cache`` workflows in memory between their tasks; it also
    serves the ``chatops`` Nexus service (docs/request-approval.md), and the posts of the
    Slack queue beside ``task_queue`` (:mod:`orchestration.slack_queue`). Flows' ``http``
    steps reach what ``flow_http`` allows (by default nothing)."""
    slack_activities = SlackActivities(slack)
    # Posts are served on both queues: runs from before the Slack queue post on their own.
    posts: list[Callable[..., Any]] = [
        slack_activities.post_approval_card,
        slack_activities.reply_in_thread,
        slack_activities.post_notice,
        CardCopies(slack_activities).post_card_copy,
    ]
    policy = policy or PolicyEngine(default_policy_file())
    main = Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=[
            *posts,
            slack_activities.update_approval_card,
            slack_activities.post_ephemeral,
            slack_activities.resolve_approvers,
            *services.activities(),
            *(desk or SupportDesk()).activities(),
            policy.evaluate_policy,
            policy.approval_defaults,
            policy.flow_starters,
            (flow_http or FlowHttp(())).flow_http,
            *(agents or AgentRunner()).activities(),
            *Scraper().activities(),
            unpause_schedule,
            *extra_activities,
        ],
        nexus_service_handlers=[ChatopsNexusHandler()],
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        workflow_runner=sandbox_runner(),
        max_cached_workflows=workflow_cache,
    )
    return ChatopsWorker.slack_worker_for(main, posts, graceful_shutdown_timeout=GRACEFUL_SHUTDOWN)


async def check_search_attributes(client: Client, namespace: str) -> None:
    """Register missing search attributes, or say exactly which ones an operator must add.

    Workflows upsert these; on a cluster without them every such workflow task would fail.
    """
    try:
        await ensure_search_attributes(client, namespace=namespace)
    except (RPCError, EmbeddedServerError) as err:
        log.error(
            "could not check or register search attributes in namespace %s (%s). Workflows "
            "need them; create them (deploy/README.md) with:\n  %s",
            namespace,
            err,
            "\n  ".join(create_commands(namespace)),
        )


async def run_worker(settings: Settings, client: Client, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set, then shut down gracefully."""
    if settings.search_attributes:
        await check_search_attributes(client, client.namespace)
    slack = new_slack_client(settings.bot_token(), settings.effective_slack_api_url)
    services = OrderServices(
        outbox=settings.data_dir / "outbox", ledger=settings.data_dir / LEDGER_FILENAME
    )
    policy = PolicyEngine(settings.policy_file, approval_policy(settings, ui_url(settings)))
    worker = build_worker(
        client,
        settings.task_queue,
        slack,
        services,
        policy=policy,
        workflow_cache=settings.workflow_cache,
        flow_http=FlowHttp(
            parse_allow_list(settings.effective_flow_http_allow),
            base=settings.effective_flow_http_base,
        ),
    )
    if await ensure_scrape_schedule(
        client, settings.scrape_input(), settings.task_queue, settings.scrape_every
    ):
        log.info(
            "the scrape schedule runs every %s; see /schedule describe scrape",
            settings.scrape_every,
        )
    await ensure_slack_rate(client, settings.task_queue, settings.slack_posts_per_second)
    log.info("worker polling task queues %r and %r", settings.task_queue, worker.slack.task_queue)
    async with worker:
        await stop.wait()
    log.info("worker stopped")
