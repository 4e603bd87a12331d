"""A timed pause's end against a real schedule: a pause someone changed meanwhile is left
alone (the slash-command tests show a timed pause ending by itself)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from commands.schedule.common import timed_pause_id
from orchestration.models.schedules import TimedPauseInput
from orchestration.models.scrape import ScrapeInput
from orchestration.schedules import schedule_spec, scrape_schedule
from orchestration.workflows.schedule_pause import TimedPauseWorkflow
from slacksim import GENERAL_CHANNEL_ID, OPERATOR_ID
from tests.helpers import unique
from tests.stack import Stack


async def test_a_timed_pause_leaves_a_pause_changed_meanwhile(stack: Stack, tmp_path: Path) -> None:
    schedule_id = unique("held").lower()
    source = ScrapeInput(sources=["http://127.0.0.1:1/x"], output_dir=str(tmp_path))
    spec = schedule_spec(every=timedelta(days=1))
    schedule = await stack.client.create_schedule(
        schedule_id, scrape_schedule(schedule_id, source, stack.task_queue, spec, "")
    )
    try:
        # The timer of a 1s pause ends after someone paused the schedule again, for a reason
        # of their own: that pause stays.
        await schedule.pause(note="Paused by U0APPROVE1: incident")
        timer = await stack.client.start_workflow(
            TimedPauseWorkflow.run,
            TimedPauseInput(
                schedule_id=schedule_id,
                until=datetime.now(UTC),
                paused_for=timedelta(seconds=1),
                pause_note=f"Paused by {OPERATOR_ID}: vendor maintenance",
                paused_by=OPERATOR_ID,
                channel=GENERAL_CHANNEL_ID,
            ),
            id=timed_pause_id(schedule_id),
            task_queue=stack.task_queue,
        )
        stack.started.append(timer)
        assert await timer.result() is False
        state = (await schedule.describe()).schedule.state
        assert (state.paused, state.note) == (True, "Paused by U0APPROVE1: incident")
        assert stack.sim.messages(GENERAL_CHANNEL_ID) == []
    finally:
        await schedule.delete()
