"""A card is in Slack once: when its post had to be retried, a second message that an earlier
attempt left late (its answer timed out, Slack posted it anyway) is deleted at the next
redraw, so no card is left behind with buttons."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from activities.cards import APPROVE_ACTION
from orchestration.approval import MEMO_KEY
from orchestration.models.order import OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_BOT_TOKEN
from tests.helpers import assert_eventually
from tests.stack import Stack, card_published, large_order


async def test_a_card_whose_post_landed_twice_ends_as_one_card(stack: Stack) -> None:
    stack.sim.faults.add("chat.postMessage", "error")  # the first attempt fails: retried
    handle = await stack.start_order(large_order())
    card = await stack.card()
    await card_published(handle)
    state = await (await handle.describe()).memo_value(MEMO_KEY, {})
    assert state["stray_posts_possible"] is True
    # The first attempt's post lands after all: the same card, with the same key.
    slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=stack.sim.api_url)
    await slack.chat_postMessage(
        channel=APPROVALS_CHANNEL_ID,
        text=card["text"],
        blocks=card["blocks"],
        metadata=card["metadata"],
    )
    assert len(await stack.messages()) == 2

    clicked = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert clicked.status == 200
    assert (await handle.result()).step is OrderStep.COMPLETED
    final = await assert_eventually(
        stack.messages, lambda m: len(m) == 1 and "Order completed" in m[0]["text"]
    )
    assert final[0]["ts"] == card["ts"]
    assert [c.ok for c in stack.sim.calls_to("chat.delete")] == [True]
