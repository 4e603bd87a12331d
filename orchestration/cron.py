"""Five-field cron expressions with cron's meaning, for APScheduler and Temporal alike.

Every expression chatops accepts is parsed here once. Two engines then run it, and neither reads
cron text quite as cron does:

- APScheduler 3 numbers weekdays from Monday = 0, also in ``CronTrigger.from_crontab``
  (https://apscheduler.readthedocs.io/en/3.x/modules/triggers/cron.html), so ``0 9 * * 1-5``
  would run Tuesday to Saturday. :func:`cron_trigger` builds its trigger from the parsed values.
- Temporal's server numbers weekdays as cron does, but requires both a restricted day of month
  and a restricted day of week to match, where cron runs on a day matching either
  (https://github.com/temporalio/api/blob/master/temporal/api/schedule/v1/message.proto,
  ``cron_string``). :func:`temporal_cron_strings` gives it one expression per half then.

The rule for the two day fields is cron's (Vixie cron and cronie): when both are restricted
(neither starts with ``*``), a day matching either runs; otherwise both must match, so
``*/2`` in one of them still narrows the other.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

MAX_LENGTH = 100
FIELD_NAMES = ("minute", "hour", "day of month", "month", "day of week")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NAMES = (
    None,
    None,
    None,
    {n: i + 1 for i, n in enumerate(_MONTHS)},
    {n: i for i, n in enumerate(_DAYS)},
)
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
SHAPE = "five fields: minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5"


class CronError(ValueError):
    """The text is not a cron expression chatops can run; the message says what is wrong."""


@dataclass(frozen=True)
class Cron:
    """A parsed expression: the values each field allows (weekdays 0-6, Sunday = 0)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    days_restricted: bool
    weekdays_restricted: bool

    @property
    def either_day(self) -> bool:
        """True when a day matching the day of month OR the day of week runs."""
        return self.days_restricted and self.weekdays_restricted


def parse_cron(text: str) -> Cron:
    """Parse a standard five-field cron expression (or ``@daily`` and its kin).

    Fields take numbers, ``*``, ranges ``a-b``, steps ``*/n``, ``a-b/n`` and ``a/n`` (``a`` to
    the field's end), lists ``a,b``, and three-letter month and day names. Day of week 0 and 7
    are Sunday.

    Raises:
        CronError: anything else, or an expression that can never run.
    """
    if len(text) > MAX_LENGTH:
        raise CronError(f"longer than {MAX_LENGTH} characters")
    stripped = text.strip()
    fields = _MACROS.get(stripped.lower(), stripped).split()
    if len(fields) != len(FIELD_NAMES):
        raise CronError(f"expected {SHAPE}; got {len(fields)} field(s)")
    values = [
        _field(field, name, bounds, names)
        for field, name, bounds, names in zip(fields, FIELD_NAMES, _BOUNDS, _NAMES, strict=True)
    ]
    cron = Cron(
        text=" ".join(fields),
        minutes=values[0],
        hours=values[1],
        days=values[2],
        months=values[3],
        weekdays=frozenset(day % 7 for day in values[4]),
        days_restricted=not fields[2].startswith("*"),
        weekdays_restricted=not fields[4].startswith("*"),
    )
    if not cron.either_day and not _some_month_has(cron.days, cron.months):
        raise CronError("it never runs: none of its months has any of its days")
    return cron


def _field(
    text: str, name: str, bounds: tuple[int, int], names: dict[str, int] | None
) -> frozenset[int]:
    allowed: set[int] = set()
    for part in text.split(","):
        allowed.update(_part(part, name, bounds, names))
    return frozenset(allowed)


def _part(text: str, name: str, bounds: tuple[int, int], names: dict[str, int] | None) -> range:
    low, high = bounds
    span, _, step_text = text.partition("/")
    step = 1
    if step_text:
        step = _number(step_text, name, names=None)
        if step < 1:
            raise CronError(f"{name}: step {step_text!r} must be at least 1")
    if span == "*":
        start, end = low, high
    elif "-" in span:
        first, _, last = span.partition("-")
        start, end = _number(first, name, names), _number(last, name, names)
    else:
        start = _number(span, name, names)
        end = high if step_text else start
    for value in (start, end):
        if not low <= value <= high:
            raise CronError(f"{name}: {value} is outside {low}-{high}")
    if start > end:
        raise CronError(f"{name}: range {span!r} runs backwards")
    return range(start, end + 1, step)


def _number(text: str, name: str, names: dict[str, int] | None) -> int:
    if text.isascii() and text.isdigit() and len(text) <= 4:
        return int(text)
    if names is not None and text.lower() in names:
        return names[text.lower()]
    hint = f" (or a name such as {next(iter(names))})" if names else ""
    raise CronError(f"{name}: {text!r} is not a number{hint}")


def _some_month_has(days: frozenset[int], months: frozenset[int]) -> bool:
    # A leap year, so that the 29th of February counts.
    return any(day <= calendar.monthrange(2024, month)[1] for month in months for day in days)


def _listed(values: frozenset[int], full: range) -> str:
    return "*" if values == frozenset(full) else ",".join(str(v) for v in sorted(values))


def cron_trigger(expression: str | Cron, timezone: tzinfo) -> BaseTrigger:
    """An APScheduler trigger that fires when cron would run ``expression``.

    Raises:
        CronError: ``expression`` is not a valid cron expression.
    """
    cron = parse_cron(expression) if isinstance(expression, str) else expression
    # APScheduler's weekdays: Monday = 0 ... Sunday = 6.
    weekdays = frozenset((day + 6) % 7 for day in cron.weekdays)
    common = {
        "minute": _listed(cron.minutes, range(60)),
        "hour": _listed(cron.hours, range(24)),
        "month": _listed(cron.months, range(1, 13)),
        "timezone": timezone,
    }
    days = _listed(cron.days, range(1, 32))
    weekday_text = _listed(weekdays, range(7))
    if cron.either_day:
        return OrTrigger(
            [
                CronTrigger(day=days, day_of_week="*", **common),
                CronTrigger(day="*", day_of_week=weekday_text, **common),
            ]
        )
    return CronTrigger(day=days, day_of_week=weekday_text, **common)


def temporal_cron_strings(expression: str | Cron) -> list[str]:
    """What a Temporal ``ScheduleSpec.cron_expressions`` needs to run ``expression`` as cron
    would: the expression itself, or, when a day may match either day field, one expression
    per field, each commented with the original so that :func:`described_cron` can show it.

    Raises:
        CronError: ``expression`` is not a valid cron expression.
    """
    cron = parse_cron(expression) if isinstance(expression, str) else expression
    if not cron.either_day:
        return [cron.text]
    minute, hour, day, month, weekday = cron.text.split()
    return [
        f"{minute} {hour} {day} {month} * #{cron.text}",
        f"{minute} {hour} * {month} {weekday} #{cron.text}",
    ]


def described_cron(comment: str | None) -> str | None:
    """The expression a Temporal calendar's comment names, when :func:`temporal_cron_strings`
    split it in two; else None."""
    if not comment:
        return None
    try:
        cron = parse_cron(comment)
    except CronError:
        return None
    return cron.text if cron.either_day else None
