"""The pending lists through the index the approval gate keeps (ApprovalWaitingSince and
ApprovalWaitingFor, :mod:`orchestration.approval_index`): counted and picked with a few
visibility queries, so a read costs about the same at 200 waiting as at 10,000.

- **The total** is one count: of every pending request (``/workflow pending``, the digest),
  or of those the index names one person for (the Home tab). The Home tab adds what the
  index cannot name, read from memo one by one: requests whose deciders are too many to
  name (:data:`~orchestration.search_attributes.MANY_DECIDERS`, one query), and requests
  published before the index existed (:data:`UNINDEXED`: a scan of the pending, at most once
  a minute while they are few; those it found are read again each time).
- **The oldest** are those asked at or before a moment that :func:`threshold` finds with a
  few counts while the total is counted; only those are listed, and the oldest kept. For
  all requests, those published before the index existed are listed when their workflows
  started by that moment (a request is asked after its workflow starts). The moment found
  is counted first next time: while the oldest requests still wait, that one count is the
  whole search.
- **Every request read is checked against its memo** (it must still wait) and the caller's
  rule, and the total loses those refused: a lagging index never shows a decided request.
  ``recheck`` names workflows the caller expects its rule to refuse (a request just decided
  from the Home tab): they are read even when they are not among the oldest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from commands.workflow.common import APPROVABLE, types_clause
from commands.workflow.threshold import Window, threshold
from commands.workflow.waiting import Accept, Pending, Tally, Waiting, waiting_state
from orchestration import search_attributes as sa
from orchestration.approval import MEMO_KEY

RUNNING = f"{types_clause(APPROVABLE)} AND ExecutionStatus = 'Running'"
PENDING = f"{RUNNING} AND ApprovalStatus = 'pending'"
SINCE = sa.APPROVAL_WAITING_SINCE.name
WAITING_FOR = sa.APPROVAL_WAITING_FOR.name
# A request is asked after its workflow starts: one asked by a moment started by then (and a
# second more keeps StartTime's text comparison away from the edge).
STARTED_BEFORE = timedelta(seconds=1)
# Requests published before the index existed: finding them reads every pending request
# (a scan growing with the backlog), and no new ones appear once every worker publishes the
# index, so one person's list scans for them at most once a period per namespace and reads
# the ones found again each time (a decided one drops out at once; one an older worker
# publishes mid-upgrade shows within the period).
UNINDEXED = f"{PENDING} AND {SINCE} IS NULL"
UNINDEXED_RESCAN = 60.0
# More of them than this are scanned for each time rather than read one by one.
UNINDEXED_ONE_BY_ONE = 50
_UNINDEXED: dict[str, tuple[float, list[str]]] = {}
# The moment each selection's last search found: the oldest requests rarely change between
# two reads, so it is counted first (a hint only: whatever it counts decides).
_HINTS: dict[str, datetime] = {}
_HINTS_KEPT = 512


@dataclass(frozen=True)
class Selection:
    """The waiting requests a list is about: all of them, or those ``decider`` may decide."""

    decider: str | None = None

    @property
    def counted(self) -> str:
        """What the total counts: every pending request (indexed or not), or those the index
        names the decider for."""
        if self.decider is None:
            return PENDING
        return f"{RUNNING} AND {WAITING_FOR} = '{self.decider}'"

    def until(self, at: datetime) -> str:
        """The indexed requests among them asked at or before ``at``."""
        return f"{self.counted} AND {SINCE} <= '{at.isoformat()}'"

    def unindexed_until(self, at: datetime) -> str | None:
        """Those counted but published before the index existed that may have been asked
        at or before ``at``: their workflows started by then (a range over start times,
        cheap where a search for the missing attribute reads every pending request)."""
        if self.decider is not None:
            return None
        started = (at + STARTED_BEFORE).isoformat()
        return f"{PENDING} AND {SINCE} IS NULL AND StartTime <= '{started}'"

    @property
    def outside(self) -> str | None:
        """For one person, requests not counted that may be theirs all the same: those
        naming too many deciders (the others are :data:`UNINDEXED`)."""
        if self.decider is None:
            return None
        return f"{RUNNING} AND {WAITING_FOR} = '{sa.MANY_DECIDERS}'"


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
    tally = Tally(keep, accept)
    counted = asyncio.ensure_future(_count(client, selection.counted))
    outside = asyncio.ensure_future(_outside(client, selection, tally))
    listed: asyncio.Future[list[int]] | None = None
    try:
        bound = await _bound(client, selection, window, counted)
        queries = [selection.counted] if bound is None else _oldest(selection, bound)
        listed = asyncio.gather(  # while the total is still counted
            *(_read(client, query if window.want else None, tally) for query in queries)
        )
        await _recheck(client, selection, recheck, tally)
        total = await counted
        if bound is not None and sum(await listed) < min(keep, total):
            # Refusals left too few at or before the moment: read the rest too.
            await _read(client, selection.counted, tally)
        await listed
        await outside
    finally:
        for started in (counted, outside, listed):
            _drop(started)
    return tally.pending(total)


def _oldest(selection: Selection, bound: datetime) -> list[str]:
    """The queries that list every counted request asked at or before ``bound``."""
    return [query for query in (selection.until(bound), selection.unindexed_until(bound)) if query]


async def _bound(
    client: Client, selection: Selection, window: Window, counted: asyncio.Future[int]
) -> datetime | None:
    """The moment to list up to (None: list them all), searched for while the total is counted;
    a selection found to fit the window whole needs no search."""

    async def count_until(at: datetime) -> int:
        if counted.done() and counted.result() <= window.enough:
            raise _Small
        return await _count(client, selection.until(at))

    key = f"{client.namespace}|{selection.counted}"
    try:
        found = await threshold(count_until, datetime.now(UTC), window, hint=_HINTS.get(key))
    except _Small:
        return None
    if found is not None:
        if len(_HINTS) >= _HINTS_KEPT:
            _HINTS.clear()
        _HINTS[key] = found
    return found


def forget_hints() -> None:
    """Forget the moments and unindexed requests found so far: the next reads start from
    scratch."""
    _HINTS.clear()
    _UNINDEXED.clear()


def _drop(started: asyncio.Future[Any] | None) -> None:
    """Cancel what a failure left running; take a failure it had (the first one raised)."""
    if started is None:
        return
    if not started.done():
        started.cancel()
    elif not started.cancelled():
        started.exception()


class _Small(Exception):
    """The selection fits the window whole: no moment is needed."""


async def _count(client: Client, query: str) -> int:
    return (await client.count_workflows(query)).count


async def _read(
    client: Client,
    query: str | None,
    tally: Tally,
    *,
    counted: bool = True,
    listed: list[str] | None = None,
) -> int:
    """Tally every workflow ``query`` lists, as it streams (their ids added to ``listed``);
    how many of them were taken."""
    taken = 0
    if query is None:
        return taken
    async for execution in client.list_workflows(query):
        if listed is not None:
            listed.append(execution.id)
        state = waiting_state(await execution.memo_value(MEMO_KEY, None))
        waiting = None if state is None else (execution.id, state)
        taken += tally.add(execution.run_id, waiting, counted=counted)
    return taken


async def _outside(client: Client, selection: Selection, tally: Tally) -> None:
    """Tally, for one person, the requests the index does not count: those naming too many
    deciders, and those published before the index existed (scanned for once a period,
    and every time while there are many of them)."""
    if selection.decider is None:
        return
    many = asyncio.ensure_future(_read(client, selection.outside, tally, counted=False))
    try:
        scanned, ids = _UNINDEXED.get(client.namespace, (None, []))
        stale = scanned is None or time.monotonic() - scanned > UNINDEXED_RESCAN
        if stale or len(ids) > UNINDEXED_ONE_BY_ONE:
            started, ids = time.monotonic(), []
            await _read(client, UNINDEXED, tally, counted=False, listed=ids)
            _UNINDEXED[client.namespace] = (started, ids)
        else:
            found = await asyncio.gather(*(_unindexed(client, wid) for wid in ids))
            for row in found:
                if row is not None:
                    tally.add(*row, counted=False)
        await many
    finally:
        _drop(many)


async def _describe(client: Client, workflow_id: str) -> WorkflowExecutionDescription | None:
    """The workflow's description; None if Temporal does not know it."""
    try:
        return await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return None
        raise


