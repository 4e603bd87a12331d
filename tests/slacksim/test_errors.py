"""Error answers: HTTP 200 with ``{"ok": false, "error": ...}``, as Slack gives them."""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    GENERAL_CHANNEL_ID,
    OUTSIDER_ID,
    TRIGGER_TTL_S,
    SlackSim,
    running_sim,
)
from tests.slacksim.cards import reason_modal
from tests.slacksim.conftest import FakeClock

MISSING_TS = "1700000000.000001"


async def error_of(call: Awaitable[Any]) -> str:
    """Await a Web API call that must fail with HTTP 200; return its error code."""
    with pytest.raises(SlackApiError) as failure:
        await call
    assert failure.value.response.status_code == 200
    return str(failure.value.response["error"])


async def test_token_problems(sim: SlackSim) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=sim.api_url, retry_handlers=[])
    missing = AsyncWebClient(base_url=sim.api_url, retry_handlers=[])

    assert await error_of(wrong.auth_test()) == "invalid_auth"
    assert await error_of(missing.auth_test()) == "not_authed"
    assert [call.error for call in sim.calls_to("auth.test")] == ["invalid_auth", "not_authed"]


async def test_unknown_method(slack: AsyncWebClient) -> None:
    assert await error_of(slack.api_call("chat.teleport")) == "unknown_method"


async def test_post_message_errors(sim: SlackSim, slack: AsyncWebClient) -> None:
    # slack_sdk itself warns about a missing text, so the empty message goes out raw.
    empty = {"channel": APPROVALS_CHANNEL_ID, "text": ""}

    unknown_channel = await error_of(slack.chat_postMessage(channel="#nowhere", text="hi"))
    no_text = await error_of(slack.api_call("chat.postMessage", json=empty))
    no_thread = await error_of(
        slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="hi", thread_ts=MISSING_TS)
    )

    assert (unknown_channel, no_text, no_thread) == (
        "channel_not_found",
        "no_text",
        "thread_not_found",
    )
    assert sim.messages(APPROVALS_CHANNEL_ID) == []


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "no_such_block"}],
        [{"type": "section"}],
        [{"type": "actions", "elements": [{"type": "button", "text": "x" * 76, "action_id": "a"}]}],
        [{"type": "divider"}] * 51,
    ],
    ids=["unknown-type", "section-without-text", "button-text-too-long", "51-blocks"],
)
async def test_invalid_blocks(
    sim: SlackSim, slack: AsyncWebClient, blocks: list[dict[str, Any]]
) -> None:
    post = slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card", blocks=blocks)

    assert await error_of(post) == "invalid_blocks"
    assert sim.messages(APPROVALS_CHANNEL_ID) == []
    [call] = sim.calls_to("chat.postMessage")
    assert (call.status, call.ok, call.error) == (200, False, "invalid_blocks")


async def test_invalid_blocks_come_with_details(slack: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as failure:
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="x", blocks=[{}])

    messages = failure.value.response["response_metadata"]["messages"]
    assert messages == ["[ERROR] unsupported type [json-pointer:/0/type]"]


async def test_fifty_blocks_are_fine(slack: AsyncWebClient) -> None:
    answer = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="long", blocks=[{"type": "divider"}] * 50
    )

    assert len(answer["message"]["blocks"]) == 50


async def test_update_errors(slack: AsyncWebClient) -> None:
    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    by_name = await error_of(slack.chat_update(channel="approvals", ts=posted["ts"], text="x"))
    missing = await error_of(
        slack.chat_update(channel=APPROVALS_CHANNEL_ID, ts=MISSING_TS, text="x")
    )

    assert (by_name, missing) == ("channel_not_found", "message_not_found")


async def test_ephemeral_needs_membership(sim: SlackSim, slack: AsyncWebClient) -> None:
    sim.workspace.channels[GENERAL_CHANNEL_ID].members.discard(OUTSIDER_ID)
    post = slack.chat_postEphemeral(channel=GENERAL_CHANNEL_ID, user=OUTSIDER_ID, text="psst")

    assert await error_of(post) == "user_not_in_channel"
    assert sim.ephemerals(OUTSIDER_ID) == []


