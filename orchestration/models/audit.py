"""What the approval gate records in the workflow's history for every decision attempt, so an
audit can be read from the history alone (no worker, no query): the attempt, the gate's
judgement of it, and which request it was about."""

from __future__ import annotations

from pydantic import BaseModel

from orchestration.models.approval import DecisionAttempt

# The memo key each attempt is upserted under. Every upsert is one history event holding
# that attempt alone; the memo itself keeps only the latest.
ATTEMPT_MEMO_KEY = "decision_attempt"


class AttemptRecord(BaseModel):
    """One decision attempt as the gate judged it (``attempt.result``, ``attempt.refusal``),
    with the request it was about: its number in the workflow, the policy rule and version
    that asked for it, and the SHA-256 of what it asked (:func:`request_digest`)."""

    request_id: str
    request_digest: str | None = None
    policy_rule: str | None = None
    policy_version: str | None = None
    attempt: DecisionAttempt
