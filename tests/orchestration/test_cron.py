"""Cron expressions mean what cron means, in the bot's jobs (APScheduler) and in Temporal
Schedules alike: weekdays numbered from Sunday = 0 (7 too), and a day matching either day
field runs when both are restricted."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.base import BaseTrigger
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client, Schedule, ScheduleActionStartWorkflow, ScheduleState

from bot.jobs import DIGEST_JOB, BotJobs, JobSettings
from commands.schedule import SCHEDULE
from commands.schedule.specs import ScheduleSpecText, Timing, spec_text
from commands.surface import UsageError
from orchestration.cron import CronError, cron_trigger, parse_cron
from orchestration.schedules import schedule_spec
from orchestration.settings import Settings
from tests.helpers import unique

# A Monday, far enough ahead that a schedule starting then never runs during a test.
MONDAY = datetime(2027, 1, 4, tzinfo=UTC)
WEEK = timedelta(days=7)
MON, TUE, WED, THU, FRI, SAT, SUN = "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"

# Expression -> the (weekday, time) of every run in the week from MONDAY.
EXPECTED = {
    "0 9 * * 1-5": [(d, "09:00") for d in (MON, TUE, WED, THU, FRI)],
    "0 9 * * 0": [(SUN, "09:00")],
    "0 9 * * 7": [(SUN, "09:00")],
    "0 0 * * 5-7": [(FRI, "00:00"), (SAT, "00:00"), (SUN, "00:00")],
    "0 0 * * sun,sat": [(SAT, "00:00"), (SUN, "00:00")],
    "0 0 * * MON-FRI/2": [(MON, "00:00"), (WED, "00:00"), (FRI, "00:00")],
    "30 8 * * */2": [(d, "08:30") for d in (TUE, THU, SAT, SUN)],
    "0 0 * * 1-5/2": [(MON, "00:00"), (WED, "00:00"), (FRI, "00:00")],
    "0 6,18 * * 6": [(SAT, "06:00"), (SAT, "18:00")],
    "@weekly": [(SUN, "00:00")],
    # Both day fields restricted: the 6th (a Wednesday) OR any Monday.
    "0 12 6 * 1": [(MON, "12:00"), (WED, "12:00")],
    # A day field starting with * narrows the other: odd days that are Tuesdays (the 5th).
    "0 12 */2 * 2": [(TUE, "12:00")],
}


def week_of_runs(expression: str) -> list[tuple[str, str]]:
    """Every time the bot's scheduler would run ``expression`` in the week from MONDAY."""
    return runs_in_week(cron_trigger(expression, UTC))


def runs_in_week(trigger: BaseTrigger) -> list[tuple[str, str]]:
    runs: list[datetime] = []
    previous = None
    now = MONDAY
    while (fire := trigger.get_next_fire_time(previous, now)) and fire < MONDAY + WEEK:
        runs.append(fire)
        previous, now = fire, fire + timedelta(microseconds=1)
    return [(run.strftime("%a"), run.strftime("%H:%M")) for run in runs]


@pytest.mark.unit
@pytest.mark.parametrize("expression", EXPECTED)
def test_the_bots_jobs_run_on_crons_weekdays(expression: str) -> None:
    assert week_of_runs(expression) == EXPECTED[expression]


@pytest.mark.unit
def test_every_minute_of_sunday_and_only_sunday() -> None:
    runs = week_of_runs("* * * * 7")
    assert len(runs) == 24 * 60
    assert {day for day, _ in runs} == {SUN}


async def test_the_digest_the_bot_schedules_runs_monday_to_friday(client: Client) -> None:
    settings = Settings()
    assert settings.digest_cron == JobSettings().digest_cron == "0 9 * * 1-5"
    jobs = BotJobs(
        AsyncWebClient(token="xoxb-unused"),
        client,
        JobSettings(digest_cron=settings.digest_cron, reconcile_every=None),
    )
    jobs.start()
    try:
        digest = jobs.scheduler.get_job(DIGEST_JOB)
        assert digest is not None
        assert runs_in_week(digest.trigger) == EXPECTED["0 9 * * 1-5"]
    finally:
        jobs.stop()


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("every morning", "expected five fields"),
        ("0 9 * * 1-5 2027", "got 6 field(s)"),
        ("61 * * * *", "minute: 61 is outside 0-59"),
        ("0 9 * * 8", "day of week: 8 is outside 0-7"),
        ("0 9 * * fri-mon", "day of week: range 'fri-mon' runs backwards"),
        ("0 9 * * funday", "day of week: 'funday' is not a number (or a name such as sun)"),
        ("*/0 * * * *", "minute: step '0' must be at least 1"),
        ("0 0 30 2 *", "it never runs"),
        ("0 0 L * *", "day of month: 'L' is not a number"),
        ("0 0 * * 1#2", "day of week: '1#2' is not a number"),
    ],
)
def test_what_cron_would_refuse_is_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(CronError, match=re.escape(problem)):
        parse_cron(text)


@pytest.mark.unit
def test_settings_and_slash_commands_take_the_same_expressions() -> None:
    assert Settings(CHATOPS_DIGEST_CRON="  0 9  * * MON-FRI ").digest_cron == "0 9 * * MON-FRI"
    with pytest.raises(ValueError, match="day of week: 8 is outside 0-7"):
        Settings(CHATOPS_DIGEST_CRON="0 9 * * 8")
    parsed = SCHEDULE.parse('update scrape cron "0 0 * * 7"')
    assert parsed.args == Timing("scrape", ScheduleSpecText(cron="0 0 * * 7"))
    with pytest.raises(UsageError, match=r"'0 0 \* \* 8' is not a cron expression \(day of"):
        SCHEDULE.parse('update scrape cron "0 0 * * 8"')


async def test_temporal_runs_the_same_days_and_describe_shows_the_expression(
    client: Client,
) -> None:
    shown: dict[str, str] = {}
    for expression, expected in EXPECTED.items():
        if len(expected) > 10:  # describe lists the next ten runs
            continue
        spec = dataclasses.replace(
            schedule_spec(cron=expression),
            start_at=MONDAY,
            end_at=MONDAY + WEEK - timedelta(seconds=1),
        )
        schedule_id = unique("cron")
        handle = await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow("Nothing", id=schedule_id, task_queue="none"),
                spec=spec,
                state=ScheduleState(paused=True),
            ),
        )
        try:
            described = await handle.describe()
        finally:
            await handle.delete()
        runs = [(t.strftime("%a"), t.strftime("%H:%M")) for t in described.info.next_action_times]
        assert runs == expected, expression
        shown[expression] = spec_text(described.schedule.spec)
    # Standard numbering (Sunday = 0) and one expression, as typed, for a split one.
    assert shown == {
        "0 9 * * 1-5": 'cron "0 9 * * 1-5"',
        "0 9 * * 0": 'cron "0 9 * * 0"',
        "0 9 * * 7": 'cron "0 9 * * 0"',
        "0 0 * * 5-7": 'cron "0 0 * * 0,5-6"',
        "0 0 * * sun,sat": 'cron "0 0 * * 0,6"',
        "0 0 * * MON-FRI/2": 'cron "0 0 * * 1-5/2"',
        "30 8 * * */2": 'cron "30 8 * * */2"',
        "0 0 * * 1-5/2": 'cron "0 0 * * 1-5/2"',
        "0 6,18 * * 6": 'cron "0 6,18 * * 6"',
        "@weekly": 'cron "0 0 * * 0"',
        "0 12 6 * 1": 'cron "0 12 6 * 1"',
        "0 12 */2 * 2": 'cron "0 12 */2 * 2"',
    }
