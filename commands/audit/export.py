"""An audit export: the attempt lines of one or more requests, sealed into one hash chain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client

from commands.audit.chain import ATTEMPT, seal
from commands.audit.trail import Trail, read_trail
from orchestration.models.audit import AttemptRecord
from orchestration.models.verdicts import AttemptResult

# What a duplicate's line gives as the reason it changed nothing (the gate records none).
DUPLICATE_REASON = "the same click or command was already recorded"


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def attempt_line(trail: Trail, record: AttemptRecord) -> dict[str, Any]:
    """One attempt as an export line (before chaining): docs/audit.md lists the fields."""
    attempt = record.attempt
    accepted = attempt.result is AttemptResult.APPLIED
    refusal = attempt.refusal
    if attempt.result is AttemptResult.DUPLICATE and not refusal:
        refusal = DUPLICATE_REASON
    return {
        "record": ATTEMPT,
        "workflow_id": trail.workflow_id,
        "run_id": trail.run_id,
        "request_id": record.request_id,
        "who": attempt.user_id,
        "on_behalf_of": attempt.on_behalf_of,
        "what": attempt.verdict.value,
        "when": _time(attempt.decided_at or attempt.at),
        "recorded_at": _time(attempt.at),
        "why": attempt.reason,
        "source": attempt.source.value,
        "click_key": attempt.click_key,
        "arguments": attempt.arguments,
        "policy_rule": record.policy_rule,
        "policy_version": record.policy_version,
        "request_digest": record.request_digest,
        "accepted": accepted,
        "result": attempt.result.value,
        "refusal": None if accepted else refusal,
    }


def export_lines(trails: Sequence[Trail], exported_at: datetime | None = None) -> list[str]:
    """The export of ``trails``, in order: one chain over all their attempts, then the end."""
    attempts = [attempt_line(trail, record) for trail in trails for record in trail.records]
    return seal(attempts, exported_at)


async def export_workflow(client: Client, workflow_id: str) -> tuple[Trail, list[str]]:
    """One workflow's trail and its export.

    Raises:
        DecisionRefused, TemporalUnreachable, AuditError: as :func:`read_trail`.
    """
    trail = await read_trail(client, workflow_id)
    return trail, export_lines([trail])
