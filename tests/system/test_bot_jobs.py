"""The bot's APScheduler jobs against a real Temporal and the stand-in over HTTP: the card
reconciler brings cards of ended workflows up to date (and leaves running ones alone), and the
digest lists what waits, oldest first, with links to the cards."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from activities.cards import ACTIONS_BLOCK
from bot.election import claim_id, interval_period
from bot.jobs import DIGEST_JOB, RECONCILE_JOB, BotJobs, JobSettings, latest_fire
from orchestration.cron import cron_trigger
from slacksim import APPROVALS_CHANNEL_ID, DEFAULT_BOT_TOKEN
from tests.helpers import assert_eventually
from tests.stack import Stack, card_published, large_order


def jobs_for(stack: Stack, **settings: Any) -> BotJobs:
    client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=stack.sim.api_url)
    return BotJobs(client, stack.client, JobSettings(**settings))


def has_buttons(message: dict[str, Any]) -> bool:
    return any(block.get("block_id") == ACTIONS_BLOCK for block in message["blocks"])


async def cards(stack: Stack, count: int) -> list[dict[str, Any]]:
    return await assert_eventually(
        stack.messages, lambda m: len(m) == count, what=f"{count} cards in #approvals"
    )


def by_workflow(messages: list[dict[str, Any]], workflow_id: str) -> dict[str, Any]:
    (found,) = [m for m in messages if workflow_id in str(m["blocks"])]
    return found


async def test_reconciler_redraws_cards_of_ended_workflows_and_leaves_running_ones(
    stack: Stack,
) -> None:
    ended = await stack.start_order(large_order())
    waiting = await stack.start_order(large_order())
    await cards(stack, 2)
    # Terminated by hand: the workflow gets no chance to redraw its card.
    await ended.terminate(reason="cleaned up by hand")
    stale = by_workflow(await stack.messages(), ended.id)
    assert has_buttons(stale)

    # The reconciler's first pass runs as the jobs start, through the scheduler.
    jobs = jobs_for(stack, digest_cron=None, reconcile_every=timedelta(hours=1))
    jobs.start()
    try:
        assert jobs.scheduler.get_job(DIGEST_JOB) is None
        redrawn = await assert_eventually(
            lambda: stack.sim.message(APPROVALS_CHANNEL_ID, stale["ts"]),
            lambda m: not has_buttons(m),
            what="the stale card redrawn",
        )
    finally:
        jobs.stop()
    assert redrawn["text"].startswith("Cancelled: Order ")
    body = str(redrawn["blocks"])
    assert "The workflow was terminated before anyone decided; nothing can be decided" in body
    # Drawn from the workflow's own last card: the request's fields are all still there.
    for label in ("*Customer*", "*Amount*", "*Items*", "*Ship to*"):
        assert label in body
    still = by_workflow(await stack.messages(), waiting.id)
    assert has_buttons(still)

    # A second pass finds nothing more to do.
    assert await jobs.reconcile() == 0
    assert has_buttons(by_workflow(await stack.messages(), waiting.id))


async def test_reconciler_shows_the_decision_a_card_missed(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    card = (await cards(stack, 1))[0]
    # The approval lands, but the card is put back as it was before (a card update lost in
    # an outage), then the run ends.
    await stack.sim.click("U0APPROVE1", APPROVALS_CHANNEL_ID, card["ts"], "approval_approve")
    await handle.result()
    stack.sim.workspace.message(APPROVALS_CHANNEL_ID, card["ts"]).blocks = card["blocks"]
    assert has_buttons(stack.sim.message(APPROVALS_CHANNEL_ID, card["ts"]))

    jobs = jobs_for(stack, digest_cron=None)
    assert await jobs.reconcile() == 1
    redrawn = stack.sim.message(APPROVALS_CHANNEL_ID, card["ts"])
    assert not has_buttons(redrawn)
    assert "*Approved* by <@U0APPROVE1>" in str(redrawn["blocks"])


async def test_digest_lists_waiting_approvals_oldest_first_with_links(stack: Stack) -> None:
    older = await stack.start_order(large_order())
    await cards(stack, 1)
    newer = await stack.start_order(large_order())
    posted = await cards(stack, 2)
    for handle in (older, newer):
        await card_published(handle)

    jobs = jobs_for(stack, reconcile_every=None, digest_timezone="Europe/Berlin")
    jobs.start()
    try:
        job = jobs.scheduler.get_job(DIGEST_JOB)
        assert jobs.scheduler.get_job(RECONCILE_JOB) is None
        # The default: weekdays at 09:00 in the configured zone.
        when = job.next_run_time.astimezone(ZoneInfo("Europe/Berlin"))
        assert (when.hour, when.minute, when.weekday() < 5) == (9, 0, True)
        jobs.run_now(DIGEST_JOB)
        messages = await cards(stack, 3)
    finally:
        jobs.stop()
    digest = messages[-1]
    assert digest["blocks"][0]["text"]["text"].startswith("Approvals digest: ")
    body = str(digest["blocks"])
    assert body.index(older.id) < body.index(newer.id)
    client = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=stack.sim.api_url)
    for card in posted:
        answer = await client.chat_getPermalink(channel=APPROVALS_CHANNEL_ID, message_ts=card["ts"])
        assert f"<{answer['permalink']}|" in body
    assert "<@U0APPROVE1>, <@U0APPROVE2>" in body
    assert "`/workflow pending`" in body


async def test_jobs_turned_off_are_not_scheduled(stack: Stack) -> None:
    jobs = jobs_for(stack, digest_cron=None, reconcile_every=None)
    jobs.start()
    try:
        assert jobs.scheduler.get_jobs() == []
    finally:
        jobs.stop()


async def test_replicas_run_each_period_of_a_job_once(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await cards(stack, 1)
    await card_published(handle)
    at = datetime(2026, 12, 3, 9, 0, 40, tzinfo=UTC)
    trigger = cron_trigger("0 9 * * *", ZoneInfo("UTC"))
    # Three replicas, each with its own APScheduler and Slack client, one Temporal.
    replicas = [
        BotJobs(
            AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=stack.sim.api_url),
            stack.client,
            JobSettings(task_queue=stack.task_queue),
            clock=lambda: at,
        )
        for _ in range(3)
    ]

    ran = await asyncio.gather(*(jobs.scheduled_digest(trigger) for jobs in replicas))

    assert sorted(ran) == [False, False, True]
    messages = await cards(stack, 2)
    assert messages[-1]["blocks"][0]["text"]["text"].startswith("Approvals digest: ")
    # The claim is a workflow the worker ran, named by the job and the time it fired for.
    period = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert latest_fire(trigger, at) == period
    claim = stack.client.get_workflow_handle(claim_id(stack.task_queue, DIGEST_JOB, period))
    assert (await claim.result()).endswith(f":{os.getpid()}")
    stack.started.append(claim)  # its history is recorded for the replay tests

    # A replica firing late for the same time (it was down) does not post it again.
    later = at + timedelta(minutes=30)
    late = jobs_for(stack, task_queue=stack.task_queue)
    late.clock = lambda: later
    assert await late.scheduled_digest(trigger) is False
    # The next day's time is a new period, won by one replica.
    next_day = [jobs_for(stack, task_queue=stack.task_queue) for _ in range(2)]
    for jobs in next_day:
        jobs.clock = lambda: at + timedelta(days=1)
    assert sorted(await asyncio.gather(*(j.scheduled_digest(trigger) for j in next_day))) == [
        False,
        True,
    ]

    # The reconciler's periods are fixed lengths from the epoch: alike on every replica.
    every = timedelta(minutes=5)
    assert interval_period(at, every) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    passes = await asyncio.gather(*(jobs.scheduled_reconcile(every) for jobs in replicas))
    assert sorted(passes) == [False, False, True]
