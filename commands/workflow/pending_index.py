"""The pending lists through the index the approval gate keeps (ApprovalWaitingSince and
ApprovalWaitingFor, :mod:`orchestration.approval_index`): counted and picked with a few
visibility queries, so a read costs about the same at 200 waiting as at 10,000.

- **The total** is one count of the indexed requests (all that wait, or those one person
  may decide), plus the requests the index does not cover, read from memo one by one: those
  published before the index existed and, for one person, those whose deciders were too
  many to name (:data:`~orchestration.search_attributes.MANY_DECIDERS`). For all requests, a
  second count (of all pending) tells whether any of the first kind wait, and they are
  listed only then; for one person, one scan lists both kinds.
- **The oldest** are those asked at or before a moment that :func:`threshold` finds with a
  few counts while the totals are counted; only those are listed, and the oldest kept. The
  moment found is counted first next time: while the oldest requests still wait, that one
  count is the whole search.
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
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from commands.workflow.common import APPROVABLE, types_clause
from commands.workflow.threshold import Window, moment, threshold, whole_ms
from commands.workflow.waiting import Accept, Pending, Waiting, keep_oldest, waiting_state
from orchestration import search_attributes as sa
from orchestration.approval import MEMO_KEY

RUNNING = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
PENDING = f"{RUNNING} AND ApprovalStatus = 'pending'"
SINCE = sa.APPROVAL_WAITING_SINCE.name
# Every indexed request was asked before this; a range over the index counts faster than
# IS NOT NULL, which SQLite's planner answers by reading every pending row.
END = moment(whole_ms(datetime(9000, 1, 1, tzinfo=UTC)))
INDEXED = f"{PENDING} AND {SINCE} <= '{END.isoformat()}'"
UNINDEXED = f"{PENDING} AND {SINCE} IS NULL"
Row = tuple[str, str, Waiting | None]  # workflow id, run id, the request if it still waits
# The moment each selection's last search found: the oldest requests rarely change between
# two reads, so it is counted first (a hint only: whatever it counts decides).
_HINTS: dict[str, datetime] = {}
_HINTS_KEPT = 512


@dataclass(frozen=True)
class Selection:
    """The waiting requests a list is about: all of them, or those ``decider`` may decide."""

    decider: str | None = None

    @property
    def indexed(self) -> str:
        """Those the index covers."""
        if self.decider is None:
            return INDEXED
        return f"{RUNNING} AND {sa.APPROVAL_WAITING_FOR.name} = '{self.decider}'"

    def until(self, at: datetime) -> str:
        """Those the index covers that were asked at or before ``at``."""
        base = PENDING if self.decider is None else self.indexed
        return f"{base} AND {SINCE} <= '{at.isoformat()}'"

    @property
    def outside(self) -> str | None:
        """For one person, the requests that may be theirs although the index does not say
        so: those naming too many deciders, and those published before the index existed
        (one scan of the pending, cheaper than counting both sides)."""
        if self.decider is None:
            return None
        many = f"{sa.APPROVAL_WAITING_FOR.name} = '{sa.MANY_DECIDERS}'"
        return f"{RUNNING} AND ({many} OR (ApprovalStatus = 'pending' AND {SINCE} IS NULL))"


@dataclass(frozen=True)
class Counts:
    """The selection's indexed requests, and whether some wait outside the index."""

    indexed: int
    unindexed: bool


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
    window = Window(keep + len(recheck), 2 * (keep + len(recheck)))
    counted = asyncio.ensure_future(_counts(client, selection))
    outside = asyncio.ensure_future(_read(client, selection.outside))
    try:
        bound = await _bound(client, selection, window, counted)
        counts = await counted
        listed, legacy, rechecked = await asyncio.gather(
            _read(client, selection.indexed if bound is None else selection.until(bound)),
            _read(client, UNINDEXED if counts.unindexed else None),
            _recheck(client, selection, recheck),
        )
        if bound is not None and len(_taken((row[2] for row in listed), accept)) < min(
            keep, counts.indexed
        ):
            listed = await _read(client, selection.indexed)  # refusals left too few: read all
        uncovered = legacy + await outside
    finally:
        for started in (counted, outside):
            _drop(started)
    return _answer(counts.indexed, listed + rechecked, uncovered, keep, accept)


async def _counts(client: Client, selection: Selection) -> Counts:
    """One count of the selection's indexed requests; for them all, also whether any wait
    outside the index (published before it existed): all pending against all indexed."""
    if selection.decider is not None:
        return Counts(await _count(client, selection.indexed), unindexed=False)
    indexed, pending = await asyncio.gather(_count(client, INDEXED), _count(client, PENDING))
    return Counts(indexed, pending > indexed)


async def _bound(
    client: Client, selection: Selection, window: Window, counted: asyncio.Future[Counts]
) -> datetime | None:
    """The moment to list up to (None: list them all), searched for while the counts run;
    a selection found to fit the window whole needs no search."""

    async def count_until(at: datetime) -> int:
        if counted.done() and counted.result().indexed <= window.enough:
            raise _Small
        return await _count(client, selection.until(at))

    key = f"{client.namespace}|{selection.indexed}"
    try:
        found = await threshold(count_until, datetime.now(UTC), window, hint=_HINTS.get(key))
    except _Small:
        return None
    if found is not None:
        if len(_HINTS) >= _HINTS_KEPT:
            _HINTS.clear()
        _HINTS[key] = found
    return found


def _drop(started: asyncio.Future[Any]) -> None:
    """Cancel what a failure left running; take a failure it had (the first one raised)."""
    if not started.done():
        started.cancel()
    elif not started.cancelled():
        started.exception()


class _Small(Exception):
    """The selection fits the window whole: no moment is needed."""


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
