"""/schedule against a real Temporal (the dev server: schedules need it): every subcommand,
operators only, changes announced; a timed pause ends by itself; a manual trigger runs even
while a run is active; the scrape job fetches, tolerates a failing source, writes JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle

from commands.replies import CommandContext, Invoker, Reply
from commands.schedule import SCHEDULE
from commands.schedule.common import timed_pause_id
from commands.schedule.delete import DELETE_ACTION, confirmed
from orchestration.models.scrape import ScrapeInput
from orchestration.schedules import (
    SCRAPE_SCHEDULE_ID,
    ensure_scrape_schedule,
    schedule_spec,
    scrape_schedule,
)
from slacksim import OPERATOR_ID, REQUESTER_ID
from tests.commands.test_workflow_commands import general, slash
from tests.helpers import assert_eventually, unique
from tests.stack import Stack


async def runs_of(client: Client, schedule_id: str) -> list[WorkflowExecutionStatus | None]:
    query = f"TemporalScheduledById = '{schedule_id}'"
    return [w.status async for w in client.list_workflows(query)]


async def run_handles(client: Client, schedule_id: str) -> list[WorkflowHandle[Any, Any]]:
    query = f"TemporalScheduledById = '{schedule_id}'"
    return [client.get_workflow_handle(w.id) async for w in client.list_workflows(query)]


async def delete_now(stack: Stack, name: str) -> Reply:
    """What the delete question's button does, clicked by an operator."""
    context, operator = CommandContext(stack.client, stack.commands), Invoker(OPERATOR_ID, True)
    return await SCHEDULE.run(context, confirmed(name), operator)


@pytest_asyncio.fixture
async def schedule_id(stack: Stack) -> AsyncIterator[str]:
    """A fresh scrape schedule (every 1h) made through /schedule create; deleted afterwards."""
    name = unique("sched").lower()
    answer = await slash(stack, OPERATOR_ID, f"create {name} every 1h", "/schedule")
    assert answer == f"Schedule `{name}` created: scrape every 1h."
    yield name
    await delete_now(stack, name)


async def test_list_describe_update_and_refusals(stack: Stack, schedule_id: str) -> None:
    listed = await assert_eventually(
        lambda: slash(stack, REQUESTER_ID, "list", "/schedule"),
        lambda t: schedule_id in t,
        what="the schedule listed (the list is eventually consistent)",
    )
    assert f"• `{schedule_id}` · active · every 1h · next " in listed
    described = await slash(stack, REQUESTER_ID, f"describe {schedule_id}", "/schedule")
    assert described.startswith(f"*Schedule {schedule_id}*: active, every 1h")
    assert "Runs ScrapeWorkflow on task queue" in described and "Overlap: skip" in described

    refused = await slash(stack, REQUESTER_ID, f"pause {schedule_id}", "/schedule")
    assert refused == SCHEDULE.operators_only
    changed = await slash(
        stack, OPERATOR_ID, f'update {schedule_id} cron "0 8 * * 1-5"', "/schedule"
    )
    assert changed == f'Schedule `{schedule_id}` now runs cron "0 8 * * 1-5".'
    described = await slash(stack, REQUESTER_ID, f"describe {schedule_id}", "/schedule")
    assert 'cron "0 8 * * 1-5"' in described
    missing = await slash(stack, REQUESTER_ID, "describe nope-nope", "/schedule")
    assert missing == "No schedule nope-nope. See /schedule list."
    assert f"<@{OPERATOR_ID}> changed schedule `{schedule_id}` to run cron" in general(stack)[-1]


@pytest.mark.histories
async def test_timed_pause_ends_by_itself_and_says_so(stack: Stack, schedule_id: str) -> None:
    answer = await slash(
        stack, OPERATOR_ID, f"pause {schedule_id} for 2s vendor maintenance", "/schedule"
    )
    assert answer.startswith(f"Schedule `{schedule_id}` paused for 2s: it unpauses by itself at ")
    handle = stack.client.get_schedule_handle(schedule_id)
    state = (await handle.describe()).schedule.state
    assert state.paused
    assert state.note is not None and state.note.startswith(
        f"Paused by {OPERATOR_ID}: vendor maintenance (until "
    )
    announced = f"<@{OPERATOR_ID}> paused schedule `{schedule_id}` for 2s: vendor maintenance"
    # The answer comes first, the announcement right after it.
    await assert_eventually(
        lambda: general(stack), lambda said: announced in said, what="the pause announced"
    )
    described = await assert_eventually(
        handle.describe,
        lambda d: not d.schedule.state.paused,
        what="the schedule unpaused by itself",
    )
    assert described.schedule.state.note == (
        f"Unpaused automatically after a 2s pause by {OPERATOR_ID}."
    )
    said = await assert_eventually(
        lambda: general(stack),
        lambda texts: any("unpaused by itself" in t for t in texts),
        what="the notice that it unpaused",
    )
    assert (
        f"Schedule `{schedule_id}` unpaused by itself: the 2s pause by <@{OPERATOR_ID}> has ended."
        == said[-1]
    )
    timer = stack.client.get_workflow_handle(timed_pause_id(schedule_id))
    stack.started.append(timer)
    assert await timer.result() is True


