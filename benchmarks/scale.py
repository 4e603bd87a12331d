"""How much each scenario does: the full scale (the default) and a quick one for trying the
benchmarks in about 20 minutes on 2 cores."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Scale:
    """The sizes, rates and sample counts of one run."""

    name: str
    # lists: waiting requests (seeded), and latency samples of each reader at each size
    list_sizes: tuple[int, int] = (200, 10_000)
    list_samples: int = 20
    # ack_burst: clicks per second, for how long, on as many distinct waiting orders
    ack_rate: float = 100.0
    ack_seconds: float = 60.0
    # click_card: samples idle and busy; the busy phase's background clicks per second
    card_samples: int = 40
    busy_rate: float = 20.0
    # throughput: orders decided, clicks in flight at once
    throughput_orders: int = 600
    throughput_concurrency: int = 32
    # memory: real orders waiting, first and then
    memory_sizes: tuple[int, int] = (100, 10_000)
    # startup: measured starts of chatops up after the first
    startup_samples: int = 5

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in vars(self).items()}


FULL = Scale("full")
QUICK = Scale(
    "quick",
    list_sizes=(200, 1_000),
    ack_seconds=10.0,
    card_samples=20,
    throughput_orders=150,
    memory_sizes=(100, 1_000),
    startup_samples=2,
)


def sizes(text: str) -> tuple[int, int]:
    """``"100,2000"`` -> ``(100, 2000)``, the smaller first."""
    first, _, second = text.partition(",")
    small, big = int(first), int(second)
    if not 0 < small < big:
        raise ValueError(f"want two sizes, the first smaller: {text!r}")
    return small, big


def adjusted(scale: Scale, **changes: Any) -> Scale:
    """``scale`` with the changes given (None: unchanged); named as changed when any is."""
    given = {key: value for key, value in changes.items() if value is not None}
    if not given:
        return scale
    return replace(scale, name=f"{scale.name} (adjusted)", **given)
