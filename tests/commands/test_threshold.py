"""The search for a moment before which only a few requests were asked, against a counter
over known moments: whatever the moments, the one returned was counted and lets through at
least ``want`` (so the oldest are all at or before it); for ordinary spreads it lets through
few more than ``enough``, in a few counts."""

from __future__ import annotations

import bisect
import random
from datetime import UTC, datetime, timedelta

import pytest

from commands.workflow.threshold import MS, Window, threshold, whole_ms

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 12, 0, 0, 123456, tzinfo=UTC)
WINDOW = Window(30, 60)


class Counter:
    """Counts the moments at or before a moment, as the index would (to the millisecond)."""

    def __init__(self, moments: list[datetime]) -> None:
        self.stored = sorted(whole_ms(at) for at in moments)
        self.asked: list[datetime] = []

    async def __call__(self, until: datetime) -> int:
        self.asked.append(until)
        return self.until(until)

    def until(self, moment: datetime) -> int:
        # A moment probed is half a millisecond past one: no stored moment equals it.
        assert (moment.microsecond % 1000) == 500
        return bisect.bisect_right(self.stored, whole_ms(moment))


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


def spread(pattern: str, count: int, seed: int = 3) -> list[datetime]:
    rng = random.Random(seed)
    patterns = {
        "a second apart": lambda n: ago(seconds=count - n),
        "over two weeks": lambda n: ago(seconds=rng.uniform(0, 14 * 86400)),
        "mostly recent": lambda n: ago(seconds=rng.expovariate(1 / 3600)),
        "a burst of five seconds": lambda n: ago(seconds=rng.uniform(0, 5)),
        "a millisecond apart": lambda n: ago(milliseconds=n),
        "ten a month old, the rest within the hour": lambda n: (
            ago(days=30, seconds=n) if n < 10 else ago(seconds=rng.uniform(0, 3600))
        ),
        "one a year old": lambda n: ago(days=365) if n == 0 else ago(seconds=n),
        "ahead of the clock": lambda n: NOW + timedelta(seconds=rng.uniform(0, 30)),
        "two bursts a month apart": lambda n: (
            ago(days=30, seconds=rng.uniform(0, 60)) if n % 2 else ago(seconds=rng.uniform(0, 60))
        ),
    }
    return [patterns[pattern](n) for n in range(count)]


@pytest.mark.parametrize(
    "pattern",
    [
        "a second apart",
        "over two weeks",
        "mostly recent",
        "a burst of five seconds",
        "a millisecond apart",
        "ten a month old, the rest within the hour",
        "one a year old",
        "ahead of the clock",
        "two bursts a month apart",
    ],
)
@pytest.mark.parametrize("count", [200, 10_000])
async def test_ordinary_spreads_are_narrowed_to_the_window(pattern: str, count: int) -> None:
    counter = Counter(spread(pattern, count))

    moment = await threshold(counter, NOW, WINDOW, total=count)

    # Bursts are told apart only by halving the time between them: more counts (each
    # cheap), and the search settles for a few times the window once listing costs less.
    bursts = pattern == "two bursts a month apart"
    assert moment is not None and moment in counter.asked
    assert WINDOW.want <= counter.until(moment) <= WINDOW.enough * (4 if bursts else 1)
    assert len(counter.asked) <= WINDOW.probes + (WINDOW.more_probes if bursts else 0)


async def test_requests_all_asked_in_one_millisecond_cannot_be_told_apart() -> None:
    counter = Counter([ago(minutes=5)] * 500)

    moment = await threshold(counter, NOW, WINDOW, total=500)

    # Either way every request is listed: no moment lets through fewer than all.
    assert moment is None or counter.until(moment) == 500
    assert len(counter.asked) <= WINDOW.probes + WINDOW.more_probes


async def test_a_set_within_the_window_is_listed_whole_without_counting() -> None:
    counter = Counter(spread("over two weeks", 60))

    assert await threshold(counter, NOW, WINDOW, total=60) is None
    assert counter.asked == []


async def test_none_when_no_moment_up_to_a_minute_ahead_has_enough() -> None:
    counter = Counter([NOW + timedelta(hours=1)] * 100)  # a clock far behind the workers'

    assert await threshold(counter, NOW, WINDOW, total=100) is None


@pytest.mark.parametrize("seed", range(40))
async def test_the_oldest_are_always_at_or_before_the_moment(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.choice([61, 100, 1000, 5000])
    clusters = [ago(seconds=rng.uniform(0, 86400 * rng.choice([1, 30, 3000]))) for _ in range(3)]
    moments = [
        rng.choice(clusters) - rng.uniform(0, 2) * MS * 10 ** rng.randint(0, 7)
        for _ in range(count)
    ]
    counter = Counter(moments)

    moment = await threshold(counter, NOW, Window(30, 60, probes=8), total=count)

    if moment is not None:
        oldest = sorted(whole_ms(at) for at in moments)[: WINDOW.want]
        assert all(at <= whole_ms(moment) for at in oldest)
        assert counter.until(moment) >= WINDOW.want


async def test_the_last_answer_as_a_hint_is_counted_once_while_it_still_holds() -> None:
    moments = sorted(spread("over two weeks", 10_000))
    first = await threshold(Counter(moments), NOW, WINDOW, total=10_000)
    assert first is not None
    let_through = Counter(moments).until(first)

    again = Counter(moments[:-5])  # the newest five decided: the hint still holds
    assert await threshold(again, NOW, WINDOW, hint=first) == first
    assert len(again.asked) == 1
    # The oldest decided, down to fewer than wanted at the hint: the search goes on.
    fewer = Counter(moments[let_through - WINDOW.want + 1 :])
    moment = await threshold(fewer, NOW, WINDOW, hint=first)
    assert moment is not None and moment != first and len(fewer.asked) > 1
    assert WINDOW.want <= fewer.until(moment) <= WINDOW.enough
