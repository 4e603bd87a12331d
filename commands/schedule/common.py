"""What the ``/schedule`` verbs share: the schedule id, how changes name who and why, the
timer of a timed pause, and what Temporal trouble means to the person who asked."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import ScheduleDescription
from temporalio.service import RPCError, RPCStatusCode

from commands.replies import CommandContext, Invoker
from commands.surface import Command
from commands.words import only_id
from orchestration.slack_text import escape, mention

TROUBLES = (RPCError,)


@dataclass(frozen=True)
class ScheduleId:
    """The arguments of a verb about one schedule: ``<id>``."""

    schedule_id: str


def one_schedule(words: list[str], terminal: bool) -> ScheduleId:
    """``<id>``, and nothing after it."""
    return ScheduleId(only_id(words, "schedule"))


def explain(err: Exception, command: Command) -> str:
    """What went wrong, for the person who asked (an unknown id: "No schedule X")."""
    assert isinstance(err, RPCError)
    if err.status == RPCStatusCode.NOT_FOUND:
        schedule_id = getattr(command.args, "schedule_id", "")
        return f"No schedule {escape(schedule_id)}. See /schedule list."
    return f"Temporal refused that ({escape(err.message)}); nothing was changed."


async def describe_schedule(context: CommandContext, schedule_id: str) -> ScheduleDescription:
    """The schedule as it is (an unknown id raises NOT_FOUND: "No schedule X")."""
    return await context.client.get_schedule_handle(schedule_id).describe()


def who(invoker: Invoker) -> str:
    """Who made a change, as an announcement names them."""
    return mention(invoker.user_id)


def because(reason: str) -> str:
    """Why, as the schedule's note keeps it (plain text)."""
    return f": {reason}" if reason else " (no reason given)"


def said(reason: str) -> str:
    """Why, as a message says it (mrkdwn: the reason is typed by a person)."""
    return escape(because(reason))


def shown_id(schedule_id: str) -> str:
    """A schedule id in backticks (escaped: ids read back from Temporal may hold anything)."""
    return f"`{escape(schedule_id)}`"


def timed_pause_id(schedule_id: str) -> str:
    """The workflow that ends a timed pause of ``schedule_id``."""
    return f"schedule-unpause-{schedule_id}"


async def cancel_timed_pause(context: CommandContext, schedule_id: str) -> None:
    """A newer pause, an unpause or a delete replaces any timer a timed pause left."""
    handle = context.client.get_workflow_handle(timed_pause_id(schedule_id))
    try:
        await handle.terminate(reason="the schedule's pause was changed")
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
