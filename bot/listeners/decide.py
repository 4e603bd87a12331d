"""The one path from a Slack gesture to a decision signal, shared by buttons and modals.

A gesture comes from a card in a channel, or from the Home tab (``channel`` None). Answers go
back where the person is: an ephemeral message in the channel, or a notice on their Home tab.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import decision_value, escape
from bot.context import tell, temporal_client
from bot.home import publish_home
from bot.metrics import DECISIONS
from orchestration.decisions import (
    DecisionRefused,
    TemporalUnreachable,
    check_decision,
    send_decision,
)
from orchestration.models.approval import ApprovalState, DecisionInput, DecisionSource, Verdict


async def submit_decision(
    client: AsyncWebClient,
    context: dict[str, Any],
    workflow_id: str,
    decision: DecisionInput,
    channel: str | None,
    *,
    signal: bool = True,
) -> ApprovalState | None:
    """Check the decision against the published state, then (if ``signal``) send it.

    A decision that cannot win, or that Temporal could not take, is explained to the user
    (see :func:`answer`) and None is returned; otherwise the state it was checked against.
    """
    temporal = temporal_client(context)
    verdict = decision.verdict.value
    try:
        state = await check_decision(temporal, workflow_id, decision)
        if signal:
            await send_decision(temporal, workflow_id, decision)
    except DecisionRefused as err:
        DECISIONS.labels(verdict=verdict, result="refused").inc()
        await answer(client, context, decision.user_id, channel, str(err))
        return None
    except TemporalUnreachable as err:
        DECISIONS.labels(verdict=verdict, result="unreachable").inc()
        await answer(client, context, decision.user_id, channel, str(err))
        return None
    DECISIONS.labels(verdict=verdict, result="sent" if signal else "checked").inc()
    if signal and channel is None:
        done = "approved" if decision.verdict is Verdict.APPROVE else "rejected"
        edits = " with edits" if decision.arguments is not None else ""
        await publish_home(
            client,
            temporal,
            decision.user_id,
            notice=f"You {done} *{escape(state.title)}*{edits}. Its card shows the outcome.",
            decided=(decision_value(workflow_id, state.request_id),),
        )
    return state


async def answer(
    client: AsyncWebClient, context: dict[str, Any], user_id: str, channel: str | None, text: str
) -> None:
    """Tell ``user_id`` something: ephemerally in ``channel``, or on their Home tab."""
    if channel is None:
        await publish_home(client, temporal_client(context), user_id, notice=text)
    else:
        await tell(client, channel, user_id, text)


def modal_metadata(workflow_id: str, request_id: str, channel: str | None) -> str:
    """What a decision modal carries (a ``view_submission`` has no message context)."""
    return json.dumps({"workflow_id": workflow_id, "request_id": request_id, "channel": channel})


def input_value(view: dict[str, Any], block: str, action: str) -> str:
    """The text typed into one input of a submitted modal, stripped."""
    values = view.get("state", {}).get("values", {})
    return str(values.get(block, {}).get(action, {}).get("value") or "").strip()


async def submit_modal_decision(
    client: AsyncWebClient,
    context: dict[str, Any],
    body: dict[str, Any],
    view: dict[str, Any],
    verdict: Verdict,
    reason: str,
    arguments: dict[str, Any] | None = None,
) -> None:
    """The decision a submitted modal stands for: checked, then signalled."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    user_id = body["user"]["id"]
    decision = DecisionInput(
        verdict=verdict,
        user_id=user_id,
        reason=reason[:2000],
        source=DecisionSource.SLACK,
        click_key=f"{user_id}:view:{view.get('id', '')}",
        request_id=metadata.get("request_id"),
        arguments=arguments,
    )
    workflow_id = str(metadata.get("workflow_id", ""))
    channel = metadata.get("channel")  # null: opened from the Home tab
    await submit_decision(client, context, workflow_id, decision, channel and str(channel))
