"""``/schedule`` and ``chatops schedule``: read and change Temporal Schedules. Changes are for
operators only, and every change is announced in the channel with who and why."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

from temporalio.client import (
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleBackfill,
    ScheduleCalendarSpec,
    ScheduleDescription,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from commands.grammar import (
    CHANGES,
    CONFIRM_FLAG,
    SCHEDULE_USAGE,
    ScheduleCommand,
    ScheduleCreate,
    ScheduleDelete,
    ScheduleDescribe,
    ScheduleHelp,
    ScheduleList,
    SchedulePause,
    ScheduleSpecText,
    ScheduleTrigger,
    ScheduleUnpause,
)
from commands.grammar import (
    ScheduleBackfill as BackfillCommand,
)
from commands.grammar import (
    ScheduleUpdate as UpdateCommand,
)
from commands.replies import CommandContext, Invoker, Reply, clip, refused
from orchestration.cron import described_cron
from orchestration.durations import format_duration
from orchestration.models.schedules import TimedPauseInput
from orchestration.schedules import schedule_spec, scrape_schedule
from orchestration.slack_text import BUTTON_TEXT, cut_plain, escape, mention
from orchestration.wording import format_datetime, format_time
from orchestration.workflows.schedule_pause import TimedPauseWorkflow

DELETE_ACTION = "schedule_delete_confirm"
LIST_LIMIT = 50


def timed_pause_id(schedule_id: str) -> str:
    """The workflow that ends a timed pause of ``schedule_id``."""
    return f"schedule-unpause-{schedule_id}"


async def run_schedule_command(
    context: CommandContext, command: ScheduleCommand, invoker: Invoker
) -> Reply:
    """Run one parsed ``/schedule`` command; Temporal trouble becomes a clear reply."""
    if isinstance(command, CHANGES) and not invoker.is_operator:
        return refused(
            "Only operators (CHATOPS_OPERATORS) may change schedules; nothing was changed."
        )
    try:
        return await _dispatch(context, command, invoker)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return refused(
                f"No schedule {escape(getattr(command, 'schedule_id', ''))}. See /schedule list."
            )
        return refused(f"Temporal refused that ({escape(err.message)}); nothing was changed.")


async def _dispatch(context: CommandContext, command: ScheduleCommand, invoker: Invoker) -> Reply:
    if isinstance(command, ScheduleHelp):
        return Reply(f"```{SCHEDULE_USAGE}```")
    if isinstance(command, ScheduleList):
        return await list_schedules(context)
    if isinstance(command, ScheduleDescribe):
        return await describe(context, command.schedule_id)
    if isinstance(command, SchedulePause):
        return await pause(context, command, invoker)
    if isinstance(command, ScheduleUnpause):
        return await unpause(context, command, invoker)
    if isinstance(command, ScheduleTrigger):
        return await trigger(context, command, invoker)
    if isinstance(command, UpdateCommand):
        return await update(context, command, invoker)
    if isinstance(command, ScheduleCreate):
        return await create(context, command, invoker)
    if isinstance(command, ScheduleDelete):
        return await delete(context, command, invoker)
    return await backfill(context, command, invoker)


async def _describe(context: CommandContext, schedule_id: str) -> ScheduleDescription:
    """The schedule as it is (an unknown id raises NOT_FOUND: "No schedule X")."""
    return await context.client.get_schedule_handle(schedule_id).describe()


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


def _who(invoker: Invoker) -> str:
    return mention(invoker.user_id)


def _because(reason: str) -> str:
    """Why, as the schedule's note keeps it (plain text)."""
    return f": {reason}" if reason else " (no reason given)"


def _said(reason: str) -> str:
    """Why, as a message says it (mrkdwn: the reason is typed by a person)."""
    return escape(_because(reason))


def _id(schedule_id: str) -> str:
    """A schedule id in backticks (escaped: ids read back from Temporal may hold anything)."""
    return f"`{escape(schedule_id)}`"


async def list_schedules(context: CommandContext) -> Reply:
    """Every schedule, paused or not, with its spec and next run."""
    lines: list[str] = []
    async for item in await context.client.list_schedules():
        if len(lines) == LIST_LIMIT:
            lines.append("… and more.")
            break
        state = "active"
        spec = ""
        if item.schedule is not None:
            state = "paused" if item.schedule.state.paused else "active"
            spec = f" · {spec_text(item.schedule.spec)}"
        upcoming = item.info.next_action_times if item.info else []
        nxt = f" · next {format_datetime(upcoming[0])}" if upcoming and state == "active" else ""
        note = ""
        if item.schedule is not None and item.schedule.state.paused and item.schedule.state.note:
            note = f" · {escape(item.schedule.state.note)}"
        lines.append(f"• {_id(item.id)} · {state}{spec}{nxt}{note}")
    if not lines:
        return Reply("No schedules. Create one with /schedule create <id> every 1h.")
    return Reply(clip("*Schedules:*\n" + "\n".join(sorted(lines))))


