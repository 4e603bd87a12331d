"""ScrapeWorkflow: the job the ``scrape`` schedule runs."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from orchestration.failures import activity_failure_message
from orchestration.notes import NoteDelivery, post_notice

with workflow.unsafe.imports_passed_through():
    from activities.scrape import Scraper
    from orchestration.models.scrape import (
        FetchInput,
        FetchResult,
        ScrapeInput,
        ScrapeReport,
        WriteReportInput,
    )

FETCH_TIMEOUT = timedelta(seconds=30)
# A source that keeps failing is reported as failed; the run itself goes on (partial success).
FETCH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=3,
)
STEP_TIMEOUT = timedelta(seconds=30)
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
NOTICE_WINDOW = timedelta(minutes=10)
NOTICE_DELIVERY = NoteDelivery(STEP_TIMEOUT, NOTICE_WINDOW, STEP_RETRY)


@workflow.defn
class ScrapeWorkflow:
    """Fetch every source, tolerate the ones that fail, write the result, post a summary."""

    @workflow.run
    async def run(self, input: ScrapeInput) -> ScrapeReport:
        """One run of the scrape job."""
        started = workflow.now()
        results = await asyncio.gather(*(self._fetch(url) for url in input.sources))
        report = ScrapeReport(started_at=started, results=list(results))
        report.output_file = await workflow.execute_activity_method(
            Scraper.write_scrape_report,
            WriteReportInput(report=report, output_dir=input.output_dir),
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=STEP_RETRY,
        )
        await _notice(input.channel, summary(report))
        return report

    async def _fetch(self, url: str) -> FetchResult:
        try:
            return await workflow.execute_activity_method(
                Scraper.fetch_source,
                FetchInput(url=url),
                start_to_close_timeout=FETCH_TIMEOUT,
                retry_policy=FETCH_RETRY,
            )
        except ActivityError as err:
            return FetchResult(url=url, ok=False, error=activity_failure_message(err))


def summary(report: ScrapeReport) -> str:
    """``Scrape: 2 of 3 sources fetched; failed: <url> (HTTP 500). Written to ...``."""
    total = len(report.results)
    text = f"Scrape: {report.succeeded} of {total} sources fetched"
    failed = [r for r in report.results if not r.ok]
    if failed:
        text += "; failed: " + "; ".join(f"{r.url} ({r.error})" for r in failed[:5])
        if len(failed) > 5:
            text += f" and {len(failed) - 5} more"
    return text + (f". Written to {report.output_file}." if report.output_file else ".")


async def _notice(channel: str | None, text: str) -> None:
    """A notice (it quotes sources' errors and ids) in ``channel``, if there is one."""
    if channel:
        await post_notice(channel, text, NOTICE_DELIVERY)
