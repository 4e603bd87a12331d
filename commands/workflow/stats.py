"""``/workflow stats [period]``: approvals asked for in the period: count, median time to
decision, expiries, outcomes, and who decided."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from commands.replies import CommandContext, Invoker, Reply
from commands.surface import Verb, usage_line
from commands.words import duration, no_more
from commands.workflow.approvals import approval_in_memo
from commands.workflow.common import APPROVABLE, types_clause
from orchestration.durations import Bounds, format_duration
from orchestration.models.approval import ApprovalState, ApprovalStatus
from orchestration.slack_text import mention

DEFAULT_STATS_PERIOD = timedelta(days=7)
STATS_PERIOD = Bounds(timedelta(minutes=1))


@dataclass(frozen=True)
class Stats:
    """``/workflow stats [period]``."""

    period: timedelta = DEFAULT_STATS_PERIOD


@dataclass
class _Tally:
    asked: int = 0
    decided: int = 0
    expired: int = 0
    waits: list[float] = field(default_factory=list)
    deciders: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, approval: ApprovalState) -> None:
        self.asked += 1
        self.outcomes[approval.status.value] += 1
        if approval.status is ApprovalStatus.EXPIRED:
            self.expired += 1
        if approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
            self.decided += 1
            if approval.decided_at:
                # A clicker's clock behind the server's may date a decision before its
                # request; it still took no time at all, not less.
                wait = (approval.decided_at - approval.requested_at).total_seconds()
                self.waits.append(max(wait, 0.0))
            for person in approval.approvals or [approval.decided_by or "?"]:
                self.deciders[person] += 1


def parse(words: list[str], terminal: bool) -> Stats:
    """``[period]``."""
    if not words:
        return Stats()
    period = duration(words[0], STATS_PERIOD, noun="period", name="period")
    no_more(words[1:])
    return Stats(period)


async def run(context: CommandContext, args: Stats, invoker: Invoker) -> Reply:
    """Approvals asked for in the period (read from memo: no worker needed)."""
    since = datetime.now(UTC) - args.period
    query = f"{types_clause(APPROVABLE)} AND StartTime > '{since.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    tally = _Tally()
    async for execution in context.client.list_workflows(query):
        approval = await approval_in_memo(execution)
        if approval is not None:
            tally.add(approval)
    label = format_duration(args.period)
    if not tally.asked:
        return Reply(f"No approvals were asked for in the last {label}.")
    waits = tally.waits
    median = format_duration(timedelta(seconds=statistics.median(waits))) if waits else "n/a"
    lines = [
        f"*Approvals in the last {label}:* {tally.asked} asked, {tally.decided} decided, "
        f"{tally.expired} expired",
        f"Median time to decision: {median}",
        "By outcome: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.outcomes.items())),
    ]
    if tally.deciders:
        by = ", ".join(f"{mention(p)} {n}" for p, n in tally.deciders.most_common())
        lines.append(f"By approver: {by}")
    return Reply("\n".join(lines))


USAGE = usage_line(
    "stats [period]",
    "approvals in the last period (default 7d, at most 366d):",
    "count, median time to decision, expiries, per approver",
)
VERB = Verb("stats", USAGE, parse, run)
