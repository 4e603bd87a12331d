"""Slack's limit of about one post a second per channel holds across workers: two workers on
the same task queues post many cards and notices into one channel, and the Temporal server,
not any one worker, spaces them (orchestration/slack_queue.py, orchestration/slack_rate.py).

The stand-in enforces the limit as Slack does (1 a second, a burst of 3, 429 beyond) and
records every post it saw; the checks read those records, on the stand-in's own clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter

from cli.examples import example_order
from orchestration.models.scrape import ScrapeInput
from orchestration.slack_queue import slack_task_queue
from orchestration.slack_rate import configured_rate, ensure_slack_rate
from orchestration.workflows.scrape import ScrapeWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVALS_CHANNEL_NAME, REQUESTER_ID
from tests.helpers import assert_eventually, new_worker, unique
from tests.stack import Stack

RATE, BURST = 1.0, 3
ORDERS, NOTICES = 6, 3
# Time for every post at the limit, and for retries after Slack's Retry-After without it.
WITHIN = 25.0


@asynccontextmanager
async def second_worker(stack: Stack, directory: Path) -> AsyncIterator[None]:
    """Another worker on the stack's task queues, with a client of its own (as a second
    process would have)."""
    client = await Client.connect(
        stack.client.service_client.config.target_host,
        namespace=stack.client.namespace,
        data_converter=pydantic_data_converter,
        identity=unique("second-worker"),
    )
    async with new_worker(client, stack.task_queue, stack.sim.api_url, directory):
        yield


def within_pace(times: Sequence[float], rate: float, burst: int) -> bool:
    """Whether posts at ``times`` (seconds, any order) kept to ``rate`` a second after a
    burst of ``burst``: no stretch of them holds more than ``burst + rate * its length``."""
    ordered = sorted(times)
    return all(
        j - i + 1 <= burst + rate * (ordered[j] - ordered[i])
        for i in range(len(ordered))
        for j in range(i, len(ordered))
    )


async def post_many(stack: Stack) -> tuple[list[str], list[WorkflowHandle[Any, Any]]]:
    """Start orders whose cards, and scrape runs whose reports, all go to #approvals; the
    orders' ids, and every workflow's handle (orders first)."""
    orders = [example_order("large", requested_by=REQUESTER_ID) for _ in range(ORDERS)]
    handles: list[WorkflowHandle[Any, Any]] = []
    for order in orders:
        handles.append(await stack.start_order(order))
    assert stack.commands.scrape is not None
    scrape = ScrapeInput(
        sources=stack.commands.scrape.sources[:1],
        output_dir=stack.commands.scrape.output_dir,
        channel=APPROVALS_CHANNEL_NAME,
    )
    for _ in range(NOTICES):
        run = await stack.client.start_workflow(
            ScrapeWorkflow.run, scrape, id=unique("scrape"), task_queue=stack.task_queue
        )
        stack.started.append(run)
        handles.append(run)
    return [order.order_id for order in orders], handles


async def every_post_arrived_once(stack: Stack, orders: Sequence[str]) -> None:
    """Each order's card and each scrape report in #approvals, once."""
    messages = await assert_eventually(
        lambda: stack.sim.messages(APPROVALS_CHANNEL_ID),
        lambda m: len(m) >= ORDERS + NOTICES,
        within=WITHIN,
        what="every card and report in #approvals",
    )
    texts = [str(m["text"]) for m in messages]
    assert [sum(order in t for t in texts) for order in orders] == [1] * ORDERS
    assert sum(t.startswith("Scrape:") for t in texts) == NOTICES
    assert len(texts) == ORDERS + NOTICES


async def posted_on_the_slack_queue(handle: WorkflowHandle[Any, Any], queue: str) -> list[str]:
    """The fairness keys of the card posts ``handle`` scheduled on ``queue``'s Slack queue."""
    keys = []
    async for event in handle.fetch_history_events():
        if event.event_type is not EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        scheduled = event.activity_task_scheduled_event_attributes
        if scheduled.activity_type.name == "post_approval_card":
            assert scheduled.task_queue.name == slack_task_queue(queue)
            keys.append(scheduled.priority.fairness_key)
    return keys


async def test_two_workers_post_into_one_channel_at_slacks_pace(
    stack: Stack, tmp_path: Path
) -> None:
    assert await ensure_slack_rate(stack.client, stack.task_queue, RATE)
    assert await ensure_slack_rate(stack.client, stack.task_queue, RATE)  # idempotent
    assert await configured_rate(stack.client, stack.task_queue) == RATE
    stack.sim.post_limits.enable(rate=RATE, burst=BURST)

    async with second_worker(stack, tmp_path / "second"):
        orders, handles = await post_many(stack)
        await every_post_arrived_once(stack, orders)

    record = stack.sim.post_limits.channels[APPROVALS_CHANNEL_ID]
    assert (len(record.admitted), record.refused) == (ORDERS + NOTICES, [])
    assert within_pace(record.admitted, RATE, BURST)
    assert await posted_on_the_slack_queue(handles[0], stack.task_queue) == ["approvals"]


async def test_without_the_servers_limit_the_same_posts_outrun_slack(
    stack: Stack, tmp_path: Path
) -> None:
    assert await configured_rate(stack.client, stack.task_queue) is None
    stack.sim.post_limits.enable(rate=RATE, burst=BURST)

    async with second_worker(stack, tmp_path / "second"):
        orders, _ = await post_many(stack)
        # Slack's 429s are retried after Retry-After: every post still lands, once.
        await every_post_arrived_once(stack, orders)

    record = stack.sim.post_limits.channels[APPROVALS_CHANNEL_ID]
    assert record.refused, "the workers kept to the pace by chance; the test proves nothing"
    assert not within_pace([*record.admitted, *record.refused], RATE, BURST)
