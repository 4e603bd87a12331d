"""Fixtures of the slash-command tests that need more than the shared stack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp import web
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from commands.workflow.pending_index import forget_hints
from orchestration.devserver import ensure_search_attributes
from tests.commands.seeding import terminate_all, visible
from tests.helpers import PENDING_NAMESPACE
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


@pytest_asyncio.fixture
async def pending_client(env: WorkflowEnvironment) -> AsyncIterator[Client]:
    """A client of the namespace where the pending lists' tests seed requests, with the
    index's search attributes registered; empty as a test starts, emptied after it."""
    client = Client(
        env.client.service_client,
        namespace=PENDING_NAMESPACE,
        data_converter=pydantic_data_converter,
    )
    await ensure_search_attributes(client, namespace=PENDING_NAMESPACE)
    await visible(client, 0)
    forget_hints()  # what an earlier test's reads found in this namespace
    yield client
    await terminate_all(client)
    forget_hints()
