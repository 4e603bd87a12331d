"""``POST /hooks/agent-tasks``: other systems start agent tasks over HTTP.

The caller proves it knows ``CHATOPS_WEBHOOK_SECRET`` either by sending it as a bearer token
or by signing the raw body with it (HMAC-SHA256, ``X-Chatops-Signature: sha256=<hex>``). The
task id is the workflow's business key, so a retried request never starts a second run: it
gets ``200`` with ``already_started``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from temporalio.client import Client

from orchestration.decisions import TemporalUnreachable
from orchestration.models.agent import AgentTask, NewAgentTask
from orchestration.settings import Settings
from orchestration.starts import start_agent_task

log = logging.getLogger(__name__)

AGENT_TASKS_PATH = "/hooks/agent-tasks"
SIGNATURE_HEADER = "X-Chatops-Signature"
SIGNATURE_PREFIX = "sha256="
MAX_BODY = 64 * 1024
REQUESTER_LABEL = "webhook"


class Refusal(Exception):
    """A request the hook answers with an error status and a JSON body, never a trace."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}

    def response(self) -> web.Response:
        """The refusal as a JSON response."""
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return web.json_response(self.body, status=self.status, headers=headers)


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-Chatops-Signature`` value for ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    # Header values may hold any character; compare_digest on str accepts ASCII only.
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def authenticated(request: web.Request, body: bytes, secret: str) -> bool:
    """Whether the request carries the secret as a bearer token or a valid body signature."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and _same(token.strip(), secret):
        return True
    signed = request.headers.get(SIGNATURE_HEADER)
    return signed is not None and _same(signed.strip(), signature(secret.encode(), body))


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The raw body, refused with 413 once it passes ``limit`` bytes (declared or sent)."""
    too_large = Refusal(413, f"the body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def parse_task(request: web.Request, body: bytes) -> AgentTask:
    """The agent task in a JSON body, checked as a new task; refusals name every field that
    is wrong."""
    if request.content_type != "application/json" and not request.content_type.endswith("+json"):
        raise Refusal(415, "send the task as JSON (Content-Type: application/json)")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as err:
        raise Refusal(
            400, f"the body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    except (ValueError, RecursionError):  # not UTF-8, or nested too deep to parse
        raise Refusal(400, "the body is not valid JSON") from None
    try:
        return NewAgentTask.model_validate(data)
    except ValidationError as err:
        problems = [
            {
                "field": ".".join(str(part) for part in problem["loc"]) or "(top level)",
                "message": problem["msg"],
            }
            for problem in err.errors()
        ]
        raise Refusal(400, "not a valid agent task", problems=problems) from None


@dataclass(frozen=True)
class AgentTaskHook:
    """The webhook's handler: starts tasks with ``settings`` (queue, approvals, secret)."""

    client: Client
    settings: Settings
    ui_url: str | None = None

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate, validate, start; every answer is JSON."""
        try:
            task = await self._task_from(request)
            started = await start_agent_task(
                self.client,
                self.settings,
                task,
                ui_url=self.ui_url,
                requester_label=REQUESTER_LABEL,
            )
        except Refusal as refusal:
            return refusal.response()
        except TemporalUnreachable as err:
            log.warning("agent-task webhook: %s", err)
            return Refusal(503, f"{err}; try again shortly").response()
        if started.already_started:
            log.info("agent-task webhook: %s already started", started.workflow_id)
            return web.json_response(
                {"workflow_id": started.workflow_id, "already_started": True}, status=200
            )
        log.info("agent-task webhook: started %s", started.workflow_id)
        return web.json_response({"workflow_id": started.workflow_id}, status=202)

    async def _task_from(self, request: web.Request) -> AgentTask:
        if self.settings.webhook_secret is None:
            raise Refusal(
                503, "the agent-task webhook is disabled: set CHATOPS_WEBHOOK_SECRET to enable it"
            )
        secret = self.settings.webhook_secret.get_secret_value()
        if "Authorization" not in request.headers and SIGNATURE_HEADER not in request.headers:
            raise Refusal(401, f"authenticate with a bearer token or {SIGNATURE_HEADER}")
        body = await read_body(request)
        if not authenticated(request, body, secret):
            log.warning("agent-task webhook: refused a request with wrong credentials")
            raise Refusal(401, "wrong credentials")
        return parse_task(request, body)
