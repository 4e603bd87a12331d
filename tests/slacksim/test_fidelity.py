"""Slack's message limits, ownership and archive rules, and realistic users and channels."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    BOT_ID,
    BOT_USER_ID,
    ENGINEERING_CHANNEL_ID,
    GENERAL_CHANNEL_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
    TEAM_ID,
    TRIGGER_TTL_S,
    SlackSim,
    running_sim,
)
from slacksim.seed import Channel
from tests.slacksim.cards import REJECT, card_blocks, reason_modal
from tests.slacksim.conftest import FakeBot, FakeClock
from tests.slacksim.test_errors import error_of

PRIVATE_ID = "C0PRIVATE1"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def fields(text: str) -> dict[str, Any]:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": text}]}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


async def test_text_over_40000_characters_is_too_long(sim: SlackSim, slack: AsyncWebClient) -> None:
    longest = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="x" * 40_000)
    post = slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="x" * 40_001)
    update = slack.chat_update(channel=APPROVALS_CHANNEL_ID, ts=longest["ts"], text="y" * 40_001)

    assert (await error_of(post), await error_of(update)) == ("msg_too_long", "msg_too_long")
    [stored] = sim.messages(APPROVALS_CHANNEL_ID)
    assert (stored["ts"], len(stored["text"]), stored["text"][0]) == (longest["ts"], 40_000, "x")


@pytest.mark.parametrize(
    ("block", "pointer"),
    [
        (section("s" * 3001), "/0"),
        (header("h" * 151), "/0"),
        (fields("f" * 2001), "/0/fields/0/text"),
        (context("c" * 3001), "/0/elements/0/text"),
    ],
    ids=["section-3001", "header-151", "field-2001", "context-3001"],
)
async def test_block_text_over_its_limit_is_invalid(
    sim: SlackSim, slack: AsyncWebClient, block: dict[str, Any], pointer: str
) -> None:
    with pytest.raises(SlackApiError) as failure:
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card", blocks=[block])

    answer = failure.value.response
    assert answer["error"] == "invalid_blocks"
    [detail] = answer["response_metadata"]["messages"]
    assert detail.startswith("[ERROR] ")
    assert detail.endswith(f"[json-pointer:{pointer}]")
    [call] = sim.calls_to("chat.postMessage")
    assert call.error == "invalid_blocks"
    assert sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_block_text_at_its_limit_is_fine(slack: AsyncWebClient) -> None:
    blocks = [header("h" * 150), section("s" * 3000), fields("f" * 2000), context("c" * 3000)]

    answer = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card", blocks=blocks)

    types = [b["type"] for b in answer["message"]["blocks"]]
    assert types == ["header", "section", "section", "context"]


async def test_update_needs_text_or_blocks(sim: SlackSim, slack: AsyncWebClient) -> None:
    posted = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
    empty = {"channel": APPROVALS_CHANNEL_ID, "ts": posted["ts"], "text": ""}

    assert await error_of(slack.api_call("chat.update", json=empty)) == "no_text"
    assert sim.message(APPROVALS_CHANNEL_ID, posted["ts"])["text"] == "card"


async def test_the_bot_edits_and_deletes_only_its_own_messages(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    said = sim.workspace.post(APPROVALS_CHANNEL_ID, "please approve", [], user=REQUESTER_ID)

    update = slack.chat_update(channel=APPROVALS_CHANNEL_ID, ts=said.ts, text="approved")
    delete = slack.chat_delete(channel=APPROVALS_CHANNEL_ID, ts=said.ts)

    assert await error_of(update) == "cant_update_message"
    assert await error_of(delete) == "cant_delete_message"
    stored = sim.message(APPROVALS_CHANNEL_ID, said.ts)
    assert (stored["user"], stored["text"], "bot_id" in stored) == (
        REQUESTER_ID,
        "please approve",
        False,
    )


async def test_an_archived_channel_takes_no_messages(sim: SlackSim, slack: AsyncWebClient) -> None:
    card = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="card", blocks=card_blocks()
    )
    sim.workspace.channels[APPROVALS_CHANNEL_ID].is_archived = True

    post = slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="again")
    update = slack.chat_update(channel=APPROVALS_CHANNEL_ID, ts=card["ts"], text="Approved")
    note = slack.chat_postEphemeral(channel=APPROVALS_CHANNEL_ID, user=APPROVER_ID, text="psst")
    live = await slack.conversations_list(exclude_archived=True)
    every = await slack.conversations_list()

    assert [await error_of(call) for call in (post, update, note)] == ["is_archived"] * 3
    assert sim.message(APPROVALS_CHANNEL_ID, card["ts"])["text"] == "card"
    assert [c["id"] for c in live["channels"]] == [GENERAL_CHANNEL_ID, ENGINEERING_CHANNEL_ID]
    assert [(c["id"], c["is_archived"]) for c in every["channels"]] == [
        (APPROVALS_CHANNEL_ID, True),
        (GENERAL_CHANNEL_ID, False),
        (ENGINEERING_CHANNEL_ID, False),
    ]


async def test_seeded_channels_are_not_archived(slack: AsyncWebClient) -> None:
    listed = await slack.conversations_list(types="public_channel,private_channel")

    assert [c["is_archived"] for c in listed["channels"]] == [False, False, False]


async def test_users_info_is_a_realistic_user(slack: AsyncWebClient) -> None:
    user = (await slack.users_info(user=APPROVER_ID))["user"]

    assert {k: user[k] for k in ("id", "team_id", "name", "real_name", "tz", "tz_offset")} == {
        "id": APPROVER_ID,
        "team_id": TEAM_ID,
        "name": "alex.approver",
        "real_name": "Alex Approver",
        "tz": "Europe/Berlin",
        "tz_offset": 3600,
    }
    assert (user["is_bot"], user["deleted"], user["is_restricted"]) == (False, False, False)
    profile = user["profile"]
    assert (profile["display_name"], profile["real_name"]) == ("alex", "Alex Approver")
    assert (profile["first_name"], profile["last_name"]) == ("Alex", "Approver")
    assert "email" not in profile


async def test_users_info_shows_flags_the_bot_and_email_with_its_scope(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    sim.workspace.users[OUTSIDER_ID].deleted = True
    sim.workspace.users[REQUESTER_ID].is_restricted = True
    sim.workspace.manifest = sim.workspace.manifest.extended(scopes=("users:read.email",))

    gone = (await slack.users_info(user=OUTSIDER_ID))["user"]
    guest = (await slack.users_info(user=REQUESTER_ID))["user"]
    bot = (await slack.users_info(user=BOT_USER_ID))["user"]

    assert (gone["deleted"], guest["is_restricted"], guest["tz"]) == (
        True,
        True,
        "America/New_York",
    )
    assert guest["profile"]["email"] == "riley.requester@chatops-local.example.com"
    assert (bot["is_bot"], bot["profile"]["bot_id"], bot["tz"]) == (
        True,
        BOT_ID,
        "America/Los_Angeles",
    )
    assert "email" not in bot["profile"]


async def test_conversations_info_is_a_realistic_channel(slack: AsyncWebClient) -> None:
    plain = (await slack.conversations_info(channel=GENERAL_CHANNEL_ID))["channel"]
    counted = await slack.conversations_info(channel=GENERAL_CHANNEL_ID, include_num_members=True)

    assert {k: plain[k] for k in ("id", "name", "is_channel", "is_group", "is_private")} == {
        "id": GENERAL_CHANNEL_ID,
        "name": "general",
        "is_channel": True,
        "is_group": False,
        "is_private": False,
    }
    assert (plain["is_member"], plain["is_archived"], plain["is_general"]) == (True, False, True)
    assert (plain["topic"]["value"], plain["context_team_id"]) == ("Company-wide", TEAM_ID)
    assert "num_members" not in plain
    assert counted["channel"]["num_members"] == 6


async def test_a_private_channel_is_hidden_until_the_bot_joins(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    secret = Channel(PRIVATE_ID, "secret-ops", {REQUESTER_ID}, is_private=True)
    sim.workspace.channels[PRIVATE_ID] = secret
    sim.workspace.messages[PRIVATE_ID] = {}
    both = "public_channel,private_channel"

    hidden = await error_of(slack.conversations_info(channel=PRIVATE_ID))
    unposted = await error_of(slack.chat_postMessage(channel=PRIVATE_ID, text="hi"))
    unlisted = await slack.conversations_list(types=both)
    secret.members.add(BOT_USER_ID)
    info = (await slack.conversations_info(channel=PRIVATE_ID))["channel"]
    private_only = await slack.conversations_list(types="private_channel")

    assert (hidden, unposted) == ("channel_not_found", "channel_not_found")
    assert PRIVATE_ID not in [c["id"] for c in unlisted["channels"]]
    assert (info["is_private"], info["is_channel"], info["is_member"]) == (True, True, True)
    assert [c["id"] for c in private_only["channels"]] == [PRIVATE_ID]


async def test_history_needs_the_bot_in_the_channel(sim: SlackSim, slack: AsyncWebClient) -> None:
    sim.workspace.channels[GENERAL_CHANNEL_ID].members.discard(BOT_USER_ID)

    assert await error_of(slack.conversations_history(channel=GENERAL_CHANNEL_ID)) == (
        "not_in_channel"
    )


async def test_a_clicks_trigger_opens_one_view_only(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    card = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="card", blocks=card_blocks()
    )
    await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], REJECT)
    trigger = bot.received[-1].data["trigger_id"]

    opened = await slack.views_open(trigger_id=trigger, view=reason_modal())
    pushed = await error_of(slack.views_push(trigger_id=trigger, view=reason_modal("Again")))

    assert pushed == "exchanged_trigger_id"
    assert [v["id"] for v in sim.open_views(APPROVER_ID)] == [opened["view"]["id"]]


async def test_a_trigger_lives_exactly_three_seconds() -> None:
    clock = FakeClock(time.time())
    async with running_sim(clock=clock) as sim:
        slack = AsyncWebClient(token=sim.bot_token, base_url=sim.api_url, retry_handlers=[])
        on_time = sim.workspace.new_trigger(APPROVER_ID)
        late = sim.workspace.new_trigger(APPROVER_ID)
        clock.advance(TRIGGER_TTL_S)
        opened = await slack.views_open(trigger_id=on_time, view=reason_modal())
        clock.advance(0.001)
        expired = await error_of(slack.views_open(trigger_id=late, view=reason_modal()))
        again = await error_of(slack.views_open(trigger_id=late, view=reason_modal()))
        open_views = sim.open_views(APPROVER_ID)

    assert TRIGGER_TTL_S == 3.0
    assert (expired, again) == ("expired_trigger_id", "expired_trigger_id")
    assert [v["id"] for v in open_views] == [opened["view"]["id"]]
