"""A moment before which only a few waiting requests were asked, found with a few counts.

Visibility queries cannot sort by a search attribute (no ``ORDER BY``), so the oldest K
requests are found as those asked at or before a moment T by which at least K, and not many
more, were asked: :func:`threshold` looks for T with ``count_until``, a count of the
requests asked at or before a moment. A count costs little more than the index range it
covers, and listing costs a memo per request, so T should not let through many more than K.

Each probe is either a guess or a halving. The guess assumes requests are spread evenly
near the newer end of the bracket (through the last two counts that had K or more), or
else between its two ends. The halving is in age (geometric) while the ends are far apart
in age, so a second and a century are each a few halvings away, and in time once they are
close; it follows any guess that did not halve the bracket. A hint (the last answer) is
counted first.

Every moment probed lies half a millisecond past a whole millisecond: requests are stored
to the millisecond (by SQLite visibility), so none sits exactly on T, and T's text has no
trailing zeros, which SQLite's text comparison of datetimes would misplace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import isqrt

CountUntil = Callable[[datetime], Awaitable[int]]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
HALF_MS = timedelta(microseconds=500)
# Ages tried first are 2**k seconds, k below OLDEST_EXPONENT: nothing waits 2**34 s (540 years).
OLDEST_EXPONENT = 34
# Requests asked "after now" (a worker's clock ahead of the bot's) still count as waiting.
AHEAD = timedelta(minutes=1)


@dataclass(frozen=True)
class Window:
    """How many requests T should let through: at least ``want``, at most ``enough`` (more
    is still right, only slower to list). ``probes`` caps the counts spent looking, and
    ``more_probes`` more are spent while what was found would list many times ``enough``
    (a count costs about as much as listing a handful)."""

    want: int
    enough: int
    probes: int = 16
    more_probes: int = 24


def moment(ms: int) -> datetime:
    """The moment probed for millisecond ``ms`` (since the epoch): half a millisecond on."""
    return EPOCH + ms * MS + HALF_MS


def whole_ms(at: datetime) -> int:
    """``at`` in whole milliseconds since the epoch (rounded down)."""
    return (at - EPOCH) // MS


async def threshold(
    count_until: CountUntil,
    now: datetime,
    window: Window,
    *,
    total: int | None = None,
    hint: datetime | None = None,
) -> datetime | None:
    """A moment T at or before which at least ``window.want`` requests were asked, with as
    few more than ``window.enough`` as the probes find. ``total``: how many there are, when
    known (within ``enough``: no search); ``hint``: a moment to count first (the last
    search's answer: the oldest requests rarely change between two reads).

    None when no moment probed has ``want`` at or before it. The moment returned was
    counted, so the ``want`` oldest requests are all at or before it whatever the counts
    did meanwhile.
    """
    if (total is not None and total <= window.enough) or window.want <= 0:
        return None
    search = _Search(count_until, whole_ms(now), window)
    await search.run(None if hint is None else whole_ms(hint))
    return moment(search.hi) if search.counted else None


class _Search:
    """Counts so far: fewer than ``want`` up to ``lo``; ``hi_count`` up to ``hi`` once
    ``counted`` (until then ``hi`` is a minute ahead and uncounted)."""

    def __init__(self, count_until: CountUntil, now_ms: int, window: Window):
        self._count_until = count_until
        self._now = now_ms
        self._window = window
        self._target = (window.want + window.enough) / 2
        self.lo, self.lo_count = now_ms - (1000 << OLDEST_EXPONENT), 0
        self.hi, self.hi_count = whole_ms(moment(now_ms) + AHEAD), 0
        self.counted = False
        self._previous_hi: tuple[int, int] | None = None

    async def run(self, hint: int | None) -> None:
        """Probe (``hint`` first) until a count falls within the window, or the probes run
        out."""
        bisect_next = False
        for used in range(self._window.probes + self._window.more_probes):
            if used >= self._window.probes and not self._listing_many():
                return
            span = self.hi - self.lo
            if span <= 1:
                return
            if used == 0 and hint is not None and self.lo < hint < self.hi:
                guess: int | None = hint
            else:
                guess = None if bisect_next else self._secant()
            at = self._middle() if guess is None else guess
            self._take(at, await self._count_until(moment(at)))
            if self.counted and self.hi_count <= self._window.enough:
                return
            # A guess that did not halve the bracket is followed by a plain bisection.
            bisect_next = guess is not None and 2 * (self.hi - self.lo) > span

    def _listing_many(self) -> bool:
        return not self.counted or self.hi_count > 4 * self._window.enough

    def _take(self, at: int, found: int) -> None:
        if found >= self._window.want:
            if self.counted:
                self._previous_hi = (self.hi, self.hi_count)
            self.hi, self.hi_count, self.counted = at, found, True
        else:
            self.lo, self.lo_count = at, found

    def _middle(self) -> int:
        """Halfway between the ends: in age (geometric) while they are far apart in age, so
        a second and a century are each reached in a few steps; else in time."""
        lo_age, hi_age = self._now - self.lo, max(self._now - self.hi, 1)
        if lo_age > 4 * hi_age:
            return self._now - isqrt(lo_age * hi_age)
        return (self.lo + self.hi) // 2

    def _secant(self) -> int | None:
        """Where the window's middle lies if requests are spread evenly near ``hi``: on the
        line through ``hi`` and the ``hi`` before it (reaching back across a stretch with
        none next to ``lo``), else through the bracket's ends when ``lo`` saw some; None
        when neither is known or the guess falls outside the bracket."""
        if not self.counted:
            return None
        lines = [(self.hi, self.hi_count, *self._previous_hi)] if self._previous_hi else []
        if self.lo_count > 0:
            lines.append((self.lo, self.lo_count, self.hi, self.hi_count))
        for t1, c1, t2, c2 in lines:
            if c2 != c1:
                at = t1 + round((self._target - c1) * (t2 - t1) / (c2 - c1))
                if self.lo < at < self.hi:
                    return at
        return None