async def describe(context: CommandContext, schedule_id: str) -> Reply:
    """Spec, state and note, overlap policy, recent and next runs."""
    description = await _describe(context, schedule_id)
    schedule, info = description.schedule, description.info
    state = "paused" if schedule.state.paused else "active"
    lines = [f"*Schedule {escape(schedule_id)}*: {state}, {spec_text(schedule.spec)}"]
    if schedule.state.note:
        lines.append(f"Note: {escape(schedule.state.note)}")
    action = schedule.action
    if isinstance(action, ScheduleActionStartWorkflow):
        runs = f"{escape(str(action.workflow))} on task queue {escape(action.task_queue)}"
        lines.append(f"Runs {runs}")
    overlap = schedule.policy.overlap.name.lower().replace("_", " ")
    lines.append(f"Overlap: {overlap}; runs so far: {info.num_actions}")
    running = [
        _id(a.workflow_id)
        for a in info.running_actions
        if isinstance(a, ScheduleActionExecutionStartWorkflow)
    ]
    if running:
        lines.append(f"Running now: {', '.join(running)}")
    for recent in info.recent_actions[-5:]:
        started = recent.action
        wf = ""
        if isinstance(started, ScheduleActionExecutionStartWorkflow):
            wf = f" {_id(started.workflow_id)}"
        lines.append(f"• ran {format_datetime(recent.started_at)}{wf}")
    if info.next_action_times and not schedule.state.paused:
        upcoming = ", ".join(format_datetime(t) for t in info.next_action_times[:3])
        lines.append(f"Next: {upcoming}")
    return Reply(clip("\n".join(lines)))


async def pause(context: CommandContext, command: SchedulePause, invoker: Invoker) -> Reply:
    """Pause, with the note saying who and why; a timed pause ends by itself (durably)."""
    schedule_id = command.schedule_id
    who = invoker.user_id
    note = f"Paused by {who}{_because(command.reason)}"
    until = None
    if command.duration is not None:
        until = datetime.now(UTC) + command.duration
        note += f" (until {format_datetime(until)})"
    handle = context.client.get_schedule_handle(schedule_id)
    await handle.pause(note=note)
    await _cancel_timed_pause(context, schedule_id)
    told = f"Schedule {_id(schedule_id)} paused"
    if until is not None and command.duration is not None:
        await context.client.start_workflow(
            TimedPauseWorkflow.run,
            TimedPauseInput(
                schedule_id=schedule_id,
                until=until,
                pause_note=note,
                paused_for=command.duration,
                paused_by=who,
                channel=invoker.channel,
            ),
            id=timed_pause_id(schedule_id),
            task_queue=context.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.TERMINATE_EXISTING,
        )
        told += (
            f" for {format_duration(command.duration)}: it unpauses by itself at "
            f"{format_time(until)}"
        )
    return Reply(
        f"{told}.",
        announce=f"{_who(invoker)} paused schedule {_id(schedule_id)}"
        + (f" for {format_duration(command.duration)}" if command.duration else "")
        + _said(command.reason),
    )


async def _cancel_timed_pause(context: CommandContext, schedule_id: str) -> None:
    """A newer pause or an unpause replaces any timer a timed pause left."""
    handle = context.client.get_workflow_handle(timed_pause_id(schedule_id))
    try:
        await handle.terminate(reason="the schedule's pause was changed")
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise


async def unpause(context: CommandContext, command: ScheduleUnpause, invoker: Invoker) -> Reply:
    """Unpause now (and drop any timer of a timed pause)."""
    schedule_id = command.schedule_id
    description = await _describe(context, schedule_id)
    if not description.schedule.state.paused:
        return refused(f"Schedule {_id(schedule_id)} is not paused; nothing was changed.")
    handle = context.client.get_schedule_handle(schedule_id)
    await handle.unpause(note=f"Unpaused by {invoker.user_id}{_because(command.reason)}")
    await _cancel_timed_pause(context, schedule_id)
    return Reply(
        f"Schedule {_id(schedule_id)} unpaused.",
        announce=f"{_who(invoker)} unpaused schedule {_id(schedule_id)}{_said(command.reason)}",
    )


