"""Routing approval requests from the policy file, on a real worker, bot and stand-in: a rule's
own channel, copies of the card in approvers' direct messages (whose buttons decide like the
card's), and an escalation ladder whose steps add people and post copies in their channels.
Every copy ends showing the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from activities.agents import AgentRunner
from activities.cards import APPROVE_ACTION
from orchestration.approval import ApprovableWorkflow
from orchestration.models.agent import AgentTaskOutcome
from orchestration.models.approval import ApprovalState
from orchestration.models.order import OrderStep
from orchestration.models.request import RequestApprovalResult
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    ENGINEERING_CHANNEL_ID,
    OPERATOR_ID,
    REQUESTER_ID,
)
from slacksim.seed import Channel
from tests.helpers import assert_eventually, unique
from tests.stack import Stack, card_published
from tests.system.test_bot_jobs import jobs_for
from tests.system.test_policy_file import (
    card_for,
    policy_worker,
    start_order,
    start_task,
    write_policy,
)

PAYMENTS_CHANNEL_ID = "C0PAYMENTS"
GONE_USER = "U0GONE0001"
POLICY = """\
rules:
  - name: deploys-climb-a-ladder
    when: {kind: agent_task, action: [deploy]}
    require_approval:
      approvers: [U0APPROVE1]
      deadline: 30s
      reminder: 0s
      escalate:
        - {after: 1s, approvers: [U0APPROVE2]}
        - {after: 2s, approvers: [U0OPERATR1], channel: "#engineering"}
  - name: payments-have-their-channel
    when: {kind: order, amount_over: 1000}
    require_approval: {approvers: [U0APPROVE1], deadline: 5m, channel: payments-approvals}
  - name: releases-reach-everyone
    when: {kind: release}
    require_approval: {approvers: [S0APPROVER, U0GONE0001], deadline: 5m, notify: dm}
  - {name: small-orders, when: {kind: order}, allow: true}
  - {name: other-tasks, when: {kind: agent_task}, allow: true}
"""


def blocks(message: dict[str, Any]) -> str:
    return str(message["blocks"])


def drawn(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks as drawn (Slack gives blocks without one a random block_id)."""
    return [{k: v for k, v in b.items() if k != "block_id"} for b in message["blocks"]]


def has_buttons(message: dict[str, Any]) -> bool:
    return any(block["type"] == "actions" for block in message["blocks"])


async def outcome_on(stack: Stack, channel: str, ts: str, outcome: str) -> dict[str, Any]:
    """The card (or copy) at ``channel``/``ts`` once it shows ``outcome``, without buttons."""

    def message() -> dict[str, Any]:
        return stack.sim.message(channel, ts)

    final: dict[str, Any] = await assert_eventually(
        message, lambda m: outcome in blocks(m), what=f"the outcome on the card in {channel}"
    )
    assert not has_buttons(final)
    return final


async def approval(handle: Any, check: Any, what: str) -> ApprovalState:
    state: ApprovalState = await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and check(s),
        what=what,
    )
    return state


async def test_a_ladder_escalates_twice_and_the_second_steps_approver_decides(
    stack: Stack, tmp_path: Path
) -> None:
    path, _ = write_policy(tmp_path, POLICY)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        handle = await start_task(stack, queue, tool="helm", action="deploy", target="web")
        card = await card_for(stack, "helm.deploy")

        state = await approval(
            handle, lambda s: [c.placed for c in s.copies] == [True], "both escalation steps"
        )
        assert state.escalated_to == [APPROVER2_ID, OPERATOR_ID]
        assert state.approvers == [APPROVER_ID, APPROVER2_ID, OPERATOR_ID]
        notes = await assert_eventually(
            lambda: stack.sim.thread(APPROVALS_CHANNEL_ID, card["ts"]),
            lambda t: len(t) == 2,
            what="a note in the card's thread for each step",
        )
        assert "<@U0APPROVE2>: you may decide it now" in notes[0]["text"]
        assert "<@U0OPERATR1>: you may decide it now" in notes[1]["text"]
        assert "U0APPROVE2" not in notes[1]["text"]
        [copy] = state.copies
        assert (copy.key, copy.channel, copy.error) == ("step:2", ENGINEERING_CHANNEL_ID, None)
        copy_ts = str(copy.ts)
        posted = stack.sim.message(ENGINEERING_CHANNEL_ID, copy_ts)
        assert has_buttons(posted) and "helm.deploy" in posted["text"]
        told: list[dict[str, Any]] = await assert_eventually(
            lambda: stack.sim.thread(ENGINEERING_CHANNEL_ID, copy_ts), bool, what="the note"
        )
        assert "<@U0OPERATR1>: you may decide it now" in told[0]["text"]

        # The step's approver decides on the copy in their channel.
        await stack.sim.click(OPERATOR_ID, ENGINEERING_CHANNEL_ID, copy_ts, APPROVE_ACTION)
        result = await handle.result()
        assert result.outcome is AgentTaskOutcome.COMPLETED
        assert result.approval is not None and result.approval.decided_by == OPERATOR_ID
        for channel, ts in ((APPROVALS_CHANNEL_ID, card["ts"]), (ENGINEERING_CHANNEL_ID, copy_ts)):
            final = await outcome_on(stack, channel, ts, "*Approved* by <@U0OPERATR1>")
            assert "may decide too" not in blocks(final)


