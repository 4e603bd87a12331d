"""HTTP endpoints: ``/api/{method}``, ``/hooks/{token}`` (response_urls), ``/link/`` (Socket
Mode websockets) and ``/_sim/*``."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from slacksim import direct, files, views_api  # noqa: F401 (register their methods with the others)
from slacksim.api import METHODS, Handler, Params, Result, apply_response
from slacksim.errors import SlackError
from slacksim.faults import Fault
from slacksim.state import Workspace

if TYPE_CHECKING:
    from slacksim.server import SlackSim

# Slack names the granted scopes on every Web API answer.
APP_SCOPE_HEADERS = {"x-oauth-scopes": "connections:write"}
# Methods that take the app-level (xapp-) token; every other method takes the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
# A response_url that is unknown, expired or used up answers 404; other problems 400.
HOOK_GONE = frozenset({"invalid_token", "expired_url", "used_url"})
HOOK_METHOD = "response_url"
# The method Slack limits per channel (slacksim/post_limits.py).
POST_METHOD = "chat.postMessage"


@dataclass
class CallRecord:
    """One Web API call (or response_url POST) as the sim answered it.

    Attributes:
        method: Web API method name, or ``response_url``.
        params: The parameters, without the token.
        status: HTTP status answered.
        ok: The ``ok`` field answered.
        error: The ``error`` field answered, if any.
        at: ``time.monotonic()`` when the answer was ready.
    """

    method: str
    params: dict[str, Any]
    status: int
    ok: bool
    error: str | None
    at: float


def _failure(error: str, messages: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": error}
    if messages:
        body["response_metadata"] = {"messages": messages}
    return body


async def read_params(request: web.Request) -> tuple[Params, str | None]:
    """Read a call's parameters from the query string and a form or JSON body.

    Returns:
        The parameters without the token, and the token from ``Authorization: Bearer`` or
        the ``token`` parameter.

    Raises:
        SlackError: ``invalid_json`` for a JSON body that is not an object.
    """
    params: Params = dict(request.query)
    if request.can_read_body and request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise SlackError("invalid_json")
        params.update(body)
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    token = params.pop("token", None)
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth.removeprefix("Bearer ").strip()
    return params, (str(token) if token else None)


class Handlers:
    """The aiohttp handlers, bound to one sim."""

    def __init__(self, sim: SlackSim) -> None:
        self.sim = sim
        self.methods: dict[str, Handler] = {
            **METHODS,
            "apps.connections.open": self._connections_open,
        }

    def _connections_open(self, ws: Workspace, params: Params) -> Result:
        return self.sim.socket_mode.open_connection()

    def _token_error(self, method: str, token: str) -> str | None:
        expected = self.sim.app_token if method in APP_TOKEN_METHODS else self.sim.bot_token
        if token == expected:
            return None
        if token in (self.sim.app_token, self.sim.bot_token):
            return "not_allowed_token_type"
        return "invalid_auth"

    async def api(self, request: web.Request) -> web.Response:
        """Answer a Web API call and log it."""
        method = request.match_info["method"]
        try:
            params, token = await read_params(request)
            status, body, headers = await self._answer(method, params, token)
        except SlackError as exc:
            params, status, body, headers = {}, 200, _failure(exc.error), {}
        self._log(method, params, status, body.get("ok") is True, body.get("error"))
        return web.json_response(body, status=status, headers=headers)

    async def _answer(
        self, method: str, params: Params, token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        handler = self.methods.get(method)
        if handler is None:
            return 200, {**_failure("unknown_method"), "req_method": method}, {}
        if not token:
            return 200, _failure("not_authed"), {}
        token_error = self._token_error(method, token)
        if token_error is not None:
            return 200, _failure(token_error), {}
        fault = self.sim.faults.take(method)
        early = await self._early_fault(fault) or self._post_limited(method, params)
        if early is not None:
            return early
        try:
            body = handler(self.sim.workspace, params)
        except SlackError as exc:
            body = _failure(exc.error, exc.messages)
        if fault is not None and fault.kind == "store_then_error":
            # The effect above is kept: Slack acted, but the answer never arrived intact.
            return 500, _failure("internal_error"), {}
        scopes = {"x-oauth-scopes": self.sim.workspace.manifest.scope_header}
        return 200, body, APP_SCOPE_HEADERS if method in APP_TOKEN_METHODS else scopes

    async def _early_fault(
        self, fault: Fault | None
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        if fault is None:
            return None
        if fault.kind == "latency":
            await asyncio.sleep(fault.seconds)
        elif fault.kind == "ratelimit":
            return 429, _failure("ratelimited"), {"Retry-After": str(fault.retry_after)}
        elif fault.kind == "error":
            return fault.status, _failure("internal_error"), {}
        return None

    def _post_limited(
        self, method: str, params: Params
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """429 for a post over its channel's limit (when one is on); counted per channel id,
        whether the call names the channel or its id."""
        if method != POST_METHOD:
            return None
        ref = str(params.get("channel") or "")
        try:
            channel = self.sim.workspace.channel(ref).id
        except SlackError:
            channel = ref
        wait = self.sim.post_limits.take(channel)
        if wait is None:
            return None
        return 429, _failure("ratelimited"), {"Retry-After": str(wait)}

    def _log(self, method: str, params: Params, status: int, ok: bool, error: Any) -> None:
        error_code = None if error is None else str(error)
        record = CallRecord(method, params, status, ok, error_code, time.monotonic())
        self.sim.calls.append(record)

    async def hook(self, request: web.Request) -> web.Response:
        """Apply a POST to a response_url; answers ``ok`` as text, like Slack."""
        try:
            payload = await request.json()
        except json.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict):
            self._log(HOOK_METHOD, {}, 400, False, "invalid_payload")
            return web.Response(status=400, text="invalid_payload")
        try:
            apply_response(self.sim.workspace, request.match_info["token"], payload)
        except SlackError as exc:
            status = 404 if exc.error in HOOK_GONE else 400
            self._log(HOOK_METHOD, payload, status, False, exc.error)
            return web.Response(status=status, text=exc.error)
        self._log(HOOK_METHOD, payload, 200, True, None)
        return web.Response(text="ok")

    async def upload(self, request: web.Request) -> web.Response:
        """Take a file's bytes at the URL files.getUploadURLExternal gave."""
        response = await files.upload(request, self.sim.workspace)
        self._log("upload", {}, response.status, response.status == 200, None)
        return response

    async def download(self, request: web.Request) -> web.Response:
        """A shared file's content."""
        return await files.download(request, self.sim.workspace)

    async def calls(self, request: web.Request) -> web.Response:
        """``GET /_sim/calls``: the call log, oldest first."""
        return web.json_response([asdict(call) for call in self.sim.calls])

    async def deliveries(self, request: web.Request) -> web.Response:
        """``GET /_sim/deliveries``: the delivery log, oldest first."""
        return web.json_response([d.to_json() for d in self.sim.deliveries])

    async def state(self, request: web.Request) -> web.Response:
        """``GET /_sim/state``: everything, as JSON."""
        return web.json_response(self.sim.dump())

    async def reset(self, request: web.Request) -> web.Response:
        """``POST /_sim/reset``: reseed and forget calls, deliveries and faults."""
        self.sim.reset()
        return web.json_response({"ok": True})

    async def faults(self, request: web.Request) -> web.Response:
        """``GET``: pending faults (and those applied so far); ``POST`` a fault or a list of
        them; ``DELETE``: clear the plan."""
        if request.method == "DELETE":
            self.sim.faults.clear()
        elif request.method == "POST":
            try:
                body = await request.json()
                for item in body if isinstance(body, list) else [body]:
                    self.sim.faults.add_from_json(item)
            except (json.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=400)
        faults = self.sim.faults
        applied = [asdict(fault) for fault in faults.applied]
        return web.json_response({"ok": True, "faults": faults.pending(), "applied": applied})

    async def post_limit(self, request: web.Request) -> web.Response:
        """``GET``: the per-channel post limit and what it admitted and refused; ``POST``
        ``{"rate": 1, "burst": 3}`` turns it on, ``{"enabled": false}`` off."""
        if request.method == "POST":
            try:
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                self.sim.post_limits.configure_from_json(body)
            except (json.JSONDecodeError, ValueError) as exc:
                return web.json_response({"ok": False, "error": str(exc)}, status=400)
        return web.json_response({"ok": True, **self.sim.post_limits.to_json()})


def add_routes(app: web.Application, sim: SlackSim) -> None:
    """Route every endpoint of the sim on ``app``."""
    handlers = Handlers(sim)
    app.router.add_route("*", "/api/{method}", handlers.api)
    app.router.add_post("/hooks/{token}", handlers.hook)
    app.router.add_post(files.UPLOAD_PATH, handlers.upload)
    app.router.add_get("/files/{file_id}/{name}", handlers.download)
    app.router.add_get("/link/", sim.socket_mode.handle)
    app.router.add_get("/_sim/calls", handlers.calls)
    app.router.add_get("/_sim/deliveries", handlers.deliveries)
    app.router.add_get("/_sim/state", handlers.state)
    app.router.add_post("/_sim/reset", handlers.reset)
    for verb in ("GET", "POST", "DELETE"):
        app.router.add_route(verb, "/_sim/faults", handlers.faults)
    for verb in ("GET", "POST"):
        app.router.add_route(verb, "/_sim/post-limit", handlers.post_limit)
