"""What the scenarios do to a running stack, as people and other programs do it: start real
orders through the command line's path, wait for their cards, click as the approver through
the stand-in, read the cards back, judge what was applied; and the raw SDK's baseline."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.cards import APPROVE_ACTION
from benchmarks.baseline import BaselineWorkflow, touch
from benchmarks.polling import assert_eventually
from benchmarks.stacks import Stack
from cli.examples import example_order
from cli.orders import start_order
from orchestration import search_attributes as sa
from orchestration.approval import MEMO_KEY, ApprovableWorkflow
from orchestration.models.approval import ApprovalStatus
from slacksim import APPROVER_ID, REQUESTER_ID
from slacksim.delivery import Delivery

T = TypeVar("T")
X = TypeVar("X")
CONCURRENCY = 32
CARD_POLL = 0.005
APPROVED = "*Approved* by"
# A stack past its throughput queues decisions: a card may take minutes, and that is measured.
CARD_WITHIN = 600.0
CLICK_TRIES = 5
# Seconds per waiting order allowed for its card to be posted (bulk starts queue up; one
# process on a busy machine managed about 4 a second).
SECONDS_PER_ORDER = 0.5


@dataclass(frozen=True)
class Card:
    """Where an order's approval card is."""

    workflow_id: str
    channel: str
    ts: str


async def bounded(calls: Iterable[Callable[[], Awaitable[T]]], limit: int = CONCURRENCY) -> list[T]:
    """Run the calls, at most ``limit`` at a time; their results in order."""
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await call()

    async with asyncio.TaskGroup() as group:  # one failing cancels the others
        tasks = [group.create_task(one(call)) for call in calls]
    return [task.result() for task in tasks]


async def start_orders(stack: Stack, count: int) -> list[str]:
    """Start ``count`` orders over $1,000 as ``chatops start order`` does; their ids."""

    async def one() -> str:
        order = example_order("large", requested_by=REQUESTER_ID)
        return await start_order(stack.client, stack.settings, order)

    return await bounded(one for _ in range(count))


def waits_with_card(state: dict[str, Any]) -> bool:
    """Whether the gate's published state is a pending request whose card is posted."""
    return bool(state.get("message_ts")) and state.get("status") == ApprovalStatus.PENDING.value


async def waiting_cards(stack: Stack, ids: Iterable[str], within: float = 0.0) -> list[Card]:
    """Wait until every order of ``ids`` waits at its gate with its card posted (its memo
    names the card, so the workflow task after the post has completed); their cards.

    Counting (cheap for the server) comes first; the listing that reads each memo follows
    once the count says they all wait."""
    wanted = list(ids)
    queue = f"TaskQueue = '{stack.settings.task_queue}' AND ExecutionStatus = 'Running'"
    limit = within or 60 + SECONDS_PER_ORDER * len(wanted)
    pending = f"{queue} AND {sa.APPROVAL_STATUS.name} = '{ApprovalStatus.PENDING.value}'"
    await assert_eventually(
        lambda: stack.client.count_workflows(pending),
        lambda counted: counted.count >= len(wanted),
        within=limit,
        interval=0.5,
        what=f"{len(wanted)} orders waiting",
    )
    found: dict[str, Card] = {}

    async def count() -> int:
        async for execution in stack.client.list_workflows(queue):
            if execution.id in found:
                continue
            state = await execution.memo_value(MEMO_KEY, None)
            if isinstance(state, dict) and waits_with_card(state):
                found[execution.id] = Card(execution.id, state["channel"], state["message_ts"])
        return sum(1 for workflow_id in wanted if workflow_id in found)

    await assert_eventually(
        count,
        lambda n: n == len(wanted),
        within=limit,
        interval=0.5,
        what=f"{len(wanted)} orders waiting with their cards",
    )
    return [found[workflow_id] for workflow_id in wanted]


async def ready_orders(stack: Stack, count: int) -> list[Card]:
    """``count`` real orders waiting for approval, with their cards."""
    return await waiting_cards(stack, await start_orders(stack, count))


async def click(stack: Stack, card: Card) -> Delivery:
    """The approver clicks Approve on the card, as the stand-in delivers it."""
    return await stack.sim.click(APPROVER_ID, card.channel, card.ts, APPROVE_ACTION)


def acked(delivery: Delivery) -> bool:
    """Whether Slack got a timely 200 for the click."""
    return delivery.status == 200 and delivery.error is None


async def card_approved(stack: Stack, card: Card, within: float = CARD_WITHIN) -> None:
    """Until the card shows who approved it."""
    await assert_eventually(
        lambda: APPROVED in str(stack.sim.message(card.channel, card.ts)),
        bool,
        within=within,
        interval=CARD_POLL,
        what=f"the card of {card.workflow_id} approved",
    )


