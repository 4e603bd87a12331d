"""Crashes: the worker, the bot and the embedded Temporal server are killed outright (SIGKILL)
at seeded moments and started again, while approvals of every kind are decided in Slack.

The parts run as ``chatops up`` runs them, each its own process (``chatops server`` keeping
its SQLite database on disk, ``chatops worker``, ``chatops bot``); the Slack stand-in signs
every click and submission and records the bot's HTTP status. Afterwards, from real state:
every acked decision is applied exactly once, every card shows its request's final state,
every workflow ended without failing tasks, and money moved only for approved orders.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.process_stack import running_process_stack
from slacksim import APPROVER2_ID, APPROVER_ID
from tests.reliability.crashes_driver import KINDS, Run, kill_plan
from tests.reliability.crashes_judge import Judgement, judge
from tests.reliability.crashes_people import Person
from tests.reliability.tally import Tally, sized

SEED = 20261202
POLICY = Path(__file__).with_name("crashes_policy.yml")
# Workflows get this long to end after the last restart.
END_WITHIN = 60.0
# Every so many acked Approve clicks, one is delivered a second time (same bytes: a network
# retry).
REDELIVER_EVERY = 4
# Counts that are not sizes: the judge's extra failures, folded into the ones that must be 0.
FOLDED = {"cards_untrue": "stuck", "workflow_task_failures": "stuck", "told_untrue": "lost"}

DESCRIPTION = (
    "`chatops server` (the embedded Temporal server on its SQLite file), `chatops worker` and "
    "`chatops bot` run as separate processes, as `chatops up` runs them. Orders, quorum orders "
    "(two approvals), ticket escalations, agent tasks and quorum agent tasks are started as the "
    "command line starts them and decided by two approvers through the Slack stand-in, which "
    "signs each click and modal submission and records the bot's HTTP status; every fourth "
    "acked Approve click of each approver is delivered a second time. Meanwhile a driver kills "
    "(SIGKILL, the whole process group) the worker, the bot and the server at seeded moments, "
    "sometimes the server together with the worker or the bot, and starts them again at once. "
    "Afterwards it checks every workflow's recorded attempts (each acked click key applied "
    "exactly once, or its person told it did not get in), each card against its request's "
    "final state, each workflow's end and history (no failed workflow tasks), and the payment "
    "ledger on disk."
)


@pytest.mark.reliability
async def test_crashes(tmp_path: Path) -> None:
    requests, kills = sized(24, 200), sized(3, 18)
    rng = random.Random(SEED)
    tally = Tally(
        scenario="crashes", title="Killed processes lose nothing", description=DESCRIPTION
    )
    async with running_process_stack(tmp_path, POLICY) as stack:
        people = {
            user: Person(user, stack, REDELIVER_EVERY) for user in (APPROVER_ID, APPROVER2_ID)
        }
        run = Run(stack, rng, people)
        plan = kill_plan(rng, kills, expected_sent=requests * 6 // 5)
        await run.drive(requests, plan)
        sent = [each for person in people.values() for each in person.sent]
        found = await judge(stack, run.requests, sent, END_WITHIN)
        print(
            "DEBUG",
            Counter(
                (
                    s.redelivery,
                    s.status,
                    s.error,
                    bool(s.field_errors),
                    tuple(t[:40] for t in s.told),
                )
                for s in sent
            ),
        )
    record(tally, run, found, plan_kills=sum(len(k.roles) for k in plan))
    assert tally.failures() == {}, "\n".join(found.problems)
    assert tally.counts["kills"] == kills
    assert tally.counts["approvals"] == requests
    assert all(tally.counts[f"kills_{role}"] >= 1 for role in ("worker", "bot", "server"))


def record(tally: Tally, run: Run, found: Judgement, plan_kills: int) -> None:
    """Put what was done and found in the tally, with notes, and write it."""
    counts: Counter[str] = Counter(found.counts)
    for extra, into in FOLDED.items():
        counts[into] += counts.get(extra, 0)
    counts["requests"] = len(run.requests)
    counts["given_up"] = len(run.given_up)
    counts["kills"] = sum(run.kills.values())
    for role, times in run.kills.items():
        counts[f"kills_{role}"] = times
    counts["reject_modals"] = sum(person.modals for person in run.people.values())
    kinds = Counter(request.kind for request in run.requests)
    for kind in KINDS:
        counts[f"requests_{kind}"] = kinds[kind]
    for name, value in sorted(counts.items()):
        tally.add(name, value)
    tally.notes.extend([*NOTES, f"Seed {SEED}; {plan_kills} kills planned."])
    tally.record()


NOTES = [
    "Fixed: the payment stand-in kept its charges in the worker's memory, so a worker killed "
    "after charging but before Temporal heard of it would charge the order again when the "
    "payment was retried on the next worker. Its ledger is now a file in the data dir "
    "(`payments.jsonl`), read back at start; this scenario counts charges per order from it.",
    "Fixed: `chatops worker` and `chatops bot` exited when Temporal could not be reached as "
    "they started, so a part restarted while the server was still coming back stayed down. "
    "They now wait for it.",
    "Fixed: while the server was down or restarting, an Approve click got no ack at all (the "
    "stand-in saw `operation_timeout`): the Temporal client's default retries (10 s) outlasted "
    "Slack's 3 s. The bot's client now gives up after 0.6 s and the person is told \"Could not "
    'reach Temporal ... nothing was changed".',
    'Fixed: a decision signal that failed was reported as "NOT recorded" although the '
    "connection may have gone after Temporal took it (a server killed before it answered); it "
    'is now "may or may not have been recorded" unless Temporal refused it outright.',
    "A click counts as acked when the bot answered HTTP 200 with no error (a submitted modal: "
    "also no field errors). An acked decision must be one `applied` attempt under its click "
    "key; the only acked decisions that may be missing are those whose person was told so "
    'before the ack ("Could not reach Temporal ... nothing was changed", "may or may not have '
    'been recorded") and repeats of a decision already in ("your decision stands"). Those are '
    "counted (`clicks_told_not_recorded`, `clicks_already_in`); anything else is lost. A person "
    "does one thing at a time, so an answer is attributed to the delivery it came during.",
    "`cards_untrue` (a card missing, or not showing its request's final headline, decider, "
    "outcome note, or still with buttons) and `workflow_task_failures` (a workflow task that "
    "failed, other than Temporal's unhandled-command and sticky-queue resets) are also counted "
    "as stuck; `told_untrue` (a person told their decision was not recorded when it was) as "
    "lost. Workflow tasks that timed out with a killed worker are only counted.",
    "Known limits: the bot's card reconciler and digest are off, so every card judged was "
    "drawn by its workflow; the Slack stand-in itself is not killed (Slack does not crash with "
    "chatops); processes are killed, not the machine: SQLite in WAL mode with "
    "`synchronous=normal` keeps every commit through a process crash, not necessarily through "
    "a power loss.",
]
