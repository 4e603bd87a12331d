"""The demo's refunds and changes are served only when CHATOPS_DEMO_ENDPOINTS asks for them
(``chatops up --demo`` does, for its bot): a production bot never takes refunds."""

from __future__ import annotations

from typing import cast

import aiohttp
import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client

from bot.main import serve_http
from orchestration.settings import Settings
from tests.helpers import free_port


async def refunds_answer(demo: bool) -> tuple[int, int]:
    """The statuses of ``POST`` then ``GET /demo/refunds`` on a bot served as ``chatops bot``
    serves it, with the setting on or off."""
    settings = Settings(bot_port=free_port(), demo_endpoints=demo, slack_bot_token=None)
    runner = await serve_http(
        cast(AsyncApp, object()),  # no signing secret: Slack's route is not served
        cast(Client, object()),
        settings,
        None,
        cast(AsyncWebClient, object()),
    )
    base = f"http://127.0.0.1:{settings.bot_port}/demo/refunds"
    try:
        refund = {"order_id": "ORD-1", "amount": "7500"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(base, json=refund) as posted,
            session.get(base) as listed,
        ):
            return posted.status, listed.status
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("demo", "statuses"), [(True, (201, 200)), (False, (404, 404))])
async def test_demo_endpoints_only_with_the_setting(demo: bool, statuses: tuple[int, int]) -> None:
    assert await refunds_answer(demo) == statuses


def test_the_setting_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHATOPS_DEMO_ENDPOINTS", raising=False)
    assert Settings().demo_endpoints is False
    monkeypatch.setenv("CHATOPS_DEMO_ENDPOINTS", "true")
    assert Settings().demo_endpoints is True
