"""The reject modal's submission: a reason is required; then the decision is signalled."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import REASON_BLOCK, REASON_INPUT
from bot.listeners.decide import submit_decision
from orchestration.models.approval import DecisionInput, DecisionSource, Verdict


def submitted_reason(view: dict[str, Any]) -> str:
    """The reason typed into the modal, stripped."""
    values = view.get("state", {}).get("values", {})
    raw = values.get(REASON_BLOCK, {}).get(REASON_INPUT, {}).get("value") or ""
    return str(raw).strip()


async def reject_reason_submitted(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Validate the reason, close the modal, then check and signal the rejection."""
    reason = submitted_reason(view)
    if not reason:
        await ack(
            response_action="errors",
            errors={REASON_BLOCK: "Please say why you are rejecting this request."},
        )
        return
    await ack()
    metadata = json.loads(view.get("private_metadata") or "{}")
    workflow_id = str(metadata.get("workflow_id", ""))
    channel = str(metadata.get("channel", ""))
    user_id = body["user"]["id"]
    decision = DecisionInput(
        verdict=Verdict.REJECT,
        user_id=user_id,
        reason=reason[:2000],
        source=DecisionSource.SLACK,
        click_key=f"{user_id}:view:{view.get('id', '')}",
        request_id=metadata.get("request_id"),
    )
    await submit_decision(client, context, workflow_id, decision, channel)
