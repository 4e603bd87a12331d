"""``chatops workflow ...`` and ``chatops schedule ...``: the slash commands' grammar and code,
answering on a terminal. Terminal users have Temporal access, so they act as operators.

``--json`` (``chatops workflow status|list|pending``) prints the facts the text is drawn from
as one JSON document instead; its fields are documented in docs/json-output.md.
"""

from __future__ import annotations

import getpass
import shlex
from dataclasses import dataclass

from temporalio.client import Client

from cli.errors import CliError
from cli.names import for_terminal
from commands.replies import CommandContext, CommandSettings, Invoker, plain
from commands.schedule import SCHEDULE
from commands.surface import Command, Refused, Surface, UsageError
from commands.workflow import WORKFLOW
from orchestration.settings import Settings
from orchestration.starts import ui_url

SURFACES = {surface.name: surface for surface in (WORKFLOW, SCHEDULE)}
JSON_FLAG = "--json"


class UsageFailure(CliError):
    """Bad command text: the usage is printed and the exit code is 2."""


@dataclass(frozen=True)
class ChatCommand:
    """A parsed ``chatops workflow|schedule`` command, and whether to answer in JSON."""

    surface: Surface
    command: Command
    as_json: bool = False


def parse_chat_command(
    surface_name: str, words: list[str], *, as_json: bool = False
) -> ChatCommand:
    """Parse the words after ``chatops workflow|schedule`` (no Temporal needed); ``--json``
    may come before them (``as_json``) or among them.

    Raises:
        UsageFailure: what was wrong, with the usage (exit code 2); with ``--json``, one line.
    """
    surface = SURFACES[surface_name]
    as_json = as_json or JSON_FLAG in words
    text = shlex.join(word for word in words if word != JSON_FLAG)
    try:
        command = surface.parse(text, terminal=True)  # --confirm: terminals only
    except UsageError as err:
        if as_json:
            problem = terminal_text(err.problem)
            raise UsageFailure(f"error: {problem} See chatops {surface.name} help.") from None
        raise UsageFailure(terminal_text(str(err))) from None
    if as_json and command.verb.report is None:
        raise UsageFailure(f"error: {json_refusal(surface, command)}")
    return ChatCommand(surface, command, as_json)


def json_refusal(surface: Surface, command: Command) -> str:
    """Which verbs answer in JSON, for someone who asked another one to."""
    reporting = [name for name, verb in surface.verbs.items() if verb.report is not None]
    if not reporting:
        return f"chatops {surface.name} has no {JSON_FLAG} output."
    verbs = ", ".join(reporting)
    return f"{JSON_FLAG} works with chatops {surface.name} {verbs}; not with {command.verb.name}."


def terminal_text(text: str) -> str:
    """mrkdwn as a terminal shows it, with the slash commands named as typed here."""
    text = plain(text).replace("/workflow", "chatops workflow")
    return text.replace("/schedule", "chatops schedule")


async def cmd_chat_command(client: Client, settings: Settings, chat: ChatCommand) -> None:
    """Run a parsed command and print the answer, or its facts as JSON (a refusal is an
    error, exit code 1)."""
    context = CommandContext(
        client,
        CommandSettings(
            task_queue=settings.task_queue,
            ui_url=ui_url(settings),
            scrape=settings.scrape_input(),
            search_attributes=settings.search_attributes,
        ),
    )
    if chat.as_json:
        try:
            report = await chat.surface.report(context, chat.command)
        except Refused as err:
            raise CliError(plain(str(err))) from None
        print(report.model_dump_json(indent=2))
        return
    invoker = Invoker(f"cli:{getpass.getuser()}", is_operator=True, from_terminal=True)
    reply = await chat.surface.run(context, chat.command, invoker)
    text = await for_terminal(settings, reply.text)
    if not reply.ok:
        raise CliError(text)
    if reply.file is not None:  # the document is the answer; what Slack says of it is not
        print(reply.file.content, end="")
        return
    print(text)
