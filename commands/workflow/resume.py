"""``/workflow resume <id> [reason ...]`` (operators): let a paused ticket move again."""

from __future__ import annotations

import dataclasses

from commands.surface import Verb, usage_line
from commands.workflow.pause import Pause, run
from commands.workflow.pause import parse as parse_pause


def parse(words: list[str], terminal: bool) -> Pause:
    """``<id> [reason ...]``, as for ``pause``."""
    return dataclasses.replace(parse_pause(words, terminal), resume=True)


USAGE = usage_line("resume <id> [reason ...]", "let a paused ticket move again (operators)")
VERB = Verb("resume", USAGE, parse, run, changes=True)
