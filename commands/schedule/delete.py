"""``/schedule delete <id>`` (operators): asks first, then deletes (runs already started are
not affected). In Slack the question has a button that names what goes; in a terminal the
answer is ``--confirm``, which Slack refuses (it would skip the button)."""

from __future__ import annotations

from dataclasses import dataclass

from commands.replies import CommandContext, Invoker, Reply, refused
from commands.schedule.common import cancel_timed_pause, describe_schedule, shown_id, who
from commands.surface import Command, Verb, usage_line
from commands.words import BadCommand, an_id
from orchestration.slack_text import BUTTON_TEXT, cut_plain

DELETE_ACTION = "schedule_delete_confirm"
CONFIRM_FLAG = "--confirm"


@dataclass(frozen=True)
class Delete:
    """``/schedule delete <id> [--confirm]``."""

    schedule_id: str
    confirmed: bool = False


def parse(words: list[str], terminal: bool) -> Delete:
    """``<id>``; from a ``terminal``, ``<id> --confirm`` too."""
    schedule_id, after = an_id(words, "schedule"), words[1:]
    confirmed = after == [CONFIRM_FLAG]
    if after and not confirmed:
        raise BadCommand(f"Unexpected {' '.join(after)!r}.")
    if confirmed and not terminal:
        raise BadCommand(
            f"{CONFIRM_FLAG} works only in a terminal. Type /schedule delete {schedule_id} "
            "and confirm with the button; nothing was deleted."
        )
    return Delete(schedule_id, confirmed)


async def run(context: CommandContext, args: Delete, invoker: Invoker) -> Reply:
    """Ask, unless confirmed; then delete it and any timer of a timed pause."""
    schedule_id = args.schedule_id
    await describe_schedule(context, schedule_id)
    if not args.confirmed:
        question = f"Delete schedule {shown_id(schedule_id)}? This cannot be undone."
        if invoker.from_terminal:
            return refused(f"{question} Run again with {CONFIRM_FLAG} to delete it.")
        return Reply(question, blocks=delete_question(schedule_id, question), ok=False)
    await context.client.get_schedule_handle(schedule_id).delete()
    await cancel_timed_pause(context, schedule_id)
    return Reply(
        f"Schedule {shown_id(schedule_id)} deleted.",
        announce=f"{who(invoker)} deleted schedule {shown_id(schedule_id)}",
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


USAGE = usage_line(
    "delete <id>",
    "asks to confirm (a button; in a terminal, add --confirm);",
    "then it is gone (operators)",
)
VERB = Verb("delete", USAGE, parse, run, changes=True)


def confirmed(schedule_id: str) -> Command:
    """The delete a click on the question's button confirms."""
    return Command(VERB, Delete(schedule_id, confirmed=True))
