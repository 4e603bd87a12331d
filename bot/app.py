"""Builds the Bolt app and the HTTP server around it."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client

from bot.context import attach_temporal, tell
from bot.demo_api import DemoApi
from bot.flow_hook import FLOWS_PATH, FlowHook
from bot.hooks import AGENT_TASKS_PATH, AgentTaskHook
from bot.identity import BotIdentity, SlackIdentityUnavailable, without_token
from bot.listeners import register_all
from bot.listeners.command_context import attach_command_settings
from bot.metrics import REGISTRY, record_request
from bot.payload_shape import request_problem
from bot.readiness import READYZ_PATH, Readiness
from bot.request_context import ChatopsApp, bolt_payload_type, note_failure
from bot.verify import SlackRequestVerifier
from commands.replies import CommandSettings

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
SAMPLES_PATH = "/samples"
SAMPLES_DIR = Path(str(resources.files("bot") / "samples"))


def build_app(
    web_client: AsyncWebClient,
    signing_secret: str | None,
    temporal: Client,
    commands: CommandSettings | None = None,
    tracer: Tracer | None = None,
) -> AsyncApp:
    """The Bolt app with every listener; Slack calls go through ``web_client``; ``commands``
    configures the slash commands (operators, task queue, UI link, scrape sources). Without
    ``signing_secret`` (Socket Mode only) no HTTP request can pass Bolt's verification. With
    ``tracer`` each request is a span (:mod:`bot.request_context`)."""
    # Bolt needs some secret; a fresh random one keeps it closed rather than empty or public.
    secret = signing_secret or secrets.token_hex(32)
    # The token lives in web_client; auth.test is asked on the first request, and a request
    # Slack cannot authorize fails instead of being acknowledged (bot.identity).
    identity = BotIdentity(web_client)
    app = ChatopsApp(
        client=without_token(web_client),
        signing_secret=secret,
        authorize=identity.authorize,
        tracer=tracer,
    )
    attach_temporal(app, temporal)
    attach_command_settings(app, commands or CommandSettings())
    register_all(app)

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        if isinstance(error, SlackIdentityUnavailable):
            return  # logged; the request fails, so Slack shows the person an error itself
        # One place for the unexpected: log it with its trace, and tell the person who acted.
        log.exception("unhandled error in a Slack listener", exc_info=error)
        note_failure(error)
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        channel = (body.get("container") or {}).get("channel_id") or body.get("channel_id")
        if user and channel:
            await tell(
                client,
                channel,
                user,
                "Sorry, something went wrong handling that; nothing was changed. "
                "Please try again, and tell the bot's operators if it keeps happening.",
            )

    return app


def refusal(status: int, error: str, reason: str) -> web.Response:
    """A request answered before Bolt: what kind of refusal, and why (never a header's or a
    field's value)."""
    return web.json_response({"error": error, "reason": reason}, status=status)


def slack_events_handler(
    app: AsyncApp, verifier: SlackRequestVerifier
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """``POST /slack/events``: verify the signature over the raw body, then hand to Bolt;
    every request counted and timed (:mod:`bot.metrics`)."""

    async def slack_events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        kind, response = await answer(request)
        record_request(kind, response.status, time.perf_counter() - started)
        return response

    async def answer(request: web.Request) -> tuple[str | None, web.Response]:
        body = await request.read()
        problem = verifier.problem(request.headers, body)
        if problem is not None:
            log.warning("refused a request to %s from %s: %s", EVENTS_PATH, request.remote, problem)
            return None, refusal(401, "invalid request", problem)
        text = body.decode("utf-8")  # the verifier checked it is UTF-8
        shape = request_problem(text, request.content_type)
        if shape is not None:
            log.warning("refused a signed request to %s: %s", EVENTS_PATH, shape)
            return None, refusal(400, "invalid payload", shape)
        headers: dict[str, str | Sequence[str]] = {
            name: request.headers.getall(name) for name in request.headers
        }
        try:
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string, headers=headers)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError):
            # Fields Bolt reads to find the team and user, in shapes Slack never sends.
            log.warning("refused a signed request to %s: Bolt cannot read it", EVENTS_PATH)
            return None, refusal(
                400, "invalid payload", "its team, user or channel fields are not Slack's"
            )
        bolt_response = await app.async_dispatch(bolt_request)
        return bolt_payload_type(bolt_request), await to_aiohttp_response(bolt_response)

    return slack_events


def build_web_app(
    app: AsyncApp,
    agent_tasks: AgentTaskHook | None = None,
    *,
    signing_secret: str | None,
    readiness: Readiness | None = None,
    flows: FlowHook | None = None,
    demo: DemoApi | None = None,
) -> web.Application:
    """aiohttp routes: ``GET /healthz``, ``GET /metrics``, the sample pages, with
    ``agent_tasks`` the webhook ``POST /hooks/agent-tasks``, with ``flows`` the webhook
    ``POST /hooks/flows``, with ``readiness`` ``GET /readyz``, with ``demo`` the example
    flows' endpoints under ``/demo`` (never in production: CHATOPS_DEMO_ENDPOINTS), and with
    ``signing_secret`` ``POST /slack/events`` (without one, as in Socket Mode, that route
    does not exist)."""

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    web_app = web.Application()
    if signing_secret is not None:
        verifier = SlackRequestVerifier(signing_secret)
        web_app.router.add_post(EVENTS_PATH, slack_events_handler(app, verifier))
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    if readiness is not None:
        web_app.router.add_get(READYZ_PATH, readiness.handle)
    # Sample pages, so the scrape schedule has something to fetch with no network.
    web_app.router.add_static(SAMPLES_PATH, SAMPLES_DIR, show_index=False)
    if agent_tasks is not None:
        web_app.router.add_post(AGENT_TASKS_PATH, agent_tasks.handle)
    if flows is not None:
        web_app.router.add_post(FLOWS_PATH, flows.handle)
    if demo is not None:
        web_app.add_routes(demo.routes())
    return web_app
