"""Slack's per-channel post limit, on demand: off by default, a token bucket per channel when
on, 429 with an integer Retry-After beyond it."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVALS_CHANNEL_NAME,
    GENERAL_CHANNEL_ID,
    PostLimits,
    SlackSim,
)
from tests.slacksim.conftest import FakeClock


@pytest.mark.unit
def test_a_bucket_per_channel_refills_at_the_rate() -> None:
    clock = FakeClock(100.0)
    limits = PostLimits(clock)
    assert [limits.take("C1") for _ in range(5)] == [None] * 5  # off: nothing limited

    limits.enable(rate=1.0, burst=2)
    assert [limits.take("C1") for _ in range(3)] == [None, None, 1]
    assert limits.take("C2") is None  # another channel has its own bucket
    clock.advance(0.5)
    assert limits.take("C1") == 1  # half a post refilled: wait for the other half
    clock.advance(0.5)
    assert limits.take("C1") is None
    clock.advance(10)
    assert [limits.take("C1") for _ in range(3)] == [None, None, 1]  # at most the burst

    record = limits.channels["C1"]
    assert record.admitted == [100.0, 100.0, 101.0, 111.0, 111.0]
    assert record.refused == [100.0, 100.5, 111.0]
    assert limits.refused() == 3


@pytest.mark.unit
def test_slow_rates_ask_to_wait_whole_seconds_and_bad_settings_are_refused() -> None:
    limits = PostLimits(FakeClock(0.0))
    limits.enable(rate=0.25, burst=1)
    assert (limits.take("C1"), limits.take("C1")) == (None, 4)
    for body in ({"rate": 0}, {"rate": "1"}, {"burst": 0}, {"burst": 1.5}, {"rate": 1e9}):
        with pytest.raises(ValueError):
            limits.configure_from_json(body)
    limits.configure_from_json({"enabled": False})
    assert limits.take("C1") is None


async def test_posts_over_the_limit_get_429_and_leave_no_message(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    sim.post_limits.enable(rate=0.001, burst=2)
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_NAME, text="one")  # by name
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="two")  # same channel
    with pytest.raises(SlackApiError) as refused:
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="three")
    await slack.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="elsewhere")
    await slack.chat_update(channel=APPROVALS_CHANNEL_ID, ts=refused_ts(sim), text="edited")

    assert refused.value.response.status_code == 429
    assert refused.value.response["error"] == "ratelimited"
    assert int(refused.value.response.headers["Retry-After"]) >= 1
    assert [m["text"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == ["edited", "two"]
    assert len(sim.post_limits.channels[APPROVALS_CHANNEL_ID].refused) == 1


def refused_ts(sim: SlackSim) -> str:
    """The first message in #approvals (chat.update is not limited per channel)."""
    return str(sim.messages(APPROVALS_CHANNEL_ID)[0]["ts"])


async def test_the_limit_over_http(sim: SlackSim) -> None:
    url = f"{sim.base_url}_sim/post-limit"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as shown:
            assert (await shown.json())["enabled"] is False
        async with http.post(url, json={"rate": 2, "burst": 4}) as on:
            assert (await on.json())["enabled"] is True
        assert (sim.post_limits.rate, sim.post_limits.burst) == (2.0, 4)
        async with http.post(url, json={"rate": -1}) as bad:
            assert bad.status == 400
        async with http.post(url, json=[1]) as bad_shape:
            assert bad_shape.status == 400
        async with http.post(url, json={"enabled": False}) as off:
            assert (await off.json())["enabled"] is False
    sim.post_limits.enable()
    sim.reset()
    assert sim.post_limits.enabled is False
