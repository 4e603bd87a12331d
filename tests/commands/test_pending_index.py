"""The pending lists through the index, against a real Temporal with no worker: requests are
seeded as the approval gate leaves them (memo and search attributes) and read back through
``pending_approvals`` and the Home tab's ``waiting_for``, whose totals must be exact and whose
requests must be the oldest, as a read of every memo (``scanned_pending``) finds them."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecution

from bot.home import request_key, waiting_for
from commands.replies import CommandContext, CommandSettings
from commands.workflow import pending_index
from commands.workflow.pending import pending_approvals, scanned_pending
from commands.workflow.waiting import Pending
from orchestration.models.approval import ApprovalState
from orchestration.policy.deciders import may_decide
from tests.commands.seeding import NOW, Kept, request, seed, visible

APPROVER = "U0APPROVE1"
OTHER = "U0APPROVE2"
SPREAD = random.Random(7)


def times(pattern: str, count: int) -> list[datetime]:
    """When ``count`` requests were asked, by ``pattern`` (as of now)."""
    now = datetime.now(UTC)
    if pattern == "spread over a week":
        return [now - timedelta(seconds=SPREAD.uniform(0, 7 * 86400)) for _ in range(count)]
    if pattern == "all at one instant":
        return [now - timedelta(minutes=5)] * count
    if pattern == "one very old outlier":
        return [now - timedelta(days=400)] + [now - timedelta(seconds=n) for n in range(count - 1)]
    if pattern == "two bursts a month apart":
        old = [
            now - timedelta(days=30, milliseconds=SPREAD.uniform(0, 900)) for _ in range(count // 2)
        ]
        new = [
            now - timedelta(milliseconds=SPREAD.uniform(0, 900)) for _ in range(count - count // 2)
        ]
        return old + new
    if pattern == "within the last second, one ahead of the clock":
        recent = [now - timedelta(milliseconds=n * 7) for n in range(count - 1)]
        return [*recent, now + timedelta(seconds=30)]
    raise ValueError(pattern)


def asked(found: Pending) -> list[datetime]:
    return [state.requested_at for _, state in found.oldest]


def context(client: Client, *, indexed: bool = True) -> CommandContext:
    return CommandContext(client, CommandSettings(search_attributes=indexed))


class Listed:
    """How many workflows ``client`` listed (each one's memo is read): the index's point is
    to read a few, not all."""

    def __init__(self, client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = client.list_workflows

        def list_workflows(query: str | None = None, **options: Any) -> Any:
            async def counted() -> AsyncIterator[WorkflowExecution]:
                async for execution in real(query, **options):
                    self.count += 1
                    yield execution

            return counted()

        monkeypatch.setattr(client, "list_workflows", list_workflows)

    def since(self, before: int) -> int:
        return self.count - before


async def test_oldest_first_and_exact_totals_over_a_few_hundred(
    pending_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = [request(n, at) for n, at in enumerate(times("spread over a week", 240))]
    ids = await seed(pending_client, states)
    await visible(pending_client, len(states))
    expected = sorted(zip([s.requested_at for s in states], ids, strict=True))
    listed = Listed(pending_client, monkeypatch)

    for keep in (30, 20, 1):
        before = listed.count
        found = await pending_approvals(context(pending_client), keep=keep)
        assert found.total == 240
        assert [wid for wid, _ in found.oldest] == [wid for _, wid in expected[:keep]]
        assert listed.since(before) <= max(2 * keep, 10)
    scanned = await scanned_pending(context(pending_client, indexed=False))
    assert (await pending_approvals(context(pending_client))) == scanned


@pytest.mark.parametrize(
    "pattern",
    [
        "all at one instant",
        "one very old outlier",
        "two bursts a month apart",
        "within the last second, one ahead of the clock",
    ],
)
async def test_skewed_times_still_give_the_oldest_and_exact_totals(
    pending_client: Client, pattern: str
) -> None:
    moments = times(pattern, 120)
    states = [request(n, at) for n, at in enumerate(moments)]
    await seed(pending_client, states)
    await visible(pending_client, len(states))

    found = await pending_approvals(context(pending_client), keep=30)
    assert found.total == 120
    assert asked(found) == sorted(moments)[:30]


async def test_legacy_requests_without_the_index_still_count_and_show(
    pending_client: Client,
) -> None:
    # Asked (as every request is) after their workflows started: a worker's clock a few
    # seconds ahead of this one. Published before the index existed, and asked first.
    now = datetime.now(UTC)
    legacy = [request(100 + n, now + timedelta(seconds=2, milliseconds=n)) for n in range(3)]
    legacy_ids = await seed(pending_client, legacy, Kept.LEGACY)
    indexed = [request(n, now + timedelta(seconds=3, milliseconds=n)) for n in range(80)]
    await seed(pending_client, indexed)
    await visible(pending_client, 83)

    for keep in (5, 30, 0):
        found = await pending_approvals(context(pending_client), keep=keep)
        assert found.total == 83
        assert [wid for wid, _ in found.oldest[:3]] == legacy_ids[:keep]
    home = await waiting_for(context(pending_client), APPROVER, keep=5)
    assert (home.total, [wid for wid, _ in home.oldest[:3]]) == (83, legacy_ids)


async def test_requests_without_the_index_are_scanned_for_once_a_period_and_reread_each_time(
    pending_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    legacy = [request(200 + n, now + timedelta(seconds=n)) for n in range(3)]
    legacy_ids = await seed(pending_client, legacy, Kept.LEGACY)
    await seed(pending_client, [request(n, now + timedelta(seconds=5 + n)) for n in range(10)])
    await visible(pending_client, 13)
    home = await waiting_for(context(pending_client), APPROVER, keep=5)
    assert (home.total, [wid for wid, _ in home.oldest[:3]]) == (13, legacy_ids)

    # Within the period: those found are read again (one that ended drops out at once), and
    # no scan runs, so one published since by an older worker is not seen yet.
    await pending_client.get_workflow_handle(legacy_ids[0]).terminate("decided elsewhere")
    await visible(pending_client, 12)
    (late,) = await seed(pending_client, [request(300, now - timedelta(hours=1))], Kept.LEGACY)
    await visible(pending_client, 13)
    home = await waiting_for(context(pending_client), APPROVER, keep=5)
    assert (home.total, [wid for wid, _ in home.oldest[:2]]) == (12, legacy_ids[1:])

    # Once the period is over, the next read scans again and finds it.
    monkeypatch.setattr(pending_index, "UNINDEXED_RESCAN", 0.0)
    home = await waiting_for(context(pending_client), APPROVER, keep=5)
    assert (home.total, [wid for wid, _ in home.oldest[:3]]) == (13, [late, *legacy_ids[1:]])


def home_states() -> list[ApprovalState]:
    """Requests where the approver may decide some and not others."""
    states = []
    for n in range(150):
        at = NOW - timedelta(minutes=3 * n + SPREAD.uniform(0, 2))
        fields: dict[str, object] = {}
        if n % 5 == 1:  # a quorum the approver already approved
            fields = {"approvals_required": 2, "approvals": [APPROVER]}
        elif n % 5 == 2:  # someone else's
            fields = {"approvers": [OTHER, "U0APPROVE3"]}
        elif n % 5 == 3:  # the approver asked for it
            fields = {"requester": APPROVER}
        elif n % 25 == 4:  # too many approvers to name in the index
            fields = {"approvers": [f"U{k:010d}" for k in range(150)] + [APPROVER]}
        elif n % 10 == 0:  # past its deadline, but no worker has applied the expiry yet
            fields = {"deadline": NOW - timedelta(minutes=1)}
        states.append(request(n, at, **fields))
    return states


async def test_the_home_tab_counts_exactly_what_the_viewer_may_decide(
    pending_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    states = home_states()
    ids = await seed(pending_client, states)
    await visible(pending_client, len(states))
    theirs = sorted(
        (s.requested_at, wid) for wid, s in zip(ids, states, strict=True) if may_decide(s, APPROVER)
    )

    # The ordinary fifth (some past their deadline), and the fifth of which some name many.
    assert len(theirs) == 60
    listed = Listed(pending_client, monkeypatch)
    found = await waiting_for(context(pending_client), APPROVER)
    assert found.total == len(theirs)
    assert [wid for wid, _ in found.oldest] == [wid for _, wid in theirs[:25]]
    # The few that name too many to index are read one by one; of the rest, a window.
    assert listed.count <= 6 + 2 * 25
    assert found == await waiting_for(context(pending_client, indexed=False), APPROVER)
    other = await waiting_for(context(pending_client), OTHER)
    assert other.total == sum(may_decide(s, OTHER) for s in states)


async def test_requests_just_decided_from_the_home_tab_are_left_out_of_list_and_total(
    pending_client: Client,
) -> None:
    states = [request(n, NOW - timedelta(minutes=n)) for n in range(100)]
    ids = await seed(pending_client, states)
    await visible(pending_client, 100)
    by_id = dict(zip(ids, states, strict=True))
    oldest, recent = ids[-1], ids[0]  # one shown, one far from the oldest 25
    decided = [request_key(oldest, by_id[oldest]), request_key(recent, by_id[recent])]

    found = await waiting_for(context(pending_client), APPROVER, decided)
    assert found.total == 98
    shown = [wid for wid, _ in found.oldest]
    assert oldest not in shown and shown == list(reversed(ids[-26:-1]))


@pytest.mark.parametrize("keep", [30, 0])
async def test_without_search_attributes_every_memo_is_read(
    pending_client: Client, keep: int
) -> None:
    states = [request(n, NOW - timedelta(hours=n)) for n in range(40)]
    ids = await seed(pending_client, states, Kept.MEMO_ONLY)
    await visible(pending_client, 40)

    found = await pending_approvals(context(pending_client, indexed=False), keep=keep)
    assert found.total == 40
    assert [wid for wid, _ in found.oldest] == list(reversed(ids))[:keep]
