"""The one grammar of /workflow and /schedule: commands parse, nonsense gets usage, and no
text whatsoever makes the parser raise anything but a UsageError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.schedule import SCHEDULE
from commands.schedule.backfill import Backfill
from commands.schedule.common import ScheduleId
from commands.schedule.delete import Delete
from commands.schedule.pause import Pause as SchedulePause
from commands.schedule.specs import ScheduleSpecText, Timing
from commands.surface import UsageError
from commands.workflow import WORKFLOW
from commands.workflow.cancel import Cancel
from commands.workflow.common import WorkflowId
from commands.workflow.list import WorkflowList
from commands.workflow.pause import Pause
from commands.workflow.stats import Stats


def parse_workflow(text: str) -> tuple[str, object]:
    """The verb's name and its arguments."""
    command = WORKFLOW.parse(text)
    return command.verb.name, command.args


def parse_schedule(text: str, terminal: bool = False) -> tuple[str, object]:
    command = SCHEDULE.parse(text, terminal=terminal)
    return command.verb.name, command.args


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", None)),
        ("help", ("help", None)),
        ("status order-ORD-1", ("status", WorkflowId("order-ORD-1"))),
        ("STATUS order-ORD-1", ("status", WorkflowId("order-ORD-1"))),
        ("list", ("list", WorkflowList())),
        ("list order running", ("list", WorkflowList("running", "order"))),
        ("list failed", ("list", WorkflowList("failed"))),
        ("pending", ("pending", None)),
        (
            "cancel order-ORD-1 customer called",
            ("cancel", Cancel("order-ORD-1", "customer called")),
        ),
        (
            'pause ticket-T-1 "waiting on vendor"',
            ("pause", Pause("ticket-T-1", False, "waiting on vendor")),
        ),
        ("resume ticket-T-1", ("resume", Pause("ticket-T-1", resume=True))),
        ("stats", ("stats", Stats())),
        ("stats 24h", ("stats", Stats(timedelta(hours=24)))),
    ],
)
def test_workflow_commands_parse(text: str, expected: object) -> None:
    assert parse_workflow(text) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("frobnicate", "Unknown command 'frobnicate'."),
        ("status", "Say which workflow."),
        ("status a b", "Unexpected 'b'."),
        ("status 'x y'", "'x y' is not a workflow id."),
        ("list sideways", "'sideways' is neither a state"),
        ("list running running", "or it was given twice"),
        ("stats forever", "'forever' is not a period"),
        ("stats 999999w", "'999999w' is out of range: the period must be between 1m and 366d."),
        ("stats 0s", "'0s' is out of range: the period must be between 1m and 366d."),
        ("stats 367d", "'367d' is out of range: the period must be between 1m and 366d."),
        ("stats " + "999999w" * 200, "is not a period"),
        ("stats -60", "'-60' is not a period"),
        ("stats PT0S", "'PT0S' is not a period"),
        ('status "unbalanced', "Could not read that"),
    ],
)
def test_bad_workflow_commands_get_the_problem_and_the_usage(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as raised:
        WORKFLOW.parse(text)
    assert raised.value.problem.startswith(problem) or problem in raised.value.problem
    assert str(raised.value).endswith(WORKFLOW.usage)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", None)),
        ("list", ("list", None)),
        ("pause scrape", ("pause", SchedulePause("scrape"))),
        (
            "pause scrape for 2h site maintenance",
            ("pause", SchedulePause("scrape", timedelta(hours=2), "site maintenance")),
        ),
        (
            "pause scrape vendor outage",
            ("pause", SchedulePause("scrape", None, "vendor outage")),
        ),
        (
            "update scrape every 30m",
            ("update", Timing("scrape", ScheduleSpecText(every=timedelta(minutes=30)))),
        ),
        (
            'update scrape cron "0 8 * * 1-5"',
            ("update", Timing("scrape", ScheduleSpecText(cron="0 8 * * 1-5"))),
        ),
        (
            "create nightly every 1d",
            ("create", Timing("nightly", ScheduleSpecText(every=timedelta(days=1)))),
        ),
        ("delete nightly", ("delete", Delete("nightly"))),
        (
            "backfill scrape 2026-11-20 2026-11-20T06:00",
            (
                "backfill",
                Backfill(
                    "scrape",
                    datetime(2026, 11, 20, tzinfo=UTC),
                    datetime(2026, 11, 20, 6, tzinfo=UTC),
                ),
            ),
        ),
    ],
)
def test_schedule_commands_parse(text: str, expected: object) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("paws scrape", "Unknown command 'paws'."),
        ("pause", "Say which schedule."),
        ("pause scrape for", "Say how long"),
        ("pause scrape for ever", "'ever' is not a duration"),
        (
            "pause scrape for 999999w",
            "'999999w' is out of range: the pause must be between 1s and 30d.",
        ),
        ("pause scrape for 0s", "'0s' is out of range: the pause must be between 1s and 30d."),
        ("pause scrape for 31d", "the pause must be between 1s and 30d"),
        ("pause scrape for -60", "'-60' is not a duration"),
        (
            "update scrape every 0s",
            "'0s' is out of range: the interval must be between 1s and 366d.",
        ),
        ("create nightly every 999999w", "the interval must be between 1s and 366d"),
        ("update scrape every PT0S", "'PT0S' is not a duration"),
        ("update scrape", "Say how often"),
        ("update scrape every", "Give exactly one every value"),
        (
            "update scrape cron 0 8 * * *",
            "Give exactly one cron value (put the expression in quotes",
        ),
        ('update scrape cron "61 * * * *"', "'61 * * * *' is not a cron expression"),
        ("delete scrape now", "Unexpected 'now'."),
        ("backfill scrape 2026-11-20", "Give a start and an end"),
        ("backfill scrape 2026-11-21 2026-11-20", "The start must be before the end."),
        ("backfill scrape yesterday today", "'yesterday' is not a date or time"),
        (
            "backfill scrape 0001-01-01 9999-12-31T23:59",
            "That range is too long: a backfill covers at most 366d.",
        ),
    ],
)
def test_bad_schedule_commands_get_the_problem_and_the_usage(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as raised:
        SCHEDULE.parse(text)
    assert problem in raised.value.problem
    assert str(raised.value).endswith(SCHEDULE.usage)


@pytest.mark.unit
def test_confirm_is_for_terminals_only() -> None:
    """In Slack the button (which names what goes) is the only confirmation."""
    with pytest.raises(UsageError) as raised:
        SCHEDULE.parse("delete nightly --confirm")
    assert raised.value.problem == (
        "--confirm works only in a terminal. Type /schedule delete nightly and confirm with "
        "the button; nothing was deleted."
    )
    assert parse_schedule("delete nightly --confirm", terminal=True) == (
        "delete",
        Delete("nightly", confirmed=True),
    )
    assert parse_schedule("delete nightly", terminal=True) == ("delete", Delete("nightly"))


@pytest.mark.unit
def test_limits_are_inclusive() -> None:
    assert parse_workflow("stats 366d") == ("stats", Stats(timedelta(days=366)))
    assert parse_workflow("stats 1m") == ("stats", Stats(timedelta(minutes=1)))
    assert parse_schedule("pause scrape for 30d") == (
        "pause",
        SchedulePause("scrape", timedelta(days=30)),
    )
    assert parse_schedule("update scrape every 1s") == (
        "update",
        Timing("scrape", ScheduleSpecText(every=timedelta(seconds=1))),
    )
    _, span = parse_schedule("backfill scrape 2026-01-01 2027-01-02")
    assert isinstance(span, Backfill) and span.end - span.start == timedelta(days=366)
    assert parse_schedule("trigger scrape") == ("trigger", ScheduleId("scrape"))


WORDS = st.sampled_from(
    [
        "status",
        "list",
        "pending",
        "history",
        "cancel",
        "pause",
        "resume",
        "stats",
        "help",
        "describe",
        "unpause",
        "trigger",
        "update",
        "create",
        "delete",
        "backfill",
        "every",
        "cron",
        "for",
        "--confirm",
        "scrape",
        "order-ORD-1",
        "30m",
        "2h",
        "999999w",
        "999999w999999w999999w999999w",
        "0",
        "-1d",
        '"',
        "'",
        "0 8 * * *",
        "2026-11-20",
        "2026-13-40",
        "running",
        "order",
        "\\",
        "*",
        "",
    ]
)
TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(WORDS, max_size=6).map(" ".join),
)


