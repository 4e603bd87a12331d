"""Tallying a read through the index: refusals among what the index counted come off the
total, what it did not count and is taken comes on, each run once; the oldest are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commands.workflow.waiting import Tally, Waiting
from tests.commands.seeding import request

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def waiting(n: int) -> Waiting:
    return f"wf-{n}", request(n, NOW - timedelta(minutes=n))


def test_the_total_is_the_count_less_refusals_plus_what_came_from_outside() -> None:
    tally = Tally(2, lambda workflow_id, _: workflow_id != "wf-3")
    assert tally.add("run-1", waiting(1), counted=True)
    assert not tally.add("run-1", waiting(1), counted=True)
    assert not tally.add("run-3", waiting(3), counted=True)
    assert not tally.add("run-4", None, counted=True)  # no longer waiting
    assert tally.add("run-9", waiting(9), counted=False)
    assert not tally.add("run-5", None, counted=False)  # outside and done: nothing

    found = tally.pending(10)
    assert found.total == 10 - 2 + 1
    assert [wid for wid, _ in found.oldest] == ["wf-9", "wf-1"]
