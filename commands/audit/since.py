"""Requests decided in a recent period (``--since 7d``), found through visibility.

No search attribute holds when a request was decided, so the query finds the candidates
(decided, and either running or closed since then) and each one's memo says when it was
decided. With search attributes turned off, the candidates are every approvable workflow
running or closed since then.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError

from commands.workflow.common import APPROVABLE
from orchestration.approval import MEMO_KEY
from orchestration.decisions import TemporalUnreachable
from orchestration.durations import duration_from_text, format_duration
from orchestration.models.approval import ApprovalStatus

DECIDED = (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)
LONGEST = timedelta(days=366)
# Bounds a mistaken query's cost; an export of more requests is split by period.
MAX_REQUESTS = 10_000


class PeriodError(ValueError):
    """A ``--since`` value that names no period; the message says which are accepted."""


def parse_since(text: str) -> timedelta:
    """``30m``, ``12h``, ``7d`` (units s, m, h, d, w; combinable: ``1d12h``).

    Raises:
        PeriodError: not a duration, zero, or longer than a year.
    """
    period = duration_from_text(text)
    if period is None:
        raise PeriodError(f"--since takes a period such as 30m, 12h or 7d, not {text[:40]!r}.")
    if not timedelta(0) < period <= LONGEST:
        raise PeriodError(f"--since must be more than 0s and at most {format_duration(LONGEST)}.")
    return period


def candidates_query(since: datetime, search_attributes: bool) -> str:
    """The visibility query for workflows that may hold a request decided since ``since``."""
    moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = f"(ExecutionStatus = 'Running' OR CloseTime >= '{moment}')"
    if search_attributes:
        statuses = ", ".join(f"'{s.value}'" for s in DECIDED)
        return f"ApprovalStatus IN ({statuses}) AND {recent}"
    types = ", ".join(f"'{t}'" for t in APPROVABLE)
    return f"WorkflowType IN ({types}) AND {recent}"


def _decided_since(memo: dict[str, Any], since: datetime) -> bool:
    state = memo.get(MEMO_KEY)
    if not isinstance(state, dict) or state.get("status") not in {s.value for s in DECIDED}:
        return False
    try:
        decided = datetime.fromisoformat(str(state.get("decided_at")))
    except ValueError:
        return False
    return decided.tzinfo is not None and decided >= since


async def decided_since(client: Client, since: datetime, search_attributes: bool) -> list[str]:
    """Ids of workflows whose request was approved or rejected at ``since`` or later, in the
    order they started (oldest first).

    Raises:
        TemporalUnreachable: Temporal did not answer.
    """
    found: list[tuple[datetime, str]] = []
    query = candidates_query(since, search_attributes)
    try:
        async for execution in client.list_workflows(query, limit=MAX_REQUESTS):
            if _decided_since(dict(await execution.memo()), since):
                found.append((execution.start_time, execution.id))
    except RPCError as err:
        raise TemporalUnreachable(f"Could not list workflows ({err.message}).") from None
    return [workflow_id for _, workflow_id in sorted(found)]
