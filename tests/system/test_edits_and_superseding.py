"""Approve with edits, and requests that change while they wait: the old card is marked
superseded and refuses clicks; a new card asks again."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from activities.cards import APPROVE_ACTION, EDIT_ACTION
from bot.modals import ARGUMENTS_BLOCK, ARGUMENTS_INPUT, REASON_BLOCK, REASON_INPUT
from orchestration.approval import ApprovableWorkflow
from orchestration.models.agent import AgentTaskOutcome
from orchestration.models.approval import ApprovalStatus, AttemptResult
from orchestration.models.order import OrderAmendment, OrderItem, OrderStep
from orchestration.workflows.agent_task import AgentTaskWorkflow
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually
from tests.stack import Stack, large_order
from tests.system.test_agent_tasks import start


def texts(message: dict[str, Any]) -> str:
    """Every text on a card: sections, their fields, context lines."""
    parts = []
    for block in message["blocks"]:
        for element in [
            block.get("text") or {},
            *block.get("fields", []),
            *block.get("elements", []),
        ]:
            text = element.get("text")
            parts.append(text if isinstance(text, str) else "")
    return " ".join(parts)


async def cards(stack: Stack, count: int) -> list[dict[str, Any]]:
    """The top-level messages in #approvals once there are ``count`` of them."""
    return await assert_eventually(
        stack.messages, lambda m: len(m) >= count, what=f"{count} messages in #approvals"
    )


async def open_edit_modal(stack: Stack, user: str, ts: str) -> dict[str, Any]:
    delivery = await stack.sim.click(user, APPROVALS_CHANNEL_ID, ts, EDIT_ACTION)
    assert delivery.status == 200
    views = await assert_eventually(lambda: stack.sim.open_views(user), bool, what="the edit modal")
    return dict(views[0])


def initial_arguments(view: dict[str, Any]) -> dict[str, Any]:
    block = next(b for b in view["blocks"] if b.get("block_id") == ARGUMENTS_BLOCK)
    return dict(json.loads(block["element"]["initial_value"]))


async def test_approve_with_edits_runs_the_edited_arguments(stack: Stack) -> None:
    handle = await start(
        stack, tool="kubectl", action="delete", target="staging-pods", arguments={"count": 12}
    )
    card = await stack.card()
    buttons = [
        e["text"]["text"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["Approve", "Approve with edits", "Reject"]

    view = await open_edit_modal(stack, APPROVER_ID, card["ts"])
    assert initial_arguments(view) == {"count": 12}
    bad = await stack.sim.submit_view(
        APPROVER_ID, view["id"], {ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: "[1, 2]"}}
    )
    assert bad.errors == {ARGUMENTS_BLOCK: 'Arguments must be a JSON object, e.g. {"replicas": 3}.'}
    bad = await stack.sim.submit_view(
        APPROVER_ID, view["id"], {ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: '{"count": '}}
    )
    assert bad.errors is not None and bad.errors[ARGUMENTS_BLOCK].startswith("Not valid JSON")
    state = await handle.query(ApprovableWorkflow.approval)
    assert state is not None and state.status is ApprovalStatus.PENDING  # nothing was sent

    submitted = await stack.sim.submit_view(
        APPROVER_ID,
        view["id"],
        {
            ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: '{"count": 2, "dry_run": false}'},
            REASON_BLOCK: {REASON_INPUT: "two at a time"},
        },
    )
    assert submitted.status == 200 and not submitted.errors

    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.COMPLETED
    # What ran is what the approver submitted; the audit shows it too.
    assert [r.task.arguments for r in stack.agents.ran] == [{"count": 2, "dry_run": False}]
    approval = result.approval
    assert approval is not None and approval.status is ApprovalStatus.APPROVED
    assert (approval.edited_by, approval.arguments) == (APPROVER_ID, {"count": 2, "dry_run": False})
    applied = [a for a in approval.attempts if a.result is AttemptResult.APPLIED]
    assert [(a.user_id, a.arguments, a.reason) for a in applied] == [
        (APPROVER_ID, {"count": 2, "dry_run": False}, "two at a time")
    ]
    assert (await handle.query(AgentTaskWorkflow.task)).arguments == {"count": 2, "dry_run": False}
    final = await assert_eventually(
        stack.card, lambda m: "Agent task completed" in m["text"], what="the final card"
    )
    assert "*Approved* with edits by <@U0APPROVE1>" in texts(final)
    assert '{"count": 2, "dry_run": false}' in texts(final)


