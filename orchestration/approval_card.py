"""The approval gate's Slack side: the card (posted, redrawn) and notes to people.

Every call is an activity. A card that cannot be updated, or a note that cannot be delivered,
is recorded or logged: the request itself must not fail because Slack was down.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityHandle

from orchestration.approval_state import GateState
from orchestration.failures import activity_failure_message
from orchestration.notes import NoteDelivery, send_note
from orchestration.slack_queue import post_options

with workflow.unsafe.imports_passed_through():
    from activities.slack import SlackActivities
    from orchestration.models.approval import (
        CardInput,
        EphemeralInput,
        PostCardResult,
        ThreadReplyInput,
    )
    from orchestration.models.routing import CardCopy

SLACK_CALL_TIMEOUT = timedelta(seconds=20)
SLACK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
# A card update or reminder that still fails after this long is given up (and recorded);
# the order itself must not fail because Slack was down.
CARD_UPDATE_WINDOW = timedelta(minutes=30)
# With the gate's LEAN_GATE_PATCH, card redraws run as local activities: in the workflow task
# that applied the decision, with no round trip through the server before the card shows the
# outcome. A redraw is safe to repeat (it draws the same state again), as a local activity
# is when the worker running it dies before its task completes.
# Below SLACK_RETRY's first interval: a redraw that failed is retried from a timer, so the
# workflow task completes (the decision published in the memo) rather than wait on Slack.
CARD_LOCAL_RETRY_THRESHOLD = timedelta(milliseconds=500)
NOTE_WINDOW = timedelta(minutes=2)
NOTE_DELIVERY = NoteDelivery(SLACK_CALL_TIMEOUT, NOTE_WINDOW, SLACK_RETRY)


class GateCard(GateState):
    """The card of the gate's current request, and notes about it."""

    def __init__(self) -> None:
        super().__init__()
        self._notes: list[asyncio.Task[str | None]] = []

    async def _post_card(self, within: timedelta) -> None:
        """Post the card; ``within`` bounds how long posting is tried.

        Cancelling the workflow must not cancel the card post: a post that Slack already took
        would leave a card nobody can update. The post finishes; then the card says cancelled.
        """
        state = self.state
        assert state is not None
        post = workflow.start_activity_method(
            SlackActivities.post_approval_card,
            self._card(),
            start_to_close_timeout=SLACK_CALL_TIMEOUT,
            schedule_to_close_timeout=max(within, timedelta(minutes=1)),
            retry_policy=SLACK_RETRY,
            **post_options(self.card_channel),
        )
        try:
            posted = await asyncio.shield(post)
        except asyncio.CancelledError:
            with contextlib.suppress(ActivityError):
                self._placed_card(await post)
            raise
        self._placed_card(posted)

    @property
    def card_channel(self) -> str:
        """The card's channel as the policy names it: the pace of its posts and of the replies
        in its thread is kept under that name (``orchestration.slack_queue``)."""
        assert self._request is not None
        return self._request.policy.channel

    def _placed_card(self, posted: PostCardResult) -> None:
        """Record where the card landed (again, when it was posted anew)."""
        state = self.state
        assert state is not None
        state.channel, state.message_ts = posted.channel, posted.ts
        state.stray_posts_possible = state.stray_posts_possible or posted.retried

    async def finish(self, note: str) -> None:
        """Record what became of the request (order completed, failed...) and redraw the card."""
        if self.state is None:
            return
        self.state.outcome_note = note
        self._publish()
        await self.redraw()

    async def redraw(self) -> None:
        """Bring the card and its copies up to date; a card that cannot be updated is
        recorded, not fatal. The card's update is asked first, the copies' next, all at once."""
        state = self.state
        if state is None or not state.channel or not state.message_ts:
            return
        card = self._update(self._card())
        copies = [(copy, self._update(self._card(copy))) for copy in state.copies if copy.placed]
        try:
            reposted = await card
            if reposted is not None:  # the old card was gone: this is the card now
                self._placed_card(reposted)
            state.card_error = None
        except ActivityError as err:
            state.card_error = activity_failure_message(err)
            workflow.logger.warning("card update failed: %s", state.card_error)
        for copy, update in copies:
            await self._updated_copy(copy, update)
        self._publish()

    def _update(self, card: CardInput) -> ActivityHandle[PostCardResult | None]:
        """Start redrawing ``card`` (or a copy of it): a local activity in lean runs, an
        activity in runs from before them."""
        if self._lean:
            return workflow.start_local_activity_method(
                SlackActivities.update_approval_card,
                card,
                start_to_close_timeout=SLACK_CALL_TIMEOUT,
                schedule_to_close_timeout=CARD_UPDATE_WINDOW,
                retry_policy=SLACK_RETRY,
                local_retry_threshold=CARD_LOCAL_RETRY_THRESHOLD,
            )
        return workflow.start_activity_method(
            SlackActivities.update_approval_card,
            card,
            start_to_close_timeout=SLACK_CALL_TIMEOUT,
            schedule_to_close_timeout=CARD_UPDATE_WINDOW,
            retry_policy=SLACK_RETRY,
        )

    @staticmethod
    async def _updated_copy(copy: CardCopy, update: ActivityHandle[PostCardResult | None]) -> None:
        """Record how a copy's update went: moved (posted again), up to date, or why not."""
        try:
            reposted = await update
        except ActivityError as err:
            copy.error = activity_failure_message(err)
            workflow.logger.warning("card copy %s not updated: %s", copy.key, copy.error)
            return
        if reposted is not None:
            copy.channel, copy.ts = reposted.channel, reposted.ts
            copy.stray_posts_possible = copy.stray_posts_possible or reposted.retried
        copy.error = None

    async def close(self) -> None:
        """Wait for outstanding notes (ephemeral refusals, reminders) before the run ends."""
        while self._notes:
            pending, self._notes = self._notes, []
            await asyncio.gather(*pending, return_exceptions=True)

    def _card(self, copy: CardCopy | None = None) -> CardInput:
        """The card as it stands (without the attempts and the list of copies, which it
        does not show); for ``copy``, placed where that copy is and marked as it."""
        assert self._request is not None and self.state is not None
        info = workflow.info()
        ui = self._request.policy.temporal_ui_url
        link = (
            f"{ui.rstrip('/')}/namespaces/{info.namespace}/workflows/{info.workflow_id}"
            if ui
            else None
        )
        shown: dict[str, Any] = {"attempts": [], "copies": []}
        strays = self.state.stray_posts_possible
        if copy is not None:
            shown.update(channel=copy.channel, message_ts=copy.ts)
            strays = copy.stray_posts_possible
        return CardInput(
            request=self._request,
            state=self.state.model_copy(update=shown),
            workflow_id=info.workflow_id,
            card_key=f"{info.workflow_id}/{info.run_id}/{self.state.request_id}",
            workflow_link=link,
            copy_key=None if copy is None else copy.key,
            remove_strays=strays,
        )

    def _thread_note(self, text: str) -> None:
        """A note in the card's thread, once there is a card."""
        state = self.state
        if state is not None and state.channel and state.message_ts:
            reply = ThreadReplyInput(channel=state.channel, thread_ts=state.message_ts, text=text)
            self._note(reply, self.card_channel)

    def _note(self, note: EphemeralInput | ThreadReplyInput, channel: str = "") -> None:
        """Send a note in the background (a thread reply paced in ``channel``, as named where
        its thread was posted); a note that cannot be delivered is only logged."""
        if isinstance(note, EphemeralInput):
            send = send_note(SlackActivities.post_ephemeral, note, NOTE_DELIVERY)
        else:
            reply = SlackActivities.reply_in_thread
            send = send_note(reply, note, NOTE_DELIVERY, paced_in=channel or note.channel)
        self._notes.append(asyncio.ensure_future(send))
