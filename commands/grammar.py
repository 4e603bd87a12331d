"""The one grammar of ``/workflow`` and ``/schedule``, shared by Slack and ``chatops workflow|
schedule`` in a terminal: text in, a command (or a :class:`UsageError` with help) out.

Pure: no I/O. Anything a person can type is either a command or a UsageError whose message
says what was wrong and how to write it; nothing else is raised.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from orchestration.cron import CronError, parse_cron
from orchestration.durations import MAX_DURATION, Bounds, duration_from_text, format_duration
from orchestration.slack_text import escape

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

WORKFLOW_STATES = ("running", "completed", "failed", "cancelled", "terminated", "timed_out")
WORKFLOW_KINDS = ("order", "ticket", "agent_task")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")
DEFAULT_STATS_PERIOD = timedelta(days=7)
CONFIRM_FLAG = "--confirm"

# The limits of what commands accept (documented in the usage and the README).
STATS_PERIOD = Bounds(timedelta(minutes=1))
PAUSE_FOR = Bounds(timedelta(seconds=1), timedelta(days=30))
EVERY = Bounds(timedelta(seconds=1))
BACKFILL_SPAN = MAX_DURATION


class UsageError(Exception):
    """What was wrong with the command text, followed by the usage.

    ``problem`` is mrkdwn, escaped here: it quotes what the person typed, which must show as
    typed (``<!channel>`` pings nobody). A terminal turns it back into plain text.
    """

    def __init__(self, problem: str, usage: str) -> None:
        problem = escape(problem)
        super().__init__(f"{problem}\n\n{usage}" if problem else usage)
        self.problem = problem
        self.usage = usage


# -- /workflow ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkflowHelp:
    """``/workflow help`` (and an empty ``/workflow``)."""


@dataclass(frozen=True)
class WorkflowStatus:
    """``/workflow status <id>``."""

    workflow_id: str


@dataclass(frozen=True)
class WorkflowList:
    """``/workflow list [state] [kind]``."""

    state: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class WorkflowPending:
    """``/workflow pending``."""


@dataclass(frozen=True)
class WorkflowHistory:
    """``/workflow history <id>``."""

    workflow_id: str


@dataclass(frozen=True)
class WorkflowCancel:
    """``/workflow cancel <id> [reason]``."""

    workflow_id: str
    reason: str = ""


@dataclass(frozen=True)
class WorkflowPause:
    """``/workflow pause|resume <id> [reason]``."""

    workflow_id: str
    resume: bool = False
    reason: str = ""


@dataclass(frozen=True)
class WorkflowStats:
    """``/workflow stats [period]``."""

    period: timedelta = DEFAULT_STATS_PERIOD


WorkflowCommand = (
    WorkflowHelp
    | WorkflowStatus
    | WorkflowList
    | WorkflowPending
    | WorkflowHistory
    | WorkflowCancel
    | WorkflowPause
    | WorkflowStats
)

WORKFLOW_COMMANDS = (
    WorkflowHelp,
    WorkflowStatus,
    WorkflowList,
    WorkflowPending,
    WorkflowHistory,
    WorkflowCancel,
    WorkflowPause,
    WorkflowStats,
)

# -- /schedule ------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ScheduleHelp:
    """``/schedule help`` (and an empty ``/schedule``)."""


@dataclass(frozen=True)
class ScheduleList:
    """``/schedule list``."""


@dataclass(frozen=True)
class ScheduleDescribe:
    """``/schedule describe <id>``."""

    schedule_id: str


@dataclass(frozen=True)
class SchedulePause:
    """``/schedule pause <id> [for <duration>] [reason]``."""

    schedule_id: str
    duration: timedelta | None = None
    reason: str = ""


@dataclass(frozen=True)
class ScheduleUnpause:
    """``/schedule unpause <id> [reason]``."""

    schedule_id: str
    reason: str = ""


@dataclass(frozen=True)
class ScheduleTrigger:
    """``/schedule trigger <id>``."""

    schedule_id: str


@dataclass(frozen=True)
class ScheduleUpdate:
    """``/schedule update <id> every <duration> | cron "<expr>"``."""

    schedule_id: str
    spec: ScheduleSpecText


@dataclass(frozen=True)
class ScheduleCreate:
    """``/schedule create <id> every <duration> | cron "<expr>"``."""

    schedule_id: str
    spec: ScheduleSpecText


@dataclass(frozen=True)
class ScheduleDelete:
    """``/schedule delete <id> [--confirm]``."""

    schedule_id: str
    confirmed: bool = False


@dataclass(frozen=True)
class ScheduleBackfill:
    """``/schedule backfill <id> <from> <to>``."""

    schedule_id: str
    start: datetime
    end: datetime


ScheduleCommand = (
    ScheduleHelp
    | ScheduleList
    | ScheduleDescribe
    | SchedulePause
    | ScheduleUnpause
    | ScheduleTrigger
    | ScheduleUpdate
    | ScheduleCreate
    | ScheduleDelete
    | ScheduleBackfill
)

# Commands that change something: only operators may run them.
CHANGES = (
    WorkflowCancel,
    WorkflowPause,
    SchedulePause,
    ScheduleUnpause,
    ScheduleTrigger,
    ScheduleUpdate,
    ScheduleCreate,
    ScheduleDelete,
    ScheduleBackfill,
)

# -- parsing --------------------------------------------------------------------------------


def _tokens(text: str, usage: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as err:  # unbalanced quotes
        raise UsageError(f"Could not read that: {err}.", usage) from None


def _shown(value: str) -> str:
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _an_id(tokens: list[str], what: str, usage: str) -> str:
    if not tokens:
        raise UsageError(f"Say which {what}.", usage)
    value = tokens[0]
    if not _ID.match(value):
        raise UsageError(f"{_shown(value)} is not a {what} id.", usage)
    return value


def _duration(text: str, bounds: Bounds, usage: str, *, noun: str, name: str) -> timedelta:
    """``text`` as a duration within ``bounds``; else "not a <noun>" or "the <name> must be
    between ..."."""
    value = duration_from_text(text)
    examples = "24h, 7d or 30d" if noun == "period" else "30m, 2h or 1d"
    if value is None:
        raise UsageError(f"{_shown(text)} is not a {noun}; try {examples}.", usage)
    problem = bounds.problem(value)
    if problem is not None:
        raise UsageError(f"{_shown(text)} is out of range: the {name} {problem}.", usage)
    return value