async def test_lookup_errors(slack: AsyncWebClient) -> None:
    assert await error_of(slack.users_info(user="U0NOBODY00")) == "user_not_found"
    assert await error_of(slack.usergroups_users_list(usergroup="S0NOPE")) == "no_such_subteam"
    assert await error_of(slack.conversations_info(channel="general")) == "channel_not_found"


async def test_trigger_is_single_use(sim: SlackSim, slack: AsyncWebClient) -> None:
    trigger = sim.workspace.new_trigger(APPROVER_ID)

    opened = await slack.views_open(trigger_id=trigger, view=reason_modal())
    reused = await error_of(slack.views_open(trigger_id=trigger, view=reason_modal()))
    unknown = await error_of(slack.views_open(trigger_id="1.2.nope", view=reason_modal()))

    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["state"] == {"values": {}}
    assert (reused, unknown) == ("exchanged_trigger_id", "invalid_trigger_id")
    assert [v["id"] for v in sim.open_views(APPROVER_ID)] == [opened["view"]["id"]]


async def test_trigger_expires_after_three_seconds() -> None:
    clock = FakeClock(time.time())
    async with running_sim(clock=clock) as sim:
        slack = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url, retry_handlers=[])
        fresh = sim.workspace.new_trigger(APPROVER_ID)
        stale = sim.workspace.new_trigger(APPROVER_ID)
        clock.advance(TRIGGER_TTL_S - 0.1)
        await slack.views_open(trigger_id=fresh, view=reason_modal())
        clock.advance(0.2)

        expired = await error_of(slack.views_open(trigger_id=stale, view=reason_modal()))

    assert expired == "expired_trigger_id"


@pytest.mark.parametrize(
    "view",
    [
        reason_modal(title="A title longer than 24 ch"),
        {**reason_modal(), "blocks": [{"type": "divider"}] * 101},
        {**reason_modal(), "type": "home"},
    ],
    ids=["long-title", "101-blocks", "not-a-modal"],
)
async def test_views_open_rejects_bad_modals(
    sim: SlackSim, slack: AsyncWebClient, view: dict[str, Any]
) -> None:
    trigger = sim.workspace.new_trigger(APPROVER_ID)

    assert await error_of(slack.views_open(trigger_id=trigger, view=view)) == "invalid_arguments"
    # A rejected view leaves the trigger unused, so the bot can fix the view and retry.
    retried = await slack.views_open(trigger_id=trigger, view=reason_modal())
    assert retried["view"]["title"]["text"] == "Reject"


async def test_views_update_hash_conflict(sim: SlackSim, slack: AsyncWebClient) -> None:
    trigger = sim.workspace.new_trigger(APPROVER_ID)
    opened = (await slack.views_open(trigger_id=trigger, view=reason_modal()))["view"]

    updated = await slack.views_update(
        view_id=opened["id"], hash=opened["hash"], view=reason_modal(title="Updated")
    )
    stale = slack.views_update(view_id=opened["id"], hash=opened["hash"], view=reason_modal())
    conflict = await error_of(stale)

    assert updated["view"]["title"]["text"] == "Updated"
    assert updated["view"]["hash"] != opened["hash"]
    assert conflict == "hash_conflict"


async def test_get_permalink_errors(slack: AsyncWebClient) -> None:
    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")

    unknown_channel = slack.chat_getPermalink(channel="C0NOWHERE", message_ts=posted["ts"])
    by_name = slack.chat_getPermalink(channel="#approvals", message_ts=posted["ts"])
    elsewhere = slack.chat_getPermalink(channel=GENERAL_CHANNEL_ID, message_ts=posted["ts"])
    unknown_ts = slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=MISSING_TS)
    no_ts = slack.api_call("chat.getPermalink", params={"channel": APPROVALS_CHANNEL_ID})

    assert [await error_of(call) for call in (unknown_channel, by_name)] == [
        "channel_not_found",
        "channel_not_found",
    ]
    assert [await error_of(call) for call in (elsewhere, unknown_ts, no_ts)] == [
        "message_not_found",
        "message_not_found",
        "message_not_found",
    ]
