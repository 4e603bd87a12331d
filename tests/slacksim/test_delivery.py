"""Delivering user actions to a bot that checks Slack's signatures."""

from __future__ import annotations

import json
import time

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from slacksim import (
    APP_ID,
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    BOT_ID,
    REQUESTER_ID,
    TEAM_ID,
    SlackSim,
)
from tests.slacksim.cards import (
    APPROVE,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT,
    card_blocks,
    reason_modal,
)
from tests.slacksim.conftest import FakeBot, Reply

FORM = "application/x-www-form-urlencoded"


async def post_card(slack: AsyncWebClient) -> str:
    posted = await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID, text="Approve wf-1?", blocks=card_blocks()
    )
    return str(posted["ts"])


async def open_reason_modal(sim: SlackSim, slack: AsyncWebClient, bot: FakeBot) -> str:
    """Click Reject and open the modal with the click's trigger, as the bot would."""
    ts = await post_card(slack)
    await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, REJECT)
    opened = await slack.views_open(
        trigger_id=bot.received[-1].data["trigger_id"], view=reason_modal()
    )
    return str(opened["view"]["id"])


async def test_click_sends_a_signed_block_actions_payload(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    ts = await post_card(slack)

    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE)

    assert (delivery.status, delivery.error, delivery.kind) == (200, None, "block_actions")
    assert delivery.elapsed_ms > 0
    [received] = bot.received
    assert (received.content_type, received.raw.startswith("payload=")) == (FORM, True)
    payload = received.data
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": APPROVER_ID,
        "username": "alex.approver",
        "name": "alex.approver",
        "team_id": TEAM_ID,
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": APPROVALS_CHANNEL_ID,
        "is_ephemeral": False,
    }
    assert (payload["api_app_id"], payload["team"]["domain"]) == (APP_ID, "chatops-local")
    assert payload["channel"] == {"id": APPROVALS_CHANNEL_ID, "name": "approvals"}
    assert payload["message"]["ts"] == ts
    assert payload["message"]["bot_id"] == BOT_ID
    assert payload["message"]["blocks"] == sim.message(APPROVALS_CHANNEL_ID, ts)["blocks"]
    assert payload["state"] == {"values": {}}
    assert payload["response_url"].startswith(f"{sim.base_url}hooks/")
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "style", "type")} == {
        "action_id": APPROVE,
        "block_id": "decide",
        "value": "wf-1",
        "style": "primary",
        "type": "button",
    }
    assert action["text"]["text"] == "Approve"
    assert float(action["action_ts"]) > float(ts)


async def test_trigger_and_response_url_from_a_click_work(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    view_id = await open_reason_modal(sim, slack, bot)
    click = bot.received[-1].data
    # Bolt's respond() posts through this client.
    webhook = AsyncWebhookClient(click["response_url"])

    answer = await webhook.send(text="Rejected", replace_original=True, delete_original=False)

    assert (answer.status_code, answer.body) == (200, "ok")

    [view] = sim.open_views(APPROVER_ID)
    assert (view["id"], view["callback_id"]) == (view_id, "reject_reason")
    card = sim.message(APPROVALS_CHANNEL_ID, click["container"]["message_ts"])
    assert (card["text"], "blocks" in card) == ("Rejected", False)


async def test_cancelled_confirm_sends_nothing(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    ts = await post_card(slack)

    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE, confirm=False)

    assert (delivery.cancelled, delivery.status) == (True, None)
    assert bot.received == []
    assert sim.deliveries == [delivery]


async def test_click_on_a_missing_button_or_message(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    ts = await post_card(slack)

    with pytest.raises(LookupError, match="no button with action_id 'nope'"):
        await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, "nope")
    with pytest.raises(LookupError, match="no message"):
        await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, "1700000000.000001", APPROVE)
    assert bot.received == []