async def test_deeply_nested_edits_are_answered_with_a_field_error(stack: Stack) -> None:
    handle = await start(
        stack, tool="kubectl", action="delete", target="staging-pods", arguments={"count": 12}
    )
    card = await stack.card()
    view = await open_edit_modal(stack, APPROVER_ID, card["ts"])
    for text, error in [
        ("[" * 100_000, "Too long: at most 3000 characters."),
        ("[" * 2_900, "Nested too deeply: at most 20 levels of lists and objects."),
    ]:
        answered = await stack.sim.submit_view(
            APPROVER_ID, view["id"], {ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: text}}
        )
        assert (answered.status, answered.error) == (200, None)
        assert answered.errors == {ARGUMENTS_BLOCK: error}
    state = await handle.query(ApprovableWorkflow.approval)
    assert state is not None and state.status is ApprovalStatus.PENDING  # nothing was sent


async def test_edits_under_quorum_supersede_the_card_and_ask_again(stack: Stack) -> None:
    handle = await start(
        stack, tool="kubectl", action="scale", target="prod-web", arguments={"replicas": 9}
    )
    first = await stack.card()
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, first["ts"], APPROVE_ACTION)
    await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and s.approvals == [APPROVER_ID],
        what="the first approval",
    )
    view = await open_edit_modal(stack, APPROVER2_ID, first["ts"])
    await stack.sim.submit_view(
        APPROVER2_ID, view["id"], {ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: '{"replicas": 4}'}}
    )

    # The old card says it was superseded and has no buttons; a new card asks again.
    messages = await cards(stack, 2)
    old = await assert_eventually(
        lambda: stack.sim.message(APPROVALS_CHANNEL_ID, first["ts"]),
        lambda m: "Superseded" in m["text"],
        what="the old card marked superseded",
    )
    assert not any(b["type"] == "actions" for b in old["blocks"])
    assert "approved it with edits; a new card asks again" in texts(old)
    new = messages[1]
    assert '{"replicas": 4}' in texts(new)
    assert "1 of 2 approvals: <@U0APPROVE2>" in texts(new)

    # A click on the old card (by a client still showing its buttons) is refused.
    await stack.sim.click(
        APPROVER_ID, APPROVALS_CHANNEL_ID, first["ts"], APPROVE_ACTION, as_shown=first["blocks"]
    )
    told = await assert_eventually(
        lambda: stack.sim.ephemerals(APPROVER_ID), bool, what="the refusal"
    )
    assert told[-1]["text"].startswith("This card is out of date")
    state = await handle.query(ApprovableWorkflow.approval)
    assert state is not None and state.status is ApprovalStatus.PENDING
    assert state.approvals == [APPROVER2_ID] and state.request_id == "2"

    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, new["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.COMPLETED
    assert [r.task.arguments for r in stack.agents.ran] == [{"replicas": 4}]
    assert result.approval is not None and result.approval.approvals == [APPROVER2_ID, APPROVER_ID]


async def test_amending_a_waiting_order_supersedes_its_card(stack: Stack) -> None:
    order = large_order()
    handle = await stack.start_order(order)
    first = await stack.card()
    laptop = OrderItem(sku="LAPTOP-13", name="Laptop 13in", quantity=1, unit_price=Decimal("1299"))
    # An amendment the order cannot take is refused and recorded; the card stays.
    await handle.signal(
        OrderWorkflow.amend, OrderAmendment(items=[laptop, laptop], amended_by=REQUESTER_ID)
    )
    status = await assert_eventually(
        lambda: handle.query(OrderWorkflow.status), lambda s: len(s.amendments) == 1
    )
    refusal = status.amendments[0].refusal
    assert refusal is not None and "each SKU may appear only once" in refusal
    assert stack.sim.message(APPROVALS_CHANNEL_ID, first["ts"])["text"] == first["text"]

    await handle.signal(
        OrderWorkflow.amend, OrderAmendment(items=[laptop], amended_by=REQUESTER_ID, reason="13in")
    )
    messages = await cards(stack, 2)
    old = await assert_eventually(
        lambda: stack.sim.message(APPROVALS_CHANNEL_ID, first["ts"]),
        lambda m: "Superseded" in m["text"],
        what="the old card marked superseded",
    )
    assert "<@U0REQUEST1> changed the request while it waited" in texts(old)
    assert "The order is now $1,299.00." in texts(old)
    assert "$1,299.00" in messages[1]["text"]

    await stack.sim.click(
        APPROVER_ID, APPROVALS_CHANNEL_ID, first["ts"], APPROVE_ACTION, as_shown=first["blocks"]
    )
    told = await assert_eventually(
        lambda: stack.sim.ephemerals(APPROVER_ID), bool, what="the refusal"
    )
    assert told[-1]["text"].startswith("This card is out of date")

    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, messages[1]["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert [c.amount for c in stack.services.charges.values()] == [Decimal("1299.00")]
    status = await handle.query(OrderWorkflow.status)
    assert [(a.applied, a.total) for a in status.amendments] == [
        (False, Decimal("2598")),
        (True, Decimal("1299")),
    ]
    assert result.approval is not None and result.approval.request_id == "2"
