"""Human durations: ``90s``, ``5m``, ``2h``, ``1d``, ``1h30m``; shared by the policy file, the
settings and the commands, with the bounds every one of them is checked against."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d{1,6})([smhdw])")
# Short enough that no sum of parts comes near what timedelta (or a datetime plus it) holds.
_MAX_TEXT = 32

# The longest duration anything in chatops accepts; each use has its own, often lower, limit.
MAX_DURATION = timedelta(days=366)


def duration_from_text(text: str) -> timedelta | None:
    """The duration ``text`` names (units s, m, h, d, w, combinable: ``1h30m``), or None.

    The value is never checked against a limit here: callers bound it with :class:`Bounds`,
    so a value out of range gets a message naming the range rather than "not a duration".
    """
    text = text.strip().lower()
    if not text or len(text) > _MAX_TEXT or _PART.sub("", text):
        return None
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class Bounds:
    """The documented range of one duration (both ends included)."""

    at_least: timedelta
    at_most: timedelta = MAX_DURATION

    def __post_init__(self) -> None:
        if not timedelta(0) <= self.at_least <= self.at_most <= MAX_DURATION:
            raise ValueError(f"bounds {self} are not within 0s and {format_duration(MAX_DURATION)}")

    def __str__(self) -> str:
        return f"between {format_duration(self.at_least)} and {format_duration(self.at_most)}"

    def problem(self, value: timedelta) -> str | None:
        """``must be between 10s and 30d`` when ``value`` is out of range, else None."""
        if self.at_least <= value <= self.at_most:
            return None
        return f"must be {self}"


def format_duration(delta: timedelta) -> str:
    """``1h 30m``, ``45s``, ``2d 3h``: the largest two units."""
    seconds = int(delta.total_seconds())
    parts: list[str] = []
    for name, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (name == "s" and not parts):
            parts.append(f"{seconds // size}{name}")
            seconds %= size
    return " ".join(parts[:2])
