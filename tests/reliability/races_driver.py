"""Drives the races scenario's gestures through the stand-in, all of a wave's cards at once.

Each click is sent as Slack sends it (signed, to the bot over HTTP), on the card as its
client showed it while pending, or on the Home tab as last drawn before the wave; a retried
gesture is delivered a second time with ``X-Slack-Retry-Num``. A rejection opens the reason
modal and submits it; a person has one modal at a time, so their rejections take turns.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from activities.cards import APPROVE_ACTION, REJECT_ACTION, decision_value
from bot.modals import REASON_BLOCK, REASON_INPUT
from slacksim import APPROVALS_CHANNEL_ID, Delivery, SlackSim
from tests.helpers import assert_eventually
from tests.reliability.asking import (
    Asked,
    Verb,
    answers_to,
    ask,
    cards_of,
    click_payload,
    names_request,
)
from tests.reliability.races_plan import KIND, CardPlan, Gesture, Surface
from tests.stack import Stack, card_published

# How long a rejection waits for its modal (or the answer that there will be none).
MODAL_WITHIN = 15.0
REASON = "race rejection"


@dataclass
class Outcome:
    """What one gesture sent, for the checks afterwards.

    Attributes:
        key: The click key of the decision it sent (``user:action_ts`` for an approval,
            ``user:view:<id>`` for a submitted rejection); None when no decision was sent.
        sent: Every delivery of that decision (the first, then Slack's retry).
        click: The button's delivery (for an approval, also ``sent[0]``).
        trigger: The click's trigger_id (a rejection's modal is opened with it).
    """

    card: CardPlan
    gesture: Gesture
    key: str | None = None
    sent: list[Delivery] = field(default_factory=list)
    click: Delivery | None = None
    trigger: str | None = None


@dataclass
class Shown:
    """A wave's cards and Home tabs as people's clients show them when they click."""

    cards: dict[int, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def modal_opened(sim: SlackSim, trigger: str) -> bool:
    """Whether the bot opened a modal with this click's trigger."""
    return any(
        call.ok and call.params.get("trigger_id") == trigger for call in sim.calls_to("views.open")
    )


