"""``/schedule create <id> every <duration> | cron "<expr>"`` (operators): a new scrape
schedule, with the deployment's scrape sources."""

from __future__ import annotations

from temporalio.client import ScheduleAlreadyRunningError

from commands.replies import CommandContext, Invoker, Reply, refused
from commands.schedule.common import shown_id, who
from commands.schedule.specs import Timing, id_and_spec
from commands.surface import Verb, usage_line
from orchestration.schedules import scrape_schedule
from orchestration.slack_text import escape


async def run(context: CommandContext, args: Timing, invoker: Invoker) -> Reply:
    """Create it, unless the id is taken or the deployment scrapes nothing."""
    scrape = context.settings.scrape
    if scrape is None:
        return refused("This deployment has no scrape configuration; nothing was created.")
    schedule = scrape_schedule(
        args.schedule_id,
        scrape,
        context.settings.task_queue,
        args.spec.spec(),
        f"created by {invoker.user_id}",
    )
    shown = shown_id(args.schedule_id)
    try:
        await context.client.create_schedule(args.schedule_id, schedule)
    except ScheduleAlreadyRunningError:
        return refused(f"Schedule {shown} already exists; nothing was changed.")
    when = escape(args.spec.describe())
    return Reply(
        f"Schedule {shown} created: scrape {when}.",
        announce=f"{who(invoker)} created schedule {shown} (scrape {when})",
    )


USAGE = usage_line(
    'create <id> every <duration> | cron "<expr>"', "a new scrape schedule (operators)"
)
VERB = Verb("create", USAGE, id_and_spec, run, changes=True)
