"""The bot jobs' Slack client with a mocked Web API: errors keep Slack's code and say whether
they may pass, channel names are looked up once, history pages stop where asked."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError

from activities.cards import Message
from bot.slack_client import BotSlackClient, SlackCallFailed


class Response(dict[str, object]):
    def __init__(self, status_code: int, **body: object) -> None:
        super().__init__(ok=False, **body)
        self.status_code = status_code


def client_answering(*answers: Any) -> tuple[BotSlackClient, AsyncMock]:
    web = AsyncMock()
    web.api_call.side_effect = list(answers)
    return BotSlackClient(web), web.api_call


@pytest.mark.parametrize(
    ("status", "code", "transient"),
    [
        (429, "ratelimited", True),
        (503, None, True),
        (200, "internal_error", True),
        (200, "channel_not_found", False),
        (200, "message_not_found", False),
        (200, "some_new_error", False),
    ],
)
async def test_a_failed_call_keeps_slacks_code_and_says_whether_it_may_pass(
    status: int, code: str | None, transient: bool
) -> None:
    body = {"error": code} if code else {}
    slack, _ = client_answering(SlackApiError("x", Response(status, **body)))
    with pytest.raises(SlackCallFailed) as raised:
        await slack.update_message("C1", "1.0", Message("text", []))
    assert (raised.value.code, raised.value.transient) == (code or f"http_{status}", transient)
    verb = "failed" if transient else "refused"
    assert verb in str(raised.value) and "chat.update" in str(raised.value)


async def test_an_unreachable_slack_is_a_transient_failure() -> None:
    slack, _ = client_answering(aiohttp.ClientConnectionError())
    with pytest.raises(SlackCallFailed) as raised:
        await slack.post_message("C1", Message("text", []))
    assert (raised.value.code, raised.value.transient) == ("unreachable", True)
    assert str(raised.value) == "Slack chat.postMessage unreachable: ClientConnectionError"


async def test_channel_names_are_looked_up_once_across_pages() -> None:
    first = {
        "channels": [{"name": "general", "id": "C0GENERAL"}],
        "response_metadata": {"next_cursor": "page2"},
    }
    second = {"channels": [{"name": "approvals", "id": "C0APPROVE"}]}
    slack, api_call = client_answering(first, second)
    assert await slack.channel_id("#approvals") == "C0APPROVE"
    assert await slack.channel_id("approvals") == "C0APPROVE"
    assert await slack.channel_id("C0GENERAL") == "C0GENERAL"  # an id passes through
    assert api_call.await_count == 2
    assert api_call.await_args_list[1].kwargs["params"]["cursor"] == "page2"


async def test_an_unknown_channel_is_a_permanent_failure() -> None:
    slack, _ = client_answering({"channels": [{"name": "general", "id": "C0GENERAL"}]})
    with pytest.raises(SlackCallFailed) as raised:
        await slack.channel_id("nowhere")
    assert (raised.value.code, raised.value.transient) == ("channel_not_found", False)


async def test_pages_stop_at_the_last_cursor_or_at_the_limit() -> None:
    endless = {"messages": [{"ts": "1"}], "response_metadata": {"next_cursor": "more"}}
    slack, api_call = client_answering(*[endless] * 5)
    pages = [page async for page in slack.pages("conversations.history", 3, channel="C1")]
    assert len(pages) == 3 and api_call.await_count == 3
    slack, api_call = client_answering({"messages": []})
    assert [page async for page in slack.pages("conversations.history", channel="C1")] == [
        {"messages": []}
    ]
