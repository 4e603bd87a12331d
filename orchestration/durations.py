"""Human durations: ``90s``, ``5m``, ``2h``, ``1d``, ``1h30m``; shared by the policy file and
the commands."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d{1,6})([smhdw])")


def duration_from_text(text: str) -> timedelta | None:
    """The duration ``text`` names (units s, m, h, d, w, combinable: ``1h30m``), or None."""
    text = text.strip().lower()
    if not text or _PART.sub("", text):
        return None
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text))
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """``1h 30m``, ``45s``, ``2d 3h``: the largest two units."""
    seconds = int(delta.total_seconds())
    parts: list[str] = []
    for name, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (name == "s" and not parts):
            parts.append(f"{seconds // size}{name}")
            seconds %= size
    return " ".join(parts[:2])
