"""Waiting requests as the approval gate leaves them, seeded without a worker: workflows on a
task queue nobody polls, each with its request in memo and (unless told otherwise) the
gate's search attributes; legacy ones have only those a gate kept before the pending index
existed (no ApprovalWaitingSince, no ApprovalWaitingFor)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from temporalio.client import Client
from temporalio.common import TypedSearchAttributes
from temporalio.service import RPCError

from commands.workflow.pending_index import RUNNING
from orchestration import search_attributes as sa
from orchestration.approval import MEMO_KEY
from orchestration.approval_index import approval_attributes
from orchestration.models.approval import ApprovalState
from tests.helpers import assert_eventually, unique

NOW = datetime.now(UTC)
INDEX_KEYS = {sa.APPROVAL_WAITING_SINCE.name, sa.APPROVAL_WAITING_FOR.name}


class Kept(Enum):
    """What a seeded workflow carries besides its memo."""

    INDEXED = "the gate's search attributes"
    LEGACY = "those a gate kept before the index"
    MEMO_ONLY = "no search attributes"


def request(n: int, requested_at: datetime, **fields: Any) -> ApprovalState:
    """A waiting order request asked at ``requested_at``."""
    values: dict[str, Any] = {
        "request_id": "1",
        "kind": "order",
        "subject_id": f"ORD-{n:05d}",
        "title": f"Order ORD-{n:05d}",
        "requester": "U0REQUEST1",
        "approvers": ["U0APPROVE1", "U0APPROVE2"],
        "requested_at": requested_at,
        "deadline": NOW + timedelta(hours=4),
    }
    values.update(fields)
    return ApprovalState(**values)


def attributes(state: ApprovalState, kept: Kept) -> TypedSearchAttributes:
    if kept is Kept.MEMO_ONLY:
        return TypedSearchAttributes.empty
    pairs = approval_attributes(state).search_attributes
    if kept is Kept.LEGACY:
        pairs = [pair for pair in pairs if pair.key.name not in INDEX_KEYS]
    return TypedSearchAttributes(pairs)


async def seed(
    client: Client, states: Sequence[ApprovalState], kept: Kept = Kept.INDEXED
) -> list[str]:
    """Start one waiting workflow per state (in random order of start, as ids are random);
    their ids, in the order of ``states``."""
    queue = unique("unpolled")
    ids = [unique("order") for _ in states]
    gate = asyncio.Semaphore(32)

    async def one(workflow_id: str, state: ApprovalState) -> None:
        async with gate:
            await client.start_workflow(
                "OrderWorkflow",
                id=workflow_id,
                task_queue=queue,
                memo={MEMO_KEY: state.model_dump(mode="json")},
                search_attributes=attributes(state, kept),
            )

    await asyncio.gather(*(one(wid, state) for wid, state in zip(ids, states, strict=True)))
    return ids


async def running(client: Client) -> int:
    return (await client.count_workflows(RUNNING)).count


async def visible(client: Client, count: int) -> None:
    """Wait until visibility lists ``count`` running approvable workflows."""
    await assert_eventually(
        lambda: running(client), lambda n: n == count, what=f"{count} running workflows listed"
    )


async def terminate_all(client: Client) -> None:
    """End every workflow still running in the client's namespace."""
    ids = [execution.id async for execution in client.list_workflows(RUNNING)]
    gate = asyncio.Semaphore(32)

    async def end(workflow_id: str) -> None:
        async with gate:
            with contextlib.suppress(RPCError):
                await client.get_workflow_handle(workflow_id).terminate(reason="test finished")

    await asyncio.gather(*(end(wid) for wid in ids))
