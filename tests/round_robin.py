"""A round-robin HTTP reverse proxy on loopback, as a load balancer in front of bot replicas.

Each request goes to the next backend in turn, with its method, path, body and headers as
they came (Slack's signature covers the body and the timestamp header, so both pass
untouched). A backend that cannot be reached, or that drops the connection before answering,
gets the client a ``502 Bad Gateway`` (AWS's Application Load Balancer documents 502 for a
target that refuses or resets the connection); the request is not sent to another backend,
since a POST may have been taken already. Slack shows a person whose click got a 502
``dispatch_failed``. As nginx does (``max_fails=1 fail_timeout=...``), a backend that failed
is then left out for :data:`FAIL_TIMEOUT` and tried again after.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from benchmarks.processes import free_port

log = logging.getLogger(__name__)

# Headers that belong to one hop, not to the request (RFC 9110, section 7.6.1).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}
)
# Longer than Slack's 3 s: the stand-in gives up first, as Slack would.
BACKEND_TIMEOUT = aiohttp.ClientTimeout(total=10)
# nginx's default is 10 s; shorter here, so a dead bot keeps getting a share of a short load.
FAIL_TIMEOUT = 2.0


class RoundRobinProxy:
    """Spreads requests over ``backends`` (base URLs such as ``http://127.0.0.1:3000``).

    Attributes:
        sent: Requests answered by each backend, by base URL.
        bad_gateway: Requests answered 502 because their backend failed, by base URL.
        in_flight: Requests sent to each backend and not answered yet, by base URL.
    """

    def __init__(self, backends: Sequence[str]) -> None:
        if not backends:
            raise ValueError("a proxy needs at least one backend")
        self.backends = [url.rstrip("/") for url in backends]
        self.sent: Counter[str] = Counter()
        self.bad_gateway: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self._turn = itertools.cycle(self.backends)
        self._down_until: dict[str, float] = {}
        self._session: aiohttp.ClientSession | None = None

    def _next(self) -> str:
        """The next backend in turn that has not failed lately (any, when all have)."""
        now = time.monotonic()
        for _ in self.backends:
            backend = next(self._turn)
            if self._down_until.get(backend, 0.0) <= now:
                return backend
        return next(self._turn)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Forward ``request`` to the next backend and answer with its response, or 502."""
        backend = self._next()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = await request.read()
        assert self._session is not None
        self.in_flight[backend] += 1
        try:
            async with self._session.request(
                request.method,
                backend + request.rel_url.raw_path_qs,
                data=body,
                headers=headers,
                timeout=BACKEND_TIMEOUT,
                allow_redirects=False,
            ) as answer:
                content = await answer.read()
                status, content_type = answer.status, answer.headers.get("Content-Type")
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("backend %s failed: %s", backend, type(exc).__name__)
            self.bad_gateway[backend] += 1
            self._down_until[backend] = time.monotonic() + FAIL_TIMEOUT
            return web.Response(status=502, text="Bad Gateway")
        finally:
            self.in_flight[backend] -= 1
        self.sent[backend] += 1
        response = web.Response(status=status, body=content)
        if content_type is not None:
            response.headers["Content-Type"] = content_type
        return response

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Listen on a free loopback port until the block ends; its base URL."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        site = web.TCPSite(runner, "127.0.0.1", port)
        # A fresh connection per request: a pooled one to a killed backend would fail as a
        # reset rather than a refusal, and no load balancer keeps a dead target's sockets.
        connector = aiohttp.TCPConnector(force_close=True)
        self._session = aiohttp.ClientSession(connector=connector)
        try:
            await site.start()
            yield f"http://127.0.0.1:{port}"
        finally:
            await self._session.close()
            await runner.cleanup()
