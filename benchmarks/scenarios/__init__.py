"""The scenarios of ``python -m benchmarks.run``: each measures one promise on a running
stack and says, from its recorded result alone, how it compares with its target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    scenario: str
    configuration: str
    measured: str
    target: str
    met: bool | None  # None: unknown (failed, or met only at a smaller scale than the target's)

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()


def ms(value: float) -> str:
    """A latency as the table shows it."""
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def judged(ok: bool, at_scale: bool) -> bool | None:
    """A target met at a smaller scale than its own is unknown; one missed is missed."""
    return ok if at_scale or not ok else None