def _no_more(tokens: list[str], usage: str) -> None:
    if tokens:
        raise UsageError(f"Unexpected {' '.join(tokens)!r}.", usage)


def parse_workflow(text: str) -> WorkflowCommand:
    """Parse the text after ``/workflow``.

    Raises:
        UsageError: unknown subcommand or bad arguments (the message includes the usage).
    """
    usage = WORKFLOW_USAGE
    tokens = _tokens(text, usage)
    if not tokens or tokens[0].lower() in ("help", "-h", "--help"):
        if tokens[1:] and tokens[0].lower() == "help":
            raise UsageError(f"Unexpected {' '.join(tokens[1:])!r}.", usage)
        return WorkflowHelp()
    verb, rest = tokens[0].lower(), tokens[1:]
    if verb in ("status", "history"):
        workflow_id = _an_id(rest, "workflow", usage)
        _no_more(rest[1:], usage)
        return WorkflowStatus(workflow_id) if verb == "status" else WorkflowHistory(workflow_id)
    if verb == "list":
        state = kind = None
        for word in (w.lower() for w in rest):
            if word in WORKFLOW_STATES and state is None:
                state = word
            elif word in WORKFLOW_KINDS and kind is None:
                kind = word
            else:
                raise UsageError(
                    f"{word!r} is neither a state ({', '.join(WORKFLOW_STATES)}) nor a kind "
                    f"({', '.join(WORKFLOW_KINDS)}), or it was given twice.",
                    usage,
                )
        return WorkflowList(state, kind)
    if verb == "pending":
        _no_more(rest, usage)
        return WorkflowPending()
    if verb in ("cancel", "pause", "resume"):
        workflow_id = _an_id(rest, "workflow", usage)
        reason = " ".join(rest[1:])[:500]
        if verb == "cancel":
            return WorkflowCancel(workflow_id, reason)
        return WorkflowPause(workflow_id, resume=verb == "resume", reason=reason)
    if verb == "stats":
        if not rest:
            return WorkflowStats()
        period = _duration(rest[0], STATS_PERIOD, usage, noun="period", name="period")
        _no_more(rest[1:], usage)
        return WorkflowStats(period)
    raise UsageError(f"Unknown command {tokens[0]!r}.", usage)


