"""The crash scenario's load and its kills: requests of every kind started as the command line
starts them and decided by the people of :mod:`tests.reliability.crashes_people`, while the
worker, the bot and the server are killed (SIGKILL) at seeded moments and started again.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from benchmarks.process_stack import READY_WITHIN, ProcessStack
from cli.agent_tasks import example_agent_task
from cli.errors import CliError
from cli.examples import example_order
from cli.orders import start_order
from cli.tickets import example_ticket, start_ticket
from orchestration.decisions import TemporalUnreachable
from orchestration.models.approval import Verdict
from orchestration.starts import start_agent_task
from slacksim import APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually
from tests.reliability.crashes_people import Person, Request

# Each kind, and how many approvals its policy rule asks for (crashes_policy.yml).
KINDS = {"order": 1, "order_quorum": 2, "ticket": 1, "agent_task": 1, "agent_quorum": 2}
REJECT_SHARE = 0.3
OPEN_AT_ONCE = 6
# A kill comes this long (at most) after the moment its plan names, so it lands mid-flight.
KILL_JITTER = 0.4
ROLES = ("worker", "bot", "server")
# How often a kill of the server takes the next part down with it (that part then starts
# while the server is still coming back).
TOGETHER = 0.4


@dataclass(frozen=True)
class Kill:
    """Kill ``roles`` (SIGKILL) once ``after_sent`` decisions were sent, and start them again.
    Several roles: killed together, all down at once (the worker or bot then starts while
    the server is still coming back)."""

    roles: tuple[str, ...]
    after_sent: int
    jitter: float


def kill_plan(rng: random.Random, kills: int, expected_sent: int) -> list[Kill]:
    """``kills`` kills, the parts taking turns (each at least once from three on) in a shuffled
    order; a kill of the server takes the part after it down too, at times."""
    roles = [ROLES[n % len(ROLES)] for n in range(kills)]
    rng.shuffle(roles)
    groups: list[tuple[str, ...]] = []
    while roles:
        role = roles.pop(0)
        if role == "server" and roles and roles[0] != "server" and rng.random() < TOGETHER:
            groups.append((role, roles.pop(0)))
        else:
            groups.append((role,))
    moments = sorted(rng.uniform(0.05, 0.9) * expected_sent for _ in groups)
    return [
        Kill(group, int(moment), rng.uniform(0, KILL_JITTER))
        for group, moment in zip(groups, moments, strict=True)
    ]


@dataclass
class Run:
    """What the scenario did: the requests (and those whose people gave up), the kills."""

    stack: ProcessStack
    rng: random.Random
    people: dict[str, Person]
    requests: list[Request] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)
    kills: Counter[str] = field(default_factory=Counter)

    @property
    def sent(self) -> int:
        return sum(len(person.sent) for person in self.people.values())

    async def drive(self, count: int, plan: list[Kill]) -> None:
        """Start and decide ``count`` requests while the plan's kills happen."""
        load = asyncio.ensure_future(self._load(count))
        killer = asyncio.ensure_future(self._kill(plan, load))
        await gather_all(load, killer)

    async def _load(self, count: int) -> None:
        gate = asyncio.Semaphore(OPEN_AT_ONCE)
        kinds = list(KINDS)

        async def one(kind: str) -> None:
            async with gate:
                await self._request(kind)

        await gather_all(
            *(asyncio.ensure_future(one(self.rng.choice(kinds))) for _ in range(count))
        )

    async def _request(self, kind: str) -> None:
        required = KINDS[kind]
        intent = Verdict.REJECT if self.rng.random() < REJECT_SHARE else Verdict.APPROVE
        if intent is Verdict.APPROVE and required == 2:
            deciders = [APPROVER_ID, APPROVER2_ID]
        else:
            deciders = [self.rng.choice([APPROVER_ID, APPROVER2_ID])]
        workflow_id = await self._start(kind)
        request = Request(workflow_id, kind, intent, deciders)
        self.requests.append(request)
        done = await asyncio.gather(
            *(self.people[user].decide(request, intent) for user in deciders)
        )
        if not all(done):
            self.given_up.append(workflow_id)

    async def _start(self, kind: str) -> str:
        """Start one request as ``chatops start`` does, again until Temporal takes it (its id
        is its business key: a start whose answer was lost is found started)."""
        workflow_id, attempt = self._starter(kind)
        while True:
            try:
                await attempt()
            except CliError:  # already started: an earlier try got through
                return workflow_id
            except TemporalUnreachable:
                await assert_eventually(self.stack.server_answers, bool, within=READY_WITHIN)
            else:
                return workflow_id

    def _starter(self, kind: str) -> tuple[str, Callable[[], Awaitable[object]]]:
        """A new request of ``kind``: its workflow id, and how to start it."""
        client, settings = self.stack.client, self.stack.settings
        if kind.startswith("order"):
            order = example_order("huge" if kind == "order_quorum" else "large", REQUESTER_ID)
            return order.workflow_id, lambda: start_order(client, settings, order)
        if kind == "ticket":
            ticket = example_ticket("no-agents", requested_by=REQUESTER_ID)
            return ticket.workflow_id, lambda: start_ticket(client, settings, ticket)
        task = example_agent_task("risky", requested_by=REQUESTER_ID)
        if kind == "agent_task":  # not production: one approval
            task = task.model_copy(update={"target": "staging-web"})
        return task.workflow_id, lambda: start_agent_task(
            client, settings, task, ui_url=None, requester_label="crash scenario"
        )

    async def _kill(self, plan: list[Kill], load: asyncio.Future[None]) -> None:
        for kill in plan:

            def due(kill: Kill = kill) -> bool:
                return load.done() or self.sent >= kill.after_sent

            await assert_eventually(
                due, bool, within=600, interval=0.02, what="the moment of a kill"
            )
            if kill.jitter > 0 and not load.done():
                await asyncio.sleep(kill.jitter)  # a moment chosen by the seed, not a wait
            await self.stack.crash(kill.roles)
            self.kills.update(kill.roles)


async def gather_all(*jobs: asyncio.Future[None]) -> None:
    """Wait for every job; the first failure cancels the rest and is raised."""
    try:
        await asyncio.gather(*jobs)
    except BaseException:
        for job in jobs:
            job.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        raise
