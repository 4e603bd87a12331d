"""Only the stand-in's own page and programs on this machine may drive it.

The control API (``/_sim/*``) clicks, submits, resets and injects faults as anyone, with no
credentials: that is its job. A web page the user happens to visit must not be able to do the
same. Browsers send a cross-site form post (``application/x-www-form-urlencoded``,
``text/plain``) without asking first, and a DNS-rebinding page reaches 127.0.0.1 under a host
name of its own. So, for every request:

- ``Host`` must name the stand-in itself: a loopback name and its port;
- an ``Origin``, when sent, must be the stand-in's own (``http://`` + that ``Host``);
- a state-changing ``/_sim/*`` request (any method but GET, HEAD, OPTIONS) must be
  ``application/json``, which another origin can only send after a CORS preflight that the
  stand-in never grants.

Refusals are JSON, ``{"ok": false, "error": ...}``: 403 for Host or Origin, 415 for the type.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web
from aiohttp.typedefs import Middleware

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_sim/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
UNSPECIFIED = frozenset({"", "0.0.0.0", "::"})
JSON = "application/json"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Bound(Protocol):
    """Where the stand-in listens (its ``host`` and ``port`` once started)."""

    host: str
    port: int


def own_hosts(server: Bound) -> frozenset[str]:
    """The ``Host`` values that name the stand-in: loopback names, and the address it is
    bound to when that is a single one, each with its port."""
    names = set(LOOPBACK_NAMES)
    if server.host not in UNSPECIFIED:
        names.add(f"[{server.host}]" if ":" in server.host else server.host)
    return frozenset(f"{name}:{server.port}" for name in names)


def refusal(request: web.Request, server: Bound) -> tuple[int, str] | None:
    """Why the request may not reach the stand-in, as a status and message; None if it may."""
    host = request.headers.get("Host", "").lower()
    if host not in own_hosts(server):
        return 403, f"the Host header must name this stand-in (127.0.0.1:{server.port})"
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != f"http://{host}":
        return 403, "requests from other origins are refused; use the stand-in's own page"
    changes = request.path.startswith(CONTROL_PREFIX) and request.method not in SAFE_METHODS
    if changes and request.content_type != JSON:
        return 415, f"send {request.method} {request.path} with Content-Type: {JSON}"
    return None


def guard_middleware(server: Bound) -> Middleware:
    """An aiohttp middleware applying :func:`refusal` before any handler runs."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        refused = refusal(request, server)
        if refused is None:
            return await handler(request)
        status, message = refused
        logger.warning("slacksim refused %s %s: %s", request.method, request.path, message)
        return web.json_response({"ok": False, "error": message}, status=status)

    return guard
