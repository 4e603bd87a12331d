"""Approve and Reject on an approval card, or on the Home tab.

Approve: check the clicker and the request's state (``describe()``, which works with no
worker running), signal, and only then acknowledge (see ``bot.listeners.decide``). Reject and
Approve with edits change nothing yet: they are acknowledged at once, checked, and open a
modal; the decision is sent when the modal is submitted.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from activities.cards import arguments_json, parse_decision_value
from bot.listeners.decide import (
    confirm_on_home,
    modal_metadata,
    refuse_then_ack,
    settle,
    slack_time,
    tell_where,
)
from bot.modals import MAX_INPUT_LENGTH, edit_modal, reject_modal
from orchestration.models.approval import ApprovalState, DecisionInput, DecisionSource, Verdict


def click_decision(body: dict[str, Any], verdict: Verdict) -> tuple[str, DecisionInput]:
    """The workflow id and decision a click stands for, made at Slack's ``action_ts``."""
    action = body["actions"][0]
    workflow_id, request_id = parse_decision_value(action.get("value", ""))
    user_id = body["user"]["id"]
    action_ts = action.get("action_ts", "")
    decision = DecisionInput(
        verdict=verdict,
        user_id=user_id,
        source=DecisionSource.SLACK,
        click_key=f"{user_id}:{action_ts}",
        request_id=request_id,
        decided_at=slack_time(action_ts),
        channel=(card_channel(body) or "")[:64] or None,
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
    """Approve: check, signal, then acknowledge."""
    workflow_id, decision = click_decision(body, Verdict.APPROVE)
    channel = card_channel(body)
    settled = await settle(context, workflow_id, decision)
    if settled.refusal is not None:
        await refuse_then_ack(ack, client, context, decision.user_id, channel, settled.refusal)
        return
    await ack()
    if channel is None and settled.state is not None:
        await confirm_on_home(client, context, workflow_id, decision, settled.state)


async def checked_for_modal(
    body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any], edit: bool
) -> tuple[str, ApprovalState] | None:
    """The request a Reject or Approve-with-edits click opens a modal for, once checked; None
    (with the person told why) when the click cannot win."""
    verdict = Verdict.APPROVE if edit else Verdict.REJECT
    workflow_id, decision = click_decision(body, verdict)
    if edit:
        decision.arguments = {}  # checked as an edit: refused when there is nothing to edit
    channel = card_channel(body)
    settled = await settle(context, workflow_id, decision, signal=False)
    if settled.refusal is not None or settled.state is None:
        await tell_where(client, context, decision.user_id, channel, settled.refusal or "")
        return None
    return workflow_id, settled.state


async def reject_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Reject: check, then open the modal that asks why (the trigger lives 3 s)."""
    await ack()
    checked = await checked_for_modal(body, client, context, edit=False)
    if checked is None:
        return
    workflow_id, state = checked
    metadata = modal_metadata(workflow_id, state.request_id, card_channel(body))
    await client.views_open(trigger_id=body["trigger_id"], view=reject_modal(metadata, state.title))


async def edit_clicked(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Approve with edits: check, then open the modal with the arguments to change."""
    await ack()
    checked = await checked_for_modal(body, client, context, edit=True)
    if checked is None:
        return
    workflow_id, state = checked
    channel = card_channel(body)
    current = arguments_json(state.arguments or {})
    if len(current) > MAX_INPUT_LENGTH:
        await tell_where(
            client,
            context,
            body["user"]["id"],
            channel,
            f"These arguments are too long to edit in Slack ({len(current)} characters, at most "
            f"{MAX_INPUT_LENGTH}); approve or reject them as they are. Nothing was changed.",
        )
        return
    metadata = modal_metadata(workflow_id, state.request_id, channel)
    view = edit_modal(metadata, state.title, state.arguments or {})
    await client.views_open(trigger_id=body["trigger_id"], view=view)
