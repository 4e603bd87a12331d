"""Fixtures of the slash-command tests that need more than the shared stack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp import web

from tests.stack import serve


@pytest_asyncio.fixture
async def slow_page() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A page that answers once released: a scrape run that fetches it stays active."""
    release = asyncio.Event()

    async def slow(_: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="<title>slow</title>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/slow", slow)
    runner, port = await serve(app)
    yield f"http://127.0.0.1:{port}/slow", release
    release.set()
    await runner.cleanup()