async def _waiting_row(
    description: WorkflowExecutionDescription, workflow_id: str
) -> tuple[str, Waiting | None]:
    """The run of a described workflow, and its request if its memo says it waits."""
    state = waiting_state(await description.memo_value(MEMO_KEY, None))
    return description.run_id or "", None if state is None else (workflow_id, state)


async def _unindexed(client: Client, workflow_id: str) -> tuple[str, Waiting | None] | None:
    """The run and request of a workflow that still waits without the index; else None."""
    description = await _describe(client, workflow_id)
    if description is None:
        return None
    published = description.typed_search_attributes.get(sa.APPROVAL_WAITING_SINCE)
    if description.status is not WorkflowExecutionStatus.RUNNING or published is not None:
        return None  # ended, or counted by the index now
    return await _waiting_row(description, workflow_id)


async def _recheck(
    client: Client, selection: Selection, workflow_ids: Collection[str], tally: Tally
) -> None:
    """Tally those of ``workflow_ids`` that the index counts in ``selection`` now."""
    found = await asyncio.gather(*(_described(client, wid, selection) for wid in workflow_ids))
    for row in found:
        if row is not None:
            tally.add(*row, counted=True)


async def _described(
    client: Client, workflow_id: str, selection: Selection
) -> tuple[str, Waiting | None] | None:
    """The run and request of a workflow the index counts in ``selection``; else None."""
    description = await _describe(client, workflow_id)
    if description is None:
        return None
    attributes = description.typed_search_attributes
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return None
    if description.workflow_type not in APPROVABLE:
        return None
    if selection.decider is None:
        if attributes.get(sa.APPROVAL_STATUS) != "pending":
            return None
    elif selection.decider not in (attributes.get(sa.APPROVAL_WAITING_FOR) or []):
        return None
    return await _waiting_row(description, workflow_id)
