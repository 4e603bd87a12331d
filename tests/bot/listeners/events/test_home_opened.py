"""``app_home_opened``: the Home tab is drawn with what the viewer may decide, read from the
workflows' memo; the Messages tab sends the same event and needs nothing."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from temporalio.service import RPCStatusCode

from activities.cards import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION, decision_value
from bot.listeners.events import home_opened
from slacksim import APPROVER_ID, OUTSIDER_ID
from tests.bot.listeners.fakes import (
    PERMALINK,
    WORKFLOW_ID,
    FakeTemporal,
    approval_state,
    awaited_kwargs,
    context_for,
    rpc_error,
    slack_client,
)

pytestmark = pytest.mark.unit


def home_event(user: str, tab: str = "home") -> dict[str, str]:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab}


async def test_the_home_tab_lists_what_the_viewer_may_decide_with_the_cards_buttons() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state(arguments={"replicas": 3}))
    client = slack_client(temporal.events)

    await home_opened(home_event(APPROVER_ID), client, context_for(temporal))

    # The requests, then which of those shown are stuck (one query), then the view.
    assert temporal.events == ["list_workflows", "list_workflows", "views_publish"]
    published = awaited_kwargs(client.views_publish)
    assert published["user_id"] == APPROVER_ID
    blocks = published["view"]["blocks"]
    assert blocks[0]["text"]["text"] == "Waiting for you"
    text = str(blocks)
    assert "Order ORD-1 ($2,500.00)" in text and f"<{PERMALINK}|Open the card>" in text
    [buttons] = [b["elements"] for b in blocks if b["type"] == "actions"]
    assert [b["action_id"] for b in buttons] == [APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION]
    assert {b["value"] for b in buttons} == {decision_value(WORKFLOW_ID, "1")}


async def test_someone_who_may_decide_nothing_is_told_so() -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())
    client = slack_client(temporal.events)

    await home_opened(home_event(OUTSIDER_ID), client, context_for(temporal))

    text = str(awaited_kwargs(client.views_publish)["view"]["blocks"])
    assert "Nothing is waiting for you." in text and WORKFLOW_ID not in text


async def test_the_messages_tab_draws_nothing() -> None:
    temporal = FakeTemporal()
    client = slack_client(temporal.events)

    await home_opened(home_event(APPROVER_ID, tab="messages"), client, context_for(temporal))

    assert temporal.events == []


async def test_temporal_unreachable_is_said_on_the_tab() -> None:
    temporal = FakeTemporal()
    temporal.list_error = rpc_error(RPCStatusCode.UNAVAILABLE)
    client = slack_client(temporal.events)

    await home_opened(home_event(APPROVER_ID), client, context_for(temporal))

    text = str(awaited_kwargs(client.views_publish)["view"]["blocks"])
    assert "Could not reach Temporal (UNAVAILABLE) to list your approvals" in text
    assert "Nothing is waiting" not in text


async def test_a_home_tab_slack_refuses_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    temporal = FakeTemporal()
    client = slack_client(temporal.events)
    client.views_publish.side_effect = SlackApiError("no", {"ok": False, "error": "not_enabled"})

    await home_opened(home_event(APPROVER_ID), client, context_for(temporal))

    assert f"could not publish the Home tab of {APPROVER_ID}: not_enabled" in caplog.text
