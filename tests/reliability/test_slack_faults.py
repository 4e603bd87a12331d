"""Slack faults: a fifth of every Web API call fails while requests are posted, decided and
redrawn; each card is still posted once and ends showing its request's final state.

Afterwards, from real state: the cards per request in the stand-in (also after calls that
took effect and answered 500), each workflow's result and recorded attempts, and every
decision Slack delivered to the bot.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError

from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalState, AttemptResult, Verdict
from slacksim import SlackSim
from tests.reliability.asking import Asked, Findings, card_problem, cards_of, policy_worker
from tests.reliability.slack_faults_driver import (
    CLIENT_TIMEOUT_S,
    FAULT_RATE,
    LATENCY_S,
    POLICY,
    RETRY_AFTER_S,
    FaultyDriver,
    RequestPlan,
    Sent,
    expected_end,
    plan_faults,
    plan_requests,
)
from tests.reliability.tally import Tally, sized
from tests.stack import Stack

SEED = 20250612
IN_FLIGHT = 15
SETTLE_WITHIN = 180.0
# Answers come from one machine's clock, the workflow's attempts from the server's: the same
# clock here, read a moment apart.
CLOCKS_APART = timedelta(seconds=1)
CHECKED = ("lost", "doubled", "stuck", "cards_untrue")

DESCRIPTION = (
    f"Through the stand-in's fault control, {FAULT_RATE:.0%} of all Web API calls (the "
    "worker's and the bot's, every method) fail, drawn from a seeded generator, one kind in "
    f"four each: 429 with Retry-After {RETRY_AFTER_S} s, 500/5xx, a call that takes effect "
    f"and answers 500 (store_then_error), and {LATENCY_S:.0f} s of latency against the "
    f"worker's {CLIENT_TIMEOUT_S} s client timeout. Requests (every third needs two "
    "approvals; three in ten end rejected through the reason modal) are posted, decided by "
    "persistent people (a click Slack failed is made again) and redrawn. Afterwards: the "
    "cards of each request in the stand-in (`doubled`: more than one), each workflow's end "
    "against the decisions made (`lost`: another end, or an acknowledged decision the "
    "workflow never recorded and the bot had no reason to refuse), the card against the "
    "final state (`cards_untrue`), and workflows not ended (`stuck`)."
)

NOTES = [
    "Fixed: a click that reached the bot while Slack failed its first auth.test was "
    "acknowledged (HTTP 200, Bolt's 'reinstall this app' text) and dropped; it now fails "
    "(HTTP 500, Slack shows the person an error) and the next click works "
    "(bot/identity.py; tests/bot/test_app.py, tests/system/test_durable_acks.py). With the "
    "old bot and auth.test failing first, this scenario counted 2 lost.",
    "Fixed: a card post that timed out (latency beyond the client's timeout) could land after "
    "its retry had looked for it and posted again: two cards, one left with buttons (this "
    "scenario counted it doubled). A card or copy whose post was retried is now marked, and "
    "each of its redraws deletes other messages with its key (activities/card_lookup.py; "
    "tests/activities/test_slack.py, tests/system/test_stray_cards.py).",
    "Known limit: a late post that lands after the request's last redraw stays, since no "
    "redraw follows; it needs Slack to take longer than the whole decision.",
    "Known limit, not counted here: the bot's answer to a refused click (an ephemeral) is not "
    "retried when Slack fails it (a late answer helps nobody); it is logged, and nothing "
    "about the request changes.",
    "Faults are drawn per call in the order calls arrive, so which calls are hit varies with "
    "timing from run to run; the seed fixes the sequence of draws.",
]


async def settle(asked: Asked, deadline: float) -> tuple[str | None, ApprovalState | None]:
    """Why the request did not end well (None if it ended), and its approval state."""
    try:
        await asyncio.wait_for(asked.handle.result(), max(deadline - time.monotonic(), 0.1))
        problem = None
    except TimeoutError:
        problem = "stuck"
    except WorkflowFailureError as err:
        problem = f"failed: {err.cause}"
    return problem, await asked.handle.query(ApprovableWorkflow.approval)


def judge_request(sim: SlackSim, plan: RequestPlan, asked: Asked, state: ApprovalState) -> Findings:
    found = Findings()
    cards = cards_of(sim, asked.workflow_id)
    if len(cards) > 1:
        found.add("doubled", f"{plan.title}: {len(cards)} cards", len(cards) - 1)
    problem = card_problem(sim, plan.title, asked.workflow_id, state)
    if problem is not None and len(cards) <= 1:
        found.add("cards_untrue", problem)
    status, approvals, decider = expected_end(plan)
    if (state.status, state.approvals, state.decided_by) != (status, approvals, decider):
        found.add(
            "lost",
            f"{plan.title} ended {state.status} by {state.decided_by} with {state.approvals}; "
            f"its decisions make {status} by {decider} with {approvals}",
        )
    applied = Counter(a.click_key for a in state.attempts if a.result is AttemptResult.APPLIED)
    for key, times in applied.items():
        if times > 1:
            found.add("doubled", f"{plan.title}: click {key} applied {times} times")
    return found


def unrecorded(sent: Sent, state: ApprovalState) -> bool:
    """An acknowledged decision the workflow never recorded, though the bot had no reason to
    refuse it: the person's approval did not count yet, and nothing had decided the request."""
    if not sent.delivery.ok or any(a.click_key == sent.key for a in state.attempts):
        return False
    by = sent.at + timedelta(milliseconds=sent.delivery.elapsed_ms) + CLOCKS_APART
    applied = [a for a in state.attempts if a.result is AttemptResult.APPLIED and a.at <= by]
    counted = any(a.user_id == sent.user and a.verdict is Verdict.APPROVE for a in applied)
    decided = any(a.click_key == state_decider_key(state) for a in applied)
    return not (counted or decided)


