"""``/schedule update <id> every <duration> | cron "<expr>"`` (operators): change when it
runs; everything else stays."""

from __future__ import annotations

import dataclasses

from temporalio.client import ScheduleUpdate, ScheduleUpdateInput

from commands.replies import CommandContext, Invoker, Reply
from commands.schedule.common import shown_id, who
from commands.schedule.specs import Timing, id_and_spec
from commands.surface import Verb, usage_line
from orchestration.slack_text import escape


async def run(context: CommandContext, args: Timing, invoker: Invoker) -> Reply:
    """Replace the schedule's spec (in one update, so nothing else is overwritten)."""
    spec = args.spec.spec()

    def change(current: ScheduleUpdateInput) -> ScheduleUpdate:
        schedule = dataclasses.replace(current.description.schedule, spec=spec)
        return ScheduleUpdate(schedule=schedule)

    await context.client.get_schedule_handle(args.schedule_id).update(change)
    when = escape(args.spec.describe())
    shown = shown_id(args.schedule_id)
    return Reply(
        f"Schedule {shown} now runs {when}.",
        announce=f"{who(invoker)} changed schedule {shown} to run {when}",
    )


USAGE = "\n".join(
    (
        usage_line("update <id> every <duration>", "e.g. every 30m, 1s to 366d (operators)"),
        usage_line('update <id> cron "<expr>"', 'e.g. cron "0 8 * * 1-5" (operators)'),
    )
)
VERB = Verb("update", USAGE, id_and_spec, run, changes=True)
