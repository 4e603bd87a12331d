"""``chatops approve|reject <workflow-id>``: the same decision signal as a click on a card, for
any request that waits for approval (orders, ticket escalations, agent tasks)."""

from __future__ import annotations

import asyncio
import getpass
import re
import time
import uuid
from datetime import UTC, datetime

from pydantic import ValidationError
from temporalio.client import Client

from cli.errors import CliError, describe_validation_error
from cli.names import for_terminal
from orchestration.decisions import (
    DecisionRefused,
    TemporalUnreachable,
    check_decision,
    load_approval,
    send_decision,
)
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    DecisionInput,
    DecisionSource,
    Verdict,
)
from orchestration.settings import Settings
from orchestration.slack_text import escape, mention

CONFIRM_WAIT = 5.0
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


def terminal_decision(
    user: str, verdict: Verdict, reason: str, as_user: str | None
) -> DecisionInput:
    """The decision of ``user`` at this terminal, made now; ``as_user``: whom they act for."""
    if as_user is not None and not SLACK_USER_ID.match(as_user):
        raise CliError(f"--as takes a Slack user id such as U0123ABCD, not {as_user[:40]!r}")
    try:
        return DecisionInput(
            verdict=verdict,
            user_id=user[:64],
            reason=reason,
            source=DecisionSource.CLI,
            click_key=f"cli:{uuid.uuid4().hex}",
            decided_at=datetime.now(UTC),
            on_behalf_of=as_user,
        )
    except ValidationError as err:
        raise CliError(describe_validation_error("cannot send that decision", err)) from None


def _acting(decision: DecisionInput) -> str:
    """Who decided, as mrkdwn: the terminal user, and whom they act for."""
    if decision.on_behalf_of:
        return f"{escape(decision.user_id)} for {mention(decision.on_behalf_of)}"
    return escape(decision.user_id)


def outcome_line(workflow_id: str, decision: DecisionInput, state: ApprovalState) -> str | None:
    """What became of the decision (mrkdwn), once the request's state shows it; None: not yet.

    Raises:
        CliError: someone else decided first.
    """
    user, verdict = decision.user_id, decision.verdict
    past = "approved" if verdict is Verdict.APPROVE else "rejected"
    if state.status is ApprovalStatus.PENDING:
        if verdict is Verdict.APPROVE and user in state.approvals:
            needed = state.approvals_required - len(state.approvals)
            return f"{workflow_id}: approval recorded as {_acting(decision)}; {needed} more needed."
        return None
    if state.decided_by == user and state.status.value == past:
        return f"{workflow_id}: {past} as {_acting(decision)}."
    raise CliError(
        f"{workflow_id} was decided otherwise: {state.status.value} by {mention(state.decided_by)}."
    )


async def cmd_decide(
    client: Client,
    settings: Settings,
    workflow_id: str,
    verdict: Verdict,
    reason: str,
    as_user: str | None,
) -> None:
    """Check, signal, then wait briefly to report whether the decision was applied.

    The decider is the terminal user (``cli:<login>``); ``--as`` records whom they act for.
    The decision is judged by this terminal's clock at the moment it was made. People are
    named as Slack shows them.
    """
    decision = terminal_decision(f"cli:{getpass.getuser()}", verdict, reason, as_user)
    try:
        await check_decision(client, workflow_id, decision)
        await send_decision(client, workflow_id, decision)
        line = await _outcome(client, workflow_id, decision)
    except (DecisionRefused, TemporalUnreachable, CliError) as err:
        raise CliError(await for_terminal(settings, str(err))) from None
    print(await for_terminal(settings, line))


async def _outcome(client: Client, workflow_id: str, decision: DecisionInput) -> str:
    """Wait briefly for the decision to show in the request's state; what it did."""
    deadline = time.monotonic() + CONFIRM_WAIT
    while time.monotonic() < deadline:
        try:
            state = await load_approval(client, workflow_id)
        except (DecisionRefused, TemporalUnreachable):
            break  # the signal was accepted; only the confirmation is unavailable
        line = outcome_line(workflow_id, decision, state)
        if line is not None:
            return line
        await asyncio.sleep(0.2)
    return (
        f"{workflow_id}: decision sent ({decision.verdict.value} as {_acting(decision)}); it "
        "applies as soon as a worker picks it up."
    )
