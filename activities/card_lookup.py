"""Finding a card's messages by the key in their metadata, so each card is in Slack once.

A post whose answer was lost (Slack took it, then failed; or the call timed out) may have left
the card: a retried post looks for it first. A post that timed out may even land after the
retry looked, as a second message with the same key; a card whose post was retried is marked
(``CardInput.remove_strays``), and each of its redraws deletes such strays.
"""

from __future__ import annotations

from typing import Any, Protocol

from temporalio import activity

from activities.cards import CARD_EVENT_TYPE
from activities.slack_errors import SlackCallError
from orchestration.models.approval import CardInput


class SlackCalls(Protocol):
    """The Web API calls this module makes (``SlackActivities`` has them)."""

    async def call(self, method: str, **kwargs: Any) -> Any: ...

    async def call_get(self, method: str, **params: Any) -> Any: ...


HISTORY_LOOKBACK = 200
# chat.delete's answers for a message that is already gone.
ALREADY_GONE = frozenset({"message_not_found", "cant_delete_message"})


async def cards_in(slack: SlackCalls, channel: str, card: CardInput) -> list[str]:
    """The ts of every message in ``channel``'s recent history that is this card (or this
    copy of it), newest first."""
    history = await slack.call_get(
        "conversations.history",
        channel=channel,
        limit=HISTORY_LOOKBACK,
        include_all_metadata="true",
    )
    found = []
    for message in history.get("messages", []):
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") != CARD_EVENT_TYPE:
            continue
        payload = metadata.get("event_payload") or {}
        # The card itself has no copy key, so a copy in the same channel is never taken
        # for it, nor it for a copy.
        if (payload.get("card_key"), payload.get("copy")) == (card.card_key, card.copy_key):
            found.append(str(message["ts"]))
    return found


async def readable_cards(slack: SlackCalls, channel: str, card: CardInput) -> list[str]:
    """:func:`cards_in`, or nothing when the channel's history cannot be read."""
    try:
        return await cards_in(slack, channel, card)
    except SlackCallError as err:
        if err.code != "not_in_channel":
            raise
        # Posting works uninvited (chat:write.public); reading history does not.
        activity.logger.warning(
            "cannot read %s to look for copies of card %s; invite the bot to avoid duplicates",
            channel,
            card.card_key,
        )
        return []


async def remove_strays(slack: SlackCalls, card: CardInput) -> int:
    """Delete every message of this card other than the one its state names; how many."""
    channel, kept = card.state.channel, card.state.message_ts
    if not channel or not kept:
        return 0
    strays = [ts for ts in await readable_cards(slack, channel, card) if ts != kept]
    for ts in strays:
        activity.logger.warning("card %s was posted twice; deleting %s", card.card_key, ts)
        try:
            await slack.call("chat.delete", channel=channel, ts=ts)
        except SlackCallError as err:
            if err.code not in ALREADY_GONE:
                raise
    return len(strays)
