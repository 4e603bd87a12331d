"""TimedPauseWorkflow: the end of a timed schedule pause (``pause <id> for 2h``)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from orchestration.notes import NoteDelivery, post_mrkdwn_notice

with workflow.unsafe.imports_passed_through():
    from activities.schedules import unpause_schedule
    from orchestration.durations import format_duration
    from orchestration.models.schedules import TimedPauseInput, UnpauseInput
    from orchestration.slack_text import escape, mention

UNPAUSE_TIMEOUT = timedelta(seconds=30)
UNPAUSE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
NOTICE_DELIVERY = NoteDelivery(UNPAUSE_TIMEOUT, timedelta(minutes=10), UNPAUSE_RETRY)


@workflow.defn
class TimedPauseWorkflow:
    """A timed pause's end: a durable timer, then unpause (unless the pause was changed)."""

    @workflow.run
    async def run(self, input: TimedPauseInput) -> bool:
        """Sleep until ``until``; True if this timer unpaused the schedule."""
        await workflow.sleep(max(input.until - workflow.now(), timedelta(0)))
        paused_for = format_duration(input.paused_for)
        unpaused = await workflow.execute_activity(
            unpause_schedule,
            UnpauseInput(
                schedule_id=input.schedule_id,
                expected_note=input.pause_note,
                note=f"Unpaused automatically after a {paused_for} pause by {input.paused_by}.",
            ),
            start_to_close_timeout=UNPAUSE_TIMEOUT,
            retry_policy=UNPAUSE_RETRY,
        )
        if unpaused and input.channel:
            await post_mrkdwn_notice(
                input.channel,
                f"Schedule `{escape(input.schedule_id)}` unpaused by itself: the {paused_for} "
                f"pause by {mention(input.paused_by)} has ended.",
                NOTICE_DELIVERY,
            )
        return unpaused
