"""``chatops workflow ...`` and ``chatops schedule ...``: the slash commands' grammar and code,
answering on a terminal. Terminal users have Temporal access, so they act as operators."""

from __future__ import annotations

import getpass
import shlex

from temporalio.client import Client

from cli.errors import CliError
from commands.replies import CommandContext, CommandSettings, Invoker, plain
from commands.schedule import SCHEDULE
from commands.surface import Command, Surface, UsageError
from commands.workflow import WORKFLOW
from orchestration.settings import Settings
from orchestration.starts import ui_url

SURFACES = {surface.name: surface for surface in (WORKFLOW, SCHEDULE)}


class UsageFailure(CliError):
    """Bad command text: the usage is printed and the exit code is 2."""


def parse_chat_command(surface: Surface, words: list[str]) -> Command:
    """Parse the words after ``chatops workflow|schedule`` (no Temporal needed).

    Raises:
        UsageFailure: what was wrong, with the usage (exit code 2).
    """
    try:
        return surface.parse(shlex.join(words), terminal=True)  # --confirm: terminals only
    except UsageError as err:
        raise UsageFailure(terminal_text(str(err))) from None


def terminal_text(text: str) -> str:
    """mrkdwn as a terminal shows it, with the slash commands named as typed here."""
    text = plain(text).replace("/workflow", "chatops workflow")
    return text.replace("/schedule", "chatops schedule")


async def cmd_chat_command(
    client: Client, settings: Settings, surface: Surface, command: Command
) -> None:
    """Run a parsed command and print the answer (a refusal is an error, exit code 1)."""
    context = CommandContext(
        client,
        CommandSettings(
            task_queue=settings.task_queue, ui_url=ui_url(settings), scrape=settings.scrape_input()
        ),
    )
    invoker = Invoker(f"cli:{getpass.getuser()}", is_operator=True, from_terminal=True)
    reply = await surface.run(context, command, invoker)
    if not reply.ok:
        raise CliError(plain(reply.text))
    print(plain(reply.text))
