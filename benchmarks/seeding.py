"""Many waiting requests, cheaply: workflows on a task queue no worker polls, carrying what the
approval gate publishes for a pending request (its memo and search attributes), so every
reader of "what waits" sees them as real ones.

:func:`visibility` is the one place that knows what the gate publishes; when the gate
publishes more (new search attributes), change it there.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from orchestration import search_attributes as sa
from orchestration.approval import MEMO_KEY
from orchestration.approval_index import approval_attributes
from orchestration.models.approval import ApprovalState
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID

SEED_CONCURRENCY = 64


def visibility(state: ApprovalState) -> tuple[dict[str, Any], TypedSearchAttributes]:
    """The memo and search attributes of a workflow whose gate holds ``state``: exactly what
    the gate publishes (the pending lists' index included), and the workflow's kind."""
    memo = {MEMO_KEY: state.model_dump(mode="json", exclude={"attempts"})}
    pairs: list[SearchAttributePair[Any]] = [SearchAttributePair(sa.KIND, state.kind)]
    pairs.extend(approval_attributes(state))
    return memo, TypedSearchAttributes(pairs)


def waiting_order(n: int, requested_at: datetime) -> ApprovalState:
    """The gate's state of the ``n``-th seeded order, waiting for either approver."""
    return ApprovalState(
        request_id="1",
        kind="order",
        subject_id=f"ORD-B{n:05d}",
        title=f"Order ORD-B{n:05d} for $1,{n % 1000:03d}.00",
        requester=REQUESTER_ID,
        approvers=[APPROVER_ID, APPROVER2_ID],
        channel=APPROVALS_CHANNEL_ID,
        message_ts=f"1795300000.{n:06d}",
        requested_at=requested_at,
        deadline=requested_at + timedelta(hours=4),
    )


async def seed_waiting(
    client: Client,
    count: int,
    first: int = 0,
    *,
    since: datetime | None = None,
    spacing: timedelta = timedelta(milliseconds=1),
    concurrency: int = SEED_CONCURRENCY,
) -> float:
    """Start ``count`` waiting orders numbered from ``first``, the ``n``-th asked at
    ``since + n * spacing`` (by default an hour ago, a millisecond apart: older numbers asked
    earlier); the seconds it took."""
    queue = f"bench-unpolled-{uuid.uuid4().hex[:8]}"
    oldest = since if since is not None else datetime.now(UTC) - timedelta(hours=1)
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        memo, attributes = visibility(waiting_order(n, oldest + n * spacing))
        async with gate:
            await client.start_workflow(
                "OrderWorkflow",
                id=f"bench-order-{uuid.uuid4().hex[:12]}",
                task_queue=queue,
                memo=memo,
                search_attributes=attributes,
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(first, first + count)))
    return time.perf_counter() - started