async def test_submit_view_records_errors_then_closes(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    view_id = await open_reason_modal(sim, slack, bot)
    errors = {REASON_BLOCK: "Please give a reason"}
    bot.reply = Reply(
        body=json.dumps({"response_action": "errors", "errors": errors}),
        content_type="application/json",
    )

    rejected = await sim.submit_view(APPROVER_ID, view_id, {REASON_BLOCK: {REASON_INPUT: ""}})
    bot.reply = Reply()
    accepted = await sim.submit_view(APPROVER_ID, view_id, {REASON_BLOCK: {REASON_INPUT: "No"}})

    assert (rejected.errors, rejected.error) == (errors, None)
    payload = bot.received[-1].data
    assert payload["type"] == "view_submission"
    assert payload["view"]["id"] == view_id
    assert payload["view"]["private_metadata"] == '{"wf": "wf-1"}'
    assert payload["view"]["state"]["values"] == {
        REASON_BLOCK: {REASON_INPUT: {"type": "plain_text_input", "value": "No"}}
    }
    assert (accepted.status, accepted.errors) == (200, {})
    assert sim.open_views(APPROVER_ID) == []


async def test_submit_view_update_and_clear(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    view_id = await open_reason_modal(sim, slack, bot)
    update = {"response_action": "update", "view": reason_modal(title="Try again")}
    bot.reply = Reply(body=json.dumps(update), content_type="application/json")

    await sim.submit_view(APPROVER_ID, view_id, {REASON_BLOCK: {REASON_INPUT: "x"}})
    [updated] = sim.open_views(APPROVER_ID)
    bot.reply = Reply(body='{"response_action": "clear"}', content_type="application/json")
    await sim.submit_view(APPROVER_ID, view_id, {})

    assert (updated["id"], updated["title"]["text"]) == (view_id, "Try again")
    assert sim.open_views(APPROVER_ID) == []


async def test_submit_view_checks_its_inputs(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    view_id = await open_reason_modal(sim, slack, bot)

    with pytest.raises(LookupError, match="no text input"):
        await sim.submit_view(APPROVER_ID, view_id, {"wrong_block": {REASON_INPUT: "x"}})
    with pytest.raises(LookupError, match="is open for"):
        await sim.submit_view(REQUESTER_ID, view_id, {})


async def test_slash_text_ack_becomes_an_ephemeral(sim: SlackSim, bot: FakeBot) -> None:
    bot.reply = Reply(body="Usage: /workflow status <id>")

    delivery = await sim.slash(REQUESTER_ID, APPROVALS_CHANNEL_ID, "/workflow", "help")

    assert (delivery.status, delivery.kind) == (200, "slash_command")
    fields = bot.received[-1].data
    assert {k: fields[k] for k in ("command", "text", "user_id", "channel_name")} == {
        "command": "/workflow",
        "text": "help",
        "user_id": REQUESTER_ID,
        "channel_name": "approvals",
    }
    assert fields["is_enterprise_install"] == "false"
    assert fields["response_url"].startswith(f"{sim.base_url}hooks/")
    assert [e["text"] for e in sim.ephemerals(REQUESTER_ID)] == ["Usage: /workflow status <id>"]


async def test_slash_in_channel_json_ack_posts_a_message(sim: SlackSim, bot: FakeBot) -> None:
    ack = {"response_type": "in_channel", "text": "Pausing scrape"}
    bot.reply = Reply(body=json.dumps(ack), content_type="application/json")

    await sim.slash(REQUESTER_ID, APPROVALS_CHANNEL_ID, "/workflow", "pause scrape")

    assert [m["text"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == ["Pausing scrape"]
    assert sim.ephemerals(REQUESTER_ID) == []


async def test_forged_and_stale_requests_are_refused(sim: SlackSim, bot: FakeBot) -> None:
    body = b"payload=%7B%7D"

    forged = await sim.post_signed(body, FORM, secret="not-the-secret")
    stale = await sim.post_signed(body, FORM, timestamp=int(time.time()) - 6 * 60)
    genuine = await sim.post_signed(body, FORM)

    assert [(d.status, d.error) for d in (forged, stale, genuine)] == [
        (401, "dispatch_failed"),
        (401, "dispatch_failed"),
        (200, None),
    ]
    assert bot.rejected == 2


async def test_slow_ack_is_an_operation_timeout(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    ts = await post_card(slack)
    sim.delivery.timeout = 0.1  # stands in for Slack's 3 s, to keep the test fast
    bot.reply = Reply(delay=0.5)

    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, REJECT)

    assert (delivery.status, delivery.error) == (None, "operation_timeout")
    assert 100 <= delivery.elapsed_ms < 500


async def test_unreachable_bot_is_dispatch_failed(sim: SlackSim, slack: AsyncWebClient) -> None:
    ts = await post_card(slack)
    sim.bot_url = f"{sim.base_url}no/such/endpoint"

    delivery = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, REJECT)

    assert (delivery.status, delivery.error) == (404, "dispatch_failed")


async def test_a_retry_is_the_same_payload_marked_as_slack_marks_retries(
    sim: SlackSim, slack: AsyncWebClient, bot: FakeBot
) -> None:
    ts = await post_card(slack)
    first = await sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, ts, APPROVE)

    again = await sim.redeliver(first, retry_num=1)

    assert (first.retry_num, again.retry_num, again.status) == (0, 1, 200)
    original, retried = bot.received
    assert retried.raw == original.raw
    assert "X-Slack-Retry-Num" not in original.headers
    assert (retried.headers["X-Slack-Retry-Num"], retried.headers["X-Slack-Retry-Reason"]) == (
        "1",
        "http_timeout",
    )
