"""Slack's limit on posting, on demand: about one message a second per channel, with a short
burst (https://docs.slack.dev/apis/web-api/rate-limits, "chat.postMessage ... generally
allows posting one message per second per channel, while also allowing short bursts").

Off unless turned on (``POST /_sim/post-limit`` or :meth:`PostLimits.enable`), like the
faults. When on, each channel has a token bucket of ``burst`` posts refilled at ``rate`` a
second; a ``chat.postMessage`` that finds its channel's bucket empty is answered 429 with an
integer ``Retry-After``, as Slack does, and has no effect. Every post admitted and refused is
recorded with its time, so tests can check the pace on the stand-in's own clock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Bounds on what the control API accepts.
MAX_RATE = 1000.0
MAX_BURST = 1000


@dataclass
class PostRecord:
    """Every ``chat.postMessage`` the limit saw in one channel: the ``time.monotonic()`` of
    each one admitted, and of each one refused."""

    admitted: list[float] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)


@dataclass
class _Bucket:
    tokens: float
    at: float


class PostLimits:
    """Per-channel token buckets for ``chat.postMessage`` (off until :meth:`enable`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = False
        self.rate = 1.0
        self.burst = 3
        self.channels: dict[str, PostRecord] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._clock = clock

    def enable(self, rate: float = 1.0, burst: int = 3) -> None:
        """Limit each channel to ``rate`` posts a second after a burst of ``burst``; starts
        with full buckets and an empty record.

        Raises:
            ValueError: A rate or burst out of range.
        """
        if not (0 < rate <= MAX_RATE) or not (1 <= burst <= MAX_BURST):
            raise ValueError(f"need 0 < rate <= {MAX_RATE:g} and 1 <= burst <= {MAX_BURST}")
        self.enabled, self.rate, self.burst = True, float(rate), int(burst)
        self._buckets.clear()
        self.channels.clear()

    def disable(self) -> None:
        """Stop limiting (the record stays until the next :meth:`enable` or reset)."""
        self.enabled = False

    def reset(self) -> None:
        """Off, with no record."""
        self.disable()
        self._buckets.clear()
        self.channels.clear()

    def take(self, channel: str) -> int | None:
        """Count one post in ``channel``: None when it may go, else the whole seconds to
        wait (``Retry-After``). Always None while off."""
        if not self.enabled:
            return None
        now = self._clock()
        bucket = self._buckets.setdefault(channel, _Bucket(float(self.burst), now))
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        record = self.channels.setdefault(channel, PostRecord())
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            record.admitted.append(now)
            return None
        record.refused.append(now)
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def refused(self) -> int:
        """How many posts were refused, in every channel."""
        return sum(len(record.refused) for record in self.channels.values())

    def to_json(self) -> dict[str, Any]:
        """The settings and the record, for ``GET /_sim/post-limit``."""
        return {
            "enabled": self.enabled,
            "rate": self.rate,
            "burst": self.burst,
            "channels": {
                channel: {"admitted": len(record.admitted), "refused": len(record.refused)}
                for channel, record in self.channels.items()
            },
        }

    def configure_from_json(self, data: dict[str, Any]) -> None:
        """Apply the JSON body of ``POST /_sim/post-limit``: ``{"enabled": false}`` turns it
        off; otherwise ``rate`` (default 1) and ``burst`` (default 3) turn it on.

        Raises:
            ValueError: A body :meth:`enable` rejects, or values that are not numbers.
        """
        if data.get("enabled", True) is False:
            self.disable()
            return
        rate, burst = data.get("rate", 1.0), data.get("burst", 3)
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise ValueError("rate must be a number")
        if isinstance(burst, bool) or not isinstance(burst, int):
            raise ValueError("burst must be a whole number")
        self.enable(float(rate), burst)
