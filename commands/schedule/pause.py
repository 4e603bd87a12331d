"""``/schedule pause <id> [for <duration>] [reason ...]`` (operators): pause, with the note
saying who and why; a timed pause ends by itself (durably: a workflow holds the timer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio.common import WorkflowIDConflictPolicy

from commands.replies import CommandContext, Invoker, Reply
from commands.schedule.common import (
    because,
    cancel_timed_pause,
    said,
    shown_id,
    timed_pause_id,
    who,
)
from commands.surface import Verb, usage_line
from commands.words import BadCommand, an_id, duration, reason
from orchestration.durations import Bounds, format_duration
from orchestration.models.schedules import TimedPauseInput
from orchestration.wording import format_datetime, format_time
from orchestration.workflows.schedule_pause import TimedPauseWorkflow

PAUSE_FOR = Bounds(timedelta(seconds=1), timedelta(days=30))


@dataclass(frozen=True)
class Pause:
    """``/schedule pause <id> [for <duration>] [reason]``."""

    schedule_id: str
    duration: timedelta | None = None
    reason: str = ""


def parse(words: list[str], terminal: bool) -> Pause:
    """``<id> [for <duration>] [reason ...]``."""
    schedule_id, after = an_id(words, "schedule"), words[1:]
    how_long = None
    if after and after[0].lower() == "for":
        if len(after) < 2:
            raise BadCommand("Say how long: pause <id> for 2h.")
        how_long = duration(after[1], PAUSE_FOR, noun="duration", name="pause")
        after = after[2:]
    return Pause(schedule_id, how_long, reason(after))


async def run(context: CommandContext, args: Pause, invoker: Invoker) -> Reply:
    """Pause now; with a duration, start the workflow that unpauses it then."""
    schedule_id = args.schedule_id
    note = f"Paused by {invoker.user_id}{because(args.reason)}"
    until = None if args.duration is None else datetime.now(UTC) + args.duration
    if until is not None:
        note += f" (until {format_datetime(until)})"
    await context.client.get_schedule_handle(schedule_id).pause(note=note)
    await cancel_timed_pause(context, schedule_id)
    told = f"Schedule {shown_id(schedule_id)} paused"
    how_long = ""
    if until is not None and args.duration is not None:
        await _unpause_later(context, args, invoker, note, until)
        how_long = f" for {format_duration(args.duration)}"
        told += f"{how_long}: it unpauses by itself at {format_time(until)}"
    return Reply(
        f"{told}.",
        announce=f"{who(invoker)} paused schedule {shown_id(schedule_id)}{how_long}"
        + said(args.reason),
    )


async def _unpause_later(
    context: CommandContext, args: Pause, invoker: Invoker, note: str, until: datetime
) -> None:
    assert args.duration is not None
    await context.client.start_workflow(
        TimedPauseWorkflow.run,
        TimedPauseInput(
            schedule_id=args.schedule_id,
            until=until,
            pause_note=note,
            paused_for=args.duration,
            paused_by=invoker.user_id,
            channel=invoker.channel,
        ),
        id=timed_pause_id(args.schedule_id),
        task_queue=context.settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
    )


USAGE = usage_line(
    "pause <id> [for <duration>] [reason ...]",
    'pause; "for 2h" unpauses by itself, at most 30d (operators)',
)
VERB = Verb("pause", USAGE, parse, run, changes=True)
