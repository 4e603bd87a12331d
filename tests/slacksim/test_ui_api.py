"""The page's JSON API over real HTTP: actions, the state of one user's channel, live events."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    GENERAL_CHANNEL_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
    SlackSim,
    running_sim,
)
from tests.helpers import assert_eventually
from tests.slacksim.cards import (
    APPROVE,
    OPEN_ITEM,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT,
    card_blocks,
    home_blocks,
    reason_modal,
)
from tests.slacksim.conftest import FakeBot, Reply

EVENT_DEADLINE_S = 5.0


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP session, as a page or another process uses the API."""
    async with aiohttp.ClientSession() as session:
        yield session


async def act(
    http: aiohttp.ClientSession, sim: SlackSim, action: str, body: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{sim.base_url}_sim/act/{action}", json=body) as response:
        return response.status, await response.json()


async def page_state(
    http: aiohttp.ClientSession, sim: SlackSim, **query: str
) -> tuple[int, dict[str, Any]]:
    async with http.get(f"{sim.base_url}_sim/ui/state", params=query) as response:
        return response.status, await response.json()


async def post_card(slack: AsyncWebClient) -> str:
    posted = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="Approve wf-1?", blocks=card_blocks()
    )
    return str(posted["ts"])


async def open_modal(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> str:
    """Click Reject through the API, then open the modal with its trigger, as a bot would."""
    ts = await post_card(slack)
    click = {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "ts": ts, "action_id": REJECT}
    assert (await act(http, sim, "click", click))[0] == 200
    opened = await slack.views_open(
        trigger_id=bot.received[-1].data["trigger_id"], view=reason_modal()
    )
    return str(opened["view"]["id"])


class EventReader:
    """Reads ``data:`` lines of a Server-Sent Events stream, each within a deadline."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next_version(self) -> int:
        async with asyncio.timeout(EVENT_DEADLINE_S):
            while True:
                line = (await self.response.content.readline()).decode().strip()
                if line.startswith("data:"):
                    return int(json.loads(line.removeprefix("data:"))["version"])


async def test_click_is_delivered_as_the_chosen_user(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    ts = await post_card(slack)
    body = {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "ts": ts, "action_id": APPROVE}

    status, delivery = await act(http, sim, "click", {**body, "confirm": True})

    assert status == 200
    assert (delivery["status"], delivery["error"], delivery["kind"]) == (200, None, "block_actions")
    [received] = bot.received
    assert received.data["user"]["id"] == APPROVER_ID
    assert received.data["actions"][0]["action_id"] == APPROVE
    assert received.data["container"]["message_ts"] == ts


async def test_a_cancelled_confirm_sends_nothing(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    ts = await post_card(slack)
    body = {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "ts": ts, "action_id": APPROVE}

    status, delivery = await act(http, sim, "click", {**body, "confirm": False})

    assert (status, delivery["cancelled"], delivery["status"]) == (200, True, None)
    assert bot.received == []


@pytest.mark.parametrize(
    ("field", "value", "unknown"),
    [
        ("user", "U0NOBODY", "user U0NOBODY"),
        ("channel", "C0NOWHERE", "channel C0NOWHERE"),
        ("ts", "1.000001", "message 1.000001"),
        ("action_id", "nope", "'nope'"),
    ],
)
async def test_clicking_something_unknown_is_404(
    sim: SlackSim,
    slack: AsyncWebClient,
    bot: FakeBot,
    http: aiohttp.ClientSession,
    field: str,
    value: str,
    unknown: str,
) -> None:
    ts = await post_card(slack)
    body = {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "ts": ts, "action_id": APPROVE}

    status, answer = await act(http, sim, "click", {**body, field: value})

    assert (status, answer["ok"]) == (404, False)
    assert unknown in answer["error"]
    assert bot.received == []


async def test_with_nowhere_to_deliver_actions_answer_503(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    ts = await post_card(slack)
    body = {"user": APPROVER_ID, "channel": APPROVALS_CHANNEL_ID, "ts": ts, "action_id": REJECT}

    status, answer = await act(http, sim, "click", body)

    assert (status, answer["ok"]) == (503, False)
    assert "bot_url" in answer["error"]


async def test_submit_shows_field_errors_and_keeps_the_modal(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    view_id = await open_modal(sim, slack, bot, http)
    errors = {REASON_BLOCK: "Say why"}
    bot.reply = Reply(
        body=json.dumps({"response_action": "errors", "errors": errors}),
        content_type="application/json",
    )
    values = {REASON_BLOCK: {REASON_INPUT: " "}}

    status, delivery = await act(
        http, sim, "submit", {"user": APPROVER_ID, "view_id": view_id, "values": values}
    )

    assert (status, delivery["kind"], delivery["errors"]) == (200, "view_submission", errors)
    submitted = bot.received[-1].data["view"]["state"]["values"]
    assert submitted[REASON_BLOCK][REASON_INPUT]["value"] == " "
    _, state = await page_state(http, sim, user=APPROVER_ID)
    [view] = state["views"]
    assert (view["id"], view["errors"]) == (view_id, errors)


async def test_submit_with_an_empty_ack_closes_the_modal(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    view_id = await open_modal(sim, slack, bot, http)
    values = {REASON_BLOCK: {REASON_INPUT: "fraud"}}

    status, delivery = await act(
        http, sim, "submit", {"user": APPROVER_ID, "view_id": view_id, "values": values}
    )

    assert (status, delivery["error"], delivery["errors"]) == (200, None, {})
    assert sim.open_views(APPROVER_ID) == []


async def test_submit_as_someone_else_or_to_an_unknown_input_is_404(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    view_id = await open_modal(sim, slack, bot, http)
    sent = len(bot.received)

    other = await act(http, sim, "submit", {"user": APPROVER2_ID, "view_id": view_id})
    wrong_input = await act(
        http,
        sim,
        "submit",
        {"user": APPROVER_ID, "view_id": view_id, "values": {"nope": {"x": "y"}}},
    )

    assert [other[0], wrong_input[0]] == [404, 404]
    assert f"open for {APPROVER_ID}" in other[1]["error"]
    assert len(bot.received) == sent


async def test_close_removes_the_modal_without_telling_the_bot(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    view_id = await open_modal(sim, slack, bot, http)
    sent = len(bot.received)

    as_other = await act(http, sim, "close", {"user": APPROVER2_ID, "view_id": view_id})
    closed = await act(http, sim, "close", {"user": APPROVER_ID, "view_id": view_id})
    again = await act(http, sim, "close", {"user": APPROVER_ID, "view_id": view_id})

    assert as_other[0] == 404
    assert closed == (200, {"ok": True})
    assert again[0] == 404
    assert sim.open_views(APPROVER_ID) == []
    assert len(bot.received) == sent


async def test_closing_a_pushed_modal_goes_back_to_the_one_below(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    root = sim.workspace.views.open(APPROVER_ID, reason_modal("First"))
    pushed = sim.workspace.views.push(APPROVER_ID, reason_modal("Second"))

    _, before = await page_state(http, sim, user=APPROVER_ID)
    status, _ = await act(http, sim, "close", {"user": APPROVER_ID, "view_id": pushed.id})
    _, after = await page_state(http, sim, user=APPROVER_ID)

    assert status == 200
    assert [v["id"] for v in before["views"]] == [root.id, pushed.id]
    assert [v["id"] for v in after["views"]] == [root.id]


async def test_slash_command_is_delivered_and_its_ack_shown_to_the_user(
    sim: SlackSim, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    bot.reply = Reply(body="Working on it")
    body = {
        "user": OUTSIDER_ID,
        "channel": APPROVALS_CHANNEL_ID,
        "command": "/workflow",
        "text": "status order-1",
    }

    status, delivery = await act(http, sim, "slash", body)

    assert (status, delivery["kind"], delivery["error"]) == (200, "slash_command", None)
    [received] = bot.received
    assert (received.data["command"], received.data["text"]) == ("/workflow", "status order-1")
    assert received.data["user_id"] == OUTSIDER_ID
    _, mine = await page_state(http, sim, user=OUTSIDER_ID)
    _, theirs = await page_state(http, sim, user=APPROVER_ID)
    assert [e["text"] for e in mine["ephemerals"]] == ["Working on it"]
    assert theirs["ephemerals"] == []


async def test_state_is_one_users_view_of_one_channel(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    ts = await post_card(slack)
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="reminder", thread_ts=ts)
    await slack.chat_postMessage(channel=GENERAL_CHANNEL_ID, text="elsewhere")
    await slack.chat_postEphemeral(channel=APPROVALS_CHANNEL_ID, user=APPROVER_ID, text="psst")
    view = sim.workspace.views.open(APPROVER_ID, reason_modal())

    status, state = await page_state(http, sim, user=APPROVER_ID, channel=APPROVALS_CHANNEL_ID)
    _, outsider = await page_state(http, sim, user=OUTSIDER_ID, channel="general")

    assert status == 200
    assert isinstance(state["version"], int)
    assert state["team"]["name"] == "ChatOps Local"
    assert (state["user"], state["channel"]) == (APPROVER_ID, APPROVALS_CHANNEL_ID)
    people = {u["real_name"]: u["title"] for u in state["users"] if not u["is_bot"]}
    assert people == {
        "Riley Requester": "requester",
        "Alex Approver": "approver",
        "Sam Approver": "approver",
        "Olive Outsider": "outsider",
        "Ola Operator": "operator",
    }
    assert [c["name"] for c in state["channels"]] == ["approvals", "general", "engineering"]
    [card] = state["messages"]
    assert card["ts"] == ts
    assert [b["type"] for b in card["blocks"]] == [b["type"] for b in card_blocks()]
    assert [r["text"] for r in card["replies"]] == ["reminder"]
    assert [e["text"] for e in state["ephemerals"]] == ["psst"]
    assert [v["id"] for v in state["views"]] == [view.id]
    assert state["views"][0]["title"]["text"] == "Reject"
    assert outsider["channel"] == GENERAL_CHANNEL_ID
    assert [m["text"] for m in outsider["messages"]] == ["elsewhere"]
    assert (outsider["ephemerals"], outsider["views"]) == ([], [])


async def test_state_defaults_to_the_requester_in_approvals(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    status, state = await page_state(http, sim)

    assert (status, state["user"], state["channel"]) == (200, REQUESTER_ID, APPROVALS_CHANNEL_ID)
    assert state["messages"] == []


async def test_state_of_an_unknown_user_or_channel_is_404(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    user = await page_state(http, sim, user="U0NOBODY")
    channel = await page_state(http, sim, channel="C0NOWHERE")

    assert [user[0], channel[0]] == [404, 404]
    assert (user[1]["ok"], channel[1]["ok"]) == (False, False)


async def test_version_moves_on_changes_only(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    _, first = await page_state(http, sim)
    await slack.users_info(user=APPROVER_ID)
    _, after_read = await page_state(http, sim)
    await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="hello")
    _, after_post = await page_state(http, sim)

    assert after_read["version"] == first["version"]
    assert after_post["version"] == first["version"] + 1


async def test_events_announce_a_change_over_the_api(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sim.base_url}_sim/ui/events") as response:
        assert response.content_type == "text/event-stream"
        events = EventReader(response)
        first = await events.next_version()
        await slack.chat_postMessage(channel=APPROVALS_CHANNEL_ID, text="hello")
        second = await events.next_version()

    assert second > first


async def test_events_announce_changes_made_in_process(
    sim: SlackSim, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sim.base_url}_sim/ui/events") as response:
        events = EventReader(response)
        first = await events.next_version()
        sim.workspace.post(APPROVALS_CHANNEL_ID, "posted without a request", [])
        second = await events.next_version()
        sim.reset()
        third = await events.next_version()

    assert first < second < third


async def test_stopping_the_sim_ends_open_event_streams(http: aiohttp.ClientSession) -> None:
    async with running_sim() as sim:
        response = await http.get(f"{sim.base_url}_sim/ui/events")
        await EventReader(response).next_version()
        started = time.monotonic()
    try:
        assert time.monotonic() - started < 3
        # The stream ends (read() returns) instead of hanging on.
        rest = await asyncio.wait_for(response.content.read(), EVENT_DEADLINE_S)
        assert b"data:" not in rest
        assert response.content.at_eof()
    finally:
        response.release()


@pytest.mark.parametrize(
    ("action", "body", "complaint"),
    [
        ("click", b"{not json", "invalid JSON"),
        ("click", b"[1, 2]", "JSON object"),
        ("click", b'{"user": "U0APPROVE1"}', "'channel'"),
        ("click", b'{"user": "", "channel": "C", "ts": "1", "action_id": "a"}', "'user'"),
        (
            "click",
            b'{"user": "U", "channel": "C", "ts": "1", "action_id": "a", "confirm": "yes"}',
            "'confirm'",
        ),
        ("submit", b'{"user": "U", "view_id": "V", "values": {"b": "text"}}', "'values'"),
        ("close", b'{"user": "U"}', "'view_id'"),
        ("slash", b'{"user": "U", "channel": "C", "command": "workflow"}', "'command'"),
        ("slash", b'{"user": "U", "channel": "C", "command": "/w", "text": 3}', "'text'"),
        ("home", b'{"tab": "home"}', "'user'"),
        ("home", b'{"user": "U", "tab": "about"}', "'tab'"),
        ("click_home", b'{"user": "U"}', "'action_id'"),
        ("click_home", b'{"user": "U", "action_id": "a", "value": 3}', "'value'"),
        ("click_home", b'{"user": "U", "action_id": "a", "confirm": "no"}', "'confirm'"),
    ],
)
async def test_malformed_actions_are_400(
    sim: SlackSim, http: aiohttp.ClientSession, action: str, body: bytes, complaint: str
) -> None:
    headers = {"Content-Type": "application/json"}
    async with http.post(f"{sim.base_url}_sim/act/{action}", data=body, headers=headers) as got:
        status, answer = got.status, await got.json()

    assert (status, answer["ok"]) == (400, False)
    assert complaint in answer["error"]


async def test_actions_must_be_sent_as_json(sim: SlackSim, http: aiohttp.ClientSession) -> None:
    form = {"user": APPROVER_ID, "view_id": "V1"}
    async with http.post(f"{sim.base_url}_sim/act/close", data=form) as got:
        status, answer = got.status, await got.json()

    assert status == 415
    assert "Content-Type: application/json" in answer["error"]


async def test_the_page_updates_through_the_events_it_is_sent(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    """A page that fetches the state on every event sees a message soon after it is posted."""
    async with http.get(f"{sim.base_url}_sim/ui/events") as response:
        events = EventReader(response)
        await events.next_version()
        ts = await post_card(slack)
        version = await events.next_version()

    state = await assert_eventually(
        lambda: page_state(http, sim), lambda got: got[1]["version"] >= version
    )
    assert [m["ts"] for m in state[1]["messages"]] == [ts]


async def test_opening_home_delivers_the_event_and_the_state_shows_the_view(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    _, before = await page_state(http, sim, user=APPROVER_ID)
    status, delivery = await act(http, sim, "home", {"user": APPROVER_ID})
    published = await slack.views_publish(
        user_id=APPROVER_ID, view={"type": "home", "blocks": home_blocks()}
    )
    _, after = await page_state(http, sim, user=APPROVER_ID)
    _, theirs = await page_state(http, sim, user=OUTSIDER_ID)

    assert (status, delivery["status"], delivery["kind"]) == (200, 200, "event_callback")
    [received] = bot.received
    assert (received.data["event"]["type"], received.data["event"]["user"]) == (
        "app_home_opened",
        APPROVER_ID,
    )
    assert before["home"] == {"enabled": True, "view": None}
    assert after["home"] == {"enabled": True, "view": published["view"]}
    assert after["version"] > before["version"]
    assert theirs["home"]["view"] is None


async def test_a_refused_home_opening_answers_its_error(
    sim: SlackSim, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    sim.workspace.manifest = dataclasses.replace(sim.workspace.manifest, home_tab_enabled=False)

    status, delivery = await act(http, sim, "home", {"user": APPROVER_ID, "tab": "home"})
    _, state = await page_state(http, sim, user=APPROVER_ID)

    assert (status, delivery["error"], delivery["status"]) == (200, "home_tab_disabled", None)
    assert state["home"] == {"enabled": False, "view": None}
    assert bot.received == []


async def test_clicking_in_home_picks_the_button_by_value(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot, http: aiohttp.ClientSession
) -> None:
    await slack.views_publish(user_id=APPROVER_ID, view={"type": "home", "blocks": home_blocks()})
    body = {"user": APPROVER_ID, "action_id": OPEN_ITEM, "value": "wf-2", "confirm": True}

    status, delivery = await act(http, sim, "click_home", body)
    missing = await act(http, sim, "click_home", {**body, "user": OUTSIDER_ID})

    assert (status, delivery["status"], delivery["kind"]) == (200, 200, "block_actions")
    [received] = bot.received
    assert received.data["container"]["type"] == "view"
    assert received.data["actions"][0]["value"] == "wf-2"
    assert (missing[0], missing[1]["ok"]) == (404, False)
    assert "no Home view" in missing[1]["error"]


async def test_permalinks_open_the_page(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    ts = await post_card(slack)
    link = await slack.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=ts)

    async with http.get(link["permalink"]) as page:
        html = await page.text()
        assert (page.status, page.content_type) == (200, "text/html")

    assert 'id="user-switcher"' in html


async def test_a_persons_direct_messages_show_to_them_alone(
    sim: SlackSim, slack: AsyncWebClient, http: aiohttp.ClientSession
) -> None:
    dm = (await slack.conversations_open(users=APPROVER_ID))["channel"]["id"]
    await slack.chat_postMessage(channel=dm, text="Approve wf-1?", blocks=card_blocks())

    status, mine = await page_state(http, sim, user=APPROVER_ID, channel=dm)
    _, other = await page_state(http, sim, user=APPROVER2_ID)
    refused, _ = await page_state(http, sim, user=APPROVER2_ID, channel=dm)

    assert status == 200
    assert [c["name"] for c in mine["channels"]] == [
        "approvals",
        "general",
        "engineering",
        "chatops",
    ]
    assert [m["text"] for m in mine["messages"]] == ["Approve wf-1?"]
    assert dm not in [c["id"] for c in other["channels"]]
    assert refused == 404
