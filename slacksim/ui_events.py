"""Live updates for the web page: a version number that moves when the workspace changes.

The workspace has no change hooks, so the tracker compares a digest of its JSON dump when
asked for the version: by the page's state request, and by each open event stream after every
request that may have changed something (a middleware wakes the streams) and every half
second (changes made in-process, such as ``sim.reset()``, have no request). With no page
listening, a request costs nothing more: the dump grows with the workspace, and thousands of
cards would make every post pay for all of them. The page learns new versions over
Server-Sent Events and then fetches the state again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

logger = logging.getLogger(__name__)

# How often a listening page's stream re-checks the workspace for in-process changes.
CHECK_INTERVAL_S = 0.5
# A comment line this often keeps proxies from closing the stream and finds gone clients.
KEEPALIVE_S = 10.0
# What EventSource waits before reconnecting, in milliseconds.
RETRY_MS = 2000
# Requests that never change the workspace: the page itself, inspection, Socket Mode.
_READ_ONLY_PREFIXES = ("/_sim/ui/", "/ui/", "/link/")


class ChangeTracker:
    """Counts workspace changes and wakes the event streams that wait for one.

    Args:
        snapshot: Returns the JSON-ready state whose changes count.
    """

    def __init__(self, snapshot: Callable[[], Any]) -> None:
        self._snapshot = snapshot
        self._digest = self._compute()
        self._waiters: set[asyncio.Event] = set()
        self.version = 1
        self.closed = False

    def _compute(self) -> bytes:
        dumped = json.dumps(self._snapshot(), sort_keys=True, default=str).encode()
        return hashlib.blake2b(dumped, digest_size=16).digest()

    def refresh(self) -> int:
        """Bump the version if the workspace changed since the last look; return it."""
        digest = self._compute()
        if digest != self._digest:
            self._digest = digest
            self.version += 1
            self._wake()
        return self.version

    def poke(self) -> None:
        """Something may have changed: the open streams look (none open: nothing to do)."""
        self._wake()

    def _wake(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    async def wait(self, seconds: float) -> None:
        """Return after the next change, on close, or after ``seconds``."""
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            async with asyncio.timeout(seconds):
                await waiter.wait()
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    async def close(self, app: web.Application | None = None) -> None:
        """End every event stream (an ``on_shutdown`` hook: open streams would delay it)."""
        self.closed = True
        self._wake()


def may_change(request: web.Request) -> bool:
    """Whether a request can have changed the workspace (so the version is worth checking)."""
    path = request.path
    if path.startswith(_READ_ONLY_PREFIXES) or path == "/":
        return False
    if path.startswith("/_sim/"):
        return request.method != "GET"
    return path.startswith(("/api/", "/hooks/"))


def change_middleware(tracker: ChangeTracker) -> Callable[..., Any]:
    """An aiohttp middleware that has the open streams re-check the workspace after each
    changing request."""

    @web.middleware
    async def track_changes(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        finally:
            if may_change(request):
                tracker.poke()

    return track_changes


def _event(version: int) -> bytes:
    return f"data: {json.dumps({'version': version})}\n\n".encode()


async def stream_events(tracker: ChangeTracker, request: web.Request) -> web.StreamResponse:
    """``GET /_sim/ui/events``: ``data: {"version": N}`` now and after every change."""
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    loop = asyncio.get_running_loop()
    sent = 0
    last_write = loop.time()
    try:
        await response.write(f"retry: {RETRY_MS}\n\n".encode())
        while not tracker.closed:
            version = tracker.refresh()
            if version != sent:
                await response.write(_event(version))
                sent, last_write = version, loop.time()
            elif loop.time() - last_write >= KEEPALIVE_S:
                await response.write(b": keepalive\n\n")
                last_write = loop.time()
            await tracker.wait(CHECK_INTERVAL_S)
    except ConnectionResetError:
        logger.debug("event stream client went away")
    return response
