"""``GET /metrics`` over real HTTP: signed Slack requests through the bot on a port of its own,
its Slack calls going to the stand-in over HTTP, and the page showing what moved by exactly
how much. Temporal is a stand-in here (decisions are judged by the bot, then signalled)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest_asyncio

from activities.cards import APPROVE_ACTION
from bot.app import EVENTS_PATH, build_app, build_web_app
from bot.slack_errors import counting_web_client
from slacksim import (
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    OUTSIDER_ID,
    SlackSim,
    running_sim,
)
from tests.bot.listeners.fakes import NOW, FakeHandle, FakeTemporal, approval_state
from tests.bot.listeners.payloads import click_body, interaction, signed_request
from tests.prometheus import key, moved, scrape
from tests.stack import serve

WAITED = 42.0


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SlackSim]:
    async with running_sim() as running:
        yield running


async def post_click(
    session: aiohttp.ClientSession, url: str, user: str, clicked: str, sim: SlackSim
) -> int:
    """POST one signed click, as Slack would; the status answered."""
    payload = click_body(user, APPROVE_ACTION, action_ts=clicked)
    payload["response_url"] = f"{sim.base_url}responses/1"
    body = interaction(payload)
    signed = signed_request(body, secret=DEFAULT_SIGNING_SECRET)
    headers = {name: values[0] for name, values in signed.headers.items()}
    async with session.post(url, data=body.encode(), headers=headers) as response:
        return response.status


async def test_metrics_move_by_what_the_requests_did(sim: SlackSim) -> None:
    temporal = FakeTemporal()
    waiting_since = NOW - timedelta(minutes=5)
    handle: FakeHandle = temporal.waiting(approval_state(requested_at=waiting_since))
    slack = counting_web_client(DEFAULT_BOT_TOKEN, sim.api_url)
    app = build_app(slack, DEFAULT_SIGNING_SECRET, temporal)  # type: ignore[arg-type]
    runner, port = await serve(build_web_app(app, signing_secret=DEFAULT_SIGNING_SECRET))
    base = f"http://127.0.0.1:{port}"
    # The bot asks auth.test on its first request: Slack failing it fails that request.
    sim.faults.add("auth.test", "error", status=500)
    clicked = f"{(waiting_since + timedelta(seconds=WAITED)).timestamp():.6f}"
    try:
        before = await scrape(f"{base}/metrics")
        async with aiohttp.ClientSession() as session:
            statuses = [
                await post_click(session, f"{base}{EVENTS_PATH}", user, clicked, sim)
                for user in (APPROVER_ID, APPROVER_ID, OUTSIDER_ID)
            ]
        after = await scrape(f"{base}/metrics")
    finally:
        await runner.cleanup()

    assert statuses == [500, 200, 200]
    assert [sent.arg.user_id for sent in handle.sent] == [APPROVER_ID]
    changes = moved(before, after)
    took = changes.pop(key("chatops_slack_request_seconds_sum", type="block_actions"))
    assert took > 0
    # Buckets: the +Inf one counts every observation; the others are where they fell.
    assert {k: v for k, v in changes.items() if not k[0].endswith("_bucket")} == {
        key("chatops_slack_requests_total", type="block_actions", status="500"): 1,
        key("chatops_slack_requests_total", type="block_actions", status="200"): 2,
        key("chatops_slack_request_seconds_count", type="block_actions"): 3,
        key("chatops_slack_api_errors_total", method="auth.test", error="internal_error"): 1,
        key("chatops_decisions_total", kind="order", verdict="approve", outcome="accepted"): 1,
        key("chatops_decisions_total", kind="order", verdict="approve", outcome="refused"): 1,
        key("chatops_decision_refusals_total", reason="not_an_approver"): 1,
        key("chatops_decision_wait_seconds_count", kind="order"): 1,
        key("chatops_decision_wait_seconds_sum", kind="order"): WAITED,
    }
    every = key("chatops_slack_request_seconds_bucket", type="block_actions", le="+Inf")
    assert changes[every] == 3
    wait_buckets = {
        dict(labels)["le"]: change
        for (name, labels), change in changes.items()
        if name == "chatops_decision_wait_seconds_bucket"
    }
    assert min(wait_buckets, key=float) == "60.0" and set(wait_buckets.values()) == {1}
