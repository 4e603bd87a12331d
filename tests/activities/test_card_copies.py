"""Copies of a card in a direct message or another channel: posted once, even when retried;
Slack's refusals of a direct message are permanent. A real client against the stand-in."""

from __future__ import annotations

from dataclasses import replace

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.card_copies import CardCopies
from activities.slack import SlackActivities, new_slack_client
from orchestration.models.approval import CardCopyInput
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    ENGINEERING_CHANNEL_ID,
    OUTSIDER_ID,
    running_sim,
)
from tests.activities.test_slack import waiting_card


async def test_a_copy_in_a_dm_is_posted_once_and_marked_as_the_copy() -> None:
    card = waiting_card().model_copy(update={"copy_key": f"dm:{APPROVER_ID}"})
    async with running_sim() as sim:
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        copies, env = CardCopies(slack), ActivityEnvironment()
        posted = await env.run(copies.post_card_copy, CardCopyInput(card=card, user=APPROVER_ID))
        # A retry (the answer was lost) finds the copy instead of posting another.
        env.info = replace(env.info, attempt=2)
        again = await env.run(copies.post_card_copy, CardCopyInput(card=card, user=APPROVER_ID))
        dm = sim.workspace.app_dm(APPROVER_ID)
        assert (posted.channel, again) == (dm, posted.model_copy(update={"retried": True}))
        [message] = sim.messages(dm)
        assert message["metadata"]["event_payload"] == {
            "card_key": card.card_key,
            "copy": f"dm:{APPROVER_ID}",
        }


async def test_a_copy_in_a_channel_is_not_taken_for_the_card() -> None:
    card = waiting_card()
    async with running_sim() as sim:
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        copies, env = CardCopies(slack), ActivityEnvironment()
        await env.run(slack.post_approval_card, card)
        copy = card.model_copy(update={"copy_key": "step:1"})
        env.info = replace(env.info, attempt=2)
        placed = await env.run(
            copies.post_card_copy, CardCopyInput(card=copy, channel="#approvals")
        )
        elsewhere = await env.run(
            copies.post_card_copy, CardCopyInput(card=copy, channel="engineering")
        )
        assert len(sim.messages(APPROVALS_CHANNEL_ID)) == 2
        assert placed.ts != sim.messages(APPROVALS_CHANNEL_ID)[0]["ts"]
        assert elsewhere.channel == ENGINEERING_CHANNEL_ID


@pytest.mark.parametrize(
    ("user", "code"), [("U0NOBODY01", "user_not_found"), (OUTSIDER_ID, "user_disabled")]
)
async def test_a_dm_slack_refuses_fails_at_once(user: str, code: str) -> None:
    async with running_sim() as sim:
        sim.workspace.users[OUTSIDER_ID].deleted = True
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        with pytest.raises(ApplicationError) as raised:
            await ActivityEnvironment().run(
                CardCopies(slack).post_card_copy, CardCopyInput(card=waiting_card(), user=user)
            )
    assert raised.value.non_retryable and code in raised.value.message
