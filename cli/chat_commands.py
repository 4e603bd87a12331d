"""``chatops workflow ...`` and ``chatops schedule ...``: the slash commands' grammar and code,
answering on a terminal. Terminal users have Temporal access, so they act as operators."""

from __future__ import annotations

import getpass
import shlex

from temporalio.client import Client

from cli.errors import CliError
from commands.grammar import (
    WORKFLOW_COMMANDS,
    ScheduleCommand,
    UsageError,
    WorkflowCommand,
    parse_schedule,
    parse_workflow,
)
from commands.replies import CommandContext, CommandSettings, Invoker, plain
from commands.schedules import run_schedule_command
from commands.workflows import run_workflow_command
from orchestration.settings import Settings
from orchestration.starts import ui_url


class UsageFailure(CliError):
    """Bad command text: the usage is printed and the exit code is 2."""


def parse_chat_command(surface: str, words: list[str]) -> WorkflowCommand | ScheduleCommand:
    """Parse the words after ``chatops workflow|schedule`` (no Temporal needed).

    Raises:
        UsageFailure: what was wrong, with the usage (exit code 2).
    """
    text = shlex.join(words)
    try:
        if surface == "workflow":
            return parse_workflow(text)
        return parse_schedule(text, terminal=True)  # --confirm is for terminals only
    except UsageError as err:
        message = plain(str(err)).replace("/workflow", "chatops workflow")
        raise UsageFailure(message.replace("/schedule", "chatops schedule")) from None


async def cmd_chat_command(
    client: Client, settings: Settings, command: WorkflowCommand | ScheduleCommand
) -> None:
    """Run a parsed command and print the answer (a refusal is an error, exit code 1)."""
    context = CommandContext(
        client,
        CommandSettings(
            task_queue=settings.task_queue, ui_url=ui_url(settings), scrape=settings.scrape_input()
        ),
    )
    invoker = Invoker(f"cli:{getpass.getuser()}", is_operator=True, from_terminal=True)
    if isinstance(command, WORKFLOW_COMMANDS):
        reply = await run_workflow_command(context, command, invoker)
    else:
        reply = await run_schedule_command(context, command, invoker)
    if not reply.ok:
        raise CliError(plain(reply.text))
    print(plain(reply.text))