@pytest.mark.histories
async def test_unpause_cancels_the_timer_and_refuses_when_not_paused(
    stack: Stack, schedule_id: str
) -> None:
    await slash(stack, OPERATOR_ID, f"pause {schedule_id} for 1h", "/schedule")
    answer = await slash(stack, OPERATOR_ID, f"unpause {schedule_id} done early", "/schedule")
    assert answer == f"Schedule `{schedule_id}` unpaused."
    timer = stack.client.get_workflow_handle(timed_pause_id(schedule_id))
    stack.started.append(timer)
    assert (await timer.describe()).status == WorkflowExecutionStatus.TERMINATED
    again = await slash(stack, OPERATOR_ID, f"unpause {schedule_id}", "/schedule")
    assert again == f"Schedule `{schedule_id}` is not paused; nothing was changed."


async def test_trigger_while_a_run_is_active_still_runs(
    stack: Stack, tmp_path: Path, slow_page: tuple[str, asyncio.Event]
) -> None:
    url, release = slow_page
    schedule_id = unique("slow").lower()
    source = ScrapeInput(sources=[url], output_dir=str(tmp_path), channel="general")
    spec = schedule_spec(every=timedelta(days=1))
    schedule = scrape_schedule(schedule_id, source, stack.task_queue, spec, "")
    await stack.client.create_schedule(schedule_id, schedule)
    try:
        await slash(stack, OPERATOR_ID, f"trigger {schedule_id}", "/schedule")
        await assert_eventually(
            lambda: runs_of(stack.client, schedule_id), lambda r: len(r) == 1, what="first run"
        )
        # A run's workflow id is the schedule's action id plus the time to the second: a
        # second trigger within the same second would reuse the id (Temporal drops it).
        first_second = datetime.now(UTC).replace(microsecond=0)
        await assert_eventually(
            lambda: datetime.now(UTC).replace(microsecond=0),
            lambda now: now > first_second,
            what="the next second",
        )
        second = await slash(stack, OPERATOR_ID, f"trigger {schedule_id}", "/schedule")
        assert second.startswith(f"Schedule `{schedule_id}` triggered")
        runs = await assert_eventually(
            lambda: runs_of(stack.client, schedule_id),
            lambda r: len(r) == 2,
            what="a second run while the first is active",
        )
        assert runs == [WorkflowExecutionStatus.RUNNING] * 2
    finally:
        release.set()
        await stack.client.get_schedule_handle(schedule_id).delete()
    await assert_eventually(
        lambda: runs_of(stack.client, schedule_id),
        lambda r: r == [WorkflowExecutionStatus.COMPLETED] * 2,
        what="both runs completed",
    )


@pytest.mark.histories
async def test_scrape_runs_tolerate_a_failing_source_and_write_json(
    stack: Stack, schedule_id: str, tmp_path: Path
) -> None:
    await slash(stack, OPERATOR_ID, f"trigger {schedule_id}", "/schedule")
    await assert_eventually(
        lambda: runs_of(stack.client, schedule_id),
        lambda r: r == [WorkflowExecutionStatus.COMPLETED],
        what="the scrape run completed",
    )
    stack.started.extend(await run_handles(stack.client, schedule_id))
    files = list((tmp_path / "scrape").glob("scrape-*.json"))
    assert len(files) == 1
    report = json.loads(files[0].read_text())
    outcomes = {r["url"].rsplit("/", 1)[-1]: (r["ok"], r["title"]) for r in report["results"]}
    assert outcomes == {
        "status.html": (True, "chatops sample: service status"),
        "prices.html": (True, "chatops sample: price list"),
        "gone.html": (False, None),
    }
    summary = await assert_eventually(
        lambda: general(stack),
        lambda texts: any(t.startswith("Scrape:") for t in texts),
        what="the scrape summary",
    )
    line = next(t for t in summary if t.startswith("Scrape:"))
    assert line.startswith("Scrape: 2 of 3 sources fetched; failed: ")
    assert "gone.html (" in line and "HTTP 404" in line


