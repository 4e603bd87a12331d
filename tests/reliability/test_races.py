"""Races: ten people click each card at once, and every card still ends with one true outcome.

Approvals and rejections, from approvers, an outsider and the requester, on the card and on
the Home tab, some delivered twice as Slack retries; a third of the requests need two
approvals. Afterwards each workflow's recorded attempts are replayed against the rules, its
result and card are compared with its state, and every refused clicker must have been told.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability.asking import Findings, Verb, policy_worker
from tests.reliability.races_check import ZERO, check
from tests.reliability.races_driver import Outcome, RaceDriver
from tests.reliability.races_plan import POLICY, CardPlan, Surface, plan_cards
from tests.reliability.tally import Tally, sized
from tests.stack import Stack

SEED = 20250611
WAVE = 5
# How long, after the last click, every request has to end.
SETTLE_WITHIN = 60.0

DESCRIPTION = (
    "Each card gets 10 gestures at once (one wave is 5 cards, 50 gestures): approve or "
    "reject (button, then the reason modal), by its approvers, an outsider and the "
    "requester (every fourth card asked for by an approver), on the card or the Home tab, "
    "one in five delivered a second time with X-Slack-Retry-Num; every third request needs "
    "two approvals (a test policy file). Afterwards each workflow's recorded attempts are "
    "replayed against the rules (first valid decision wins; a quorum needs N distinct "
    "approvers, any rejection vetoes; requester and non-approvers never decide; a click key "
    "counts once), its result and card are compared with its final state, and every refusal "
    "owed (a delivery the bot refused, an attempt the workflow refused, a Reject that opened "
    "no modal) must have reached the clicker, as an ephemeral or on their Home tab, naming "
    "the request and, when it was decided, who decided it. `untold` counts into `lost` too."
)

WHY_NOTHING = (
    "Why nothing went wrong: the workflow applies attempts one at a time (a click key counts "
    "once), and the bot's early check reads the published state, which only moves forward, "
    "so a refusal it gives from a stale state is still true."
)
NOTES = [
    "Refusals are answered where the click was made: an ephemeral in the card's channel (the "
    "bot's early refusals, and the workflow's own when a click passed the bot's check but "
    "lost the race), or a notice on the Home tab for a Home click the bot refused; a Home "
    "click the workflow refused is answered in the card's channel.",
    "Slack retries Events API requests with X-Slack-Retry-Num; for clicks a second delivery "
    "is a double submit or a network retry. Each retried gesture is sent again, marked so, "
    "right after its first answer, while the other clicks on the card are still in flight.",
]


def tried(tally: Tally, plans: list[CardPlan], outcomes: list[Outcome]) -> None:
    gestures = [o.gesture for o in outcomes]
    tally.add("cards", len(plans))
    tally.add("quorum_cards", sum(p.quorum for p in plans))
    tally.add("clicks", len(gestures))
    tally.add("home_clicks", sum(g.surface is Surface.HOME for g in gestures))
    tally.add("rejections", sum(g.verb is Verb.REJECT for g in gestures))
    tally.add("retries", sum(len(o.sent) > 1 for o in outcomes))


def went_wrong(tally: Tally, found: Findings, outcomes: list[Outcome]) -> None:
    for name in ZERO:
        tally.add(name, found.counts.get(name, 0))
    tally.add("lost", found.counts.get("untold", 0))
    sent = {id(d): d for o in outcomes for d in [*([o.click] if o.click else []), *o.sent]}
    unacked = Counter(str(d.error) for d in sent.values() if not d.ok)
    tally.add("unacked", sum(unacked.values()))
    if unacked:
        tally.notes.append(
            f"Deliveries Slack would show as failed (no ack in 3 s): {dict(unacked)}; not "
            "counted as lost, since Slack tells the person, and checked like the others."
        )
    seen = ", ".join(f"{name} {count}" for name, count in sorted(found.seen.items()))
    tally.notes.append(f"Recorded: {seen}.")
    tally.notes.extend(found.problems[:20])


@pytest.mark.reliability
async def test_races(stack: Stack, tmp_path: Path) -> None:
    tally = Tally(
        scenario="races",
        title="Concurrent clicks: one outcome per request, everyone told",
        description=DESCRIPTION,
    )
    plans = plan_cards(random.Random(SEED), sized(15, 100))
    async with policy_worker(stack, POLICY, tmp_path) as queue:
        driver = RaceDriver(stack, queue)
        outcomes: list[Outcome] = []
        for start in range(0, len(plans), WAVE):
            outcomes += await driver.wave(plans[start : start + WAVE])
        found = await check(stack.sim, driver.asked, plans, outcomes, SETTLE_WITHIN)
    tried(tally, plans, outcomes)
    went_wrong(tally, found, outcomes)
    if not any(tally.counts[name] for name in ZERO):
        tally.notes.append(WHY_NOTHING)
    tally.notes += NOTES
    tally.notes.append(f"Seed {SEED}; {WAVE} cards per wave.")
    tally.record()
    assert tally.failures() == {}
    assert {name: tally.counts[name] for name in ZERO if tally.counts[name]} == {}
