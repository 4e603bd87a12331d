"""``throughput``: decided approvals a second, end to end: many requests waiting, approved by
clicks as fast as the stack sustains (``throughput_concurrency`` clicks in flight, each done
when its card shows "Approved by"); beside the raw SDK's rate on the same server: as many
baseline workflows waiting, signalled with as many in flight, each done when its activity has
run and it ended.

Two kinds of request are decided, each after the stack is idle again: requests of the
approval service (``RequestApproval``, which ends once decided: the approval alone), and real
orders, whose charge, shipping and notes run after the approval on the same cores.
"""

from __future__ import annotations

import time
import uuid
from functools import partial
from typing import Any

from benchmarks.drive import (
    Card,
    bounded,
    card_approved,
    persistent_click,
    raw_decide,
    raw_waiting,
    raw_worker,
    ready_orders,
    waiting_cards,
)
from benchmarks.polling import assert_eventually
from benchmarks.scale import Scale
from benchmarks.scenarios import Row
from benchmarks.stacks import REQUEST_KIND, Stack
from benchmarks.stats import ratio
from orchestration.ask import as_json
from orchestration.models.request import RequestApprovalInput
from orchestration.workflows.request_approval import RequestApprovalWorkflow
from slacksim import REQUESTER_ID

NAME = "throughput"
TARGET_PERCENT = 50.0
IDLE_WITHIN = 900.0


async def measure(stack: Stack, scale: Scale) -> dict[str, Any]:
    n, concurrency = scale.throughput_orders, scale.throughput_concurrency
    asked = await waiting_cards(stack, await start_requests(stack, n))
    requests = await decided(stack, asked, concurrency)
    await idle(stack)
    orders = await decided(stack, await ready_orders(stack, n), concurrency)
    await idle(stack)
    async with raw_worker(stack.client) as queue:
        raws = await raw_waiting(stack.client, queue, n)
        started = time.perf_counter()
        await bounded((partial(raw_decide, raw) for raw in raws), concurrency)
        raw_seconds = time.perf_counter() - started
    return {
        "decisions": n,
        "concurrency": concurrency,
        # More clicks than decisions: Slack showed errors, people clicked again.
        "clicks": orders["clicks"],
        "seconds": orders["seconds"],
        "per_second": n / orders["seconds"],
        "requests": requests,
        "request_per_second": n / requests["seconds"],
        "raw_seconds": raw_seconds,
        "raw_per_second": n / raw_seconds,
    }


async def start_requests(stack: Stack, count: int) -> list[str]:
    """Start ``count`` requests of the approval service, as another team's workflow asks."""

    async def one() -> str:
        request = RequestApprovalInput(
            kind=REQUEST_KIND, title="Benchmark change", requested_by=REQUESTER_ID
        )
        handle = await stack.client.start_workflow(
            RequestApprovalWorkflow.run,
            as_json(request),
            id=f"bench-request-{uuid.uuid4().hex[:12]}",
            task_queue=stack.settings.task_queue,
        )
        return handle.id

    return await bounded(one for _ in range(count))


async def decided(stack: Stack, cards: list[Card], concurrency: int) -> dict[str, Any]:
    """Approve every card, ``concurrency`` at a time, each until its card shows it."""

    async def decide(card: Card) -> int:
        clicks = await persistent_click(stack, card)
        await card_approved(stack, card)
        return clicks

    started = time.perf_counter()
    clicks = await bounded((partial(decide, card) for card in cards), concurrency)
    return {"clicks": sum(clicks), "seconds": time.perf_counter() - started}


async def idle(stack: Stack) -> None:
    """Until nothing runs on the stack's task queue: what followed the last decisions (an
    order's steps) must not slow the next measurement."""
    query = f"TaskQueue = '{stack.settings.task_queue}' AND ExecutionStatus = 'Running'"
    await assert_eventually(
        lambda: stack.client.count_workflows(query),
        lambda counted: counted.count == 0,
        within=IDLE_WITHIN,
        interval=0.5,
        what="nothing running",
    )


def rows(configuration: str, result: dict[str, Any]) -> list[Row]:
    """Approvals of the approval service, and orders, each against the raw SDK's rate."""
    found = []
    raw = result["raw_per_second"]
    measured = [
        ("approvals", result.get("request_per_second"), "RequestApproval requests"),
        ("orders", result["per_second"], "orders"),
    ]
    for label, per_second, what in measured:
        if per_second is None:  # a run from before requests were measured
            continue
        percent = 100 * ratio(per_second, raw)
        found.append(
            Row(
                f"{NAME}: {label}",
                configuration,
                f"{per_second:.1f}/s vs raw {raw:.1f}/s ({percent:.0f}%), "
                f"{result['decisions']:,} {what}",
                f">= {TARGET_PERCENT:.0f}% of raw",
                percent >= TARGET_PERCENT,
            )
        )
    return found


def distributions(result: dict[str, Any]) -> dict[str, list[float]]:
    return {}