async def test_delete_asks_first_and_backfill_runs_the_range(stack: Stack) -> None:
    name = unique("gone").lower()
    await slash(stack, OPERATOR_ID, f"create {name} every 1h", "/schedule")
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=2)
    span = f"{start.isoformat(timespec='minutes')} {end.isoformat(timespec='minutes')}"
    answer = await slash(stack, OPERATOR_ID, f"backfill {name} {span}", "/schedule")
    assert answer.startswith(f"Schedule `{name}` backfilled from ")
    await assert_eventually(
        lambda: runs_of(stack.client, name), lambda r: len(r) >= 2, what="backfilled runs"
    )

    question = await slash(stack, OPERATOR_ID, f"delete {name}", "/schedule")
    assert question == f"Delete schedule `{name}`? This cannot be undone."
    asked = stack.sim.ephemerals(OPERATOR_ID)[-1]
    buttons = [e for b in asked["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(DELETE_ACTION, name)]
    assert (await stack.client.get_schedule_handle(name).describe()).id == name  # still there

    deleted = await delete_now(stack, name)
    assert deleted.text == f"Schedule `{name}` deleted."
    assert deleted.announce == f"<@{OPERATOR_ID}> deleted schedule `{name}`"
    gone = await slash(stack, OPERATOR_ID, f"describe {name}", "/schedule")
    assert gone == f"No schedule {name}. See /schedule list."


async def test_bad_durations_and_confirm_typed_in_slack_get_clear_answers(
    stack: Stack, schedule_id: str
) -> None:
    stats = await slash(stack, REQUESTER_ID, "stats 999999w", "/workflow")
    assert stats.startswith(
        "'999999w' is out of range: the period must be between 1m and 366d.\n"
        "```Usage: /workflow <command>"
    )
    paused = await slash(stack, OPERATOR_ID, f"pause {schedule_id} for 999999w", "/schedule")
    assert paused.startswith(
        "'999999w' is out of range: the pause must be between 1s and 30d.\n"
        "```Usage: /schedule <command>"
    )
    described = await stack.client.get_schedule_handle(schedule_id).describe()
    assert described.schedule.state.paused is False

    # Typed in Slack, --confirm would skip the button that shows what goes: it is refused.
    confirm = await slash(stack, OPERATOR_ID, f"delete {schedule_id} --confirm", "/schedule")
    assert confirm.startswith(
        f"--confirm works only in a terminal. Type /schedule delete {schedule_id} and confirm "
        "with the button; nothing was deleted.\n```Usage: /schedule <command>"
    )
    assert (await stack.client.get_schedule_handle(schedule_id).describe()).id == schedule_id
    answers = [e["text"] for e in stack.sim.ephemerals(OPERATOR_ID)]
    assert not any("something went wrong" in text for text in answers), answers


async def test_the_scrape_schedule_is_created_once(stack: Stack, tmp_path: Path) -> None:
    source = ScrapeInput(sources=["http://127.0.0.1:1/x"], output_dir=str(tmp_path))
    created = await ensure_scrape_schedule(
        stack.client, source, stack.task_queue, timedelta(hours=1)
    )
    again = await ensure_scrape_schedule(stack.client, source, stack.task_queue, timedelta(hours=1))
    handle = stack.client.get_schedule_handle("scrape")
    try:
        assert (created, again) == (True, False)
        description = await handle.describe()
        assert description.schedule.spec.intervals[0].every == timedelta(hours=1)
    finally:
        if created:
            await handle.delete()


async def test_pause_scrape_through_slack_pauses_the_scrape_schedule(stack: Stack) -> None:
    """The README's example, end to end: the schedule named ``scrape``, as the worker makes it."""
    assert stack.commands.scrape is not None
    created = await ensure_scrape_schedule(
        stack.client, stack.commands.scrape, stack.task_queue, timedelta(hours=1)
    )
    handle = stack.client.get_schedule_handle(SCRAPE_SCHEDULE_ID)
    try:
        refused = await slash(stack, REQUESTER_ID, "pause scrape", "/schedule")
        assert refused.startswith("Only operators (CHATOPS_OPERATORS) may change schedules")
        assert not (await handle.describe()).schedule.state.paused

        answer = await slash(stack, OPERATOR_ID, "pause scrape vendor outage", "/schedule")
        assert answer == "Schedule `scrape` paused."
        state = (await handle.describe()).schedule.state
        assert state.paused and state.note == f"Paused by {OPERATOR_ID}: vendor outage"
        announced = await assert_eventually(
            lambda: general(stack), bool, what="the pause announced"
        )
        assert announced[-1] == f"<@{OPERATOR_ID}> paused schedule `scrape`: vendor outage"
        described = await slash(stack, REQUESTER_ID, "describe scrape", "/schedule")
        assert described.startswith("*Schedule scrape*: paused, every 1h")

        answer = await slash(stack, OPERATOR_ID, "unpause scrape outage over", "/schedule")
        assert answer == "Schedule `scrape` unpaused."
        assert not (await handle.describe()).schedule.state.paused
    finally:
        if created:
            await handle.delete()