async def trigger(context: CommandContext, command: ScheduleTrigger, invoker: Invoker) -> Reply:
    """Run now. ALLOW_ALL: a manual trigger is never skipped because a run is active."""
    schedule_id = command.schedule_id
    description = await _describe(context, schedule_id)
    handle: ScheduleHandle = context.client.get_schedule_handle(schedule_id)
    await handle.trigger(overlap=ScheduleOverlapPolicy.ALLOW_ALL)
    busy = len(description.info.running_actions)
    also = f" ({busy} run(s) already active; this one runs as well)" if busy else ""
    return Reply(
        f"Schedule {_id(schedule_id)} triggered{also}.",
        announce=f"{_who(invoker)} triggered schedule {_id(schedule_id)}",
    )


def _new_spec(spec: ScheduleSpecText) -> ScheduleSpec:
    return schedule_spec(every=spec.every, cron=spec.cron)


async def update(context: CommandContext, command: UpdateCommand, invoker: Invoker) -> Reply:
    """Change when it runs; everything else stays."""
    schedule_id = command.schedule_id
    spec = _new_spec(command.spec)

    def change(current: ScheduleUpdateInput) -> ScheduleUpdate:
        schedule = dataclasses.replace(current.description.schedule, spec=spec)
        return ScheduleUpdate(schedule=schedule)

    await context.client.get_schedule_handle(schedule_id).update(change)
    when = escape(command.spec.describe())
    return Reply(
        f"Schedule {_id(schedule_id)} now runs {when}.",
        announce=f"{_who(invoker)} changed schedule {_id(schedule_id)} to run {when}",
    )


async def create(context: CommandContext, command: ScheduleCreate, invoker: Invoker) -> Reply:
    """A new scrape schedule, with the deployment's scrape sources."""
    scrape = context.settings.scrape
    if scrape is None:
        return refused("This deployment has no scrape configuration; nothing was created.")
    schedule = scrape_schedule(
        command.schedule_id,
        scrape,
        context.settings.task_queue,
        _new_spec(command.spec),
        f"created by {invoker.user_id}",
    )
    try:
        await context.client.create_schedule(command.schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        return refused(f"Schedule {_id(command.schedule_id)} already exists; nothing was changed.")
    when = escape(command.spec.describe())
    return Reply(
        f"Schedule {_id(command.schedule_id)} created: scrape {when}.",
        announce=f"{_who(invoker)} created schedule {_id(command.schedule_id)} (scrape {when})",
    )


async def delete(context: CommandContext, command: ScheduleDelete, invoker: Invoker) -> Reply:
    """Ask first; then delete (runs already started are not affected)."""
    schedule_id = command.schedule_id
    await _describe(context, schedule_id)
    if not command.confirmed:
        question = f"Delete schedule {_id(schedule_id)}? This cannot be undone."
        if invoker.from_terminal:
            return refused(f"{question} Run again with {CONFIRM_FLAG} to delete it.")
        return Reply(question, blocks=delete_question(schedule_id, question), ok=False)
    await context.client.get_schedule_handle(schedule_id).delete()
    await _cancel_timed_pause(context, schedule_id)
    return Reply(
        f"Schedule {_id(schedule_id)} deleted.",
        announce=f"{_who(invoker)} deleted schedule {_id(schedule_id)}",
    )


def delete_question(schedule_id: str, question: str) -> list[dict[str, object]]:
    """The confirmation asked before a delete: one danger button carrying the id."""
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": question}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": DELETE_ACTION,
                    "text": {
                        "type": "plain_text",
                        "text": cut_plain(f"Delete {schedule_id}", BUTTON_TEXT),
                    },
                    "style": "danger",
                    "value": schedule_id,
                }
            ],
        },
    ]


async def backfill(context: CommandContext, command: BackfillCommand, invoker: Invoker) -> Reply:
    """The runs the range would have had, started now (overlap ALLOW_ALL: none skipped)."""
    schedule_id = command.schedule_id
    await context.client.get_schedule_handle(schedule_id).backfill(
        ScheduleBackfill(
            start_at=command.start, end_at=command.end, overlap=ScheduleOverlapPolicy.ALLOW_ALL
        )
    )
    span = f"{format_datetime(command.start)} to {format_datetime(command.end)}"
    return Reply(
        f"Schedule {_id(schedule_id)} backfilled from {span}.",
        announce=f"{_who(invoker)} backfilled schedule {_id(schedule_id)} from {span}",
    )
