"""The app's Home tab as a user meets it: ``app_home_opened`` events and clicks in the view."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APP_ID,
    APPROVER2_ID,
    APPROVER_ID,
    BOT_USER_ID,
    TEAM_ID,
    SlackSim,
)
from tests.slacksim.cards import OPEN_ITEM, card_blocks, home_blocks, reason_modal
from tests.slacksim.conftest import FakeBot

JSON = "application/json"
EVENT_ID = re.compile(r"^Ev[0-9A-Z]{10}$")
TS = re.compile(r"^\d{10}\.\d{6}$")
OUTER_KEYS = {
    "token",
    "team_id",
    "api_app_id",
    "event",
    "type",
    "event_id",
    "event_time",
    "authorizations",
    "is_ext_shared_channel",
}
CLICK_KEYS = {
    "type",
    "user",
    "api_app_id",
    "token",
    "container",
    "trigger_id",
    "team",
    "enterprise",
    "is_enterprise_install",
    "view",
    "actions",
}


async def publish_home(slack: AsyncWebClient, user_id: str = APPROVER_ID) -> dict[str, Any]:
    published = await slack.views_publish(
        user_id=user_id, view={"type": "home", "blocks": home_blocks()}
    )
    return dict(published["view"])


def with_manifest(sim: SlackSim, **changes: Any) -> None:
    sim.workspace.manifest = dataclasses.replace(sim.workspace.manifest, **changes)


async def test_opening_home_posts_a_signed_json_event_callback(sim: SlackSim, bot: FakeBot) -> None:
    delivery = await sim.open_home(APPROVER_ID)

    assert (delivery.status, delivery.error, delivery.kind) == (200, None, "event_callback")
    assert delivery.request is not None and delivery.request[1] == JSON
    [received] = bot.received
    assert received.content_type == JSON
    body = received.data
    assert set(body) == OUTER_KEYS
    assert (body["type"], body["team_id"], body["api_app_id"]) == (
        "event_callback",
        TEAM_ID,
        APP_ID,
    )
    assert EVENT_ID.match(body["event_id"])
    assert isinstance(body["event_time"], int) and body["event_time"] > 1_700_000_000
    assert body["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    assert body["is_ext_shared_channel"] is False
    event = body["event"]
    # Nothing was published yet, so the event carries no view.
    assert set(event) == {"type", "user", "channel", "tab", "event_ts"}
    assert (event["type"], event["user"], event["tab"]) == ("app_home_opened", APPROVER_ID, "home")
    assert event["channel"].startswith("D")
    assert TS.match(event["event_ts"])


async def test_the_event_carries_the_published_view_and_a_stable_dm(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    await sim.open_home(APPROVER_ID)
    published = await publish_home(slack)

    await sim.open_home(APPROVER_ID)
    await sim.open_home(APPROVER2_ID)

    first, second, other = (r.data for r in bot.received)
    assert second["event"]["view"] == published == sim.home_view(APPROVER_ID)
    assert second["event"]["view"]["type"] == "home"
    assert "view" not in other["event"]
    assert first["event"]["channel"] == second["event"]["channel"] != other["event"]["channel"]
    assert first["event_id"] != second["event_id"]
    assert float(second["event"]["event_ts"]) > float(first["event"]["event_ts"])


async def test_the_messages_tab_sends_no_view(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    with_manifest(sim, messages_tab_enabled=True)
    await publish_home(slack)

    delivery = await sim.open_home(APPROVER_ID, tab="messages")

    assert (delivery.status, delivery.error) == (200, None)
    [received] = bot.received
    assert received.data["event"]["tab"] == "messages"
    assert "view" not in received.data["event"]


@pytest.mark.parametrize(
    ("changes", "tab", "error"),
    [
        ({"bot_events": frozenset()}, "home", "event_not_subscribed"),
        ({"bot_events": frozenset({"app_mention"})}, "home", "event_not_subscribed"),
        ({"home_tab_enabled": False}, "home", "home_tab_disabled"),
        ({"messages_tab_enabled": False}, "messages", "messages_tab_disabled"),
    ],
    ids=["no-events", "other-event", "home-off", "messages-off"],
)
async def test_nothing_is_sent_when_the_manifest_leaves_it_out(
    sim: SlackSim, bot: FakeBot, changes: dict[str, Any], tab: str, error: str
) -> None:
    with_manifest(sim, **changes)

    delivery = await sim.open_home(APPROVER_ID, tab=tab)

    assert (delivery.error, delivery.kind, delivery.ok) == (error, "event_callback", False)
    assert (delivery.status, delivery.request, delivery.envelope) == (None, None, None)
    assert bot.received == []
    assert sim.deliveries == [delivery]


async def test_opening_home_for_an_unknown_user_or_tab_raises(sim: SlackSim, bot: FakeBot) -> None:
    with pytest.raises(LookupError, match="U0NOBODY"):
        await sim.open_home("U0NOBODY")
    with pytest.raises(ValueError, match="about"):
        await sim.open_home(APPROVER_ID, tab="about")

    assert (bot.received, sim.deliveries) == ([], [])


async def test_a_home_click_is_a_view_block_actions_payload(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    published = await publish_home(slack)

    delivery = await sim.click_home(APPROVER_ID, OPEN_ITEM, value="wf-2")

    assert (delivery.status, delivery.error, delivery.kind) == (200, None, "block_actions")
    [received] = bot.received
    assert received.raw.startswith("payload=")
    payload = received.data
    assert set(payload) == CLICK_KEYS
    assert payload["type"] == "block_actions"
    assert payload["container"] == {"type": "view", "view_id": published["id"]}
    assert payload["view"] == published
    assert (payload["view"]["type"], payload["view"]["hash"]) == ("home", published["hash"])
    assert (payload["user"]["id"], payload["team"]["id"], payload["api_app_id"]) == (
        APPROVER_ID,
        TEAM_ID,
        APP_ID,
    )
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "type")} == {
        "action_id": OPEN_ITEM,
        "block_id": "item_1",
        "value": "wf-2",
        "type": "button",
    }
    assert TS.match(action["action_ts"])
    opened = await slack.views_open(trigger_id=payload["trigger_id"], view=reason_modal())
    assert opened["view"]["callback_id"] == "reject_reason"


async def test_without_a_value_the_first_matching_button_is_clicked(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    await publish_home(slack)

    await sim.click_home(APPROVER_ID, OPEN_ITEM)

    [action] = bot.received[0].data["actions"]
    assert (action["block_id"], action["value"]) == ("item_0", "wf-1")


async def test_a_cancelled_confirm_in_home_sends_nothing(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    # The card's Approve button asks to confirm; the Home tab may show it too.
    await slack.views_publish(user_id=APPROVER_ID, view={"type": "home", "blocks": card_blocks()})

    cancelled = await sim.click_home(APPROVER_ID, "approve", confirm=False)
    confirmed = await sim.click_home(APPROVER_ID, "approve", confirm=True)

    assert (cancelled.cancelled, cancelled.status, cancelled.kind) == (True, None, "block_actions")
    assert (confirmed.cancelled, confirmed.status) == (False, 200)
    assert [r.data["actions"][0]["action_id"] for r in bot.received] == ["approve"]


@pytest.mark.parametrize(
    ("user", "action_id", "value", "complaint"),
    [
        (APPROVER2_ID, OPEN_ITEM, None, f"no Home view was published for {APPROVER2_ID}"),
        (APPROVER_ID, "nope", None, "no button with action_id 'nope'"),
        (APPROVER_ID, OPEN_ITEM, "wf-9", "no button with action_id 'open_item' and value 'wf-9'"),
        ("U0NOBODY", OPEN_ITEM, None, "no user U0NOBODY"),
    ],
    ids=["no-home", "no-action", "no-value", "no-user"],
)
async def test_clicking_what_is_not_in_the_home_tab_raises(
    sim: SlackSim,
    slack: AsyncWebClient,
    bot: FakeBot,
    user: str,
    action_id: str,
    value: str | None,
    complaint: str,
) -> None:
    await publish_home(slack)

    with pytest.raises(LookupError) as raised:
        await sim.click_home(user, action_id, value=value)

    assert complaint in str(raised.value)
    assert (bot.received, sim.deliveries) == ([], [])


async def test_a_home_click_on_a_view_the_client_still_shows(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    shown = (await publish_home(slack))["blocks"]
    # A newer Home view without the item; the user's client has not caught up yet.
    await slack.views_publish(user_id=APPROVER_ID, view={"type": "home", "blocks": []})

    delivery = await sim.click_home(APPROVER_ID, OPEN_ITEM, value="wf-2", as_shown=shown)

    assert (delivery.status, delivery.error) == (200, None)
    [action] = bot.received[0].data["actions"]
    assert (action["action_id"], action["value"]) == (OPEN_ITEM, "wf-2")
