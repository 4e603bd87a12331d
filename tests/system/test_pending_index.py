"""The index a real approval gate keeps, as the pending lists read it: a quorum request shows
for each approver until they approve, for nobody once decided, and never for its requester;
the search attributes say so as the request moves on."""

from __future__ import annotations

from typing import Any

from temporalio.client import WorkflowHandle

from activities.cards import APPROVE_ACTION
from bot.home import waiting_for
from commands.replies import CommandContext
from commands.workflow.pending import pending_approvals
from orchestration import search_attributes as sa
from orchestration.models.order import OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually
from tests.stack import Stack, card_published, large_order

EVERYONE = (APPROVER_ID, APPROVER2_ID, REQUESTER_ID)
ALL_OF_THEM = 1000  # keep every request: other tests' requests may be older


async def shown_to(stack: Stack, workflow_id: str) -> set[str]:
    """Who finds the request in their Home tab's list; "pending" when /workflow pending
    lists it."""
    context = CommandContext(stack.client)
    found = {
        user
        for user in EVERYONE
        if workflow_id
        in {wid for wid, _ in (await waiting_for(context, user, keep=ALL_OF_THEM)).oldest}
    }
    pending = await pending_approvals(context, keep=ALL_OF_THEM)
    if workflow_id in {wid for wid, _ in pending.oldest}:
        found.add("pending")
    return found


async def waiting_for_attribute(handle: WorkflowHandle[Any, Any]) -> list[str] | None:
    found = (await handle.describe()).typed_search_attributes.get(sa.APPROVAL_WAITING_FOR)
    return None if found is None else list(found)


async def test_a_quorum_request_leaves_each_list_as_it_is_approved(stack: Stack) -> None:
    handle = await stack.start_order(large_order(), approvals_required=2)
    card = await stack.card()
    await card_published(handle)
    await assert_eventually(
        lambda: shown_to(stack, handle.id),
        lambda users: users == {APPROVER_ID, APPROVER2_ID, "pending"},
        what="the request in both approvers' lists and in /workflow pending",
    )
    assert await waiting_for_attribute(handle) == [APPROVER_ID, APPROVER2_ID]

    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    await assert_eventually(
        lambda: shown_to(stack, handle.id),
        lambda users: users == {APPROVER2_ID, "pending"},
        what="the request gone from the first approver's list only",
    )
    assert await waiting_for_attribute(handle) == [APPROVER2_ID]

    await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert (await handle.result()).step is OrderStep.COMPLETED
    await assert_eventually(
        lambda: shown_to(stack, handle.id), lambda users: not users, what="gone everywhere"
    )
    attributes = (await handle.describe()).typed_search_attributes
    assert attributes.get(sa.APPROVAL_WAITING_SINCE) is None
    assert attributes.get(sa.APPROVAL_WAITING_FOR) is None
    assert attributes.get(sa.APPROVAL_STATUS) == "approved"
