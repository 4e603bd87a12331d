"""The card reconciler: cards that still show buttons although their workflow has ended.

A workflow redraws its own card at every change; but a card can be left behind showing
buttons, for example when Slack was down at the end and the update's retries ran out, or when
someone terminated the workflow. The reconciler reads the approvals channel's recent history,
finds our cards (by their message metadata) that still carry buttons, and for each whose run
has closed, draws the card as it should be: from the last card the workflow drew (so the
request's fields come back), with the final state from the memo. Running workflows own their
cards and are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowExecutionDescription,
    WorkflowExecutionStatus,
    WorkflowHandle,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.cards import APPROVE_ACTION, CARD_EVENT_TYPE, Block, Message
from bot.slack_client import BotSlackClient, SlackCallFailed
from orchestration.approval import MEMO_KEY
from orchestration.models.approval import ApprovalState, ApprovalStatus, CardInput
from orchestration.slack_text import SECTION_TEXT, cut, escape

log = logging.getLogger(__name__)
# How far back to look: cards older than this are left as they are.
LOOKBACK = timedelta(days=14)
PAGE_SIZE = 200
MAX_PAGES = 10
CARD_ACTIVITIES = ("post_approval_card", "update_approval_card")
ENDED = {
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "was cancelled",
    WorkflowExecutionStatus.TERMINATED: "was terminated",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "continued as new",
}


@dataclass
class ReconcileReport:
    """What one pass saw and did."""

    cards_with_buttons: int = 0
    updated: list[str] = field(default_factory=list)  # message ts
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StaleCandidate:
    """A card of ours that still shows buttons."""

    ts: str
    workflow_id: str
    run_id: str
    request_id: str
    blocks: list[Block]


def candidate(message: dict[str, Any]) -> StaleCandidate | None:
    """The card a channel message is, if it is one of ours still showing buttons."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != CARD_EVENT_TYPE:
        return None
    card_key = str((metadata.get("event_payload") or {}).get("card_key", ""))
    parts = card_key.rsplit("/", 2)
    if len(parts) != 3 or not all(parts):
        return None
    blocks = list(message.get("blocks") or [])
    if not any(_has_approve_button(block) for block in blocks):
        return None
    workflow_id, run_id, request_id = parts
    return StaleCandidate(str(message["ts"]), workflow_id, run_id, request_id, blocks)


def _has_approve_button(block: Block) -> bool:
    return block.get("type") == "actions" and any(
        element.get("action_id") == APPROVE_ACTION for element in block.get("elements", [])
    )


def closed_state(
    state: ApprovalState, status: WorkflowExecutionStatus | None, closed_at: datetime | None
) -> ApprovalState:
    """``state`` as the card should show it once the run has closed: a request nobody decided
    is shown cancelled, saying how the workflow ended."""
    if state.status.is_terminal:
        return state
    ended = ENDED.get(status, "ended") if status is not None else "ended"
    return state.model_copy(
        update={
            "status": ApprovalStatus.CANCELLED,
            "decided_at": closed_at,
            "outcome_note": f"The workflow {ended} before anyone decided; "
            "nothing can be decided any more.",
        }
    )


def without_buttons(blocks: list[Block], note: str) -> list[Block]:
    """The card as shown, its buttons replaced by ``note`` (when the history is gone)."""
    kept = [block for block in blocks if not _has_approve_button(block)]
    section: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": cut(note, SECTION_TEXT)},
    }
    return [*kept, section]


