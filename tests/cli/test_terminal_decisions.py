"""Decisions and amendments from a terminal: recorded as the terminal user, at most one
terminal approval towards a quorum, and amendments refused once a request is decided."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from activities.cards import APPROVE_ACTION
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import DecisionSource
from orchestration.models.order import OrderStep
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID
from tests.cli.test_cli import chatops
from tests.helpers import assert_eventually
from tests.stack import Stack, approve_while_slack_is_slow, large_order


async def test_one_terminal_user_cannot_fill_a_two_person_quorum(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    handle = await stack.start_order(large_order(), approvals_required=2)
    card = await stack.card()
    alice = await chatops("approve", handle.id, "--as", APPROVER_ID, env=cli_env | _login("alice"))
    assert alice.code == 0, alice.err
    assert (
        alice.out.strip()
        == f"{handle.id}: approval recorded as cli:alice for @{APPROVER_ID}; 1 more needed."
    )
    bob = await chatops("approve", handle.id, "--as", APPROVER2_ID, env=cli_env | _login("bob"))
    assert bob.code == 1
    assert bob.err.strip() == (
        "error: An approval from the command line already counts towards this request; the "
        "others must come from approvers in Slack. Nothing was changed."
    )
    clicked = await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert clicked.status == 200
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    approval = await handle.query(ApprovableWorkflow.approval)
    assert approval is not None and approval.approvals == ["cli:alice", APPROVER2_ID]
    marks = [(m.user_id, m.source, m.on_behalf_of) for m in approval.approval_marks]
    assert marks == [
        ("cli:alice", DecisionSource.CLI, APPROVER_ID),
        (APPROVER2_ID, DecisionSource.SLACK, None),
    ]
    # The card says where each approval came from.
    final = await assert_eventually(stack.card, lambda m: "Order completed" in m["text"])
    assert (
        f"*Approved* by cli:alice for <@{APPROVER_ID}> (from the command line) and "
        f"<@{APPROVER2_ID}> (in Slack) at "
    ) in str(final["blocks"])


async def test_amend_is_refused_once_the_request_is_decided(
    stack: Stack, cli_env: dict[str, str], tmp_path: Path
) -> None:
    order = large_order()
    handle = await stack.start_order(order)
    # Long enough for a terminal command to start and answer inside the window.
    await approve_while_slack_is_slow(stack, handle, await stack.card(), seconds=8)
    items = tmp_path / "items.json"
    items.write_text(
        json.dumps({"items": [{"sku": "GPU-9", "name": "GPU", "quantity": 9, "unit_price": "999"}]})
    )
    late = await chatops("amend", handle.id, "--file", str(items), env=cli_env)
    assert late.code == 1
    assert late.err.strip() == (
        f"error: {handle.id}: amendment refused: the order's approval request was already "
        "approved; amendments are taken only while it waits for a decision"
    )
    status = await handle.query(OrderWorkflow.status)
    assert [(a.applied, a.total) for a in status.amendments] == [(False, Decimal("8991"))]
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert stack.services.charges[order.order_id].amount == order.total


def _login(name: str) -> dict[str, str]:
    """The terminal user a process runs as (``getpass.getuser()`` reads these first)."""
    return {"LOGNAME": name, "USER": name, "LNAME": name, "USERNAME": name}


async def test_bad_decision_arguments_are_clear_errors(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    bad_as = await chatops("approve", handle.id, "--as", "<!channel>", env=cli_env)
    assert (bad_as.code, bad_as.err.strip()) == (
        1,
        "error: --as takes a Slack user id such as U0123ABCD, not '<!channel>'",
    )
    long = await chatops("reject", handle.id, "--reason", "x" * 2001, env=cli_env)
    assert long.code == 1
    assert long.err.splitlines() == [
        "error: cannot send that decision:",
        "  reason: String should have at most 2000 characters",
    ]
    approval = await handle.query(ApprovableWorkflow.approval)
    assert approval is not None and approval.attempts == []
