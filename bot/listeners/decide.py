"""The one path from a Slack gesture to a decision signal, shared by buttons and modals.

Nothing is acknowledged to Slack before it is settled: either Temporal has the decision
durably (the signal returned), or it was refused (nothing changes) and the refusal was
answered. A bot that dies before the ack leaves nothing half-done: Slack shows the person an
error, and the same click delivered again is applied once (its click key). Everything here
fits in Slack's 3 seconds: the check and the signal have short timeouts.

A gesture comes from a card in a channel, or from the Home tab (``channel`` None). Answers go
back where the person is: an ephemeral message in the channel, or a notice on their Home tab.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from activities.cards import decision_value
from bot.context import tell, temporal_client
from bot.home import publish_home
from bot.listeners.command_context import command_context
from bot.metrics import record_decision, record_decision_wait, record_refusal
from bot.request_context import note_workflow
from orchestration.decisions import (
    ID_IN_LINE,
    SLACK_RPC_TIMEOUT,
    DecisionRefused,
    TemporalUnreachable,
    check_decision,
    send_decision,
)
from orchestration.models.approval import ApprovalState, DecisionInput, DecisionSource, Verdict
from orchestration.policy.deciders import naming_the_request
from orchestration.wording import you_decided

# A refusal's ephemeral goes out before the ack, but never makes the ack late.
ANSWER_WITHIN = 1.0
# When everything before the ack must be done, counted from the start of ``settle``.
ACK_WITHIN = 2.5
STARTED_KEY = "decision_started"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settled:
    """What became of a decision: checked (and sent), or refused with the reason."""

    state: ApprovalState | None = None
    refusal: str | None = None
    # Temporal did not answer: the person may try again (a modal stays open for that).
    unreachable: bool = False


async def settle(
    context: dict[str, Any], workflow_id: str, decision: DecisionInput, *, signal: bool = True
) -> Settled:
    """Check the decision against the published state, then (if ``signal``) send it; one log
    line says what became of it (the workflow id quoted and cut: it comes from the payload)."""
    context[STARTED_KEY] = time.monotonic()
    note_workflow(workflow_id)
    temporal = temporal_client(context)
    verdict, named = decision.verdict.value, workflow_id[:ID_IN_LINE]
    state: ApprovalState | None = None
    try:
        state = await check_decision(temporal, workflow_id, decision, SLACK_RPC_TIMEOUT)
        if signal:
            await send_decision(temporal, workflow_id, decision, SLACK_RPC_TIMEOUT)
    except DecisionRefused as err:
        record_refusal(err.reason)
        record_decision(err.kind, verdict, "refused")
        log.info("decision %s on %r refused: %s", verdict, named, err.reason)
        return Settled(refusal=naming_the_request(str(err), err.title))
    except TemporalUnreachable as err:
        record_decision(None if state is None else state.kind, verdict, "unreachable")
        log.warning("decision %s on %r not sent: Temporal did not answer", verdict, named)
        # Temporal did not say what the request is; its id still tells several answers apart.
        return Settled(refusal=naming_the_request(str(err), workflow_id), unreachable=True)
    record_decision(state.kind, verdict, "accepted" if signal else "checked")
    log.info("decision %s on %r %s", verdict, named, "sent" if signal else "checked")
    if signal:
        decided_at = decision.decided_at or datetime.now(UTC)
        record_decision_wait(state.kind, state.requested_at, decided_at)
    return Settled(state=state)


async def tell_where(
    client: AsyncWebClient,
    context: dict[str, Any],
    user_id: str,
    channel: str | None,
    text: str,
) -> None:
    """Tell ``user_id`` something: ephemerally in ``channel``, or on their Home tab."""
    if channel is None:
        await publish_home(client, command_context(context), user_id, notice=text)
    else:
        await tell(client, channel, user_id, text)


async def refuse_then_ack(
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict[str, Any],
    user_id: str,
    channel: str | None,
    text: str,
) -> None:
    """Answer a refusal and acknowledge. In a channel the ephemeral goes first, for as long as
    Slack's 3 s allow (Temporal may have used some: ``settle`` records when it started); what
    is not done by then finishes after the ack. The Home tab is redrawn after the ack, since
    drawing it can take longer than Slack waits."""
    if channel is None:
        await ack()
        await tell_where(client, context, user_id, None, text)
        return
    answer = asyncio.ensure_future(tell_where(client, context, user_id, channel, text))
    room = ACK_WITHIN - (time.monotonic() - context.get(STARTED_KEY, time.monotonic()))
    if room > 0:
        await asyncio.wait({answer}, timeout=min(room, ANSWER_WITHIN))
    await ack()
    await answer


async def confirm_on_home(
    client: AsyncWebClient,
    context: dict[str, Any],
    workflow_id: str,
    decision: DecisionInput,
    state: ApprovalState,
) -> None:
    """Redraw the decider's Home tab with what they did, leaving the request out (the
    workflow may not have applied the decision yet)."""
    await publish_home(
        client,
        command_context(context),
        decision.user_id,
        notice=you_decided(state, decision.verdict, edited=decision.arguments is not None),
        decided=(decision_value(workflow_id, state.request_id),),
    )


def slack_time(value: object) -> datetime | None:
    """A Slack ``ts`` (``"1700000000.123456"``) as a moment; None if it is not one."""
    try:
        seconds = float(str(value))
    except ValueError:
        return None
    if not 0 < seconds < 1e11:
        return None
    return datetime.fromtimestamp(seconds, UTC)


def modal_metadata(workflow_id: str, request_id: str, channel: str | None) -> str:
    """What a decision modal carries (a ``view_submission`` has no message context)."""
    return json.dumps({"workflow_id": workflow_id, "request_id": request_id, "channel": channel})


def input_value(view: dict[str, Any], block: str, action: str) -> str:
    """The text typed into one input of a submitted modal, stripped."""
    values = view.get("state", {}).get("values", {})
    return str(values.get(block, {}).get(action, {}).get("value") or "").strip()


@dataclass(frozen=True)
class ModalDecision:
    """What a submitted decision modal asks for, and which input shows Temporal errors."""

    verdict: Verdict
    reason: str
    error_block: str
    arguments: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModalTarget:
    """Which request a decision modal decides, and where it was opened (None: Home tab)."""

    workflow_id: str
    request_id: str | None
    channel: str | None


def modal_target(view: dict[str, Any]) -> ModalTarget | None:
    """What :func:`modal_metadata` put in the modal, or None when the view does not carry
    it (Slack hands private metadata back as set, so only a forged or foreign view lacks it)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "")
    except (ValueError, RecursionError):
        return None
    if not isinstance(metadata, dict):
        return None
    workflow_id, request_id = metadata.get("workflow_id"), metadata.get("request_id")
    channel = metadata.get("channel")  # null: opened from the Home tab
    if not isinstance(workflow_id, str) or not isinstance(request_id, str | None):
        return None
    if not isinstance(channel, str | None):
        return None
    return ModalTarget(workflow_id, request_id, channel[:64] if channel else None)