class RaceDriver:
    """Starts each wave's requests and sends its gestures."""

    def __init__(self, stack: Stack, queue: str) -> None:
        self.stack = stack
        self.sim: SlackSim = stack.sim
        self.queue = queue
        self.asked: dict[int, Asked] = {}
        self._modal_turns: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def wave(self, plans: list[CardPlan]) -> list[Outcome]:
        """Ask every request of the wave, wait for the cards, then send every gesture at once."""
        for plan in plans:
            self.asked[plan.number] = await ask(
                self.stack,
                self.queue,
                plan.title,
                plan.requester,
                kind=KIND,
                attributes=plan.attributes,
            )
        shown = await self._shown(plans)
        outcomes = [Outcome(plan, gesture) for plan in plans for gesture in plan.gestures]
        # Each person's first rejection opens its modal before anyone clicks Approve, so
        # that its submission races the approvals instead of always coming last.
        firsts: dict[str, Outcome] = {}
        for outcome in outcomes:
            if outcome.gesture.verb is Verb.REJECT:
                firsts.setdefault(outcome.gesture.user, outcome)
        openers = list(firsts.values())
        views = await asyncio.gather(*(self._open_modal(o, shown) for o in openers))
        rest = [o for o in outcomes if all(o is not opener for opener in openers)]
        await asyncio.gather(
            *(self._submit_in_turn(o, v) for o, v in zip(openers, views, strict=True) if v),
            *(self._gesture(outcome, shown) for outcome in rest),
        )
        return outcomes

    async def _shown(self, plans: list[CardPlan]) -> Shown:
        shown = Shown()
        for plan in plans:
            asked = self.asked[plan.number]
            await card_published(asked.handle)
            (card,) = cards_of(self.sim, asked.workflow_id)
            shown.cards[plan.number] = card
        home_users = {g.user for plan in plans for g in plan.gestures if g.surface is Surface.HOME}
        for user in sorted(home_users):
            wanted = [
                decision_value(self.asked[p.number].workflow_id, "1")
                for p in plans
                if user in p.eligible
            ]
            shown.homes[user] = await self._home(user, wanted)
        return shown

    async def _home(self, user: str, values: list[str]) -> list[dict[str, Any]]:
        """Open ``user``'s Home tab; its blocks once they offer every one of ``values``."""
        await self.sim.open_home(user)
        home = await assert_eventually(
            lambda: self.sim.home_view(user) or {},
            lambda view: all(v in str(view.get("blocks")) for v in values),
            what=f"the wave's requests on the Home tab of {user}",
        )
        return list(home["blocks"])

    async def _click(self, outcome: Outcome, shown: Shown, action: str) -> Delivery:
        user, number = outcome.gesture.user, outcome.card.number
        if outcome.gesture.surface is Surface.HOME:
            value = decision_value(self.asked[number].workflow_id, "1")
            return await self.sim.click_home(user, action, value=value, as_shown=shown.homes[user])
        card = shown.cards[number]
        return await self.sim.click(
            user, APPROVALS_CHANNEL_ID, card["ts"], action, as_shown=card["blocks"]
        )

    async def _gesture(self, outcome: Outcome, shown: Shown) -> None:
        if outcome.gesture.verb is Verb.APPROVE:
            await self._approve(outcome, shown)
            return
        async with self._modal_turns[outcome.gesture.user]:
            view = await self._open_modal(outcome, shown)
            if view is not None:
                await self._submit(outcome, view)

    async def _approve(self, outcome: Outcome, shown: Shown) -> None:
        delivery = await self._click(outcome, shown, APPROVE_ACTION)
        action_ts = click_payload(delivery)["actions"][0]["action_ts"]
        outcome.click, outcome.key = delivery, f"{outcome.gesture.user}:{action_ts}"
        outcome.sent.append(delivery)
        if outcome.gesture.retried:
            outcome.sent.append(await self.sim.redeliver(delivery, retry_num=1))

    async def _open_modal(self, outcome: Outcome, shown: Shown) -> dict[str, Any] | None:
        """Click Reject; the reason modal it opened, or None when the bot answered instead
        (or neither came: the checks count that click as untold)."""
        user, title = outcome.gesture.user, outcome.card.title
        told_before = self._told(user, title)
        outcome.click = await self._click(outcome, shown, REJECT_ACTION)
        outcome.trigger = trigger = click_payload(outcome.click)["trigger_id"]
        try:
            await assert_eventually(
                lambda: self._opened(trigger) or self._told(user, title) > told_before,
                bool,
                within=MODAL_WITHIN,
                what=f"a reject modal or an answer for {user}",
            )
        except AssertionError:
            return None
        if not self._opened(trigger):
            return None
        return self._modal(user, self.asked[outcome.card.number].workflow_id)

    async def _submit_in_turn(self, outcome: Outcome, view: dict[str, Any]) -> None:
        """Submit an opened modal; the person's next modal waits until it is answered."""
        async with self._modal_turns[outcome.gesture.user]:
            await self._submit(outcome, view)

    async def _submit(self, outcome: Outcome, view: dict[str, Any]) -> None:
        """Submit the reason modal (and deliver it again, when the gesture is retried)."""
        user = outcome.gesture.user
        values = {REASON_BLOCK: {REASON_INPUT: REASON}}
        submitted = await self.sim.submit_view(user, view["id"], values)
        outcome.key = f"{user}:view:{view['id']}"
        outcome.sent.append(submitted)
        if outcome.gesture.retried:
            outcome.sent.append(await self.sim.redeliver(submitted, retry_num=1))

    def _opened(self, trigger: str) -> bool:
        return modal_opened(self.sim, trigger)

    def _told(self, user: str, title: str) -> int:
        return sum(names_request(text, title) for text in answers_to(self.sim, user))

    def _modal(self, user: str, workflow_id: str) -> dict[str, Any] | None:
        for view in self.sim.open_views(user):
            metadata = json.loads(view.get("private_metadata") or "{}")
            if metadata.get("workflow_id") == workflow_id:
                return view
        return None
