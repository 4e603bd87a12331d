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
    met: bool | None  # None: not measured

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()


def ms(value: float) -> str:
    """A latency as the table shows it."""
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"
