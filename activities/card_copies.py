"""Copies of an approval card outside its channel: in an approver's direct messages with the
app, or in an escalation step's channel. A copy carries the same buttons as the card, so a
click on it decides the same request; it is redrawn with the card by
``SlackActivities.update_approval_card``.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.slack import SlackActivities
from orchestration.models.approval import CardCopyInput, PostCardResult


class CardCopies:
    """Posts copies of cards through the worker's Slack activities (one client)."""

    def __init__(self, slack: SlackActivities) -> None:
        self._slack = slack

    @activity.defn
    async def post_card_copy(self, copy: CardCopyInput) -> PostCardResult:
        """Post a copy of a card in ``copy.user``'s direct messages or in ``copy.channel``,
        once (a retry finds the copy an earlier attempt left). Slack's refusals (no such
        user, a deactivated one, a bot) fail at once; rate limits and outages are retried."""
        if copy.user:
            channel = await self.direct_channel(copy.user)
        elif copy.channel:
            channel = await self._slack.channel_id(copy.channel)
        else:
            raise ApplicationError(
                "a card copy needs a user or a channel", type="NoCard", non_retryable=True
            )
        return await self._slack.post_card_in(channel, copy.card)

    async def direct_channel(self, user: str) -> str:
        """The id (``D…``) of the app's direct-message conversation with ``user``, opened if
        needed (``conversations.open``, which answers the same id every time)."""
        opened = await self._slack.call("conversations.open", users=user)
        return str(opened["channel"]["id"])
