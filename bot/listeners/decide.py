"""The one path from a Slack gesture to a decision signal, shared by buttons and modals."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.context import tell, temporal_client
from bot.metrics import DECISIONS
from orchestration.decisions import (
    DecisionRefused,
    TemporalUnreachable,
    check_decision,
    send_decision,
)
from orchestration.models.approval import ApprovalState, DecisionInput


async def submit_decision(
    client: AsyncWebClient,
    context: dict[str, Any],
    workflow_id: str,
    decision: DecisionInput,
    channel: str,
    *,
    signal: bool = True,
) -> ApprovalState | None:
    """Check the decision against the published state, then (if ``signal``) send it.

    A decision that cannot win, or that Temporal could not take, is explained to the user
    ephemerally and None is returned; otherwise the state it was checked against.
    """
    temporal = temporal_client(context)
    verdict = decision.verdict.value
    try:
        state = await check_decision(temporal, workflow_id, decision)
        if signal:
            await send_decision(temporal, workflow_id, decision)
    except DecisionRefused as err:
        DECISIONS.labels(verdict=verdict, result="refused").inc()
        await tell(client, channel, decision.user_id, str(err))
        return None
    except TemporalUnreachable as err:
        DECISIONS.labels(verdict=verdict, result="unreachable").inc()
        await tell(client, channel, decision.user_id, str(err))
        return None
    DECISIONS.labels(verdict=verdict, result="sent" if signal else "checked").inc()
    return state
