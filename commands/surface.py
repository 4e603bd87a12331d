"""A slash command's surface (``/workflow``, ``/schedule``) and its verbs.

Each verb is one module: its usage line(s), its parser (words in, arguments out) and its
runner. A surface collects its verbs, assembles the help from their usage lines, parses text
into a :class:`Command` (or a :class:`UsageError` with the help), and runs commands, turning
Temporal trouble into a clear reply. Slack and ``chatops workflow|schedule`` share all of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from commands.replies import CommandContext, Invoker, Reply, refused
from commands.words import BadCommand, no_more, tokens
from orchestration.slack_text import escape

A = TypeVar("A")
R = TypeVar("R", bound=BaseModel)
USAGE_COLUMN = 33  # where a usage line's description starts (after two spaces of indent)
HELP_WORDS = ("help", "-h", "--help")
# Longer text is refused with the limit, rather than read (and quoted back in an answer too
# long for Slack to show): no command needs more, since a reason is at most 500 characters.
MAX_COMMAND_CHARS = 4000


class UsageError(Exception):
    """What was wrong with the command text, followed by the usage.

    ``problem`` is mrkdwn, escaped here: it quotes what the person typed, which must show as
    typed (``<!channel>`` pings nobody). A terminal turns it back into plain text.
    """

    def __init__(self, problem: str, usage: str) -> None:
        problem = escape(problem)
        super().__init__(f"{problem}\n\n{usage}" if problem else usage)
        self.problem = problem
        self.usage = usage


class Refused(Exception):
    """A report that could not be made (mrkdwn, as a refused reply would say it)."""


def usage_line(syntax: str, *about: str) -> str:
    """One entry of the help: the syntax, then what it does, aligned in a column (a syntax too
    long for the column gets its description on the lines below)."""
    indent = " " * (USAGE_COLUMN + 2)
    if about and len(syntax) < USAGE_COLUMN:
        lines = [f"  {syntax.ljust(USAGE_COLUMN)}{about[0]}", *(indent + a for a in about[1:])]
    else:
        lines = [f"  {syntax}", *(indent + a for a in about)]
    return "\n".join(lines)


@dataclass(frozen=True)
class Verb(Generic[A]):
    """One verb: ``parse(words, terminal)`` reads the words after it into arguments (raising
    :class:`BadCommand`); ``run`` answers. ``changes``: it changes something, so only operators
    may run it, and Slack is acknowledged only once it is done. ``report``: the facts as a
    pydantic model (for ``--json``), when the verb's answer is drawn from one."""

    name: str
    usage: str
    parse: Callable[[list[str], bool], A]
    run: Callable[[CommandContext, A, Invoker], Awaitable[Reply]]
    changes: bool = False
    report: Callable[[CommandContext, A], Awaitable[BaseModel]] | None = None


def reporting_verb(
    name: str,
    usage: str,
    parse: Callable[[list[str], bool], A],
    report: Callable[[CommandContext, A], Awaitable[R]],
    render: Callable[[R], Reply],
) -> Verb[A]:
    """A verb that reads: its answer is ``render`` of the model ``report`` returns, so the text
    and the JSON are one set of facts."""

    async def run(context: CommandContext, args: A, invoker: Invoker) -> Reply:
        return render(await report(context, args))

    return Verb(name, usage, parse, run, report=report)


@dataclass(frozen=True)
class Command:
    """A parsed command: the verb and its arguments."""

    verb: Verb[Any]
    args: Any = None

    @property
    def changes(self) -> bool:
        """Whether it changes something (operators only; acknowledged once done)."""
        return self.verb.changes


def no_arguments(words: list[str], terminal: bool) -> None:
    """The parser of a verb that takes nothing."""
    no_more(words)


class Surface:
    """One slash command and its verbs, in the order the help lists them."""

    def __init__(
        self,
        name: str,
        verbs: Sequence[Verb[Any]],
        *,
        operators_only: str,
        troubles: tuple[type[Exception], ...],
        explain: Callable[[Exception, Command], str],
        footer: str = "",
    ) -> None:
        self.name = name
        self.operators_only = operators_only
        self.troubles = troubles
        self.explain = explain
        self.help: Verb[None] = Verb(
            "help", usage_line("help", "this text"), no_arguments, self._help
        )
        self.verbs = {verb.name: verb for verb in verbs}
        entries = [f"Usage: /{name} <command>", *(v.usage for v in verbs), self.help.usage]
        self.usage = "\n".join([*entries, footer] if footer else entries)

    async def _help(self, context: CommandContext, args: None, invoker: Invoker) -> Reply:
        return Reply(f"```{self.usage}```")

    def parse(self, text: str, *, terminal: bool = False) -> Command:
        """Parse the text after the slash command; ``terminal``: typed in ``chatops``.

        Raises:
            UsageError: unknown verb or bad arguments (the message includes the usage).
        """
        try:
            if len(text) > MAX_COMMAND_CHARS:
                raise BadCommand(
                    f"That command is {len(text):,} characters long; commands take at most "
                    f"{MAX_COMMAND_CHARS:,}."
                )
            words = tokens(text)
            if not words or words[0].lower() in HELP_WORDS:
                if words and words[0].lower() == "help":  # "-h extra" is still just help
                    no_more(words[1:])
                return Command(self.help)
            verb = self.verbs.get(words[0].lower())
            if verb is None:
                raise BadCommand(f"Unknown command {words[0]!r}.")
            return Command(verb, verb.parse(words[1:], terminal))
        except BadCommand as err:
            raise UsageError(err.problem, self.usage) from None

    async def run(self, context: CommandContext, command: Command, invoker: Invoker) -> Reply:
        """Run a parsed command; Temporal trouble becomes a clear reply."""
        if command.changes and not invoker.is_operator:
            return refused(self.operators_only)
        try:
            return await command.verb.run(context, command.args, invoker)
        except self.troubles as err:
            return refused(self.explain(err, command))

    async def report(self, context: CommandContext, command: Command) -> BaseModel:
        """The facts a reading verb answers with, as a model (for ``--json``).

        Raises:
            Refused: Temporal trouble, or no such workflow, said as a reply would say it.
        """
        report = command.verb.report
        if report is None:
            raise Refused(f"{command.verb.name} has no JSON output.")
        try:
            return await report(context, command.args)
        except self.troubles as err:
            raise Refused(self.explain(err, command)) from None
