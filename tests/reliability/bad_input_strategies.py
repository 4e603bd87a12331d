"""Hypothesis strategies for input from outside: text people type, payloads, files, JSON.

Each mixes what is plausible (the grammar's verbs, the models' own fields) with what is not
(any unicode, control characters, wrong types, missing keys, nesting, text past every limit,
built by repetition so drawing stays fast).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# mrkdwn's and shells' own characters, quotes, astral and combining characters, controls.
_GRAPHEMES = [*"aZ09 -_.:/@|&<>*`'\"\\\n\t", "\x00", "\x7f", "\u00e9", "e\u0301", "\U0001f600"]
_GRAPHEMES += ["\u202e", "\u200d", "\ufeff", "\u65e5", "<!channel>", "<@U0APPROVE1>", "&amp;"]
PIECE = st.one_of(
    st.lists(st.sampled_from(_GRAPHEMES), max_size=12).map("".join),
    st.text(max_size=12),
)
# Up to a few characters, or far past every limit (Slack's 40,000, our 4,000, 3,000, 2,000).
TEXT = st.one_of(
    PIECE,
    st.builds(lambda piece, times: piece * times, PIECE, st.integers(1, 30)),
    st.builds(lambda piece, times: (piece or "x") * times, PIECE, st.integers(300, 4_000)),
)
JSON_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), TEXT
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(PIECE, inner, max_size=4),
    max_leaves=12,
)
# The same, with short text only (for YAML, whose reader is slow on long text).
SMALL_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | PIECE,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(PIECE, inner, max_size=4),
    max_leaves=12,
)


def nested(depth: int, leaf: Any = 1) -> Any:
    """``leaf`` inside ``depth`` lists and objects (built without recursion)."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


# Deep enough to pass every limit, shallow enough for json.dumps to write in a test.
DEEP = st.builds(nested, st.sampled_from([9, 21, 50, 400]))


def deep_text(depth: int, key: str = "arguments") -> str:
    """A JSON object whose ``key`` nests ``depth`` deep, written as text (json.dumps would
    overflow the stack writing it)."""
    return f'{{"{key}": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


DEPTHS = st.sampled_from([500, 900, 990, 5000, 100_000])

SLASH_WORDS = [
    "help", "status", "list", "pending", "history", "stats", "cancel", "pause", "resume",
    "describe", "unpause", "trigger", "update", "create", "delete", "backfill", "every", "cron",
    "for", "running", "order", "--confirm", "-h", "30m", "1h", "999999w", "0s", "scrape",
    "order-ORD-1", '"', "'", "2026-11-20T00:00",
]  # fmt: skip
SLASH_TEXT = st.one_of(
    TEXT,
    st.lists(st.sampled_from(SLASH_WORDS) | PIECE, max_size=8).map(" ".join),
)


def mutate(
    base: dict[str, Any], values: st.SearchStrategy[Any] = JSON_VALUE
) -> st.SearchStrategy[Any]:
    """``base`` with keys dropped, replaced by any of ``values``, or added; sometimes not an
    object at all."""

    @st.composite
    def draw_mutation(draw: st.DrawFn) -> Any:
        if draw(st.integers(0, 19)) == 0:
            return draw(values)
        value = dict(base)
        for key in draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True)):
            if draw(st.booleans()):
                del value[key]
            else:
                value[key] = draw(values | DEEP)
        for key, extra in draw(st.dictionaries(PIECE, values, max_size=2)).items():
            value[key] = extra
        return value

    return draw_mutation()


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
