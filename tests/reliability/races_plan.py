"""Who clicks what on each card of the races scenario, drawn from a seeded random generator.

Every card gets ten gestures at once: approvals and rejections (through the reason modal),
from its approvers, an outsider and its requester (sometimes an approver who asked for it
themselves), on the card or on the Home tab, some of them delivered twice as Slack retries a
request. Each card is planned so that it can be decided: enough distinct approvers who may
decide approve it on the card, whatever else happens around them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

from slacksim import APPROVER2_ID, OUTSIDER_ID, REQUESTER_ID
from tests.reliability.asking import APPROVERS, Verb, quorum_or_single_policy

KIND = "race"
CLICKERS_PER_CARD = 10
REJECT_SHARE = 0.3
HOME_SHARE = 0.3
RETRY_SHARE = 0.2
# Quorum requests (approvals: 2) match on this attribute; the others need one approval.
POLICY = quorum_or_single_policy(KIND, "races")


class Surface(StrEnum):
    CARD = "card"
    HOME = "home"


@dataclass(frozen=True)
class Gesture:
    """One person's click: approve, or reject (the button, then the reason modal)."""

    user: str
    verb: Verb
    surface: Surface
    # Delivered again as Slack retries it: the approve click, or the modal's submission.
    retried: bool


@dataclass(frozen=True)
class CardPlan:
    """One request and the gestures made on it."""

    number: int
    requester: str
    quorum: bool
    gestures: tuple[Gesture, ...]

    @property
    def title(self) -> str:
        return f"Race card {self.number:04d}"

    @property
    def required(self) -> int:
        return 2 if self.quorum else 1

    @property
    def attributes(self) -> dict[str, str]:
        return {"quorum": "two" if self.quorum else "one"}

    @property
    def eligible(self) -> tuple[str, ...]:
        """The approvers who may decide: everyone named, except the requester."""
        return tuple(a for a in APPROVERS if a != self.requester)


def plan_cards(rng: random.Random, count: int) -> list[CardPlan]:
    """``count`` cards: every third one a quorum, every fourth asked for by an approver."""
    plans = []
    for number in range(count):
        quorum = number % 3 == 0
        requester = APPROVER2_ID if number % 4 == 1 else REQUESTER_ID
        plans.append(CardPlan(number, requester, quorum, ()))
    return [CardPlan(p.number, p.requester, p.quorum, _gestures(rng, p)) for p in plans]


def _gestures(rng: random.Random, plan: CardPlan) -> tuple[Gesture, ...]:
    deciders = rng.sample(plan.eligible, plan.required)
    gestures = [Gesture(user, Verb.APPROVE, Surface.CARD, False) for user in deciders]
    crowd = [*APPROVERS, OUTSIDER_ID, plan.requester]
    while len(gestures) < CLICKERS_PER_CARD:
        user = rng.choice(crowd)
        verb = Verb.REJECT if rng.random() < REJECT_SHARE else Verb.APPROVE
        # Only those who may decide have the request on their Home tab.
        home = user in plan.eligible and rng.random() < HOME_SHARE
        surface = Surface.HOME if home else Surface.CARD
        gestures.append(Gesture(user, verb, surface, rng.random() < RETRY_SHARE))
    rng.shuffle(gestures)
    return tuple(gestures)
