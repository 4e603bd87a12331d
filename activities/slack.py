"""Slack side effects: post and update approval cards, thread replies, ephemeral notes.

Temporal owns retries, so the Slack client has no retry handlers of its own: a 429 becomes an
``ApplicationError`` whose ``next_retry_delay`` is Slack's ``Retry-After``; errors that will
never succeed (bad token, unknown channel, invalid blocks) are non-retryable.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.card_lookup import readable_cards, remove_strays
from activities.cards import approval_card, card_metadata
from activities.slack_errors import SlackCallError, to_application_error
from orchestration.metrics import record_slack_error
from orchestration.models.approval import (
    CardInput,
    EphemeralInput,
    NoticeInput,
    PostCardResult,
    ResolveApproversInput,
    ResolveApproversResult,
    ThreadReplyInput,
)

# chat.update's answers when the card's message no longer exists (deleted, or a stand-in
# that lost it): the card is posted again instead.
CARD_GONE_ERRORS = frozenset({"message_not_found", "cant_update_message"})
# A thread whose parent is gone: the reply goes to the channel instead.
THREAD_GONE_ERRORS = frozenset({"thread_not_found", "message_not_found"})


def new_slack_client(token: str, base_url: str, timeout: int = 15) -> AsyncWebClient:
    """A Web API client with no retry handlers: retries belong to Temporal."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[])


def named_channel(channel: str) -> tuple[str, bool]:
    """A channel as given (``C0123``, ``approvals`` or ``#approvals``): its id or name without
    the ``#``, and whether that already is an id."""
    name = channel.lstrip("#")
    return name, name[:1] in ("C", "G", "D") and name.isupper() and name.isalnum()