@pytest.mark.unit
def test_text_over_the_limit_is_refused_saying_the_limit() -> None:
    """Before, 60,000 characters were read, and the words quoted back in an answer longer than
    Slack shows (msg_too_long): the person saw nothing."""
    for surface in (WORKFLOW, SCHEDULE):
        with pytest.raises(UsageError) as raised:
            surface.parse("status " + "x " * 30_000)
        assert raised.value.problem == (
            "That command is 60,007 characters long; commands take at most 4,000."
        )
    with pytest.raises(UsageError) as raised:
        WORKFLOW.parse("status a " + "b " * 1000)
    assert raised.value.problem.startswith("Unexpected 'b b b")
    assert len(raised.value.problem) < 100


@pytest.mark.unit
def test_a_reason_over_the_limit_is_refused_not_cut() -> None:
    with pytest.raises(UsageError) as raised:
        WORKFLOW.parse("cancel order-ORD-1 " + "r" * 501)
    assert raised.value.problem == ("The reason is 501 characters long; keep it to 500 characters.")
    assert WORKFLOW.parse("cancel order-ORD-1 " + "r" * 500).args == Cancel(
        "order-ORD-1", "r" * 500
    )


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_is_a_workflow_command_or_usage(text: str) -> None:
    try:
        command = WORKFLOW.parse(text)
    except UsageError as err:
        assert err.usage == WORKFLOW.usage
        assert str(err).endswith(WORKFLOW.usage)
    else:
        assert command is not None


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_is_a_schedule_command_or_usage(text: str) -> None:
    try:
        command = SCHEDULE.parse(text)
    except UsageError as err:
        assert err.usage == SCHEDULE.usage
    else:
        assert command is not None