def state_decider_key(state: ApprovalState) -> str | None:
    """The click key of the attempt that decided the request."""
    applied = [a for a in state.attempts if a.result is AttemptResult.APPLIED]
    return applied[-1].click_key if applied and state.status.is_terminal else None


async def check(driver: FaultyDriver, plans: list[RequestPlan], within: float) -> Findings:
    found = Findings()
    deadline = time.monotonic() + within
    states: dict[int, ApprovalState] = {}
    for plan in plans:
        asked = driver.asked[plan.number]
        problem, state = await settle(asked, deadline)
        if problem == "stuck" or state is None:
            found.add("stuck", f"{plan.title} ({asked.workflow_id}) did not end")
            continue
        if problem is not None:
            found.add("lost", f"{plan.title} {problem}")
        states[plan.number] = state
        judged = judge_request(driver.sim, plan, asked, state)
        found.counts.update(judged.counts)
        found.problems += judged.problems
    for sent in driver.sent:
        if sent.number in states and unrecorded(sent, states[sent.number]):
            found.add("lost", f"{sent.verb} by {sent.user} ({sent.key}) acked, never recorded")
    return found


async def decide_all(driver: FaultyDriver, plans: list[RequestPlan]) -> None:
    turns = asyncio.Semaphore(IN_FLIGHT)

    async def one(plan: RequestPlan) -> None:
        async with turns:
            await driver.run(plan)

    await asyncio.gather(*(one(plan) for plan in plans))


def record(tally: Tally, driver: FaultyDriver, plans: list[RequestPlan], found: Findings) -> None:
    applied = driver.sim.faults.applied
    tally.add("requests", len(plans))
    tally.add("faults_injected", len(applied))
    tally.add("decisions_sent", len(driver.sent))
    for name in CHECKED:
        tally.add(name, found.counts.get(name, 0))
    tally.notes += NOTES
    kinds = Counter(fault.kind for fault in applied)
    methods = Counter(fault.method for fault in applied).most_common(8)
    calls = len(driver.sim.calls)
    tally.notes.append(
        f"Seed {SEED}; {calls} Web API calls, {len(applied)} faulted: {dict(kinds)}; most "
        f"faulted methods: {dict(methods)}."
    )
    strays = {str(c.params.get("ts")) for c in driver.sim.calls_to("chat.delete")}
    if strays:
        tally.notes.append(
            f"{len(strays)} second card(s) (a post that timed out, then landed after its retry "
            "had looked) deleted by the request's next redraw."
        )
    unanswered = Counter(str(s.delivery.error) for s in driver.sent if not s.delivery.ok)
    if unanswered:
        tally.notes.append(f"Decisions Slack showed as failed, then made again: {dict(unanswered)}")
    tally.notes.extend(found.problems[:20])


@pytest.mark.reliability
async def test_slack_faults(stack: Stack, tmp_path: Path) -> None:
    tally = Tally(
        scenario="slack_faults",
        title="Slack failing a fifth of its calls: every card once, every card true",
        description=DESCRIPTION,
    )
    plans = plan_requests(random.Random(SEED), sized(15, 100))
    async with policy_worker(stack, POLICY, tmp_path, slack_timeout=CLIENT_TIMEOUT_S) as queue:
        driver = FaultyDriver(stack, queue)
        plan_faults(stack.sim, SEED)
        try:
            await decide_all(driver, plans)
            found = await check(driver, plans, SETTLE_WITHIN)
        finally:
            stack.sim.faults.clear()
    record(tally, driver, plans, found)
    tally.record()
    assert tally.failures() == {}
    assert tally.counts["cards_untrue"] == 0
    assert tally.counts["faults_injected"] > 0
