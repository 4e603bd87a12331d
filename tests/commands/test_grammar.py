"""The one grammar of /workflow and /schedule: commands parse, nonsense gets usage, and no
text whatsoever makes the parser raise anything but a UsageError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.grammar import (
    SCHEDULE_USAGE,
    WORKFLOW_USAGE,
    ScheduleBackfill,
    ScheduleCreate,
    ScheduleDelete,
    ScheduleHelp,
    ScheduleList,
    SchedulePause,
    ScheduleSpecText,
    ScheduleUpdate,
    UsageError,
    WorkflowCancel,
    WorkflowHelp,
    WorkflowList,
    WorkflowPause,
    WorkflowPending,
    WorkflowStats,
    WorkflowStatus,
    parse_schedule,
    parse_workflow,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", WorkflowHelp()),
        ("help", WorkflowHelp()),
        ("status order-ORD-1", WorkflowStatus("order-ORD-1")),
        ("STATUS order-ORD-1", WorkflowStatus("order-ORD-1")),
        ("list", WorkflowList()),
        ("list order running", WorkflowList("running", "order")),
        ("list failed", WorkflowList("failed")),
        ("pending", WorkflowPending()),
        ("cancel order-ORD-1 customer called", WorkflowCancel("order-ORD-1", "customer called")),
        (
            'pause ticket-T-1 "waiting on vendor"',
            WorkflowPause("ticket-T-1", False, "waiting on vendor"),
        ),
        ("resume ticket-T-1", WorkflowPause("ticket-T-1", resume=True)),
        ("stats", WorkflowStats()),
        ("stats 24h", WorkflowStats(timedelta(hours=24))),
    ],
)
def test_workflow_commands_parse(text: str, expected: object) -> None:
    assert parse_workflow(text) == expected


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
        ('status "unbalanced', "Could not read that"),
    ],
)
def test_bad_workflow_commands_get_the_problem_and_the_usage(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_workflow(text)
    assert raised.value.problem.startswith(problem) or problem in raised.value.problem
    assert str(raised.value).endswith(WORKFLOW_USAGE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ScheduleHelp()),
        ("list", ScheduleList()),
        ("pause scrape", SchedulePause("scrape")),
        (
            "pause scrape for 2h site maintenance",
            SchedulePause("scrape", timedelta(hours=2), "site maintenance"),
        ),
        ("pause scrape vendor outage", SchedulePause("scrape", None, "vendor outage")),
        (
            "update scrape every 30m",
            ScheduleUpdate("scrape", ScheduleSpecText(every=timedelta(minutes=30))),
        ),
        (
            'update scrape cron "0 8 * * 1-5"',
            ScheduleUpdate("scrape", ScheduleSpecText(cron="0 8 * * 1-5")),
        ),
        (
            "create nightly every 1d",
            ScheduleCreate("nightly", ScheduleSpecText(every=timedelta(days=1))),
        ),
        ("delete nightly", ScheduleDelete("nightly")),
        ("delete nightly --confirm", ScheduleDelete("nightly", confirmed=True)),
        (
            "backfill scrape 2026-11-20 2026-11-20T06:00",
            ScheduleBackfill(
                "scrape",
                datetime(2026, 11, 20, tzinfo=UTC),
                datetime(2026, 11, 20, 6, tzinfo=UTC),
            ),
        ),
    ],
)
def test_schedule_commands_parse(text: str, expected: object) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("paws scrape", "Unknown command 'paws'."),
        ("pause", "Say which schedule."),
        ("pause scrape for", "Say how long"),
        ("pause scrape for ever", "'ever' is not a duration"),
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
    ],
)
def test_bad_schedule_commands_get_the_problem_and_the_usage(text: str, problem: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_schedule(text)
    assert problem in raised.value.problem
    assert str(raised.value).endswith(SCHEDULE_USAGE)


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


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_is_a_workflow_command_or_usage(text: str) -> None:
    try:
        command = parse_workflow(text)
    except UsageError as err:
        assert err.usage == WORKFLOW_USAGE
        assert str(err).endswith(WORKFLOW_USAGE)
    else:
        assert command is not None


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_is_a_schedule_command_or_usage(text: str) -> None:
    try:
        command = parse_schedule(text)
    except UsageError as err:
        assert err.usage == SCHEDULE_USAGE
    else:
        assert command is not None
