"""What a reliability scenario measured, kept as JSON for docs/RELIABILITY.md.

Each scenario is a test marked ``reliability``. It runs at the bounded scale in every test
run (CI), and at the long scale under ``scripts/reliability``; either way it records a
:class:`Tally` and then asserts that nothing was lost, doubled, wrongly accepted or stuck.
``python -m tests.reliability.report`` turns the recorded tallies into the report.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCALE_VARIABLE = "CHATOPS_RELIABILITY_SCALE"
OUT_VARIABLE = "CHATOPS_RELIABILITY_OUT"
BOUNDED, LONG = "bounded", "long"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / ".chatops" / "reliability"
# The counts every scenario reports that must be zero; scenarios add their own sizes
# (approvals, kills, faults injected, variants tried, ...).
MUST_BE_ZERO = ("lost", "doubled", "wrongly_accepted", "stuck")


def scale() -> str:
    """``bounded`` (the default: every test run) or ``long`` (``scripts/reliability --long``)."""
    value = os.environ.get(SCALE_VARIABLE, BOUNDED)
    if value not in (BOUNDED, LONG):
        raise ValueError(f"{SCALE_VARIABLE} must be {BOUNDED} or {LONG}, not {value!r}")
    return value


def sized(bounded: int, long: int) -> int:
    """The size of a scenario at the current scale."""
    return long if scale() == LONG else bounded


@dataclass
class Tally:
    """One scenario's run: what was tried and what went wrong.

    Attributes:
        scenario: Short name, also the file name of the recorded JSON.
        title: What the scenario shows, as a heading.
        description: How it is run: what it drives, what it injects, what it checks after.
        counts: Sizes (``approvals``, ``kills``, ``variants``...) and the zero-counts of
            :data:`MUST_BE_ZERO`.
        notes: What a reader should know: what was fixed, known limits.
    """

    scenario: str
    title: str
    description: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    scale: str = field(default_factory=scale)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0

    def add(self, name: str, amount: int = 1) -> None:
        """Count ``amount`` more of ``name``."""
        self.counts[name] = self.counts.get(name, 0) + amount

    def record(self) -> Path:
        """Write the tally (zero-counts filled in) where the report reads it."""
        for name in MUST_BE_ZERO:
            self.counts.setdefault(name, 0)
        self.seconds = round(time.monotonic() - self.started, 1)
        out = Path(os.environ.get(OUT_VARIABLE, DEFAULT_OUT))
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{self.scenario}.json"
        data = asdict(self)
        del data["started"]
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return path

    def failures(self) -> dict[str, int]:
        """The zero-counts that are not zero."""
        return {name: self.counts.get(name, 0) for name in MUST_BE_ZERO if self.counts.get(name)}