async def persistent_click(stack: Stack, card: Card) -> int:
    """Click until Slack gets its ack, as a person clicks again when Slack shows an error
    (a decision that did get in makes the next click a harmless repeat); the clicks made."""
    for tries in range(1, CLICK_TRIES + 1):
        if acked(await click(stack, card)):
            return tries
    raise AssertionError(f"no click on {card.workflow_id} acked in {CLICK_TRIES} tries")


async def click_to_card(stack: Stack, card: Card) -> float:
    """Milliseconds from the click (clicks, if Slack showed an error) until the card shows
    the approval."""
    started = time.perf_counter()
    await persistent_click(stack, card)
    await card_approved(stack, card)
    return (time.perf_counter() - started) * 1000


async def applied_once(client: Client, workflow_id: str, within: float = 600.0) -> bool:
    """Whether the order ends up approved by exactly one applied decision (waits while its
    decision is still queued behind others)."""
    handle = client.get_workflow_handle(workflow_id)

    async def state() -> Any:
        try:
            return await handle.query(ApprovableWorkflow.approval)
        except RPCError:  # a query times out while the worker is behind: ask again
            return None

    found = await assert_eventually(
        state,
        lambda s: s is not None and s.status is not ApprovalStatus.PENDING,
        within=within,
        interval=0.5,
        what=f"the decision on {workflow_id} applied",
    )
    applied = sum(1 for attempt in found.attempts if attempt.result.value == "applied")
    return bool(found.status is ApprovalStatus.APPROVED and applied == 1)


async def settled(stack: Stack, most: int, within: float = 900.0) -> float:
    """Seconds until at most ``most`` requests of the stack's task queue still wait for a
    decision (the worker has caught up with the decisions sent)."""
    started = time.perf_counter()
    query = (
        f"TaskQueue = '{stack.settings.task_queue}' AND "
        f"{sa.APPROVAL_STATUS.name} = '{ApprovalStatus.PENDING.value}'"
    )
    await assert_eventually(
        lambda: stack.client.count_workflows(query),
        lambda counted: counted.count <= most,
        within=within,
        interval=0.5,
        what=f"at most {most} requests waiting",
    )
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for process {pid}")


@asynccontextmanager
async def raw_worker(client: Client) -> AsyncIterator[str]:
    """A worker of the raw SDK's baseline workflow, in this process; its task queue."""
    queue = f"raw-{uuid.uuid4().hex[:10]}"
    async with Worker(client, task_queue=queue, workflows=[BaselineWorkflow], activities=[touch]):
        yield queue


async def raw_waiting(
    client: Client, queue: str, count: int
) -> list[WorkflowHandle[BaselineWorkflow, float]]:
    """``count`` baseline workflows waiting for their signal (first workflow task done)."""

    async def one() -> WorkflowHandle[BaselineWorkflow, float]:
        handle = await client.start_workflow(
            BaselineWorkflow.run, id=f"raw-{uuid.uuid4().hex}", task_queue=queue
        )
        await assert_eventually(
            lambda: handle.describe(), lambda d: d.history_length >= 4, interval=0.02
        )
        return handle

    return await bounded(one for _ in range(count))


async def raw_decide(handle: WorkflowHandle[BaselineWorkflow, float]) -> float:
    """Milliseconds from the signal until the workflow's one activity has run and it ended."""
    started = time.perf_counter()
    await handle.signal(BaselineWorkflow.go)
    await handle.result()
    return (time.perf_counter() - started) * 1000


async def paced(
    items: Sequence[X],
    rate: float,
    act: Callable[[X], Coroutine[Any, Any, T]],
    stop: asyncio.Event | None = None,
) -> tuple[list[T], float]:
    """Start ``act`` on each item on a schedule of ``rate`` a second, not waiting for earlier
    ones to finish, until the items run out or ``stop`` is set; the results of those started,
    in order, and how far (ms) the starts fell behind the schedule at most."""
    loop = asyncio.get_running_loop()
    begun = loop.time()
    started: list[asyncio.Task[T]] = []
    behind = 0.0
    async with asyncio.TaskGroup() as group:  # one failing cancels the others
        for index, item in enumerate(items):
            if stop is not None and stop.is_set():
                break
            due = begun + index / rate
            await asyncio.sleep(max(0.0, due - loop.time()))  # a schedule, not a wait for a state
            behind = max(behind, (loop.time() - due) * 1000)
            started.append(group.create_task(act(item)))
    return [task.result() for task in started], behind
