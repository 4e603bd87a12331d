"""``/schedule trigger <id>`` (operators): run now. Overlap ALLOW_ALL: with the schedule's
own policy (SKIP), Temporal would silently drop a manual trigger while a run is active."""

from __future__ import annotations

from temporalio.client import ScheduleOverlapPolicy

from commands.replies import CommandContext, Invoker, Reply
from commands.schedule.common import ScheduleId, describe_schedule, one_schedule, shown_id, who
from commands.surface import Verb, usage_line


async def run(context: CommandContext, args: ScheduleId, invoker: Invoker) -> Reply:
    """Start a run now, saying when others are already running."""
    schedule_id = args.schedule_id
    description = await describe_schedule(context, schedule_id)
    await context.client.get_schedule_handle(schedule_id).trigger(
        overlap=ScheduleOverlapPolicy.ALLOW_ALL
    )
    busy = len(description.info.running_actions)
    also = f" ({busy} run(s) already active; this one runs as well)" if busy else ""
    return Reply(
        f"Schedule {shown_id(schedule_id)} triggered{also}.",
        announce=f"{who(invoker)} triggered schedule {shown_id(schedule_id)}",
    )


USAGE = usage_line("trigger <id>", "run now, even while a run is active (operators)")
VERB = Verb("trigger", USAGE, one_schedule, run, changes=True)
