"""The bot's APScheduler jobs against a real Temporal and the stand-in over HTTP: the card
reconciler brings cards of ended workflows up to date (and leaves running ones alone), and the
digest lists what waits, oldest first, with links to the cards."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from activities.cards import ACTIONS_BLOCK
from bot.jobs import DIGEST_JOB, RECONCILE_JOB, BotJobs, JobSettings
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
