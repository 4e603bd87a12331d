"""Decision attempts of runs from before the gate recorded each one in the history: the
workflow kept them in its result (``approval`` of orders and agent tasks, ``escalation`` of
tickets), and the card's first post names what was asked. Only the last request of such a
run, once it completed, can be audited this way."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.exceptions import TemporalError

from orchestration.canonical import model_digest
from orchestration.models.approval import ApprovalState, CardInput
from orchestration.models.audit import AttemptRecord

COMPLETED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
RESULT_KEYS = ("approval", "escalation")
POST_CARD = "post_approval_card"
UNREADABLE = (TemporalError, ValidationError, ValueError, TypeError)


async def attempts_in_result(client: Client, events: list[HistoryEvent]) -> list[AttemptRecord]:
    """The attempts a completed run's result holds (none for other runs)."""
    state = await _final_state(client, events)
    if state is None:
        return []
    digest = await _asked_digest(client, events, state.request_id)
    return [
        AttemptRecord(
            request_id=state.request_id,
            request_digest=digest,
            policy_rule=state.policy_rule,
            policy_version=state.policy_version,
            attempt=attempt,
        )
        for attempt in state.attempts
    ]


async def _final_state(client: Client, events: list[HistoryEvent]) -> ApprovalState | None:
    completed = [e for e in events if e.event_type == COMPLETED]
    if not completed:
        return None
    payloads = list(completed[-1].workflow_execution_completed_event_attributes.result.payloads)
    try:
        (result,) = await client.data_converter.decode(payloads[:1], [dict[str, Any]])
        found = [result[key] for key in RESULT_KEYS if isinstance(result.get(key), dict)]
        return ApprovalState.model_validate(found[0]) if found else None
    except (*UNREADABLE, IndexError):
        return None


async def _asked_digest(client: Client, events: list[HistoryEvent], request_id: str) -> str | None:
    """The digest of the request whose card was posted for ``request_id``, if any was."""
    for event in events:
        attributes = event.activity_task_scheduled_event_attributes
        if event.event_type != SCHEDULED or attributes.activity_type.name != POST_CARD:
            continue
        try:
            (card,) = await client.data_converter.decode(
                list(attributes.input.payloads)[:1], [CardInput]
            )
        except (*UNREADABLE, IndexError):
            continue
        if isinstance(card, CardInput) and card.state.request_id == request_id:
            return model_digest(card.request)
    return None
