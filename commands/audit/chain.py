"""The hash chain of an audit export, and its verification. Pure: no I/O.

Each line is one JSON object. ``hash`` is the SHA-256 (hex) of the line's canonical JSON
without ``hash`` (keys sorted, no spaces, non-ASCII escaped): the content includes
``prev_hash``, the previous line's ``hash`` (64 zeros on the first line). The last line is an
``end`` record counting the attempt lines, so a file cut short is detected too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orchestration.canonical import canonical_json, sha256_hex

GENESIS = "0" * 64
ATTEMPT = "attempt"
END = "end"
HASH_CHARS = frozenset("0123456789abcdef")


def line_hash(line: dict[str, Any]) -> str:
    """The ``hash`` a line must carry: SHA-256 of its canonical JSON without ``hash``."""
    return sha256_hex(canonical_json({k: v for k, v in line.items() if k != "hash"}))


def seal(attempts: Sequence[dict[str, Any]], exported_at: datetime | None = None) -> list[str]:
    """The export's lines: each attempt chained to the one before, then the ``end`` line."""
    end = {
        "record": END,
        "attempts": len(attempts),
        "exported_at": (exported_at or datetime.now(UTC)).isoformat(),
    }
    lines: list[str] = []
    previous = GENESIS
    for content in [*attempts, end]:
        line = {**content, "prev_hash": previous}
        line["hash"] = previous = line_hash(line)
        lines.append(canonical_json(line))
    return lines


@dataclass(frozen=True)
class ChainProblem:
    """The first line that breaks the chain (numbered from 1), and what is wrong with it."""

    line: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


def _parsed(number: int, text: str) -> dict[str, Any] | ChainProblem:
    try:
        line = json.loads(text)
    except json.JSONDecodeError as err:
        return ChainProblem(number, f"not JSON ({err.msg})")
    if not isinstance(line, dict):
        return ChainProblem(number, "not a JSON object")
    for key in ("hash", "prev_hash"):
        value = line.get(key)
        if not (isinstance(value, str) and len(value) == 64 and set(value) <= HASH_CHARS):
            return ChainProblem(number, f"no valid {key} (64 lowercase hex digits)")
    return line


def _link_problem(number: int, line: dict[str, Any], previous: str) -> str | None:
    if line["prev_hash"] != previous:
        if number == 1:
            return "prev_hash is not the start of a chain (64 zeros): lines before it are missing"
        return (
            f"prev_hash does not match line {number - 1}'s hash: "
            "a line was removed, inserted or moved here"
        )
    if line["hash"] != line_hash(line):
        return "hash does not match the line's content: the line was edited"
    return None


def verify(texts: Iterable[str]) -> ChainProblem | None:
    """The first problem in an export's lines, or None when the chain is intact and complete."""
    previous, attempts, ended = GENESIS, 0, False
    number = 0
    for number, text in enumerate(texts, start=1):
        if ended:
            return ChainProblem(number, "a line after the end line")
        line = _parsed(number, text)
        if isinstance(line, ChainProblem):
            return line
        problem = _link_problem(number, line, previous)
        if problem is not None:
            return ChainProblem(number, problem)
        previous = line["hash"]
        if line.get("record") == END:
            if line.get("attempts") != attempts:
                counted = f"says {line.get('attempts')!r} attempt lines, the file has {attempts}"
                return ChainProblem(number, f"the end line {counted}")
            ended = True
        elif line.get("record") == ATTEMPT:
            attempts += 1
        else:
            return ChainProblem(number, f"unknown record {str(line.get('record'))[:40]!r}")
    if not ended:
        return ChainProblem(number + 1, "the end line is missing: the file was cut short")
    return None
