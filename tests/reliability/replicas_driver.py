"""The replicas scenario's load and its kills: orders waiting for approval, decided by the
people of :mod:`tests.reliability.crashes_people` (Approve, or Reject with a reason), while one
worker and one bot are stopped for good mid-load: the other replica of each carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import signal
from collections import Counter
from dataclasses import dataclass, field

from temporalio.api.enums.v1 import EventType

from cli.examples import example_order
from cli.orders import start_order
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import AttemptResult, Verdict
from slacksim import APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually
from tests.reliability.crashes_driver import gather_all
from tests.reliability.crashes_people import Person, Request
from tests.reliability.replicas_stack import WORKERS, ReplicaStack

REJECT_SHARE = 0.25
# How long to wait for a bot to have a request in hand before stopping it anyway.
BUSY_WITHIN = 15.0
# What a bot stopped with SIGTERM in Socket Mode says of its envelopes (bot/socket_mode.py).
SOCKET_CLOSED = re.compile(r"(\d+) envelope\(s\) handled, (\d+) left unacked")
IN_HAND = re.compile(r"finishing (\d+) Socket Mode envelope")


@dataclass(frozen=True)
class Stop:
    """Stop ``part`` with ``signum`` (for good) once ``after_sent`` decisions were sent; with
    ``mid_request`` (a bot), at a moment it has a request in hand, if one comes soon."""

    part: str
    signum: signal.Signals
    after_sent: int
    mid_request: bool = False


@dataclass
class ReplicaRun:
    """What the scenario did: the requests (and those whose people gave up), the stops and
    the exit codes of the parts stopped with SIGTERM."""

    stack: ReplicaStack
    rng: random.Random
    people: dict[str, Person]
    requests: list[Request] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    stopped: dict[str, int | None] = field(default_factory=dict)
    caught_mid_request: int = 0

    @property
    def sent(self) -> int:
        return sum(len(person.sent) for person in self.people.values())

    async def drive(self, count: int, stops: list[Stop]) -> None:
        """Start ``count`` orders (all waiting for approval), then decide them while the
        parts in ``stops`` are stopped."""
        for _ in range(count):
            await self._start()
        load = asyncio.ensure_future(self._decide_all())
        stopper = asyncio.ensure_future(self._stop(stops, load))
        await gather_all(load, stopper)

    async def _start(self) -> None:
        order = example_order("large", REQUESTER_ID)
        await start_order(self.stack.client, self.stack.settings, order)
        intent = Verdict.REJECT if self.rng.random() < REJECT_SHARE else Verdict.APPROVE
        decider = self.rng.choice([APPROVER_ID, APPROVER2_ID])
        self.requests.append(Request(order.workflow_id, "order", intent, [decider]))

    async def _decide_all(self) -> None:
        async def one(request: Request) -> None:
            [user] = request.deciders
            if not await self.people[user].decide(request, request.intent):
                self.given_up.append(request.workflow_id)

        await gather_all(*(asyncio.ensure_future(one(r)) for r in self.requests))

    async def _stop(self, stops: list[Stop], load: asyncio.Future[None]) -> None:
        for stop in stops:

            def due(stop: Stop = stop) -> bool:
                return load.done() or self.sent >= stop.after_sent

            await assert_eventually(
                due, bool, within=600, interval=0.02, what=f"the moment to stop {stop.part}"
            )
            if stop.mid_request:
                self.caught_mid_request += await self._in_hand(stop.part)
            part = self.stack.parts[stop.part]
            if stop.signum is signal.SIGKILL:
                await part.kill()
                self.stopped[stop.part] = None
            else:
                self.stopped[stop.part] = await part.stop()

    async def _in_hand(self, bot: str) -> bool:
        """Wait (briefly) for a moment when ``bot`` has a request in hand; whether one came."""
        with contextlib.suppress(AssertionError):
            await assert_eventually(
                lambda: self.stack.busy(bot), bool, within=BUSY_WITHIN, interval=0.002
            )
            return True
        return False


async def activities_by_worker(stack: ReplicaStack, workflow_ids: list[str]) -> Counter[str]:
    """How many activity attempts each worker started, from the workflows' histories (a
    worker's identity is ``pid@host``), and how many were retries (``activities_retried``)."""
    names = {f"{stack.parts[name].pid}@": name for name in WORKERS}
    found: Counter[str] = Counter()
    for workflow_id in workflow_ids:
        history = await stack.client.get_workflow_handle(workflow_id).fetch_history()
        for event in history.events:
            if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                continue
            started = event.activity_task_started_event_attributes
            mine = [name for prefix, name in names.items() if started.identity.startswith(prefix)]
            found.update(f"activities_{name}" for name in mine)
            found["activities_retried"] += started.attempt > 1
    return found


def socket_envelopes(stack: ReplicaStack, bot: str) -> Counter[str]:
    """What a Socket Mode bot stopped with SIGTERM logged of its envelopes: how many it had in
    hand when the signal came (and finished), handled in all, and left unacked while
    draining."""
    log = stack.parts[bot].log_tail(1_000_000)
    found: Counter[str] = Counter()
    for in_hand in IN_HAND.findall(log):
        found["envelopes_in_hand_at_sigterm"] += int(in_hand)
    for handled, unacked in SOCKET_CLOSED.findall(log):
        found["envelopes_handled_by_stopped_bot"] += int(handled)
        found["envelopes_left_unacked"] += int(unacked)
    return found


async def decisions_applied(stack: ReplicaStack, workflow_ids: list[str]) -> Counter[int]:
    """How many workflows applied how many decisions (the gate's recorded attempts)."""
    found: Counter[int] = Counter()
    for workflow_id in workflow_ids:
        handle = stack.client.get_workflow_handle(workflow_id)
        state = await handle.query(ApprovableWorkflow.approval)
        applied = [] if state is None else state.attempts
        found[sum(a.result is AttemptResult.APPLIED for a in applied)] += 1
    return found
