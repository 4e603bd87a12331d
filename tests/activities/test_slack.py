"""Slack errors map onto Temporal's retry semantics; a real client against the stand-in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.errors import SlackApiError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.slack import SlackActivities, new_slack_client, to_application_error
from orchestration.models.approval import (
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalState,
    CardInput,
    EphemeralInput,
    ResolveApproversInput,
    ThreadReplyInput,
)
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    APPROVERS_GROUP_ID,
    BOT_USER_ID,
    DEFAULT_BOT_TOKEN,
    OUTSIDER_ID,
    SlackSim,
    running_sim,
)


async def slack_error(
    sim: SlackSim, method: str, token: str = DEFAULT_BOT_TOKEN, **args: str
) -> SlackApiError:
    client = new_slack_client(token, sim.api_url)
    with pytest.raises(SlackApiError) as raised:
        await client.api_call(method, json=args)
    return raised.value


async def test_rate_limit_becomes_a_retry_after_delay() -> None:
    async with running_sim() as sim:
        sim.faults.add("chat.postMessage", "ratelimit", retry_after=7)
        err = to_application_error(
            "chat.postMessage",
            await slack_error(sim, "chat.postMessage", channel="approvals", text="x"),
        )
    assert err.type == "SlackRateLimited" and not err.non_retryable
    assert err.next_retry_delay == timedelta(seconds=7)


@pytest.mark.parametrize(
    ("method", "token", "args", "code"),
    [
        (
            "chat.postMessage",
            DEFAULT_BOT_TOKEN,
            {"channel": "nowhere", "text": "x"},
            "channel_not_found",
        ),
        ("chat.postMessage", "xoxb-wrong", {"channel": "approvals", "text": "x"}, "invalid_auth"),
        (
            "chat.update",
            DEFAULT_BOT_TOKEN,
            {"channel": "C0APPROVAL", "ts": "1.2", "text": "x"},
            "message_not_found",
        ),
    ],
)
async def test_permanent_errors_are_not_retried(
    method: str, token: str, args: dict[str, str], code: str
) -> None:
    async with running_sim() as sim:
        err = to_application_error(method, await slack_error(sim, method, token, **args))
    assert err.non_retryable and err.type == "SlackPermanentError"
    assert err.message == f"Slack refused {method}: {code}"


async def test_server_errors_are_retried() -> None:
    async with running_sim() as sim:
        sim.faults.add("chat.postMessage", "error", status=503)
        err = to_application_error(
            "chat.postMessage",
            await slack_error(sim, "chat.postMessage", channel="approvals", text="x"),
        )
    assert not err.non_retryable and err.type == "SlackError"


async def test_user_groups_expand_to_members() -> None:
    async with running_sim() as sim:
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        result = await slack.resolve_approvers(
            ResolveApproversInput(ids=[OUTSIDER_ID, APPROVERS_GROUP_ID, APPROVER_ID])
        )
    assert result.user_ids == [OUTSIDER_ID, APPROVER_ID, APPROVER2_ID]


async def test_ephemeral_to_someone_outside_the_channel_is_permanent() -> None:
    async with running_sim() as sim:
        sim.workspace.channels["C0APPROVAL"].members.discard(OUTSIDER_ID)
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        with pytest.raises(ApplicationError) as raised:
            await slack.post_ephemeral(
                EphemeralInput(channel="C0APPROVAL", user=OUTSIDER_ID, text="hi")
            )
    assert raised.value.non_retryable


async def test_retried_post_in_a_channel_the_bot_cannot_read_still_posts() -> None:
    now = datetime.now(UTC)
    card = CardInput(
        request=ApprovalRequest(
            kind="order", subject_id="O-1", title="Order O-1", policy=ApprovalPolicy()
        ),
        state=ApprovalState(
            request_id="1",
            kind="order",
            subject_id="O-1",
            title="Order O-1",
            requested_at=now,
            deadline=now + timedelta(minutes=5),
        ),
        workflow_id="order-O-1",
        card_key="order-O-1/run/1",
    )
    async with running_sim() as sim:
        sim.workspace.channels[APPROVALS_CHANNEL_ID].members.discard(BOT_USER_ID)
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        env = ActivityEnvironment()
        env.info = replace(env.info, attempt=2)
        posted = await env.run(slack.post_approval_card, card)
        assert posted.channel == APPROVALS_CHANNEL_ID
        assert [m["ts"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == [posted.ts]
        assert [c.error for c in sim.calls_to("conversations.history")] == ["not_in_channel"]


def waiting_card(workflow_id: str = "order-O-2") -> CardInput:
    now = datetime.now(UTC)
    return CardInput(
        request=ApprovalRequest(
            kind="order", subject_id="O-2", title="Order O-2", policy=ApprovalPolicy()
        ),
        state=ApprovalState(
            request_id="1",
            kind="order",
            subject_id="O-2",
            title="Order O-2",
            requested_at=now,
            deadline=now + timedelta(minutes=5),
        ),
        workflow_id=workflow_id,
        card_key=f"{workflow_id}/run/1",
    )


async def test_an_unknown_slack_error_is_permanent() -> None:
    async with running_sim() as sim:
        sim.workspace.channels[APPROVALS_CHANNEL_ID].is_archived = True
        err = to_application_error(
            "chat.postMessage",
            await slack_error(sim, "chat.postMessage", channel=APPROVALS_CHANNEL_ID, text="x"),
        )
    # Retrying what can never succeed would hold the workflow for the whole retry window.
    assert err.non_retryable and err.code == "is_archived"


def test_only_transient_errors_are_retried() -> None:
    class Response(dict[str, object]):
        status_code = 200
        headers: dict[str, str] = {}

    for code, retried in (
        ("internal_error", True),
        ("service_unavailable", True),
        ("thread_not_found", False),
        ("some_new_error", False),
    ):
        response = Response(ok=False, error=code)
        err = to_application_error("chat.postMessage", SlackApiError("x", response))
        assert err.non_retryable is not retried, code


async def test_a_card_that_is_gone_is_posted_again_once() -> None:
    async with running_sim() as sim:
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        card = waiting_card()
        env = ActivityEnvironment()
        posted = await env.run(slack.post_approval_card, card)
        sim.workspace.delete(APPROVALS_CHANNEL_ID, posted.ts)
        state = card.state.model_copy(update={"channel": posted.channel, "message_ts": posted.ts})
        moved = card.model_copy(update={"state": state})
        reposted = await env.run(slack.update_approval_card, moved)
        assert reposted is not None and reposted.ts != posted.ts
        # A retry of the same activity finds the card it already posted again.
        env.info = replace(env.info, attempt=2)
        retried = await env.run(slack.update_approval_card, moved)
        assert retried == reposted.model_copy(update={"retried": True})
        assert [m["ts"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == [reposted.ts]
        # A card that is still there is updated in place.
        here = card.model_copy(
            update={"state": state.model_copy(update={"message_ts": reposted.ts})}
        )
        assert await env.run(slack.update_approval_card, here) is None


async def test_a_reply_to_a_thread_that_is_gone_goes_to_the_channel() -> None:
    async with running_sim() as sim:
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        parent = sim.workspace.post(APPROVALS_CHANNEL_ID, "card", [])
        sim.workspace.delete(APPROVALS_CHANNEL_ID, parent.ts)
        await slack.reply_in_thread(
            ThreadReplyInput(
                channel=APPROVALS_CHANNEL_ID,
                thread_ts=parent.ts,
                text="Reminder: still waiting.",
                context="Order O-3",
            )
        )
        (message,) = sim.messages(APPROVALS_CHANNEL_ID)
    assert message["text"] == "Order O-3: Reminder: still waiting."
    assert "thread_ts" not in message


async def test_a_post_that_lands_after_its_retry_is_deleted_by_the_next_redraw() -> None:
    async with running_sim() as sim:
        slack = SlackActivities(new_slack_client(DEFAULT_BOT_TOKEN, sim.api_url))
        card, env = waiting_card(), ActivityEnvironment()
        # The first attempt timed out; the retry finds nothing yet and posts.
        env.info = replace(env.info, attempt=2)
        posted = await env.run(slack.post_approval_card, card)
        assert posted.retried
        # Then the first attempt's post lands: a second message with the card's key.
        env.info = replace(env.info, attempt=1)
        late = await env.run(slack.post_approval_card, card)
        assert not late.retried and len(sim.messages(APPROVALS_CHANNEL_ID)) == 2

        state = card.state.model_copy(update={"channel": posted.channel, "message_ts": posted.ts})
        redrawn = card.model_copy(update={"state": state})
        # A card whose post was not retried is only redrawn: no history read, nothing deleted.
        assert await env.run(slack.update_approval_card, redrawn) is None
        assert sim.calls_to("chat.delete") == []
        marked = redrawn.model_copy(update={"remove_strays": True})
        assert await env.run(slack.update_approval_card, marked) is None
        assert [m["ts"] for m in sim.messages(APPROVALS_CHANNEL_ID)] == [posted.ts]
        # Already gone by the time a retried redraw deletes it: nothing to do.
        assert await env.run(slack.update_approval_card, marked) is None
