"""The character sets of what names things in chatops: agent, tool and action names, and
targets. Checked where a request enters (a task file, the webhook, the CLI) and where the
policy file names them, so rules and requests speak the same alphabet.

Plain ASCII on purpose: a target such as ``prod-web`` spelled with a Cyrillic look-alike
letter, with a control character, or as Slack markup (``<!channel>``) is refused instead of
looking like something it is not on a card or slipping past a rule.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

NAME = re.compile(r"[a-z][a-z0-9_.-]{0,39}")
NAME_RULE = "use a letter, then up to 39 of a-z 0-9 . _ - (names are lower-case)"

TARGET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}")
TARGET_RULE = (
    "use 1 to 200 of A-Z a-z 0-9 . _ : / @ -, starting with a letter or digit "
    "(no spaces, control characters, other symbols or non-ASCII letters)"
)

# A policy rule's target is a glob over targets: the same characters plus * ? [ ] !.
TARGET_GLOB = re.compile(r"[a-z0-9._:/@*?\[\]!-]{1,200}")
TARGET_GLOB_RULE = "use a-z 0-9 . _ : / @ - and the wildcards * ? [ ] ! (at most 200)"


def character_set(pattern: re.Pattern[str], rule: str) -> AfterValidator:
    """A pydantic check that the whole value matches ``pattern``; else ``rule`` is the error."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise PydanticCustomError("character_set", rule)
        return value

    return AfterValidator(check)


def normalise(text: str) -> str:
    """Text as policy rules compare it: NFKC, case-folded, invisible control and format
    characters dropped, whitespace trimmed and every run of it one space."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return " ".join(unicodedata.normalize("NFKC", text.casefold()).split())
