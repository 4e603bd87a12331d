"""The "Approve with edits" modal's submission: the arguments must be a JSON object; then the
approval, with the edited arguments, is checked and signalled before the modal closes."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.decide import ModalDecision, input_value, submit_modal_decision
from bot.listeners.views.reject_reason import submitted_reason
from bot.modals import (
    ARGUMENTS_BLOCK,
    ARGUMENTS_INPUT,
    REASON_BLOCK,
    parse_edited_arguments,
    reason_problem,
)
from orchestration.models.approval import Verdict


async def edited_arguments_submitted(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Validate the arguments, then check and signal the approval, then close the modal."""
    arguments = parse_edited_arguments(input_value(view, ARGUMENTS_BLOCK, ARGUMENTS_INPUT))
    if isinstance(arguments, str):
        await ack(response_action="errors", errors={ARGUMENTS_BLOCK: arguments})
        return
    reason = submitted_reason(view)
    problem = reason_problem(reason)
    if problem is not None:
        await ack(response_action="errors", errors={REASON_BLOCK: problem})
        return
    asked = ModalDecision(Verdict.APPROVE, reason, error_block=ARGUMENTS_BLOCK, arguments=arguments)
    await submit_modal_decision(ack, client, context, body, view, asked)