def _spec(tokens: list[str], usage: str) -> ScheduleSpecText:
    if not tokens or tokens[0].lower() not in ("every", "cron"):
        raise UsageError('Say how often: every <duration>, or cron "<expr>".', usage)
    how = tokens[0].lower()
    if len(tokens) != 2:
        hint = 'put the expression in quotes: cron "0 8 * * *"' if how == "cron" else "every 30m"
        raise UsageError(f"Give exactly one {how} value ({hint}).", usage)
    value = tokens[1]
    if how == "every":
        every = _duration(value, EVERY, usage, noun="duration", name="interval")
        return ScheduleSpecText(every=every)
    try:
        cron = parse_cron(value)
    except CronError as err:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise UsageError(f"{shown!r} is not a cron expression ({err}).", usage) from None
    return ScheduleSpecText(cron=cron.text)


def _moment(text: str, usage: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{text!r} is not a date or time; use 2026-11-20 or 2026-11-20T06:00.", usage
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_schedule(text: str, *, terminal: bool = False) -> ScheduleCommand:
    """Parse the text after ``/schedule``; ``--confirm`` is accepted only from a ``terminal``
    (in Slack, a delete is confirmed with the button, which shows exactly what goes).

    Raises:
        UsageError: unknown subcommand or bad arguments (the message includes the usage).
    """
    usage = SCHEDULE_USAGE
    tokens = _tokens(text, usage)
    if not tokens or tokens[0].lower() in ("help", "-h", "--help"):
        if tokens[1:] and tokens[0].lower() == "help":
            raise UsageError(f"Unexpected {' '.join(tokens[1:])!r}.", usage)
        return ScheduleHelp()
    verb, rest = tokens[0].lower(), tokens[1:]
    if verb == "list":
        _no_more(rest, usage)
        return ScheduleList()
    schedule_id = _an_id(rest, "schedule", usage) if verb in _SCHEDULE_VERBS else ""
    after = rest[1:]
    if verb in ("describe", "trigger"):
        _no_more(after, usage)
        return ScheduleDescribe(schedule_id) if verb == "describe" else ScheduleTrigger(schedule_id)
    if verb == "pause":
        duration = None
        if after and after[0].lower() == "for":
            if len(after) < 2:
                raise UsageError("Say how long: pause <id> for 2h.", usage)
            duration = _duration(after[1], PAUSE_FOR, usage, noun="duration", name="pause")
            after = after[2:]
        return SchedulePause(schedule_id, duration, " ".join(after)[:500])
    if verb == "unpause":
        return ScheduleUnpause(schedule_id, " ".join(after)[:500])
    if verb == "update":
        return ScheduleUpdate(schedule_id, _spec(after, usage))
    if verb == "create":
        return ScheduleCreate(schedule_id, _spec(after, usage))
    if verb == "delete":
        return _delete(schedule_id, after, terminal, usage)
    if verb == "backfill":
        return _backfill(schedule_id, after, usage)
    raise UsageError(f"Unknown command {tokens[0]!r}.", usage)


def _delete(schedule_id: str, after: list[str], terminal: bool, usage: str) -> ScheduleDelete:
    confirmed = after == [CONFIRM_FLAG]
    if after and not confirmed:
        raise UsageError(f"Unexpected {' '.join(after)!r}.", usage)
    if confirmed and not terminal:
        raise UsageError(
            f"{CONFIRM_FLAG} works only in a terminal. Type /schedule delete {schedule_id} "
            "and confirm with the button; nothing was deleted.",
            usage,
        )
    return ScheduleDelete(schedule_id, confirmed)


def _backfill(schedule_id: str, after: list[str], usage: str) -> ScheduleBackfill:
    if len(after) != 2:
        raise UsageError("Give a start and an end: backfill <id> <from> <to>.", usage)
    start, end = _moment(after[0], usage), _moment(after[1], usage)
    if start >= end:
        raise UsageError("The start must be before the end.", usage)
    if end - start > BACKFILL_SPAN:
        raise UsageError(
            f"That range is too long: a backfill covers at most {format_duration(BACKFILL_SPAN)}.",
            usage,
        )
    return ScheduleBackfill(schedule_id, start, end)


_SCHEDULE_VERBS = (
    "describe",
    "trigger",
    "pause",
    "unpause",
    "update",
    "create",
    "delete",
    "backfill",
)
