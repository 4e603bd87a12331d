"""Faults on demand: make the next calls of a Web API method fail the ways Slack fails."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

FaultKind = Literal["ratelimit", "error", "store_then_error", "latency"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
# Matches every method, for "Slack is down" scenarios.
ANY_METHOD = "*"


@dataclass
class Fault:
    """One planned fault and how many calls it still applies to.

    Attributes:
        method: Web API method name, or ``"*"`` for any.
        kind: ``ratelimit`` answers 429 with ``Retry-After``; ``error`` answers ``status`` with
            ``internal_error``; ``store_then_error`` lets the call take effect, then answers
            500 (Slack posted but the answer was lost); ``latency`` waits ``seconds`` first.
        remaining: Calls still to be hit.
        retry_after: Seconds for the ``Retry-After`` header (``ratelimit``).
        status: HTTP status (``error``).
        seconds: Delay before answering (``latency``).
        rate: Share of matching calls hit (1.0: every one until ``remaining`` runs out;
            0.3: about three in ten, drawn from the sim's seeded random generator).
    """

    method: str
    kind: FaultKind
    remaining: int = 1
    retry_after: int = 1
    status: int = 500
    seconds: float = 0.0
    rate: float = 1.0


@dataclass(frozen=True)
class AppliedFault:
    """One call a fault was applied to: the method called and the kind of fault."""

    method: str
    kind: FaultKind


class Faults:
    """The planned faults, consumed in the order they were added, and a record of every call
    one was applied to (:attr:`applied`, kept when the plan is cleared)."""

    def __init__(self, seed: int = 0) -> None:
        self._planned: list[Fault] = []
        self.applied: list[AppliedFault] = []
        # Seeded, so a test with rate < 1 hits the same calls on every run.
        self._random = random.Random(seed)

    def add(
        self,
        method: str,
        kind: FaultKind,
        count: int = 1,
        retry_after: int = 1,
        status: int = 500,
        seconds: float = 0.0,
        rate: float = 1.0,
    ) -> Fault:
        """Make the next ``count`` calls of ``method`` (or a ``rate`` share of them) fail.

        Raises:
            ValueError: For an unknown kind or a count, delay or status out of range.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
        if count < 1 or retry_after < 0 or seconds < 0 or not 400 <= status <= 599:
            raise ValueError("need count >= 1, retry_after >= 0, seconds >= 0, 400 <= status < 600")
        if not 0.0 < rate <= 1.0:
            raise ValueError("rate must be above 0 and at most 1")
        fault = Fault(method, kind, count, int(retry_after), status, float(seconds), float(rate))
        self._planned.append(fault)
        return fault

    def add_from_json(self, data: dict[str, Any]) -> Fault:
        """Add a fault from the JSON body of ``POST /_sim/faults``.

        Raises:
            ValueError: For a missing method or any argument :meth:`add` rejects.
        """
        if not isinstance(data.get("method"), str):
            raise ValueError("method must be a string")
        return self.add(
            data["method"],
            data.get("kind", "error"),
            count=int(data.get("count", 1)),
            retry_after=int(data.get("retry_after", 1)),
            status=int(data.get("status", 500)),
            seconds=float(data.get("seconds", 0.0)),
            rate=float(data.get("rate", 1.0)),
        )

    def clear(self) -> None:
        """Drop every planned fault (the record of those applied stays)."""
        self._planned.clear()

    def take(self, method: str) -> Fault | None:
        """Return the fault for this call of ``method``, counting it as used, or None."""
        for fault in self._planned:
            if fault.method in (method, ANY_METHOD):
                if fault.rate < 1.0 and self._random.random() >= fault.rate:
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._planned.remove(fault)
                self.applied.append(AppliedFault(method, fault.kind))
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        """Return the faults not yet used up, as JSON-ready dicts."""
        return [asdict(fault) for fault in self._planned]
