"""``GET /readyz``: 200 when Temporal and Slack answer, 503 naming what does not; Slack's
answer kept a few seconds. The last tests use a real Temporal server and the Slack stand-in
over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.slack_response import SlackResponse
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from bot.readiness import READYZ_PATH, Readiness
from bot.slack_errors import counting_web_client
from slacksim import DEFAULT_BOT_TOKEN, SlackSim, running_sim
from tests.bot.listeners.fakes import rpc_error
from tests.helpers import free_port
from tests.stack import serve


class FakeService:
    def __init__(self, error: Exception | None) -> None:
        self.error, self.calls = error, 0

    async def get_system_info(self, *_: Any, **__: Any) -> object:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return object()


class FakeTemporal:
    def __init__(self, error: Exception | None = None) -> None:
        self.workflow_service = FakeService(error)


class FakeSlack:
    def __init__(self, error: str | None = None) -> None:
        self.error, self.calls = error, 0

    async def auth_test(self) -> dict[str, Any]:
        self.calls += 1
        if self.error is not None:
            data = {"ok": False, "error": self.error}
            response = SlackResponse(
                client=None,
                http_verb="POST",
                api_url="auth.test",
                req_args={},
                data=data,
                headers={},
                status_code=200,
            )
            raise SlackApiError("no", response)
        return {"ok": True}


def readiness(temporal: FakeTemporal, slack: FakeSlack, clock: list[float]) -> Readiness:
    return Readiness(cast(Client, temporal), cast(AsyncWebClient, slack), clock=lambda: clock[0])


@pytest.mark.unit
@pytest.mark.parametrize(
    ("temporal", "slack", "ready", "down", "details"),
    [
        (None, None, True, [], ("ok", "ok")),
        (rpc_error(RPCStatusCode.UNAVAILABLE), None, False, ["temporal"], ("unavailable", "ok")),
        (TimeoutError(), "invalid_auth", False, ["temporal", "slack"], ("timeout", "invalid_auth")),
        (None, "account_inactive", False, ["slack"], ("ok", "account_inactive")),
    ],
)
async def test_the_report_names_what_is_down(
    temporal: Exception | None, slack: str | None, ready: bool, down: list[str], details: tuple
) -> None:
    checks = readiness(FakeTemporal(temporal), FakeSlack(slack), [0.0])
    assert await checks.report() == (
        ready,
        {
            "ready": ready,
            "down": down,
            "temporal": {"ok": temporal is None, "detail": details[0]},
            "slack": {"ok": slack is None, "detail": details[1]},
        },
    )


@pytest.mark.unit
async def test_slacks_answer_is_kept_for_a_few_seconds_temporal_is_asked_each_time() -> None:
    temporal, slack, clock = FakeTemporal(), FakeSlack("invalid_auth"), [100.0]
    checks = readiness(temporal, slack, clock)
    for _ in range(3):
        assert (await checks.report())[1]["down"] == ["slack"]
    assert (slack.calls, temporal.workflow_service.calls) == (1, 3)
    slack.error = None
    clock[0] += 4.9
    assert (await checks.report())[0] is False
    clock[0] += 0.2
    assert (await checks.report())[0] is True
    assert slack.calls == 2


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SlackSim]:
    async with running_sim() as running:
        yield running


async def readyz(client: Client, slack: AsyncWebClient) -> tuple[int, dict[str, Any]]:
    """Serve ``/readyz`` alone on a free port and ask it once over HTTP."""
    app = web.Application()
    app.router.add_get(READYZ_PATH, Readiness(client, slack).handle)
    runner, port = await serve(app)
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}{READYZ_PATH}") as response,
        ):
            return response.status, await response.json()
    finally:
        await runner.cleanup()


async def test_ready_when_temporal_and_slack_answer(
    env: WorkflowEnvironment, sim: SlackSim
) -> None:
    slack = counting_web_client(DEFAULT_BOT_TOKEN, sim.api_url)
    status, body = await readyz(env.client, slack)
    assert (status, body["ready"], body["down"]) == (200, True, [])


async def test_not_ready_naming_temporal_when_its_port_is_closed(sim: SlackSim) -> None:
    nowhere = await Client.connect(
        f"127.0.0.1:{free_port()}", lazy=True, data_converter=pydantic_data_converter
    )
    slack = counting_web_client(DEFAULT_BOT_TOKEN, sim.api_url)
    status, body = await readyz(nowhere, slack)
    assert (status, body["ready"], body["down"]) == (503, False, ["temporal"])
    assert body["temporal"]["ok"] is False and body["slack"] == {"ok": True, "detail": "ok"}


async def test_not_ready_naming_slack_when_slack_answers_an_error(
    env: WorkflowEnvironment, sim: SlackSim
) -> None:
    slack = counting_web_client("xoxb-not-the-workspaces-token", sim.api_url)
    status, body = await readyz(env.client, slack)
    assert (status, body["down"], body["slack"]) == (
        503,
        ["slack"],
        {"ok": False, "detail": "invalid_auth"},
    )
    assert "xoxb" not in str(body)