class CardReconciler:
    """One pass over the approvals channel; see the module's docstring."""

    def __init__(self, slack: BotSlackClient, temporal: Client, channel: str) -> None:
        self._slack = slack
        self._temporal = temporal
        self._channel = channel

    async def run(self) -> ReconcileReport:
        """Bring every card whose run has closed up to date; a card that fails is logged and
        the pass goes on."""
        report = ReconcileReport()
        channel = await self._slack.channel_id(self._channel)
        async for message in self._recent_messages(channel):
            found = candidate(message)
            if found is None:
                continue
            report.cards_with_buttons += 1
            try:
                changed = await self._reconcile(channel, found)
            except (SlackCallFailed, RPCError) as err:
                log.warning("could not bring card %s up to date: %s", found.ts, err)
                report.failed.append(found.ts)
                continue
            if changed:
                report.updated.append(found.ts)
        if report.updated or report.failed:
            log.info(
                "reconciler: %d card(s) brought up to date, %d failed",
                len(report.updated),
                len(report.failed),
            )
        return report

    async def _recent_messages(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        oldest = (datetime.now(UTC) - LOOKBACK).timestamp()
        pages = self._slack.pages(
            "conversations.history",
            MAX_PAGES,
            channel=channel,
            limit=PAGE_SIZE,
            oldest=f"{oldest:.6f}",
            include_all_metadata="true",
        )
        async for page in pages:
            for message in page.get("messages", []):
                yield message

    async def _reconcile(self, channel: str, found: StaleCandidate) -> bool:
        handle = self._temporal.get_workflow_handle(found.workflow_id, run_id=found.run_id)
        try:
            description = await handle.describe()
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            note = (
                f"*Closed*: {escape(found.workflow_id)} is no longer in Temporal (its history "
                "has expired); nothing can be decided any more."
            )
            await self._update_blocks(channel, found, note)
            return True
        if description.status == WorkflowExecutionStatus.RUNNING:
            return False
        card = await self._last_card(handle, description, found)
        if card is None:
            note = "*Closed*: the workflow has ended; nothing can be decided any more."
            await self._update_blocks(channel, found, note)
            return True
        state = closed_state(card.state, description.status, description.close_time)
        card = card.model_copy(
            update={"state": state.model_copy(update={"channel": channel, "message_ts": found.ts})}
        )
        await self._slack.redraw_card(channel, found.ts, card)
        log.info("card %s of %s brought up to date: %s", found.ts, found.workflow_id, state.status)
        await self._redraw_copies(card)
        return True

    async def _redraw_copies(self, card: CardInput) -> None:
        """The card's copies (direct messages, escalation channels) as the card now is; a copy
        that cannot be updated is logged and left."""
        for copy in card.state.copies:
            if not copy.channel or not copy.ts:
                continue
            placed = card.state.model_copy(update={"channel": copy.channel, "message_ts": copy.ts})
            drawn = card.model_copy(update={"state": placed, "copy_key": copy.key})
            try:
                await self._slack.redraw_card(copy.channel, copy.ts, drawn)
            except SlackCallFailed as err:
                log.warning(
                    "could not bring copy %s of card %s up to date: %s",
                    copy.key,
                    card.card_key,
                    err,
                )

    async def _last_card(
        self,
        handle: WorkflowHandle[Any, Any],
        description: WorkflowExecutionDescription,
        found: StaleCandidate,
    ) -> CardInput | None:
        """The last card the run drew for the request, with the memo's state when the memo is
        about the same request (it may be newer than the last drawing)."""
        converter = self._temporal.data_converter
        card: CardInput | None = None
        async for event in handle.fetch_history_events():
            if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                continue
            attributes = event.activity_task_scheduled_event_attributes
            if attributes.activity_type.name not in CARD_ACTIVITIES:
                continue
            (drawn,) = await converter.decode(list(attributes.input.payloads), [CardInput])
            if isinstance(drawn, CardInput) and drawn.state.request_id == found.request_id:
                card = drawn
        if card is None:
            return None
        raw = await description.memo_value(MEMO_KEY, None)
        if raw is not None:
            memo = ApprovalState.model_validate(raw)
            if memo.request_id == found.request_id:
                card = card.model_copy(update={"state": memo})
        return card

    async def _update_blocks(self, channel: str, found: StaleCandidate, note: str) -> None:
        message = Message(text=note, blocks=without_buttons(found.blocks, note))
        await self._slack.update_message(channel, found.ts, message)
