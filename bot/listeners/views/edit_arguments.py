"""The "Approve with edits" modal's submission: the arguments must be a JSON object; then the
approval, with the edited arguments, is signalled."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import ARGUMENTS_BLOCK, ARGUMENTS_INPUT, parse_edited_arguments
from bot.listeners.decide import submit_decision
from bot.listeners.views.reject_reason import submitted_reason
from orchestration.models.approval import DecisionInput, DecisionSource, Verdict


async def edited_arguments_submitted(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Validate the arguments, close the modal, then check and signal the approval."""
    values = view.get("state", {}).get("values", {})
    text = values.get(ARGUMENTS_BLOCK, {}).get(ARGUMENTS_INPUT, {}).get("value") or ""
    arguments = parse_edited_arguments(str(text))
    if isinstance(arguments, str):
        await ack(response_action="errors", errors={ARGUMENTS_BLOCK: arguments})
        return
    await ack()
    metadata = json.loads(view.get("private_metadata") or "{}")
    user_id = body["user"]["id"]
    decision = DecisionInput(
        verdict=Verdict.APPROVE,
        user_id=user_id,
        reason=submitted_reason(view)[:2000],
        source=DecisionSource.SLACK,
        click_key=f"{user_id}:view:{view.get('id', '')}",
        request_id=metadata.get("request_id"),
        arguments=arguments,
    )
    channel = str(metadata.get("channel", ""))
    await submit_decision(client, context, str(metadata.get("workflow_id", "")), decision, channel)
