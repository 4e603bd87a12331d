"""The Web API through the real slack_sdk client: the happy paths."""

from __future__ import annotations

import re

from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    APPROVERS_GROUP_ID,
    BOT_ID,
    BOT_USER_ID,
    GENERAL_CHANNEL_ID,
    REQUESTER_ID,
    TEAM_ID,
    SlackSim,
)
from tests.slacksim.cards import card_blocks

TS = re.compile(r"^\d{10}\.\d{6}$")


async def test_auth_test_matches_the_seed(slack: AsyncWebClient) -> None:
    answer = await slack.auth_test()

    assert answer["team_id"] == TEAM_ID
    assert answer["user_id"] == BOT_USER_ID
    assert answer["bot_id"] == BOT_ID
    assert answer["url"] == "https://chatops-local.slack.com/"
    assert answer.headers["x-oauth-scopes"].split(",")[0] == "chat:write"


async def test_post_message_by_name_stores_blocks_and_metadata(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    metadata = {"event_type": "approval_card", "event_payload": {"wf": "wf-1"}}
    answer = await slack.chat_postMessage(
        channel="#approvals", text="Approve wf-1?", blocks=card_blocks(), metadata=metadata
    )

    assert answer["channel"] == APPROVALS_CHANNEL_ID
    assert TS.match(answer["ts"])
    stored = sim.message(APPROVALS_CHANNEL_ID, answer["ts"])
    assert stored["text"] == "Approve wf-1?"
    assert stored["bot_id"] == BOT_ID
    assert stored["metadata"] == metadata
    assert [b["type"] for b in stored["blocks"]] == ["section", "actions"]
    # Slack gives blocks without a block_id a random one; given ones are kept.
    assert stored["blocks"][1]["block_id"] == "decide"
    assert stored["blocks"][0]["block_id"]
    assert answer["message"]["blocks"] == stored["blocks"]


async def test_ts_values_are_unique_and_increasing(slack: AsyncWebClient) -> None:
    stamps = [
        (await slack.chat_postMessage(channel=GENERAL_CHANNEL_ID, text=f"m{i}"))["ts"]
        for i in range(5)
    ]

    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5


async def test_update_replaces_content_and_counts_edits(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    posted = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="Approve?", blocks=card_blocks()
    )

    await slack.chat_update(channel=APPROVALS_CHANNEL_ID, ts=posted["ts"], text="Approved")

    stored = sim.workspace.message(APPROVALS_CHANNEL_ID, posted["ts"])
    assert (stored.text, stored.blocks, stored.edits) == ("Approved", [], 1)
    assert sim.message(APPROVALS_CHANNEL_ID, posted["ts"])["edited"]["user"] == BOT_USER_ID


async def test_thread_replies_stay_out_of_history(sim: SlackSim, slack: AsyncWebClient) -> None:
    parent = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
    reply = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="reminder", thread_ts=parent["ts"]
    )

    assert [m["text"] for m in sim.thread(APPROVALS_CHANNEL_ID, parent["ts"])] == ["reminder"]
    assert [m["ts"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == [parent["ts"]]
    assert sim.message(APPROVALS_CHANNEL_ID, parent["ts"])["latest_reply"] == reply["ts"]


async def test_history_is_newest_first_with_metadata_on_request(slack: AsyncWebClient) -> None:
    metadata = {"event_type": "approval_card", "event_payload": {"wf": "wf-2"}}
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="first")
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="second", metadata=metadata)
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="third")

    plain = await slack.conversations_history(channel=APPROVALS_CHANNEL_ID, limit=2)
    full = await slack.conversations_history(
        channel=APPROVALS_CHANNEL_ID, include_all_metadata=True
    )

    assert [m["text"] for m in plain["messages"]] == ["third", "second"]
    assert plain["has_more"] is True
    assert "metadata" not in plain["messages"][1]
    assert full["messages"][1]["metadata"] == metadata


async def test_ephemeral_is_stored_for_the_user_only(sim: SlackSim, slack: AsyncWebClient) -> None:
    answer = await slack.chat_postEphemeral(
        channel=APPROVALS_CHANNEL_ID, user=REQUESTER_ID, text="You can't approve your own request"
    )

    [shown] = sim.ephemerals(REQUESTER_ID)
    assert shown["ts"] == answer["message_ts"]
    assert (shown["channel"], shown["text"]) == (
        APPROVALS_CHANNEL_ID,
        "You can't approve your own request",
    )
    assert sim.ephemerals(APPROVER_ID) == []
    assert sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_conversations_users_and_groups(slack: AsyncWebClient) -> None:
    listed = await slack.conversations_list()
    info = await slack.conversations_info(channel=GENERAL_CHANNEL_ID)
    user = await slack.users_info(user=APPROVER_ID)
    group = await slack.usergroups_users_list(usergroup=APPROVERS_GROUP_ID)

    assert [c["name"] for c in listed["channels"]] == ["approvals", "general", "engineering"]
    assert listed["response_metadata"]["next_cursor"] == ""
    assert (info["channel"]["name"], info["channel"]["is_member"]) == ("general", True)
    assert user["user"]["real_name"] == "Alex Approver"
    assert group["users"] == [APPROVER_ID, APPROVER2_ID]


async def test_permalinks_point_at_the_page_for_a_message_or_a_reply(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    card = await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="card")
    reply = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="reminder", thread_ts=card["ts"]
    )

    top = await slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=card["ts"])
    threaded = await slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=reply["ts"])

    digits = str(card["ts"]).replace(".", "")
    assert (top["ok"], top["channel"]) == (True, APPROVALS_CHANNEL_ID)
    assert top["permalink"] == f"{sim.base_url}archives/{APPROVALS_CHANNEL_ID}/p{digits}"
    assert threaded["permalink"] == (
        f"{sim.base_url}archives/{APPROVALS_CHANNEL_ID}/p{str(reply['ts']).replace('.', '')}"
        f"?thread_ts={card['ts']}&cid={APPROVALS_CHANNEL_ID}"
    )
    calls = sim.calls_to("chat.getPermalink")
    assert [(c.ok, c.params["message_ts"]) for c in calls] == [
        (True, card["ts"]),
        (True, reply["ts"]),
    ]
