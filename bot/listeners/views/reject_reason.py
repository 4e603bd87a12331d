"""The reject modal's submission: a reason is required; then the decision is signalled."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.decide import ModalDecision, input_value, submit_modal_decision
from bot.modals import REASON_BLOCK, REASON_INPUT, reason_problem
from orchestration.models.approval import Verdict


def submitted_reason(view: dict[str, Any]) -> str:
    """The reason typed into the modal, stripped."""
    return input_value(view, REASON_BLOCK, REASON_INPUT)


async def reject_reason_submitted(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Validate the reason, check and signal the rejection, then close the modal."""
    reason = submitted_reason(view)
    problem = reason_problem(reason) if reason else "Please say why you are rejecting this request."
    if problem is not None:
        await ack(response_action="errors", errors={REASON_BLOCK: problem})
        return
    asked = ModalDecision(Verdict.REJECT, reason, error_block=REASON_BLOCK)
    await submit_modal_decision(ack, client, context, body, view, asked)
