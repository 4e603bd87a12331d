"""Direct messages between the app and one person: conversations.open and what follows in the
conversation it opens (posts, updates, ephemerals, history, clicks), as Slack answers them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVER2_ID,
    APPROVER_ID,
    BOT_USER_ID,
    DEFAULT_BOT_TOKEN,
    OUTSIDER_ID,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)
from slacksim.persist import STATE_FILENAME
from tests.slacksim.cards import APPROVE, card_blocks
from tests.slacksim.conftest import FakeBot
from tests.slacksim.test_errors import error_of
from tests.slacksim.test_manifest_rules import refusal


async def test_open_gives_the_persons_app_dm_every_time(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    first = await slack.conversations_open(users=APPROVER_ID)
    again = await slack.conversations_open(users=APPROVER_ID, return_im=True)
    other = await slack.conversations_open(users=APPROVER2_ID)

    assert first["channel"] == {"id": sim.workspace.app_dm(APPROVER_ID)}
    assert first["channel"]["id"].startswith("D") and "already_open" not in first.data
    assert (again["no_op"], again["already_open"]) == (True, True)
    assert again["channel"]["id"] == first["channel"]["id"]
    assert (again["channel"]["is_im"], again["channel"]["user"]) == (True, APPROVER_ID)
    assert other["channel"]["id"] != first["channel"]["id"]
    resumed = await slack.conversations_open(channel=first["channel"]["id"])
    assert resumed["channel"] == first["channel"]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"users": "U0NOBODY01"}, "user_not_found"),
        ({"users": BOT_USER_ID}, "cannot_dm_bot"),
        ({"users": ""}, "users_list_not_supplied"),
        ({"users": f"{APPROVER_ID},{APPROVER2_ID}"}, "not_supported"),
        ({"channel": "C0APPROVAL"}, "method_not_supported_for_channel_type"),
    ],
)
async def test_open_refuses_what_slack_refuses(
    slack: AsyncWebClient, arguments: dict[str, str], error: str
) -> None:
    assert await error_of(slack.api_call("conversations.open", params=arguments)) == error


async def test_a_deactivated_person_cannot_be_messaged(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    sim.workspace.users[OUTSIDER_ID].deleted = True

    assert await error_of(slack.conversations_open(users=OUTSIDER_ID)) == "user_disabled"


def grant_only(sim: SlackSim, *scopes: str) -> None:
    sim.workspace.manifest = dataclasses.replace(sim.workspace.manifest, bot_scopes=scopes)


async def test_opening_a_dm_needs_im_write(sim: SlackSim, slack: AsyncWebClient) -> None:
    grant_only(sim, "chat:write", "mpim:write")

    answer = await refusal(slack.conversations_open(users=APPROVER_ID))

    assert (answer["error"], answer["needed"]) == ("missing_scope", "im:write")


async def test_a_dm_takes_cards_updates_and_ephemerals_but_no_names(
    sim: SlackSim, slack: AsyncWebClient
) -> None:
    dm = (await slack.conversations_open(users=APPROVER_ID))["channel"]["id"]
    posted = await slack.chat_postMessage(channel=dm, text="Approve?", blocks=card_blocks())
    await slack.chat_update(channel=dm, ts=posted["ts"], text="Approved")
    await slack.chat_postEphemeral(channel=dm, user=APPROVER_ID, text="only you")

    assert sim.message(dm, posted["ts"])["text"] == "Approved"
    assert [e["text"] for e in sim.ephemerals(APPROVER_ID)] == ["only you"]
    assert await error_of(slack.chat_postEphemeral(channel=dm, user=APPROVER2_ID, text="x")) == (
        "user_not_in_channel"
    )
    assert await error_of(slack.chat_postMessage(channel="directmessage", text="x")) == (
        "channel_not_found"
    )
    listed = await slack.conversations_list(types="public_channel,private_channel")
    assert dm not in [c["id"] for c in listed["channels"]]
    ims = await slack.conversations_list(types="im")
    assert [c["id"] for c in ims["channels"]] == [dm]
    history = await slack.conversations_history(channel=dm)
    assert [m["ts"] for m in history["messages"]] == [posted["ts"]]


async def test_reading_a_dm_needs_im_history(sim: SlackSim, slack: AsyncWebClient) -> None:
    dm = (await slack.conversations_open(users=APPROVER_ID))["channel"]["id"]
    grant_only(sim, "chat:write", "channels:history", "im:write")

    answer = await refusal(slack.conversations_history(channel=dm))

    assert (answer["error"], answer["needed"]) == ("missing_scope", "im:history")


async def test_only_its_person_can_click_in_a_dm(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    dm = (await slack.conversations_open(users=APPROVER_ID))["channel"]["id"]
    posted = await slack.chat_postMessage(channel=dm, text="Approve?", blocks=card_blocks())

    with pytest.raises(LookupError, match="cannot see"):
        await sim.click(REQUESTER_ID, dm, posted["ts"], APPROVE)
    delivery = await sim.click(APPROVER_ID, dm, posted["ts"], APPROVE)

    assert delivery.error is None
    payload = bot.received[-1].data
    assert (payload["channel"], payload["container"]["channel_id"]) == (
        {"id": dm, "name": "directmessage"},
        dm,
    )


async def test_dm_messages_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / STATE_FILENAME
    async with running_sim(state_path=state) as sim:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        dm = (await slack.conversations_open(users=APPROVER_ID))["channel"]["id"]
        posted = await slack.chat_postMessage(channel=dm, text="Approve?")
    async with running_sim(state_path=state) as again:
        assert [m["ts"] for m in again.messages(dm)] == [posted["ts"]]
        assert again.workspace.channels[dm].im_user == APPROVER_ID
