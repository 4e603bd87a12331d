"""Faults on demand: rate limits, server errors, lost answers and latency."""

from __future__ import annotations

import time

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import APPROVALS_CHANNEL_ID, SlackSim


async def test_ratelimit_is_a_429_with_retry_after(sim: SlackSim, slack: AsyncWebClient) -> None:
    sim.faults.add("chat.postMessage", "ratelimit", retry_after=7)

    with pytest.raises(SlackApiError) as failure:
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
    answer = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    assert failure.value.response.status_code == 429
    assert failure.value.response.headers["Retry-After"] == "7"
    assert failure.value.response["error"] == "ratelimited"
    assert [m["ts"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == [answer["ts"]]
    assert [c.status for c in sim.calls_to("chat.postMessage")] == [429, 200]


async def test_slack_sdk_retry_handler_honours_the_ratelimit(sim: SlackSim) -> None:
    sim.faults.add("chat.update", "ratelimit", retry_after=0)
    retrying = AsyncWebClient(
        token=sim.bot_token,
        base_url=sim.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    posted = await retrying.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    await retrying.chat_update(channel=APPROVALS_CHANNEL_ID, ts=posted["ts"], text="done")

    assert [c.status for c in sim.calls_to("chat.update")] == [429, 200]
    assert sim.message(APPROVALS_CHANNEL_ID, posted["ts"])["text"] == "done"


async def test_error_fault_stores_nothing(sim: SlackSim, slack: AsyncWebClient) -> None:
    sim.faults.add("chat.postMessage", "error", count=2, status=503)

    for _ in range(2):
        with pytest.raises(SlackApiError) as failure:
            await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
        assert failure.value.response.status_code == 503
        assert failure.value.response["error"] == "internal_error"
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    assert len(sim.messages(APPROVALS_CHANNEL_ID)) == 1
    assert sim.faults.pending() == []


async def test_store_then_error_posts_but_loses_the_answer(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    sim.faults.add("chat.postMessage", "store_then_error")

    with pytest.raises(SlackApiError) as failure:
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    assert failure.value.response.status_code == 500
    assert [m["text"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == ["card"]
    [call] = sim.calls_to("chat.postMessage")
    assert (call.status, call.ok, call.error) == (500, False, "internal_error")


async def test_latency_delays_the_answer(sim: SlackSim, slack: AsyncWebClient) -> None:
    sim.faults.add("auth.test", "latency", seconds=0.2)

    started = time.monotonic()
    answer = await slack.auth_test()

    assert time.monotonic() - started >= 0.2
    assert answer["ok"] is True


async def test_faults_over_http(sim: SlackSim, slack: AsyncWebClient) -> None:
    url = f"{sim.base_url}_sim/faults"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json={"method": "*", "kind": "error", "status": 502}) as added:
            assert (await added.json())["faults"][0]["status"] == 502
        async with http.post(url, json={"method": "x", "kind": "explode"}) as bad:
            assert bad.status == 400

        with pytest.raises(SlackApiError) as failure:
            await slack.users_info(user="U0APPROVE1")
        assert failure.value.response.status_code == 502

        sim.faults.add("auth.test", "ratelimit")
        async with http.delete(url, headers={"Content-Type": "application/json"}) as cleared:
            assert (await cleared.json())["faults"] == []
        async with http.get(url) as listed:
            assert (await listed.json())["applied"] == [{"method": "users.info", "kind": "error"}]
    assert (await slack.auth_test())["ok"] is True


def test_a_rate_hits_a_seeded_share_of_calls() -> None:
    from slacksim.faults import Faults

    def hits(seed: int) -> list[bool]:
        faults = Faults(seed)
        faults.add("chat.update", "error", count=1000, rate=0.3)
        return [faults.take("chat.update") is not None for _ in range(1000)]

    first = hits(7)
    assert 250 <= sum(first) <= 350
    assert hits(7) == first  # reproducible
    with pytest.raises(ValueError, match="rate"):
        Faults().add("chat.update", "error", rate=0)


async def test_every_fault_applied_is_recorded_and_kept_after_clearing(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    sim.faults.add("chat.postMessage", "store_then_error")
    sim.faults.add("*", "ratelimit", retry_after=0)

    for _ in range(2):
        with pytest.raises(SlackApiError):
            await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
    sim.faults.clear()
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    assert [(a.method, a.kind) for a in sim.faults.applied] == [
        ("chat.postMessage", "store_then_error"),
        ("chat.postMessage", "ratelimit"),
    ]
    sim.reset()
    assert sim.faults.applied == []
