"""The pending lists through the index the approval gate keeps (ApprovalWaitingSince and
ApprovalWaitingFor, :mod:`orchestration.approval_index`): counted and picked with a few
visibility queries, so a read costs about the same at 200 waiting as at 10,000.

- **The total** is one count of the indexed requests (all that wait, or those one person
  may decide), plus the requests the index does not cover, read from memo one by one: those
  published before the index existed (pending, without ApprovalWaitingSince; counted every
  time, listed only when there are any) and, for one person, those whose deciders were too
  many to name (:data:`~orchestration.search_attributes.MANY_DECIDERS`).
- **The oldest** are those asked at or before a moment that :func:`threshold` finds with a
  few counts; only those are listed, and the oldest kept.
- **Every request read is checked against its memo** (it must still wait) and the caller's
  rule, and the total loses those refused: a lagging index never shows a decided request.
  ``recheck`` names workflows the caller expects its rule to refuse (a request just decided
  from the Home tab): they are read even when they are not among the oldest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from commands.workflow.common import APPROVABLE, types_clause
from commands.workflow.threshold import Window, threshold
from commands.workflow.waiting import Accept, Pending, Waiting, keep_oldest, waiting_state
from orchestration import search_attributes as sa
from orchestration.approval import MEMO_KEY

RUNNING = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
PENDING = f"{RUNNING} AND ApprovalStatus = 'pending'"
UNINDEXED = f"{PENDING} AND {sa.APPROVAL_WAITING_SINCE.name} IS NULL"
Row = tuple[str, str, Waiting | None]  # workflow id, run id, the request if it still waits


@dataclass(frozen=True)
class Selection:
    """The waiting requests a list is about: all of them, or those ``decider`` may decide."""

    decider: str | None = None

    @property
    def indexed(self) -> str:
        """Those the index covers."""
        if self.decider is None:
            return f"{PENDING} AND {sa.APPROVAL_WAITING_SINCE.name} IS NOT NULL"
        return f"{RUNNING} AND {sa.APPROVAL_WAITING_FOR.name} = '{self.decider}'"

    def until(self, moment: datetime) -> str:
        """Those the index covers that were asked at or before ``moment``."""
        base = PENDING if self.decider is None else self.indexed
        return f"{base} AND {sa.APPROVAL_WAITING_SINCE.name} <= '{moment.isoformat()}'"

    @property
    def unnamed(self) -> str | None:
        """Those that may be the decider's although the index cannot name them all."""
        if self.decider is None:
            return None
        return f"{RUNNING} AND {sa.APPROVAL_WAITING_FOR.name} = '{sa.MANY_DECIDERS}'"


async def indexed_pending(
    client: Client,
    selection: Selection,
    *,
    keep: int,
    accept: Accept | None = None,
    recheck: Collection[str] = (),
) -> Pending:
    """The requests of ``selection`` that ``accept`` takes: counted, and the ``keep`` oldest.

    Raises:
        temporalio.service.RPCError: Temporal did not answer, or does not know the index's
            search attributes (INVALID_ARGUMENT: the caller reads every memo instead).
    """
    indexed, unindexed, unnamed = await asyncio.gather(
        _count(client, selection.indexed),
        _count(client, UNINDEXED),
        _read(client, selection.unnamed) if selection.unnamed else _nothing(),
    )
    want = keep + len(recheck)

    async def count_until(moment: datetime) -> int:
        return await _count(client, selection.until(moment))

    moment = await threshold(count_until, datetime.now(UTC), indexed, Window(want, 2 * want))
    query = selection.indexed if moment is None else selection.until(moment)
    listed, legacy, rechecked = await asyncio.gather(
        _read(client, query),
        _read(client, UNINDEXED) if unindexed else _nothing(),
        _recheck(client, selection, recheck),
    )
    if moment is not None and len(_taken((row[2] for row in listed), accept)) < min(keep, indexed):
        listed = await _read(client, selection.indexed)  # refusals left too few: read all
    return _answer(indexed, listed + rechecked, legacy + unnamed, keep, accept)


def _answer(
    indexed: int, covered: list[Row], uncovered: list[Row], keep: int, accept: Accept | None
) -> Pending:
    """The total: the index's count, less the requests read from it that are refused, plus
    those read from outside it that are taken; and the oldest of all those taken."""
    inside = {run: waiting for _, run, waiting in covered}
    outside = {run: waiting for _, run, waiting in uncovered if run not in inside}
    taken = _taken(inside.values(), accept)
    also = _taken(outside.values(), accept)
    return Pending(
        indexed - (len(inside) - len(taken)) + len(also), keep_oldest(taken + also, keep)
    )


def _taken(found: Iterable[Waiting | None], accept: Accept | None) -> list[Waiting]:
    """The requests that still wait and that ``accept`` takes."""
    return [w for w in found if w is not None and (accept is None or accept(*w))]


async def _count(client: Client, query: str) -> int:
    return (await client.count_workflows(query)).count


async def _nothing() -> list[Row]:
    return []


async def _read(client: Client, query: str | None) -> list[Row]:
    """Every workflow ``query`` lists, with its request from memo if it still waits."""
    rows: list[Row] = []
    if query is None:
        return rows
    async for execution in client.list_workflows(query):
        state = waiting_state(await execution.memo_value(MEMO_KEY, None))
        waiting = None if state is None else (execution.id, state)
        rows.append((execution.id, execution.run_id, waiting))
    return rows


async def _recheck(
    client: Client, selection: Selection, workflow_ids: Collection[str]
) -> list[Row]:
    """The workflows among ``workflow_ids`` that the index counts in ``selection`` now."""
    found = await asyncio.gather(*(_described(client, wid, selection) for wid in workflow_ids))
    return [row for row in found if row is not None]


async def _described(client: Client, workflow_id: str, selection: Selection) -> Row | None:
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return None
        raise
    attributes = description.typed_search_attributes
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return None
    if description.workflow_type not in APPROVABLE:
        return None
    if selection.decider is None:
        if attributes.get(sa.APPROVAL_WAITING_SINCE) is None:
            return None
    elif selection.decider not in (attributes.get(sa.APPROVAL_WAITING_FOR) or []):
        return None
    state = waiting_state(await description.memo_value(MEMO_KEY, None))
    waiting = None if state is None else (workflow_id, state)
    return workflow_id, description.run_id or "", waiting
