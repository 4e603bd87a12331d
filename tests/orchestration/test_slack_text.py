"""Slack text helpers: escaping, our own mentions and links, and cutting text to a limit
without breaking an escape, a mention, a character or a code block."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.slack_text import ELLIPSIS, cut, cut_plain, escape, length, link

ENTITY_START = re.compile(r"&(?!amp;|lt;|gt;)")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.unit
def test_escape_touches_only_the_three_control_characters() -> None:
    assert escape("a<b>&c *d* `e`") == "a&lt;b&gt;&amp;c *d* `e`"
    assert escape("&amp;") == "&amp;amp;"


@pytest.mark.unit
def test_links_cannot_be_broken_out_of() -> None:
    assert link("https://x.example/a b|c<d>?e=1&f=2", "Open <it> & go") == (
        "<https://x.example/a%20b%7Cc%3Cd%3E?e=1&amp;f=2|Open &lt;it&gt; &amp; go>"
    )


@pytest.mark.unit
def test_text_within_the_limit_is_left_alone() -> None:
    assert cut("x" * 10, 10) == "x" * 10
    assert cut_plain("é" * 10, 10) == "é" * 10


@pytest.mark.unit
def test_cut_marks_the_cut_and_fits_the_limit() -> None:
    assert cut("abcdefghij", 5) == "abcd" + ELLIPSIS
    assert length(cut("x" * 5000, 3000)) == 3000


@pytest.mark.unit
def test_cut_never_splits_an_escape_or_a_mention() -> None:
    text = "ab &amp; cd"
    for limit in range(4, len(text)):
        head = cut(text, limit).removesuffix(ELLIPSIS)
        assert not ENTITY_START.search(head), (limit, head)
    mention = "hi <@U0APPROVE1> there"
    assert cut(mention, 10) == "hi " + ELLIPSIS
    assert cut(mention, 17) == "hi <@U0APPROVE1>" + ELLIPSIS


@pytest.mark.unit
def test_astral_characters_count_twice_and_combining_marks_stay_with_their_letter() -> None:
    assert length("😀") == 2
    assert cut("😀😀😀", 4) == "😀" + ELLIPSIS
    combined = "e\u0301" * 5  # é as e + combining acute
    assert cut_plain(combined, 4) == "e\u0301" + ELLIPSIS
    family = "👩\u200d👩\u200d👧 ok"
    assert cut_plain(family, 5) == ELLIPSIS  # the family is one character: all or nothing


@pytest.mark.unit
def test_a_cut_code_block_is_closed_again() -> None:
    text = "*Runs with*\n```" + "x" * 100 + "```"
    result = cut(text, 50)
    assert result.endswith(ELLIPSIS + "```") and length(result) <= 50
    assert result.count("```") == 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("a&<>`é😀\u0301\u200d "), max_size=80), st.integers(4, 60))
def test_cutting_escaped_text_keeps_a_clean_prefix(raw: str, limit: int) -> None:
    escaped = escape(raw)
    result = cut(escaped, limit)
    assert length(result) <= limit
    if result == escaped:
        return
    head = result.removesuffix("```").removesuffix(ELLIPSIS)
    assert escaped.startswith(head)
    assert not ENTITY_START.search(head)
    assert raw.startswith(unescape(head))
