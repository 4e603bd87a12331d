"""The bot's entry point: HTTP mode on CHATOPS_BOT_PORT, or Socket Mode with SLACK_APP_TOKEN."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client
from temporalio.service import RetryConfig

from bot.app import EVENTS_PATH, build_app, build_web_app
from bot.demo_api import DEMO_PATH, DemoApi
from bot.flow_hook import FLOWS_PATH, FlowHook
from bot.hooks import AGENT_TASKS_PATH, AgentTaskHook
from bot.jobs import BotJobs, JobSettings
from bot.readiness import Readiness
from bot.slack_client import group_members
from bot.slack_errors import counting_web_client
from bot.socket_mode import DrainingSocketModeHandler
from commands.flow.common import FlowStarts
from commands.replies import CommandSettings
from orchestration.flow_starts import start_flow
from orchestration.settings import Settings
from orchestration.slack_trust import bot_problem
from orchestration.starts import ui_url
from orchestration.tracing import chatops_tracer

log = logging.getLogger(__name__)

# The bot's Temporal calls answer people, and Slack waits 3 s for a click's ack: a decision's
# check and signal (1.2 s each) must give up within that, retries included. The client's
# default retries an unreachable server for 10 s, so a click while Temporal restarts would
# get no ack at all instead of "Could not reach Temporal".
TEMPORAL_RETRY = RetryConfig(
    initial_interval_millis=100, max_interval_millis=300, max_elapsed_time_millis=600, max_retries=3
)
# On SIGTERM the bot stops listening (in Socket Mode: stops taking envelopes), then lets
# requests in flight finish: a click is acked only once Temporal has its decision
# (bot.listeners.decide), and each takes at most Slack's 3 s. Whatever still runs after this
# is cut off unacked, so Slack shows an error and the person clicks again; nothing acked is
# lost.
SHUTDOWN_TIMEOUT = 10.0


def bot_web_client(settings: Settings) -> AsyncWebClient:
    """The bot's Web API client. Bolt's own calls (views.open, ephemerals) are cheap reads or
    single posts, so the default connection-error retry is kept; rate limits are not retried
    here because a click's answer that comes a minute late helps nobody. Every failed call is
    counted (:mod:`bot.slack_errors`)."""
    return counting_web_client(settings.bot_token(), settings.effective_slack_api_url)


def command_settings(settings: Settings) -> CommandSettings:
    """What the slash commands need from the deployment's settings."""
    return CommandSettings(
        operators=tuple(settings.effective_operators),
        task_queue=settings.task_queue,
        ui_url=ui_url(settings),
        scrape=settings.scrape_input(),
        search_attributes=settings.search_attributes,
        flows=FlowStarts(settings),
    )


def job_settings(settings: Settings) -> JobSettings:
    """What the bot's own periodic jobs (digest, card reconciler) need."""
    return JobSettings(
        channel=settings.approvals_channel,
        digest_cron=settings.digest_cron,
        digest_timezone=settings.digest_timezone,
        reconcile_every=settings.reconcile_every,
        search_attributes=settings.search_attributes,
        task_queue=settings.task_queue,
    )


async def serve_http(
    app: AsyncApp,
    temporal: Client,
    settings: Settings,
    events_secret: str | None,
    web_client: AsyncWebClient,
) -> web.AppRunner:
    """Serve the bot's HTTP endpoints on CHATOPS_BOT_PORT; the runner, to clean up (which
    stops listening, then waits for requests in flight: :data:`SHUTDOWN_TIMEOUT`)."""
    hook = AgentTaskHook(temporal, settings, ui_url(settings))
    flows = FlowHook(
        temporal, settings, start_flow, groups=group_members(web_client), ui_url=ui_url(settings)
    )
    readiness = Readiness(temporal, web_client)
    demo = DemoApi() if settings.demo_endpoints else None
    web_app = build_web_app(
        app, hook, signing_secret=events_secret, readiness=readiness, flows=flows, demo=demo
    )
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    site = web.TCPSite(runner, settings.bot_host, settings.bot_port)
    await site.start()
    where = f"http://{settings.bot_host}:{settings.bot_port}"
    if events_secret is None:
        log.info("bot listening on %s; %s is not served (Socket Mode)", where, EVENTS_PATH)
    else:
        log.info("bot listening on %s%s", where, EVENTS_PATH)
    if settings.webhook_secret is None:
        log.info(
            "webhooks %s and %s are disabled (no CHATOPS_WEBHOOK_SECRET)",
            AGENT_TASKS_PATH,
            FLOWS_PATH,
        )
    if demo is not None:
        log.info(
            "serving the example flows' endpoints under %s (CHATOPS_DEMO_ENDPOINTS)", DEMO_PATH
        )
    return runner


async def run_bot(settings: Settings, temporal: Client, stop: asyncio.Event) -> None:
    """Serve Slack traffic until ``stop`` is set.

    Raises:
        ValueError: The settings are an insecure combination (see
            :mod:`orchestration.slack_trust`); the command line checks first, with a clear line.
    """
    problem = bot_problem(settings)
    if problem is not None:
        raise ValueError(problem)
    web_client = bot_web_client(settings)
    events_secret = settings.events_signing_secret()
    tracer = chatops_tracer(settings)
    app = build_app(web_client, events_secret, temporal, command_settings(settings), tracer)
    runner = await serve_http(app, temporal, settings, events_secret, web_client)
    jobs = BotJobs(web_client, temporal, job_settings(settings))
    socket_handler: DrainingSocketModeHandler | None = None
    try:
        jobs.start()
        if settings.slack_app_token is not None:
            socket_handler = DrainingSocketModeHandler(
                app, settings.slack_app_token.get_secret_value()
            )
            await socket_handler.connect_async()
            log.info("bot connected to Slack in Socket Mode")
        await stop.wait()
    finally:
        jobs.stop()
        log.info("bot stopping: no new requests; finishing those in flight")
        if socket_handler is not None:
            await socket_handler.drain(SHUTDOWN_TIMEOUT)
        await runner.cleanup()
        log.info("bot stopped")
