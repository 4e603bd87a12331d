"""The baseline of the click benchmark: the bare Temporal cost of one decision (raw SDK)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHandle

WAIT_REACHED = 0.05
SIGNALS_AT_ONCE = 32


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


async def round_trip(client: Client, task_queue: str) -> float:
    """One decision with the raw SDK, in ms: signal a waiting workflow, until its activity runs."""
    handle = await client.start_workflow(
        BaselineWorkflow.run, id=f"baseline-{uuid.uuid4().hex}", task_queue=task_queue
    )
    await asyncio.sleep(WAIT_REACHED)  # let it reach the wait, as an order reaches its gate
    started = time.perf_counter()
    await handle.signal(BaselineWorkflow.go)
    done = await handle.result()
    return (done - started) * 1000


async def throughput(client: Client, task_queue: str, count: int) -> float:
    """Decisions a second with the raw SDK: ``count`` workflows wait, then each is signalled
    (``SIGNALS_AT_ONCE`` in flight) and completes; counted from the first signal to the last
    completion."""
    handles = await asyncio.gather(
        *(
            client.start_workflow(
                BaselineWorkflow.run, id=f"baseline-{uuid.uuid4().hex}", task_queue=task_queue
            )
            for _ in range(count)
        )
    )
    await asyncio.sleep(WAIT_REACHED + count / 200)  # every one waits at its signal
    gate = asyncio.Semaphore(SIGNALS_AT_ONCE)

    async def decide(handle: WorkflowHandle[Any, float]) -> None:
        async with gate:
            await handle.signal(BaselineWorkflow.go)
        await handle.result()

    started = time.perf_counter()
    await asyncio.gather(*(decide(handle) for handle in handles))
    return count / (time.perf_counter() - started)
