"""What the pending lists share: a waiting request as read from memo, the answer (a count and
the oldest few), and keeping the oldest few of a stream in a small heap."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
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


def keep_oldest(waiting: Iterable[Waiting], keep: int) -> list[Waiting]:
    """The ``keep`` requests of ``waiting`` asked first, oldest first."""
    oldest = Oldest(keep)
    for item in waiting:
        oldest.add(item)
    return oldest.oldest_first()