class SlackActivities:
    """Every Slack call the workflows make, sharing one ``AsyncWebClient``."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._channel_ids: dict[str, str] = {}

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client the calls go through."""
        return self._client

    async def call(self, method: str, **kwargs: Any) -> Any:
        """POST a JSON body; Slack's failures become Temporal's ApplicationErrors."""
        return await self._request(method, json=kwargs)

    async def call_get(self, method: str, **params: Any) -> Any:
        """GET with a query string (Slack's read methods)."""
        return await self._request(method, http_verb="GET", params=params)

    async def _request(self, method: str, **request: Any) -> Any:
        try:
            return await self._client.api_call(method, **request)
        except SlackApiError as err:
            failure = to_application_error(method, err)
            record_slack_error(method, failure.code)
            raise failure from None
        except (aiohttp.ClientError, TimeoutError) as err:
            record_slack_error(method, "unreachable")
            raise ApplicationError(
                f"Slack {method} unreachable: {type(err).__name__}", type="SlackUnreachable"
            ) from None

    async def channel_id(self, channel: str) -> str:
        """Channel ids pass through; names (``approvals`` or ``#approvals``) are looked up once."""
        name, is_id = named_channel(channel)
        if is_id:
            return name
        if name in self._channel_ids:
            return self._channel_ids[name]
        cursor = ""
        while True:
            page = await self.call_get(
                "conversations.list",
                types="public_channel,private_channel",
                exclude_archived="true",
                limit=200,
                cursor=cursor,
            )
            for conv in page.get("channels", []):
                self._channel_ids[conv["name"]] = conv["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor", "")
            if name in self._channel_ids:
                return self._channel_ids[name]
            if not cursor:
                raise ApplicationError(
                    f"Slack channel #{name} not found, or the app cannot see it",
                    type="SlackPermanentError",
                    non_retryable=True,
                )

    @activity.defn
    async def post_approval_card(self, card: CardInput) -> PostCardResult:
        """Post a card once: a retry first looks for the card an earlier attempt may have left."""
        channel = await self.channel_id(card.request.policy.channel)
        return await self.post_card_in(channel, card)

    async def post_card_in(self, channel: str, card: CardInput) -> PostCardResult:
        """Post ``card`` (or a copy of it) in the channel with id ``channel``, once: a retried
        activity first looks for the message an earlier attempt may have left, and says it
        was retried (an attempt that timed out may still land; redraws then remove it)."""
        retried = activity.info().attempt > 1
        if retried:
            existing = next(iter(await readable_cards(self, channel, card)), None)
            if existing is not None:
                activity.logger.info("card %s was already posted as %s", card.card_key, existing)
                return PostCardResult(channel=channel, ts=existing, retried=True)
        posted = await self._post_card(channel, card)
        return posted.model_copy(update={"retried": retried})

    @activity.defn
    async def update_approval_card(self, card: CardInput) -> PostCardResult | None:
        """Redraw a card in place from the request's current state (and, when its post was
        retried, delete any second message of it). A card whose message is gone (deleted in
        Slack, lost by a stand-in) is posted again: the new message's place is returned, to
        be recorded; None when the card was updated in place."""
        try:
            await self.redraw_card(card)
        except SlackCallError as err:
            if err.code not in CARD_GONE_ERRORS:
                raise
            channel = str(card.state.channel)
            activity.logger.warning(
                "card %s is gone from %s (%s); posting it again", card.card_key, channel, err.code
            )
            return await self._post_again(channel, card)
        if card.remove_strays:
            await remove_strays(self, card)
        return None

    async def _post_again(self, channel: str, card: CardInput) -> PostCardResult:
        """Post a card whose message is gone; a retry first looks for the one it posted, and
        so does a local activity (run again from its first attempt when the worker that ran
        it died before its workflow task completed)."""
        info = activity.info()
        retried = info.attempt > 1
        if retried or info.is_local:
            for existing in await readable_cards(self, channel, card):
                if existing != card.state.message_ts:
                    return PostCardResult(channel=channel, ts=existing, retried=True)
        posted = await self._post_card(channel, card)
        return posted.model_copy(update={"retried": retried})

    async def redraw_card(self, card: CardInput) -> None:
        """``chat.update`` of the card's message with the card drawn from ``card``."""
        state = card.state
        if not state.channel or not state.message_ts:
            raise ApplicationError(
                "card has no channel/ts to update", type="NoCard", non_retryable=True
            )
        message = approval_card(card)
        # The metadata again, so the card stays findable (the reconciler looks for it).
        await self.call(
            "chat.update",
            channel=state.channel,
            ts=state.message_ts,
            text=message.text,
            blocks=message.blocks,
            metadata=card_metadata(card),
        )

    async def _post_card(self, channel: str, card: CardInput) -> PostCardResult:
        message = approval_card(card)
        response = await self.call(
            "chat.postMessage",
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            metadata=card_metadata(card),
        )
        return PostCardResult(channel=str(response["channel"]), ts=str(response["ts"]))

    @activity.defn
    async def reply_in_thread(self, reply: ThreadReplyInput) -> None:
        """Post in a card's thread (reminders, results); when the thread is gone, in the
        channel, led by the reply's context so it still makes sense there."""
        try:
            await self.call(
                "chat.postMessage",
                channel=reply.channel,
                thread_ts=reply.thread_ts,
                text=reply.text,
            )
        except SlackCallError as err:
            if err.code not in THREAD_GONE_ERRORS:
                raise
            activity.logger.warning(
                "thread %s is gone from %s (%s); replying in the channel",
                reply.thread_ts,
                reply.channel,
                err.code,
            )
            text = f"{reply.context}: {reply.text}" if reply.context else reply.text
            await self.call("chat.postMessage", channel=reply.channel, text=text)

    @activity.defn
    async def post_notice(self, notice: NoticeInput) -> None:
        """A plain message in a channel (name or id), e.g. telling engineering."""
        channel = await self.channel_id(notice.channel)
        await self.call("chat.postMessage", channel=channel, text=notice.text)

    @activity.defn
    async def post_ephemeral(self, note: EphemeralInput) -> None:
        """Tell one user something only they see."""
        await self.call("chat.postEphemeral", channel=note.channel, user=note.user, text=note.text)

    @activity.defn
    async def resolve_approvers(self, request: ResolveApproversInput) -> ResolveApproversResult:
        """Expand user groups (``S…``) into their members; user ids pass through."""
        users: list[str] = []
        for entry in request.ids:
            if entry.startswith("S"):
                response = await self.call_get("usergroups.users.list", usergroup=entry)
                members = [str(u) for u in response.get("users", [])]
            else:
                members = [entry]
            users.extend(m for m in members if m not in users)
        return ResolveApproversResult(user_ids=users)
