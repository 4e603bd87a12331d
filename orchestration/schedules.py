"""Temporal Schedules of chatops: the ``scrape`` schedule (created at start-up if absent) and
the specs the ``/schedule`` commands build."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)

from orchestration.cron import temporal_cron_strings
from orchestration.models.scrape import ScrapeInput
from orchestration.workflows.scrape import ScrapeWorkflow

log = logging.getLogger(__name__)
SCRAPE_SCHEDULE_ID = "scrape"


def schedule_spec(every: timedelta | None = None, cron: str | None = None) -> ScheduleSpec:
    """Every ``every``, or on a cron expression (UTC) with cron's meaning (see
    :mod:`orchestration.cron`).

    Raises:
        CronError: ``cron`` is not a valid cron expression.
    """
    if every is not None:
        return ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)])
    assert cron is not None
    return ScheduleSpec(cron_expressions=temporal_cron_strings(cron))


def scrape_schedule(
    schedule_id: str, input: ScrapeInput, task_queue: str, spec: ScheduleSpec, note: str
) -> Schedule:
    """A schedule that runs ScrapeWorkflow (workflow id: the schedule id plus the time)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ScrapeWorkflow.run, input, id=f"{schedule_id}-run", task_queue=task_queue
        ),
        spec=spec,
        policy=SchedulePolicy(),  # overlap SKIP: a slow run is never doubled by the timer
        state=ScheduleState(note=note),
    )


async def ensure_scrape_schedule(
    client: Client, input: ScrapeInput, task_queue: str, every: timedelta
) -> bool:
    """Create the ``scrape`` schedule unless it exists; True if it was created now.

    An existing schedule is left as it is: people may have paused or changed it.
    """
    schedule = scrape_schedule(
        SCRAPE_SCHEDULE_ID, input, task_queue, schedule_spec(every=every), "created at start-up"
    )
    try:
        await client.create_schedule(SCRAPE_SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        return False
    log.info("created the %r schedule (every %s)", SCRAPE_SCHEDULE_ID, every)
    return True
