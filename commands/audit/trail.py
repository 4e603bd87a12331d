"""A request's decision attempts, read from its workflow's Temporal history.

The approval gate records every attempt it judges (applied, duplicate or refused, and why) by
upserting it into the memo under :data:`ATTEMPT_MEMO_KEY`: each upsert is a
``WorkflowPropertiesModified`` event holding that one attempt. Those events are the trail;
fetching a history needs no worker. Histories from before the gate recorded attempts keep
them only in the workflow's result (:mod:`commands.audit.earlier`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.exceptions import TemporalError
from temporalio.service import RPCError, RPCStatusCode

from commands.audit.earlier import attempts_in_result
from orchestration.decisions import TemporalUnreachable, describe_workflow, quoted_id
from orchestration.models.audit import ATTEMPT_MEMO_KEY, AttemptRecord

MODIFIED = EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED


class AuditError(Exception):
    """A trail that cannot be read; the message is for the person who asked (mrkdwn)."""


@dataclass(frozen=True)
class Trail:
    """The decision attempts of one workflow run, oldest first."""

    workflow_id: str
    run_id: str
    records: list[AttemptRecord]


async def read_trail(client: Client, workflow_id: str) -> Trail:
    """Every decision attempt of the workflow's latest run, as the workflow judged it.

    Raises:
        DecisionRefused: no such workflow.
        TemporalUnreachable: Temporal did not answer.
        AuditError: the history holds a record that cannot be read.
    """
    description = await describe_workflow(client, workflow_id)
    run_id = description.run_id
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    events: list[HistoryEvent] = []
    try:
        async for event in handle.fetch_history_events():
            events.append(event)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:  # deleted since the describe
            raise AuditError(f"No workflow {quoted_id(workflow_id)}.") from None
        raise TemporalUnreachable(f"Could not read the history ({err.message}).") from None
    records = [await _record(client, workflow_id, event) for event in events if _holds(event)]
    if not records:
        records = await attempts_in_result(client, events)
    return Trail(workflow_id, run_id, records)


def _holds(event: HistoryEvent) -> bool:
    """Whether the event is the gate's record of one decision attempt."""
    if event.event_type != MODIFIED:
        return False
    memo = event.workflow_properties_modified_event_attributes.upserted_memo
    return ATTEMPT_MEMO_KEY in memo.fields


async def _record(client: Client, workflow_id: str, event: HistoryEvent) -> AttemptRecord:
    payload = event.workflow_properties_modified_event_attributes.upserted_memo.fields[
        ATTEMPT_MEMO_KEY
    ]
    try:
        (record,) = await client.data_converter.decode([payload], [AttemptRecord])
    except (TemporalError, ValidationError, ValueError, TypeError) as err:
        raise AuditError(
            f"Event {event.event_id} of {quoted_id(workflow_id)} holds an unreadable decision "
            f"record ({type(err).__name__})."
        ) from None
    assert isinstance(record, AttemptRecord)
    return record
