"""A card whose message is gone (deleted in Slack, a stand-in that lost it) is posted again
with the request's state, and the workflow goes on at once instead of retrying."""

from __future__ import annotations

import asyncio

from activities.cards import APPROVE_ACTION, decision_value
from orchestration.approval import MEMO_KEY
from orchestration.models.order import OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID
from tests.helpers import assert_eventually
from tests.stack import Stack, large_order


async def test_a_deleted_card_is_posted_again_with_the_outcome(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    stack.sim.workspace.delete(APPROVALS_CHANNEL_ID, card["ts"])
    # With the card gone, the approver decides from the Home tab.
    await stack.sim.open_home(APPROVER_ID)
    value = decision_value(handle.id, "1")
    await assert_eventually(
        lambda: str(stack.sim.home_view(APPROVER_ID) or ""), lambda text: value in text
    )
    clicked = await stack.sim.click_home(APPROVER_ID, APPROVE_ACTION, value=value)
    assert clicked.status == 200
    result = await asyncio.wait_for(handle.result(), 20)
    assert result.step is OrderStep.COMPLETED
    final = await assert_eventually(
        stack.messages, lambda m: len(m) == 1 and "Order completed" in m[0]["text"]
    )
    assert final[0]["ts"] != card["ts"]
    assert not any(b["type"] == "actions" for b in final[0]["blocks"])
    state = await (await handle.describe()).memo_value(MEMO_KEY, {})
    assert state["message_ts"] == final[0]["ts"] and state["card_error"] is None
