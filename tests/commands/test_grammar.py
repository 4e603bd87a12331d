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
from commands.schedule.create import Create
from commands.schedule.delete import Delete
from commands.schedule.pause import Pause as SchedulePause
from commands.schedule.specs import ScheduleSpecText
from commands.schedule.update import Update
from commands.surface import UsageError
from commands.workflow import WORKFLOW
from commands.workflow.cancel import Cancel
from commands.workflow.common import WorkflowId
from commands.workflow.list import WorkflowList
from commands.workflow.pause import Pause
from commands.workflow.stats import Stats

WORKFLOW_USAGE = """\
Usage: /workflow <command>
  status <id>                      kind, state, step, pending approval, who decided, a link
  list [running|completed|failed|cancelled|terminated|timed_out] [order|ticket|agent_task]
  pending                          approvals waiting, oldest first
  history <id>                     decisions and key events from the workflow's history
  cancel <id> [reason ...]         cancel a workflow (operators)
  pause <id> [reason ...]          hold a ticket before its next step (operators)
  resume <id> [reason ...]         let a paused ticket move again (operators)
  stats [period]                   approvals in the last period (default 7d, at most 366d):
                                   count, median time to decision, expiries, per approver
  help                             this text"""

SCHEDULE_USAGE = """\
Usage: /schedule <command>
  list                             every schedule, paused or not, with its next run
  describe <id>                    spec, state, note, recent and next runs
  pause <id> [for <duration>] [reason ...]
                                   pause; "for 2h" unpauses by itself, at most 30d (operators)
  unpause <id> [reason ...]        (operators)
  trigger <id>                     run now, even while a run is active (operators)
  update <id> every <duration>     e.g. every 30m, 1s to 366d (operators)
  update <id> cron "<expr>"        e.g. cron "0 8 * * 1-5" (operators)
  create <id> every <duration> | cron "<expr>"
                                   a new scrape schedule (operators)
  delete <id>                      asks to confirm (a button; in a terminal, add --confirm);
                                   then it is gone (operators)
  backfill <id> <from> <to>        the runs a time range (at most 366d) would have had, e.g.
                                   backfill scrape 2026-11-20T00:00 2026-11-20T06:00 (operators)
  help                             this text
Durations: 90s, 30m, 2h, 1d, 1h30m."""


def parse_workflow(text: str) -> tuple[str, object]:
    """The verb's name and its arguments."""
    command = WORKFLOW.parse(text)
    return command.verb.name, command.args


def parse_schedule(text: str, terminal: bool = False) -> tuple[str, object]:
    command = SCHEDULE.parse(text, terminal=terminal)
    return command.verb.name, command.args


def test_the_help_is_assembled_from_the_verbs_usage_lines() -> None:
    assert WORKFLOW.usage == WORKFLOW_USAGE
    assert SCHEDULE.usage == SCHEDULE_USAGE
    assert [WORKFLOW.parse(t).verb for t in ("", "help", "-h", "--help x")] == [WORKFLOW.help] * 4


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
    assert str(raised.value).endswith(WORKFLOW_USAGE)


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
            ("update", Update("scrape", ScheduleSpecText(every=timedelta(minutes=30)))),
        ),
        (
            'update scrape cron "0 8 * * 1-5"',
            ("update", Update("scrape", ScheduleSpecText(cron="0 8 * * 1-5"))),
        ),
        (
            "create nightly every 1d",
            ("create", Create("nightly", ScheduleSpecText(every=timedelta(days=1)))),
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
    assert str(raised.value).endswith(SCHEDULE_USAGE)


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


def test_limits_are_inclusive() -> None:
    assert parse_workflow("stats 366d") == ("stats", Stats(timedelta(days=366)))
    assert parse_workflow("stats 1m") == ("stats", Stats(timedelta(minutes=1)))
    assert parse_schedule("pause scrape for 30d") == (
        "pause",
        SchedulePause("scrape", timedelta(days=30)),
    )
    assert parse_schedule("update scrape every 1s") == (
        "update",
        Update("scrape", ScheduleSpecText(every=timedelta(seconds=1))),
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


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_is_a_workflow_command_or_usage(text: str) -> None:
    try:
        command = WORKFLOW.parse(text)
    except UsageError as err:
        assert err.usage == WORKFLOW_USAGE
        assert str(err).endswith(WORKFLOW_USAGE)
    else:
        assert command is not None


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_is_a_schedule_command_or_usage(text: str) -> None:
    try:
        command = SCHEDULE.parse(text)
    except UsageError as err:
        assert err.usage == SCHEDULE_USAGE
    else:
        assert command is not None
