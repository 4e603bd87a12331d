"""Drives the slack_faults scenario: Slack failing a share of every Web API call while
requests are posted, decided and redrawn.

Faults are drawn per call from the stand-in's seeded generator, one kind in four each:
rate limits (a short ``Retry-After``), 5xx errors, a call that takes effect and then answers
500, and latency beyond the worker's client timeout. The deciders are persistent people: a
click that was not taken (an error, a modal that never opened) is made again, as a person
would, until the request shows their decision.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from activities.cards import APPROVE_ACTION, REJECT_ACTION
from bot.modals import REASON_BLOCK, REASON_INPUT
from orchestration.approval import MEMO_KEY
from orchestration.models.approval import ApprovalState, ApprovalStatus
from slacksim import APPROVALS_CHANNEL_ID, REQUESTER_ID, Delivery, Faults, SlackSim
from tests.helpers import assert_eventually
from tests.reliability.asking import (
    APPROVERS,
    Asked,
    Verb,
    ask,
    click_payload,
    quorum_or_single_policy,
)
from tests.stack import Stack

KIND = "flaky"
FAULT_RATE = 0.2
FAULT_KINDS = ("ratelimit", "error", "store_then_error", "latency")
RETRY_AFTER_S = 1
# The worker's Slack client gives up after this; latency faults last longer.
CLIENT_TIMEOUT_S = 2
LATENCY_S = 3.0
# A person tries this many times, waiting this long each time for the request to show it.
TRIES = 8
SHOWN_WITHIN = 10.0
MODAL_WITHIN = 6.0
CARD_WITHIN = 60.0
REASON = "flaky rejection"
POLICY = quorum_or_single_policy(KIND, "flaky")


def plan_faults(sim: SlackSim, seed: int) -> None:
    """Fault ``FAULT_RATE`` of all Web API calls, each kind equally often.

    A call is checked against the planned faults in turn, each drawing its own chance: the
    k-th of n kinds hits with ``share / (1 - (k - 1) * share)`` (``share`` = rate / n), so
    that every kind hits ``share`` of all calls and some kind ``FAULT_RATE`` of them.
    """
    sim.faults = Faults(seed)
    share = FAULT_RATE / len(FAULT_KINDS)
    for number, kind in enumerate(FAULT_KINDS):
        sim.faults.add(
            "*",
            kind,  # type: ignore[arg-type]
            count=1_000_000,
            retry_after=RETRY_AFTER_S,
            seconds=LATENCY_S,
            rate=share / (1 - number * share),
        )


@dataclass(frozen=True)
class RequestPlan:
    """One request and who decides it, in order: one decider, or two under a quorum (the
    second approving too, or vetoing)."""

    number: int
    quorum: bool
    deciders: tuple[tuple[str, Verb], ...]

    @property
    def title(self) -> str:
        return f"Flaky request {self.number:04d}"

    @property
    def attributes(self) -> dict[str, str]:
        return {"quorum": "two" if self.quorum else "one"}


def plan_requests(rng: random.Random, count: int) -> list[RequestPlan]:
    """``count`` requests, every third a quorum; three in ten end with a rejection."""
    plans = []
    for number in range(count):
        quorum = number % 3 == 0
        first, second = rng.sample(APPROVERS, 2)
        last = Verb.REJECT if rng.random() < 0.3 else Verb.APPROVE
        deciders = ((first, Verb.APPROVE), (second, last)) if quorum else ((first, last),)
        plans.append(RequestPlan(number, quorum, deciders))
    return plans


@dataclass(frozen=True)
class Sent:
    """One decision delivered to the bot: a click on Approve, or a reason modal submitted."""

    number: int
    user: str
    verb: Verb
    key: str
    delivery: Delivery
    at: datetime


@dataclass
class FaultyDriver:
    """Asks each request, waits for its card, and has its deciders decide it."""

    stack: Stack
    queue: str
    asked: dict[int, Asked] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    _modal_turns: dict[str, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))

    @property
    def sim(self) -> SlackSim:
        return self.stack.sim

    async def run(self, plan: RequestPlan) -> None:
        """One request from start to decision; one that never shows a card is left waiting
        (the checks count it stuck)."""
        asked = await ask(
            self.stack,
            self.queue,
            plan.title,
            REQUESTER_ID,
            kind=KIND,
            attributes=plan.attributes,
        )
        self.asked[plan.number] = asked
        try:
            await assert_eventually(
                lambda: self._state(asked),
                lambda s: s is not None and bool(s.message_ts),
                within=CARD_WITHIN,
                what=f"the card of {plan.title}",
            )
        except AssertionError:
            return
        for user, verb in plan.deciders:
            if verb is Verb.APPROVE:
                await self._persist(plan, asked, user, self._approve)
            else:
                await self._persist(plan, asked, user, self._reject)

    async def _state(self, asked: Asked) -> ApprovalState | None:
        raw = await (await asked.handle.describe()).memo_value(MEMO_KEY, None)
        return None if raw is None else ApprovalState.model_validate(raw)

    async def _persist(self, plan: RequestPlan, asked: Asked, user: str, decide: Any) -> None:
        """Decide (``decide``) until the request shows it, at most ``TRIES`` times."""

        def shown(state: ApprovalState | None) -> bool:
            return state is not None and (state.status.is_terminal or user in state.approvals)

        for _ in range(TRIES):
            state = await self._state(asked)
            if state is None or shown(state):
                return
            await decide(plan, user, state)
            try:
                await assert_eventually(
                    lambda: self._state(asked), shown, within=SHOWN_WITHIN, what="the decision"
                )
                return
            except AssertionError:
                continue

    async def _approve(self, plan: RequestPlan, user: str, state: ApprovalState) -> None:
        assert state.message_ts is not None
        at = datetime.now(UTC)
        delivery = await self.sim.click(
            user, APPROVALS_CHANNEL_ID, state.message_ts, APPROVE_ACTION
        )
        action_ts = click_payload(delivery)["actions"][0]["action_ts"]
        self.sent.append(Sent(plan.number, user, Verb.APPROVE, f"{user}:{action_ts}", delivery, at))

    async def _reject(self, plan: RequestPlan, user: str, state: ApprovalState) -> None:
        """Click Reject and submit the modal it opens (none may open: Slack failed
        ``views.open``, or answered after the click's trigger expired)."""
        assert state.message_ts is not None
        workflow_id = self.asked[plan.number].workflow_id
        async with self._modal_turns[user]:
            await self.sim.click(user, APPROVALS_CHANNEL_ID, state.message_ts, REJECT_ACTION)
            try:
                view = await assert_eventually(
                    lambda: self._modal(user, workflow_id),
                    lambda v: v is not None,
                    within=MODAL_WITHIN,
                    what="the reason modal",
                )
            except AssertionError:
                return
            assert view is not None
            at = datetime.now(UTC)
            values = {REASON_BLOCK: {REASON_INPUT: REASON}}
            submitted = await self.sim.submit_view(user, view["id"], values)
        key = f"{user}:view:{view['id']}"
        self.sent.append(Sent(plan.number, user, Verb.REJECT, key, submitted, at))

    def _modal(self, user: str, workflow_id: str) -> dict[str, Any] | None:
        for view in self.sim.open_views(user):
            metadata = json.loads(view.get("private_metadata") or "{}")
            if metadata.get("workflow_id") == workflow_id:
                return view
        return None


def expected_end(plan: RequestPlan) -> tuple[ApprovalStatus, list[str], str]:
    """The status, approvals and decider the plan's decisions make."""
    approvals = [user for user, verb in plan.deciders if verb is Verb.APPROVE]
    decider, last = plan.deciders[-1]
    status = ApprovalStatus.APPROVED if last is Verb.APPROVE else ApprovalStatus.REJECTED
    return status, approvals, decider
