"""``/schedule unpause <id> [reason ...]`` (operators): unpause now, and drop any timer a
timed pause left."""

from __future__ import annotations

from dataclasses import dataclass

from commands.replies import CommandContext, Invoker, Reply, refused
from commands.schedule.common import (
    because,
    cancel_timed_pause,
    describe_schedule,
    said,
    shown_id,
    who,
)
from commands.surface import Verb, usage_line
from commands.words import an_id, reason


@dataclass(frozen=True)
class Unpause:
    """``/schedule unpause <id> [reason]``."""

    schedule_id: str
    reason: str = ""


def parse(words: list[str], terminal: bool) -> Unpause:
    """``<id> [reason ...]``."""
    return Unpause(an_id(words, "schedule"), reason(words[1:]))


async def run(context: CommandContext, args: Unpause, invoker: Invoker) -> Reply:
    """Unpause a paused schedule; one that runs already is left alone."""
    schedule_id = args.schedule_id
    description = await describe_schedule(context, schedule_id)
    if not description.schedule.state.paused:
        return refused(f"Schedule {shown_id(schedule_id)} is not paused; nothing was changed.")
    handle = context.client.get_schedule_handle(schedule_id)
    await handle.unpause(note=f"Unpaused by {invoker.user_id}{because(args.reason)}")
    await cancel_timed_pause(context, schedule_id)
    return Reply(
        f"Schedule {shown_id(schedule_id)} unpaused.",
        announce=f"{who(invoker)} unpaused schedule {shown_id(schedule_id)}{said(args.reason)}",
    )


USAGE = usage_line("unpause <id> [reason ...]", "(operators)")
VERB = Verb("unpause", USAGE, parse, run, changes=True)
