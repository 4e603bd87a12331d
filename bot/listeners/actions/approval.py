"""Approve and Reject on an approval card.

Ack first; then check the clicker and the request's state (``describe()``, which works with
no worker running) so a click that cannot win is answered at once; then signal. Reject opens
a modal for the reason, Approve with edits a modal with the arguments; the decision is sent
when the modal is submitted.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import (
    MAX_INPUT_LENGTH,
    arguments_json,
    edit_modal,
    parse_decision_value,
    reject_modal,
)
from bot.listeners.decide import answer, modal_metadata, submit_decision
from orchestration.models.approval import DecisionInput, DecisionSource, Verdict


def click_decision(body: dict[str, Any], verdict: Verdict) -> tuple[str, DecisionInput]:
    """The workflow id and decision a click stands for."""
    action = body["actions"][0]
    workflow_id, request_id = parse_decision_value(action.get("value", ""))
    user_id = body["user"]["id"]
    decision = DecisionInput(
        verdict=verdict,
        user_id=user_id,
        source=DecisionSource.SLACK,
        click_key=f"{user_id}:{action.get('action_ts', '')}",
        request_id=request_id,
    )
    return workflow_id, decision


def card_channel(body: dict[str, Any]) -> str | None:
    """The channel of the card that was clicked; None for a click on the Home tab."""
    container = body.get("container") or {}
    if container.get("type") == "view":
        return None
    return str(container.get("channel_id") or body["channel"]["id"])


async def approve_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Approve: check, then signal."""
    await ack()
    workflow_id, decision = click_decision(body, Verdict.APPROVE)
    await submit_decision(client, context, workflow_id, decision, card_channel(body))


async def reject_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Reject: check, then open the modal that asks why (the trigger lives 3 s)."""
    await ack()
    workflow_id, decision = click_decision(body, Verdict.REJECT)
    channel = card_channel(body)
    state = await submit_decision(client, context, workflow_id, decision, channel, signal=False)
    if state is None:
        return
    metadata = modal_metadata(workflow_id, state.request_id, channel)
    await client.views_open(trigger_id=body["trigger_id"], view=reject_modal(metadata, state.title))


async def edit_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Approve with edits: check, then open the modal with the arguments to change."""
    await ack()
    workflow_id, decision = click_decision(body, Verdict.APPROVE)
    decision.arguments = {}  # checked as an edit: refused when there is nothing to edit
    channel = card_channel(body)
    state = await submit_decision(client, context, workflow_id, decision, channel, signal=False)
    if state is None:
        return
    current = arguments_json(state.arguments or {})
    if len(current) > MAX_INPUT_LENGTH:
        await answer(
            client,
            context,
            decision.user_id,
            channel,
            f"These arguments are too long to edit in Slack ({len(current)} characters, at most "
            f"{MAX_INPUT_LENGTH}); approve or reject them as they are. Nothing was changed.",
        )
        return
    metadata = modal_metadata(workflow_id, state.request_id, channel)
    view = edit_modal(metadata, state.title, state.arguments or {})
    await client.views_open(trigger_id=body["trigger_id"], view=view)
