"""The Slack Web API calls the bot's own jobs make (the digest and the card reconciler).

The worker's Slack activities answer to Temporal's retries; these jobs do not: a call that
fails raises :class:`SlackCallFailed`, the job logs it in one line and tries again at its next
run. Whether a failure may pass by itself (rate limits, Slack's 5xx, an unreachable Slack) is
kept on the error, classified as the activities classify it.
https://docs.slack.dev/apis/web-api/#responses
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from activities.cards import Message, approval_card, card_metadata
from activities.slack import named_channel
from activities.slack_errors import is_transient
from commands.replies import GroupMembers, GroupsUnavailable
from orchestration.models.approval import CardInput

CHANNELS_PAGE = 200


class SlackCallFailed(Exception):
    """A Slack call that failed, with Slack's error code; ``transient`` when trying again
    later may succeed."""

    def __init__(self, message: str, code: str, *, transient: bool) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient


def call_failed(method: str, err: SlackApiError) -> SlackCallFailed:
    """Slack's answer to a failed call, as a :class:`SlackCallFailed`."""
    status = err.response.status_code
    code = str(err.response.get("error") or f"http_{status}")
    if is_transient(status, code):
        return SlackCallFailed(f"Slack {method} failed: {code}", code, transient=True)
    return SlackCallFailed(f"Slack refused {method}: {code}", code, transient=False)


class BotSlackClient:
    """The few Web API calls of the bot's jobs, over the bot's ``AsyncWebClient``; channel
    names are looked up once per client."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._channel_ids: dict[str, str] = {}

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client the calls go through."""
        return self._client

    async def _call(self, method: str, **request: Any) -> Any:
        try:
            return await self._client.api_call(method, **request)
        except SlackApiError as err:
            raise call_failed(method, err) from None
        except (aiohttp.ClientError, TimeoutError) as err:
            raise SlackCallFailed(
                f"Slack {method} unreachable: {type(err).__name__}", "unreachable", transient=True
            ) from None

    async def pages(
        self, method: str, max_pages: int | None = None, **params: Any
    ) -> AsyncIterator[Any]:
        """The pages of a paginated read method (GET), following Slack's cursors."""
        cursor, count = "", 0
        while max_pages is None or count < max_pages:
            page = await self._call(method, http_verb="GET", params={**params, "cursor": cursor})
            count += 1
            yield page
            cursor = (page.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return

    async def usergroup_members(self, group: str) -> list[str]:
        """The members of a user group (``usergroups.users.list``)."""
        answer = await self._call(
            "usergroups.users.list", http_verb="GET", params={"usergroup": group}
        )
        return [str(user) for user in answer.get("users", [])]

    async def channel_id(self, channel: str) -> str:
        """Channel ids pass through; names (``approvals`` or ``#approvals``) are looked up once."""
        name, is_id = named_channel(channel)
        if is_id:
            return name
        if name not in self._channel_ids:
            listing = self.pages(
                "conversations.list",
                types="public_channel,private_channel",
                exclude_archived="true",
                limit=CHANNELS_PAGE,
            )
            async for page in listing:
                self._channel_ids.update({c["name"]: c["id"] for c in page.get("channels", [])})
                if name in self._channel_ids:
                    break
        if name not in self._channel_ids:
            message = f"Slack channel #{name} not found, or the app cannot see it"
            raise SlackCallFailed(message, "channel_not_found", transient=False)
        return self._channel_ids[name]

    async def post_message(self, channel: str, message: Message) -> str:
        """``chat.postMessage`` (links not unfurled); the new message's ts."""
        answer = await self._call(
            "chat.postMessage",
            json={
                "channel": channel,
                "text": message.text,
                "blocks": message.blocks,
                "unfurl_links": False,
            },
        )
        return str(answer["ts"])

    async def update_message(self, channel: str, ts: str, message: Message) -> None:
        """``chat.update`` of one message's text and blocks."""
        body = {"channel": channel, "ts": ts, "text": message.text, "blocks": message.blocks}
        await self._call("chat.update", json=body)

    async def redraw_card(self, channel: str, ts: str, card: CardInput) -> None:
        """``chat.update`` of a card's message with the card drawn from ``card``; the metadata
        again, so the card stays findable."""
        message = approval_card(card)
        body = {"channel": channel, "ts": ts, "text": message.text, "blocks": message.blocks}
        await self._call("chat.update", json={**body, "metadata": card_metadata(card)})


def group_members(client: AsyncWebClient) -> GroupMembers:
    """A user group's members, asked of Slack through ``client`` (for the checks of who may
    start a flow); a failed call raises :class:`GroupsUnavailable` with Slack's code."""
    slack = BotSlackClient(client)

    async def members(group: str) -> list[str]:
        try:
            return await slack.usergroup_members(group)
        except SlackCallFailed as err:
            raise GroupsUnavailable(f"Slack: {err.code}") from None

    return members
