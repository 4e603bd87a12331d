"""``/schedule backfill <id> <from> <to>`` (operators): the runs a time range would have had,
started now (overlap ALLOW_ALL: none skipped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from temporalio.client import ScheduleBackfill, ScheduleOverlapPolicy

from commands.replies import CommandContext, Invoker, Reply
from commands.schedule.common import shown_id, who
from commands.surface import Verb, usage_line
from commands.words import BadCommand, an_id
from orchestration.durations import MAX_DURATION, format_duration
from orchestration.wording import format_datetime

BACKFILL_SPAN = MAX_DURATION


@dataclass(frozen=True)
class Backfill:
    """``/schedule backfill <id> <from> <to>``."""

    schedule_id: str
    start: datetime
    end: datetime


def _moment(text: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadCommand(
            f"{text!r} is not a date or time; use 2026-11-20 or 2026-11-20T06:00."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse(words: list[str], terminal: bool) -> Backfill:
    """``<id> <from> <to>``: dates or times (UTC unless they say otherwise)."""
    schedule_id, after = an_id(words, "schedule"), words[1:]
    if len(after) != 2:
        raise BadCommand("Give a start and an end: backfill <id> <from> <to>.")
    start, end = _moment(after[0]), _moment(after[1])
    if start >= end:
        raise BadCommand("The start must be before the end.")
    if end - start > BACKFILL_SPAN:
        raise BadCommand(
            f"That range is too long: a backfill covers at most {format_duration(BACKFILL_SPAN)}."
        )
    return Backfill(schedule_id, start, end)


async def run(context: CommandContext, args: Backfill, invoker: Invoker) -> Reply:
    """Ask Temporal for the range's runs, and announce it."""
    schedule_id = args.schedule_id
    await context.client.get_schedule_handle(schedule_id).backfill(
        ScheduleBackfill(
            start_at=args.start, end_at=args.end, overlap=ScheduleOverlapPolicy.ALLOW_ALL
        )
    )
    span = f"{format_datetime(args.start)} to {format_datetime(args.end)}"
    return Reply(
        f"Schedule {shown_id(schedule_id)} backfilled from {span}.",
        announce=f"{who(invoker)} backfilled schedule {shown_id(schedule_id)} from {span}",
    )


USAGE = usage_line(
    "backfill <id> <from> <to>",
    "the runs a time range (at most 366d) would have had, e.g.",
    "backfill scrape 2026-11-20T00:00 2026-11-20T06:00 (operators)",
)
VERB = Verb("backfill", USAGE, parse, run, changes=True)
