"""Reading what a person typed after a slash command's verb: ids, durations, reasons.

Pure: no I/O. Every problem is a :class:`BadCommand` whose text says what was wrong; the
surface that parsed the words adds its usage (see ``commands.surface``).
"""

from __future__ import annotations

import re
import shlex
from datetime import timedelta

from orchestration.durations import Bounds, duration_from_text

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$")
REASON_CHARS = 500


class BadCommand(Exception):
    """What was wrong with the words (plain text, as typed; escaped when shown)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def tokens(text: str) -> list[str]:
    """The words, with quotes as a shell reads them (``cron "0 8 * * *"`` is two words)."""
    try:
        return shlex.split(text)
    except ValueError as err:  # unbalanced quotes
        raise BadCommand(f"Could not read that: {err}.") from None


def shown(value: str) -> str:
    """A typed value quoted in a problem, cut when long."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def an_id(words: list[str], what: str) -> str:
    """The first word, as the id of a ``what`` (workflow, schedule)."""
    if not words:
        raise BadCommand(f"Say which {what}.")
    value = words[0]
    if not ID.match(value):
        raise BadCommand(f"{shown(value)} is not a {what} id.")
    return value


def only_id(words: list[str], what: str) -> str:
    """The one word, as the id of a ``what``; nothing may follow it."""
    value = an_id(words, what)
    no_more(words[1:])
    return value


def no_more(words: list[str]) -> None:
    """Nothing may follow."""
    if words:
        raise BadCommand(f"Unexpected {shown(' '.join(words))}.")


def reason(words: list[str]) -> str:
    """The rest of the words, as the reason a person gave: refused when longer than
    :data:`REASON_CHARS`, rather than cut where the person did not choose."""
    text = " ".join(words)
    if len(text) > REASON_CHARS:
        raise BadCommand(
            f"The reason is {len(text):,} characters long; keep it to {REASON_CHARS} characters."
        )
    return text


def duration(text: str, bounds: Bounds, *, noun: str, name: str) -> timedelta:
    """``text`` as a duration within ``bounds``; else "not a <noun>" or "the <name> must be
    between ..."."""
    value = duration_from_text(text)
    examples = "24h, 7d or 30d" if noun == "period" else "30m, 2h or 1d"
    if value is None:
        raise BadCommand(f"{shown(text)} is not a {noun}; try {examples}.")
    problem = bounds.problem(value)
    if problem is not None:
        raise BadCommand(f"{shown(text)} is out of range: the {name} {problem}.")
    return value
