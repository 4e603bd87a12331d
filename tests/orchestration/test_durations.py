"""Human durations and their bounds: no text makes a duration that breaks what uses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.durations import MAX_DURATION, Bounds, duration_from_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        (" 1H30m ", timedelta(hours=1, minutes=30)),
        ("2w", timedelta(weeks=2)),
        ("999999w", timedelta(weeks=999_999)),
        ("0s", timedelta(0)),
        ("", None),
        ("-60", None),
        ("-1d", None),
        ("PT0S", None),
        ("1.5h", None),
        ("1000000s", None),  # seven digits
        ("999999w" * 200, None),  # longer than any duration anyone writes
    ],
)
def test_text_names_a_duration_or_none(text: str, expected: timedelta | None) -> None:
    assert duration_from_text(text) == expected


@given(st.text(alphabet="0123456789smhdw ", max_size=300))
def test_no_text_overflows(text: str) -> None:
    value = duration_from_text(text)
    assert value is None or timedelta(0) <= value < timedelta(days=10**8)


def test_bounds_name_the_range() -> None:
    deadline = Bounds(timedelta(seconds=10), timedelta(days=30))
    assert deadline.problem(timedelta(seconds=10)) is None
    assert deadline.problem(timedelta(days=30)) is None
    assert deadline.problem(timedelta(0)) == "must be between 10s and 30d"
    assert deadline.problem(timedelta(seconds=-60)) == "must be between 10s and 30d"
    assert deadline.problem(timedelta(weeks=999_999)) == "must be between 10s and 30d"
    assert str(Bounds(timedelta(minutes=1))) == "between 1m and 366d"


def test_no_bounds_reach_past_the_longest_duration() -> None:
    with pytest.raises(ValueError, match="not within 0s and 366d"):
        Bounds(timedelta(seconds=1), MAX_DURATION + timedelta(days=1))
    with pytest.raises(ValueError, match="not within"):
        Bounds(timedelta(seconds=-1))
