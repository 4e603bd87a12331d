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


def outcome_line(workflow_id: str, decision: DecisionInput, state: ApprovalState) -> str | None:
    """What became of the decision, once the request's state shows it; None: not yet."""
    user, verdict = decision.user_id, decision.verdict
    past = "approved" if verdict is Verdict.APPROVE else "rejected"
    who = f"{user} for {decision.on_behalf_of}" if decision.on_behalf_of else user
    if state.status is ApprovalStatus.PENDING:
        if verdict is Verdict.APPROVE and user in state.approvals:
            needed = state.approvals_required - len(state.approvals)
            return f"{workflow_id}: approval recorded as {who}; {needed} more needed."
        return None
    if state.decided_by == user and state.status.value == past:
        return f"{workflow_id}: {past} as {who}."
    raise CliError(
        f"{workflow_id} was decided otherwise: {state.status.value} by {state.decided_by}."
    )


async def cmd_decide(
    client: Client, workflow_id: str, verdict: Verdict, reason: str, as_user: str | None
) -> None:
    """Check, signal, then wait briefly to report whether the decision was applied.

    The decider is the terminal user (``cli:<login>``); ``--as`` records whom they act for.
    The decision is judged by this terminal's clock at the moment it was made.
    """
    decision = terminal_decision(f"cli:{getpass.getuser()}", verdict, reason, as_user)
    try:
        await check_decision(client, workflow_id, decision)
        await send_decision(client, workflow_id, decision)
    except (DecisionRefused, TemporalUnreachable) as err:
        raise CliError(str(err)) from None
    deadline = time.monotonic() + CONFIRM_WAIT
    while time.monotonic() < deadline:
        try:
            state = await load_approval(client, workflow_id)
        except (DecisionRefused, TemporalUnreachable):
            break  # the signal was accepted; only the confirmation is unavailable
        line = outcome_line(workflow_id, decision, state)
        if line is not None:
            print(line)
            return
        await asyncio.sleep(0.2)
    who = f"{decision.user_id} for {as_user}" if as_user else decision.user_id
    print(
        f"{workflow_id}: decision sent ({verdict.value} as {who}); it applies as soon as a "
        "worker picks it up."
    )
