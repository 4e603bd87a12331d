"""Replicas: two workers and two bots against one Temporal server, load running, one of each
stopped for good mid-load; the other carries on, and nothing is lost or doubled.

Over HTTP the bots sit behind a round-robin proxy and one is killed outright (SIGKILL); in
Socket Mode each bot holds a connection and one is stopped with SIGTERM (it drains). A worker
is killed outright in both. Afterwards, from real state: every order ended as its person
decided, each acked click applied exactly once, one card per order showing its final state,
money moved once per approved order and never for a rejected one.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from slacksim import APPROVER2_ID, APPROVER_ID
from tests.reliability import replicas_words as words
from tests.reliability.crashes_judge import judge
from tests.reliability.crashes_people import Person, Sent
from tests.reliability.replicas_driver import (
    ReplicaRun,
    Stop,
    activities_by_worker,
    decisions_applied,
    socket_envelopes,
)
from tests.reliability.replicas_stack import (
    BOTS,
    WORKERS,
    ReplicaStack,
    Transport,
    running_replicas,
)
from tests.reliability.tally import Tally, sized

SEED = 20261203
END_WITHIN = 60.0
REDELIVER_EVERY = 4
FOLDED = {
    "cards_untrue": "stuck",
    "workflow_task_failures": "stuck",
    "told_untrue": "lost",
    "orders_no_decision": "lost",
    "orders_decided_twice": "doubled",
}
STOPS = {"http": signal.SIGKILL, "socket": signal.SIGTERM}


@pytest.mark.reliability
@pytest.mark.parametrize("transport", ["http", "socket"])
async def test_replicas(env: WorkflowEnvironment, tmp_path: Path, transport: Transport) -> None:
    orders = sized(48, 150)
    tally = Tally(
        scenario=f"replicas_{transport}",
        title=words.TITLES[transport],
        description=words.description(transport),
    )
    clicks = orders * 6 // 5
    stops = [
        Stop(WORKERS[0], signal.SIGKILL, clicks // 4),
        Stop(BOTS[0], STOPS[transport], clicks // 3, mid_request=True),
    ]
    async with running_replicas(env.client, tmp_path, transport) as stack:
        people = {
            user: Person(user, stack, REDELIVER_EVERY) for user in (APPROVER_ID, APPROVER2_ID)
        }
        run = ReplicaRun(stack, random.Random(SEED), people)
        await run.drive(orders, stops)
        sent = [each for person in people.values() for each in person.sent]
        found = await judge(stack, run.requests, sent, END_WITHIN)
        counts = await measure(stack, run, sent, transport)
        counts.update(found.counts)
        record(tally, counts, transport)
    assert tally.failures() == {}, "\n".join(found.problems)
    assert counts["approvals"] == orders and counts["given_up"] == 0
    # Both workers worked, and the one left took over.
    assert counts["activities_worker_1"] >= 1 and counts["activities_worker_2"] >= 1
    if transport == "http":
        # Clicks did reach the dead bot's address, and were made again after Slack's error.
        assert counts["bad_gateway"] >= 1 and counts["deliveries_failed"] >= 1
    else:
        assert run.stopped[BOTS[0]] == 0  # drained and exited cleanly


async def measure(
    stack: ReplicaStack, run: ReplicaRun, sent: list[Sent], transport: Transport
) -> Counter[str]:
    """What the run did and what each part saw: deliveries, each worker's activities, the
    proxy's answers (HTTP) or the drained bot's envelopes (Socket Mode), and orders that
    applied other than one decision."""
    workflow_ids = [r.workflow_id for r in run.requests]
    by_worker = await activities_by_worker(stack, workflow_ids)
    counts: Counter[str] = Counter(
        orders=len(run.requests),
        given_up=len(run.given_up),
        bot_stopped_mid_request=run.caught_mid_request,
        deliveries=len(sent),
        deliveries_failed=sum(not s.acked for s in sent),
        **{name.replace("-", "_"): n for name, n in by_worker.items()},
    )
    if transport == "http":
        assert stack.proxy is not None
        counts["bad_gateway"] = sum(stack.proxy.bad_gateway.values())
        for name, url in (stack.bot_urls or {}).items():
            counts[f"requests_{name.replace('-', '_')}"] = stack.proxy.sent[url]
    else:
        counts.update(socket_envelopes(stack, BOTS[0]))
    applied = await decisions_applied(stack, workflow_ids)
    counts["orders_no_decision"] = applied[0]
    counts["orders_decided_twice"] = sum(n for times, n in applied.items() if times > 1)
    return counts


def record(tally: Tally, counts: Counter[str], transport: Transport) -> None:
    """Put the counts in the tally, with notes, and write it."""
    for extra, into in FOLDED.items():
        counts[into] += counts.pop(extra, 0)
    for name, value in sorted(counts.items()):
        tally.add(name, value)
    tally.notes.extend(words.NOTES[transport])
    tally.notes.append(f"Seed {SEED}; measured {time.strftime('%Y-%m-%d')}.")
    tally.record()