async def submit_modal_decision(
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict[str, Any],
    body: dict[str, Any],
    view: dict[str, Any],
    asked: ModalDecision,
) -> None:
    """The decision a submitted modal stands for: checked, signalled, then acknowledged
    (closing the modal). When Temporal cannot take it, the modal stays open and says so, so
    nothing typed is lost."""
    target = modal_target(view)
    if target is None:
        errors = {
            asked.error_block: "This form does not say which request it decides; close it "
            "and use the card's buttons again. Nothing was changed."
        }
        await ack(response_action="errors", errors=errors)
        return
    user_id = body["user"]["id"]
    decision = DecisionInput(
        verdict=asked.verdict,
        user_id=user_id,
        reason=asked.reason,
        source=DecisionSource.SLACK,
        click_key=f"{user_id}:view:{view.get('id', '')}",
        request_id=target.request_id,
        arguments=asked.arguments,
        # A submission carries no action_ts: it was made when it reached the bot.
        decided_at=datetime.now(UTC),
        channel=target.channel,
    )
    settled = await settle(context, target.workflow_id, decision)
    if settled.unreachable and settled.refusal:
        await ack(response_action="errors", errors={asked.error_block: settled.refusal})
        return
    if settled.refusal is not None:
        await refuse_then_ack(ack, client, context, user_id, target.channel, settled.refusal)
        return
    await ack()
    if target.channel is None and settled.state is not None:
        await confirm_on_home(client, context, target.workflow_id, decision, settled.state)
