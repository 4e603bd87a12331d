"""The baseline of the click benchmark: the bare Temporal cost of one decision (raw SDK)."""

from __future__ import annotations

import time
from datetime import timedelta

from temporalio import activity, workflow


@activity.defn
async def touch(_: str) -> float:
    """The baseline's one activity."""
    return time.perf_counter()


@workflow.defn
class BaselineWorkflow:
    """Waits for a signal, then runs one activity: the bare cost of a decision."""

    def __init__(self) -> None:
        self.signalled = False

    @workflow.signal
    def go(self) -> None:
        self.signalled = True

    @workflow.run
    async def run(self) -> float:
        await workflow.wait_condition(lambda: self.signalled)
        return await workflow.execute_activity(
            touch, "x", start_to_close_timeout=timedelta(seconds=10)
        )
