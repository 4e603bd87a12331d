"""``chatops start order`` and ``chatops approve|reject``: terminal twins of the Slack gestures."""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from temporalio.client import Client

from cli.errors import CliError, describe_validation_error, load_json_model
from cli.examples import EXAMPLES, example_order
from cli.outlook import policy_outlook
from orchestration.decisions import (
    DecisionRefused,
    TemporalUnreachable,
    check_decision,
    load_approval,
    send_decision,
)
from orchestration.models.approval import (
    ApprovalStatus,
    DecisionInput,
    DecisionSource,
    Verdict,
)
from orchestration.models.order import Order, OrderInput, OrderPolicy
from orchestration.policy.match import PolicyRequest
from orchestration.settings import Settings
from orchestration.starts import approval_policy, requester_in_force, start_request
from orchestration.workflows.order import OrderWorkflow, money

CONFIRM_WAIT = 5.0
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


async def start_order(
    client: Client,
    settings: Settings,
    order: Order,
    *,
    ui_url: str | None = None,
) -> str:
    """Start an OrderWorkflow; returns its workflow id."""
    order = order.model_copy(
        update={"requested_by": requester_in_force(settings, order.requested_by)}
    )
    workflow_input = OrderInput(
        order=order,
        policy=OrderPolicy(
            confirm_above=settings.confirm_above,
            approval=approval_policy(settings, ui_url),
        ),
        requester_label=f"chatops CLI ({getpass.getuser()})",
    )
    started = await start_request(
        client,
        settings,
        OrderWorkflow.run,
        workflow_input,
        workflow_id=order.workflow_id,
        kind="order",
        noun="order",
    )
    if started.already_started:
        raise CliError(
            f"order {order.order_id} already exists (workflow {order.workflow_id}); "
            "use a new order_id"
        )
    return started.workflow_id


def pick_order(example: str | None, file: Path | None, requester: str | None) -> Order:
    """The order named on the command line."""
    if file is not None:
        order = load_json_model(file, Order, "order")
    elif example is not None:
        if example not in EXAMPLES:
            raise CliError(f"no example {example!r}; choose one of: {', '.join(EXAMPLES)}")
        order = example_order(example)
    else:
        raise CliError("say which order: --example NAME or --file ORDER.json")
    if requester:
        order = order.model_copy(update={"requested_by": requester})
    return order


async def cmd_start_order(
    client: Client, settings: Settings, order: Order, ui_url: str | None
) -> None:
    """Start the order, print its workflow id (stdout) and what happens next (stderr)."""
    outlook = policy_outlook(
        settings, PolicyRequest(kind="order", amount=order.total), "it is being processed"
    )
    workflow_id = await start_order(client, settings, order, ui_url=ui_url)
    total = money(order.total, order.currency)
    print(workflow_id)
    print(f"Order {order.order_id} ({total}): {outlook}.", file=sys.stderr)


async def cmd_decide(
    client: Client, workflow_id: str, verdict: Verdict, reason: str, as_user: str | None
) -> None:
    """Check, signal, then wait briefly to report whether the decision was applied.

    The decider is the terminal user (``cli:<login>``); ``--as`` records whom they act for.
    The decision is judged by this terminal's clock at the moment it was made.
    """
    user = f"cli:{getpass.getuser()}"
    if as_user is not None and not SLACK_USER_ID.match(as_user):
        raise CliError(f"--as takes a Slack user id such as U0123ABCD, not {as_user[:40]!r}")
    try:
        decision = DecisionInput(
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
    try:
        await check_decision(client, workflow_id, decision)
        await send_decision(client, workflow_id, decision)
    except (DecisionRefused, TemporalUnreachable) as err:
        raise CliError(str(err)) from None
    past = "approved" if verdict is Verdict.APPROVE else "rejected"
    who = f"{user} for {as_user}" if as_user else user
    deadline = time.monotonic() + CONFIRM_WAIT
    while time.monotonic() < deadline:
        try:
            state = await load_approval(client, workflow_id)
        except (DecisionRefused, TemporalUnreachable):
            break  # the signal was accepted; only the confirmation is unavailable
        if verdict is Verdict.APPROVE and state.status is ApprovalStatus.PENDING:
            if user in state.approvals:
                needed = state.approvals_required - len(state.approvals)
                print(f"{workflow_id}: approval recorded as {who}; {needed} more needed.")
                return
        elif state.status is not ApprovalStatus.PENDING:
            if state.decided_by == user and state.status.value == past:
                print(f"{workflow_id}: {past} as {who}.")
                return
            raise CliError(
                f"{workflow_id} was decided otherwise: {state.status.value} by {state.decided_by}."
            )
        await asyncio.sleep(0.2)
    print(
        f"{workflow_id}: decision sent ({verdict.value} as {who}); it applies as soon as a "
        "worker picks it up."
    )
