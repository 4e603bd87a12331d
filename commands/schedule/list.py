"""``/schedule list``: every schedule, paused or not, with its spec and next run."""

from __future__ import annotations

from commands.replies import CommandContext, Invoker, Reply, clip
from commands.schedule.common import shown_id
from commands.schedule.specs import spec_text
from commands.surface import Verb, no_arguments, usage_line
from orchestration.slack_text import escape
from orchestration.wording import format_datetime

LIST_LIMIT = 50


async def run(context: CommandContext, args: None, invoker: Invoker) -> Reply:
    """One line per schedule, sorted by id."""
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
        lines.append(f"• {shown_id(item.id)} · {state}{spec}{nxt}{note}")
    if not lines:
        return Reply("No schedules. Create one with /schedule create <id> every 1h.")
    return Reply(clip("*Schedules:*\n" + "\n".join(sorted(lines))))


USAGE = usage_line("list", "every schedule, paused or not, with its next run")
VERB = Verb("list", USAGE, no_arguments, run)
