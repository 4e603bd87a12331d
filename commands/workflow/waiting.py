"""What the pending lists share: a waiting request as read from memo, the answer (a count and
the oldest few), keeping the oldest few of a stream in a small heap, and tallying what a
read through the index found."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orchestration.models.approval import ApprovalState, ApprovalStatus

Waiting = tuple[str, ApprovalState]
# Which waiting requests a list keeps (the Home tab: those the viewer may decide).
Accept = Callable[[str, ApprovalState], bool]


@dataclass(frozen=True)
class Pending:
    """How many approvals wait (that ``accept`` took), and the oldest of them, oldest first."""

    total: int
    oldest: list[Waiting]


def waiting_state(raw: Any) -> ApprovalState | None:
    """The request in a workflow's approval memo if it still waits; else None."""
    if not isinstance(raw, dict) or raw.get("status") != ApprovalStatus.PENDING.value:
        return None
    return ApprovalState.model_validate(raw)


class Oldest:
    """The ``keep`` requests asked first of those added, in a heap: memory stays within
    ``keep`` however many are added (ties keep the order they came in)."""

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._added = 0
        self._heap: list[tuple[float, int, Waiting]] = []  # its top is the newest kept

    def add(self, item: Waiting) -> None:
        self._added += 1
        entry = (-item[1].requested_at.timestamp(), -self._added, item)
        if len(self._heap) < self._keep:
            heapq.heappush(self._heap, entry)
        elif self._keep and entry > self._heap[0]:  # older than the newest kept one
            heapq.heapreplace(self._heap, entry)

    def oldest_first(self) -> list[Waiting]:
        return [item for _, _, item in sorted(self._heap, reverse=True)]


class Tally:
    """What one list read: of the requests the index counted, how many were refused (no
    longer waiting, or not ``accept``-ed); of those it did not count, how many were taken;
    and the ``keep`` oldest taken. Each run is tallied once, however many reads list it."""

    def __init__(self, keep: int, accept: Accept | None) -> None:
        self._accept = accept
        self._seen: set[str] = set()
        self._refused = 0
        self._added = 0
        self.oldest = Oldest(keep)

    def add(self, run_id: str, waiting: Waiting | None, *, counted: bool) -> bool:
        """Tally one run (``counted``: the index's count has it); True if it is taken."""
        if run_id in self._seen:
            return False
        self._seen.add(run_id)
        if waiting is None or (self._accept is not None and not self._accept(*waiting)):
            if counted:
                self._refused += 1
            return False
        if not counted:
            self._added += 1
        self.oldest.add(waiting)
        return True

    def pending(self, counted: int) -> Pending:
        """The answer, given how many the index counted."""
        return Pending(counted - self._refused + self._added, self.oldest.oldest_first())
