"""Fixtures for slacksim: a running sim, a real AsyncWebClient on it, and a fake bot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, SlackSim, running_sim


class FakeClock:
    """A wall clock that only moves when told to."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Received:
    """One request the fake bot accepted, signature checked."""

    content_type: str
    raw: str
    data: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    """What the fake bot answers."""

    status: int = 200
    body: str = ""
    content_type: str = "text/plain"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeBot:
    """An HTTP endpoint that verifies Slack signatures like Bolt, records and answers."""

    url: str = ""
    secret: str = DEFAULT_SIGNING_SECRET
    reply: Reply = field(default_factory=Reply)
    received: list[Received] = field(default_factory=list)
    rejected: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.text()
        verifier = SignatureVerifier(self.secret)
        if not verifier.is_valid_request(raw, dict(request.headers)):
            self.rejected += 1
            return web.json_response({"error": "invalid request"}, status=401)
        if request.content_type == "application/json":
            # Events arrive as a JSON body; interactions and commands form-encoded.
            data = json.loads(raw)
        else:
            fields = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            data = json.loads(fields["payload"]) if "payload" in fields else fields
        self.received.append(Received(request.content_type, raw, data, dict(request.headers)))
        if self.reply.delay:
            await asyncio.sleep(self.reply.delay)
        return web.Response(
            status=self.reply.status,
            text=self.reply.body,
            content_type=self.reply.content_type,
            headers=self.reply.headers,
        )


# The sim's own tests run a slash command and call users.info, which the project's manifest
# does not declare; the `sim` fixture grants them on top of it.
SIM_TEST_SCOPES = ("users:read",)
SIM_TEST_COMMANDS = ("/workflow",)


@pytest.fixture
async def sim() -> AsyncIterator[SlackSim]:
    """A running sim on a free 127.0.0.1 port: the project's manifest plus the test extras."""
    async with running_sim() as running:
        running.workspace.manifest = running.workspace.manifest.extended(
            scopes=SIM_TEST_SCOPES, commands=SIM_TEST_COMMANDS
        )
        yield running


@pytest.fixture
async def slack(sim: SlackSim) -> AsyncIterator[AsyncWebClient]:
    """The real slack_sdk client pointed at the sim, without retries."""
    web_client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url, retry_handlers=[])
    yield web_client


@pytest.fixture
async def bot(sim: SlackSim) -> AsyncIterator[FakeBot]:
    """A fake bot on a free port; the sim delivers to it."""
    fake = FakeBot()
    app = web.Application()
    app.router.add_post("/slack/events", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    sim.bot_url = fake.url
    try:
        yield fake
    finally:
        await runner.cleanup()
