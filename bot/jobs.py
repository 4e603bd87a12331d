"""The bot's own periodic jobs, on APScheduler: the digest and the card reconciler.

These are housekeeping for the Slack side, not business workflows (those are Temporal's). A
job that fails is logged in one line and runs again at its next time; two runs of one job
never overlap, and runs missed while the bot was down collapse into one. With many bot
replicas, each period of a job runs once, on the replica whose claim Temporal accepts
(:mod:`bot.election`), not once per bot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client
from temporalio.service import RPCError

from bot.digest import post_digest
from bot.election import claim, interval_period
from bot.reconcile import CardReconciler
from bot.slack_client import BotSlackClient, SlackCallFailed
from orchestration.cron import cron_trigger

log = logging.getLogger(__name__)
DIGEST_JOB = "digest"
RECONCILE_JOB = "reconcile"
# A digest more than this late (the bot was down at its time) is still worth posting.
DIGEST_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class JobSettings:
    """When the jobs run; None turns a job off."""

    channel: str = "approvals"
    digest_cron: str | None = "0 9 * * 1-5"
    digest_timezone: str = "UTC"
    reconcile_every: timedelta | None = timedelta(minutes=5)
    # The digest reads the index workflows keep in search attributes (else every memo).
    search_attributes: bool = True
    # The worker's task queue, where replicas claim each period of a job; None: no claims
    # (a single bot).
    task_queue: str | None = None


class BotJobs:
    """The scheduler and its two jobs; :meth:`start` inside the bot's event loop."""

    def __init__(
        self,
        client: AsyncWebClient,
        temporal: Client,
        settings: JobSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # One Slack wrapper for both jobs, so the channel's id is looked up once.
        self._slack = BotSlackClient(client)
        self._temporal = temporal
        self.clock = clock  # which period a scheduled run belongs to
        self.settings = settings
        self._zone = ZoneInfo(settings.digest_timezone)
        self.scheduler = AsyncIOScheduler(timezone=self._zone)
        self._reconciler = CardReconciler(self._slack, temporal, settings.channel)

    async def digest(self) -> str | None:
        """Post the digest now; the message's ts, or None (nothing waits, or it failed)."""
        try:
            return await post_digest(
                self._slack,
                self._temporal,
                self.settings.channel,
                search_attributes=self.settings.search_attributes,
            )
        except (SlackCallFailed, RPCError) as err:
            log.warning("digest not posted: %s", err)
            return None

    async def reconcile(self) -> int:
        """One reconciler pass now; how many cards it brought up to date."""
        try:
            report = await self._reconciler.run()
        except (SlackCallFailed, RPCError) as err:
            log.warning("card reconciler pass failed: %s", err)
            return 0
        return len(report.updated)

    async def _claimed(self, job: str, period: datetime) -> bool:
        """Whether this replica runs ``job``'s ``period`` (always, without a task queue)."""
        queue = self.settings.task_queue
        return queue is None or await claim(self._temporal, queue, job, period)

    async def scheduled_digest(self, trigger: BaseTrigger) -> bool:
        """The digest at its time, if this replica wins the time's claim; whether it ran."""
        if not await self._claimed(
            DIGEST_JOB, latest_fire(trigger, self.clock().astimezone(self._zone))
        ):
            return False
        await self.digest()
        return True

    async def scheduled_reconcile(self, every: timedelta) -> bool:
        """A reconciler pass, if this replica wins the period's claim; whether it ran."""
        if not await self._claimed(RECONCILE_JOB, interval_period(self.clock(), every)):
            return False
        await self.reconcile()
        return True

    def start(self) -> None:
        """Schedule the jobs; the reconciler's first pass runs at once (after an outage is
        when cards are most likely to be stale)."""
        if self.settings.digest_cron:
            trigger = cron_trigger(self.settings.digest_cron, self._zone)
            self.scheduler.add_job(
                self.scheduled_digest,
                trigger,
                args=[trigger],
                id=DIGEST_JOB,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(DIGEST_GRACE.total_seconds()),
            )
        if self.settings.reconcile_every:
            every = self.settings.reconcile_every
            self.scheduler.add_job(
                self.scheduled_reconcile,
                IntervalTrigger(seconds=int(every.total_seconds())),
                args=[every],
                id=RECONCILE_JOB,
                next_run_time=datetime.now(UTC),
                coalesce=True,
                max_instances=1,
            )
        self.scheduler.start()
        for job in self.scheduler.get_jobs():
            log.info("bot job %s: next run %s", job.id, job.next_run_time)

    def run_now(self, job_id: str) -> None:
        """Make a scheduled job run at once (through the scheduler, as at its time)."""
        job = self.scheduler.get_job(job_id)
        if job is None:
            raise LookupError(f"no job {job_id} (is it turned off?)")
        job.modify(next_run_time=datetime.now(UTC))

    def stop(self) -> None:
        """Stop scheduling; a run in progress is abandoned with the event loop."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


def latest_fire(trigger: BaseTrigger, now: datetime) -> datetime:
    """The time ``trigger`` last fired at or before ``now`` (within the digest's grace): the
    period every replica names alike, however late it runs; ``now`` to the minute if none."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - DIGEST_GRACE)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest or now.replace(second=0, microsecond=0)
