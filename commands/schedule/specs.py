"""When a schedule runs, both ways: as typed (``every 30m``, ``cron "0 8 * * 1-5"``) and as
Temporal keeps it (intervals, cron strings, calendar rules), shown as the text it came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import ScheduleCalendarSpec, ScheduleRange, ScheduleSpec

from commands.words import BadCommand, an_id, duration
from orchestration.cron import CronError, described_cron, parse_cron
from orchestration.durations import Bounds, format_duration
from orchestration.schedules import schedule_spec
from orchestration.slack_text import escape

EVERY = Bounds(timedelta(seconds=1))


@dataclass(frozen=True)
class ScheduleSpecText:
    """How often a schedule runs: every interval, or a cron expression."""

    every: timedelta | None = None
    cron: str | None = None

    def describe(self) -> str:
        """``every 30m`` or ``cron "0 8 * * *"``."""
        if self.every is not None:
            return f"every {format_duration(self.every)}"
        return f'cron "{self.cron}"'

    def spec(self) -> ScheduleSpec:
        """The schedule spec Temporal runs."""
        return schedule_spec(every=self.every, cron=self.cron)


@dataclass(frozen=True)
class Timing:
    """The arguments of ``update`` and ``create``: a schedule and when it runs."""

    schedule_id: str
    spec: ScheduleSpecText


def id_and_spec(words: list[str], terminal: bool) -> Timing:
    """``<id> every <duration>`` or ``<id> cron "<expr>"``."""
    return Timing(an_id(words, "schedule"), parse_spec(words[1:]))


def parse_spec(words: list[str]) -> ScheduleSpecText:
    """``every <duration>`` or ``cron "<expr>"``."""
    if not words or words[0].lower() not in ("every", "cron"):
        raise BadCommand('Say how often: every <duration>, or cron "<expr>".')
    how = words[0].lower()
    if len(words) != 2:
        hint = 'put the expression in quotes: cron "0 8 * * *"' if how == "cron" else "every 30m"
        raise BadCommand(f"Give exactly one {how} value ({hint}).")
    value = words[1]
    if how == "every":
        return ScheduleSpecText(every=duration(value, EVERY, noun="duration", name="interval"))
    try:
        cron = parse_cron(value)
    except CronError as err:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise BadCommand(f"{shown!r} is not a cron expression ({err}).") from None
    return ScheduleSpecText(cron=cron.text)


# The server keeps cron expressions as calendar rules: the full range of each field is "*".
# Its weekdays are cron's (Sunday = 0; a 7 typed is stored as 0), so the text is standard cron.
_FULL = {"minute": (0, 59), "hour": (0, 23), "day_of_month": (1, 31), "month": (1, 12)}


def _field(ranges: Sequence[ScheduleRange], full: tuple[int, int] | None) -> str:
    parts = []
    for r in ranges:
        end = max(r.end, r.start)
        if full is not None and (r.start, end) == full and r.step <= 1:
            return "*"
        if full is not None and (r.start, end) == full:
            text = "*"
        else:
            text = str(r.start) if end == r.start else f"{r.start}-{end}"
        parts.append(text + (f"/{r.step}" if r.step > 1 else ""))
    return ",".join(parts) or "*"


def calendar_text(calendar: ScheduleCalendarSpec) -> str:
    """A calendar rule as the cron expression it came from (``0 8 * * 1-5``)."""
    fields = [
        _field(calendar.minute, _FULL["minute"]),
        _field(calendar.hour, _FULL["hour"]),
        _field(calendar.day_of_month, _FULL["day_of_month"]),
        _field(calendar.month, _FULL["month"]),
        _field(calendar.day_of_week, (0, 6)),
    ]
    return " ".join(fields)


def spec_text(spec: ScheduleSpec) -> str:
    """``every 1h``, ``cron "0 8 * * *"``, or what else the spec holds."""
    parts = [f"every {format_duration(i.every)}" for i in spec.intervals]
    parts += [f'cron "{escape(c)}"' for c in spec.cron_expressions]
    texts = [described_cron(c.comment) or calendar_text(c) for c in spec.calendars]
    # An expression run as two calendars (see temporal_cron_strings) is shown once.
    parts += [f'cron "{escape(t)}"' for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]
    return ", ".join(parts) or "no times (trigger only)"
