"""Copies of the gate's card: one in each approver's direct messages (``notify: dm``), and
one in the channel of each escalation step that names one.

A copy carries the card's buttons (a click on it decides the same request) and is redrawn
with the card (:meth:`GateCard.redraw`), so every copy ends showing the outcome. Where each
copy landed is kept in the state (``copies``). A copy that cannot be delivered (no such user,
an unknown channel) is recorded and logged: the request goes on without it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

from orchestration.approval_card import SLACK_CALL_TIMEOUT, SLACK_RETRY, GateCard
from orchestration.failures import activity_failure_message
from orchestration.slack_queue import post_options

with workflow.unsafe.imports_passed_through():
    from activities.card_copies import CardCopies
    from orchestration.models.approval import CardCopyInput, PostCardResult, ThreadReplyInput
    from orchestration.models.routing import MAX_DIRECT_COPIES, CardCopy

# How long one copy is tried (Slack's outages and rate limits are retried within it); a
# permanent refusal fails at once.
COPY_WINDOW = timedelta(minutes=2)


class GateCopies(GateCard):
    """The gate's card, with its copies in direct messages and escalation channels."""

    async def _send_direct_copies(self, users: list[str]) -> None:
        """A copy in the direct messages of each of ``users`` who has none yet, except the
        requester (who cannot decide); past :data:`MAX_DIRECT_COPIES`, recorded as not sent."""
        state = self.state
        assert state is not None
        have = {copy.user for copy in state.copies if copy.user}
        wanted = [u for u in dict.fromkeys(users) if u not in have and u != state.requester]
        room = max(MAX_DIRECT_COPIES - len(have), 0)
        for user in wanted[room:]:
            workflow.logger.warning("no direct message for %s: too many approvers", user)
            state.copies.append(
                CardCopy(
                    key=f"dm:{user}",
                    user=user,
                    error=f"not sent: at most {MAX_DIRECT_COPIES} direct messages a request",
                )
            )
        await self._post_copies([CardCopy(key=f"dm:{user}", user=user) for user in wanted[:room]])

    async def _send_channel_copy(self, step: int, channel: str, note: str) -> None:
        """A copy in an escalation step's channel, with ``note`` in its thread."""
        copy = CardCopy(key=f"step:{step}")
        await self._post_copies([copy], channel=channel)
        if copy.placed:
            assert copy.channel is not None and copy.ts is not None
            reply = ThreadReplyInput(channel=copy.channel, thread_ts=copy.ts, text=note)
            self._note(reply, channel)

    async def _post_copies(self, copies: list[CardCopy], channel: str | None = None) -> None:
        """Post ``copies`` at once and record where each landed. Like the card, a post that
        started is finished even when the workflow is cancelled, so no copy is left behind
        with buttons; the caller's redraw then brings it up to date."""
        state = self.state
        assert state is not None
        if not copies:
            return
        state.copies += copies
        posts = [
            workflow.start_activity_method(
                CardCopies.post_card_copy,
                CardCopyInput(card=self._card(copy), user=copy.user, channel=channel),
                start_to_close_timeout=SLACK_CALL_TIMEOUT,
                schedule_to_close_timeout=COPY_WINDOW,
                retry_policy=SLACK_RETRY,
                # A direct message is paced as its own conversation, named by the user.
                **post_options(copy.user or channel or ""),
            )
            for copy in copies
        ]
        every = asyncio.gather(*posts, return_exceptions=True)
        try:
            results = await asyncio.shield(every)
        except asyncio.CancelledError:
            self._placed(copies, await every)
            raise
        self._placed(copies, results)

    @staticmethod
    def _placed(copies: list[CardCopy], results: list[PostCardResult | BaseException]) -> None:
        for copy, result in zip(copies, results, strict=True):
            if isinstance(result, PostCardResult):
                copy.channel, copy.ts, copy.error = result.channel, result.ts, None
                copy.stray_posts_possible = result.retried
                continue
            copy.error = (
                activity_failure_message(result)
                if isinstance(result, ActivityError)
                else f"not delivered: {type(result).__name__}"
            )
            workflow.logger.warning("card copy %s not delivered: %s", copy.key, copy.error)