async def test_a_rules_channel_takes_its_cards(stack: Stack, tmp_path: Path) -> None:
    everyone = set(stack.sim.workspace.users)
    stack.sim.workspace.add_channel(Channel(PAYMENTS_CHANNEL_ID, "payments-approvals", everyone))
    path, _ = write_policy(tmp_path, POLICY)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        handle = await start_order(stack, queue, "large")
        [card] = await assert_eventually(
            lambda: stack.sim.messages(PAYMENTS_CHANNEL_ID), bool, what="the card in #payments"
        )
        assert "Policy: payments-have-their-channel" in blocks(card)
        assert await stack.messages() == []

        await stack.sim.click(APPROVER_ID, PAYMENTS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        result = await handle.result()
        assert result.step is OrderStep.COMPLETED
        assert result.approval is not None
        assert result.approval.channel == PAYMENTS_CHANNEL_ID
        final = await assert_eventually(
            lambda: stack.sim.message(PAYMENTS_CHANNEL_ID, card["ts"]),
            lambda m: "Order completed" in m["text"],
            what="the outcome on the card",
        )
        assert not has_buttons(final)


async def ask_for_release(stack: Stack, queue: str) -> tuple[Any, ApprovalState]:
    """A RequestApproval whose rule sends direct messages; its state once they are sent."""
    handle = await stack.client.start_workflow(
        "RequestApproval",
        {"kind": "release", "title": "Release 4.1", "requested_by": REQUESTER_ID},
        id=unique("release"),
        task_queue=queue,
        result_type=RequestApprovalResult,
    )
    stack.started.append(handle)
    state = await approval(
        handle,
        lambda s: len(s.copies) == 3 and all(c.placed or c.error for c in s.copies),
        "the direct messages",
    )
    await card_published(handle)
    return handle, state


async def test_each_approver_gets_a_working_copy_in_their_direct_messages(
    stack: Stack, tmp_path: Path
) -> None:
    path, _ = write_policy(tmp_path, POLICY)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        handle, state = await ask_for_release(stack, queue)
        card = await stack.card()
        dms = {copy.user: copy for copy in state.copies}
        assert set(dms) == {APPROVER_ID, APPROVER2_ID, GONE_USER}
        # One that cannot be delivered is recorded, and the request goes on.
        assert dms[GONE_USER].channel is None and "user_not_found" in str(dms[GONE_USER].error)
        dm1, dm2 = (stack.sim.workspace.app_dm(user) for user in (APPROVER_ID, APPROVER2_ID))
        assert (dms[APPROVER_ID].channel, dms[APPROVER2_ID].channel) == (dm1, dm2)
        [copy1], [copy2] = stack.sim.messages(dm1), stack.sim.messages(dm2)
        assert has_buttons(copy1) and drawn(copy1) == drawn(copy2) == drawn(card)
        assert stack.sim.messages(stack.sim.workspace.app_dm(REQUESTER_ID)) == []

        await stack.sim.click(APPROVER2_ID, dm2, copy2["ts"], APPROVE_ACTION)
        result = await handle.result()
        assert (result.outcome, result.approved_by) == ("approved", [APPROVER2_ID])
        for channel, ts in (
            (APPROVALS_CHANNEL_ID, card["ts"]),
            (dm1, copy1["ts"]),
            (dm2, copy2["ts"]),
        ):
            await outcome_on(stack, channel, ts, "*Approved* by <@U0APPROVE2>")

        # A click on a copy its client still shows with buttons is answered in that DM.
        await stack.sim.click(
            APPROVER_ID, dm1, copy1["ts"], APPROVE_ACTION, as_shown=copy1["blocks"]
        )
        told = await assert_eventually(
            lambda: stack.sim.ephemerals(APPROVER_ID), bool, what="the late click answered"
        )
        assert told[0]["channel"] == dm1
        assert told[0]["text"].startswith("Already approved by <@U0APPROVE2>")


async def test_the_reconciler_redraws_the_copies_of_a_terminated_request(
    stack: Stack, tmp_path: Path
) -> None:
    path, _ = write_policy(tmp_path, POLICY)
    async with policy_worker(stack, path, AgentRunner()) as queue:
        handle, state = await ask_for_release(stack, queue)
        card = await stack.card()
        # Terminated by hand: the workflow gets no chance to redraw its card or the copies.
        await handle.terminate(reason="cleaned up by hand")
        assert await jobs_for(stack, digest_cron=None).reconcile() == 1
    places = [(copy.channel, copy.ts) for copy in state.copies if copy.placed]
    assert len(places) == 2
    for channel, ts in [(APPROVALS_CHANNEL_ID, card["ts"]), *places]:
        assert channel is not None and ts is not None
        await outcome_on(stack, channel, ts, "The workflow was terminated before anyone decided")
