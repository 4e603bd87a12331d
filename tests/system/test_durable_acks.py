"""Nothing is acknowledged to Slack before Temporal has it: a bot that dies right after its
ack can lose nothing. Shown by holding Temporal's answer and watching Slack wait for the ack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import (
    CancelWorkflowInput,
    Client,
    Interceptor,
    OutboundInterceptor,
    SignalWorkflowInput,
)
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.cards import APPROVE_ACTION, REJECT_ACTION, decision_value
from bot.modals import REASON_BLOCK, REASON_INPUT
from commands.replies import CommandSettings
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalStatus, AttemptResult
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, OPERATOR_ID, Delivery
from tests.helpers import assert_eventually
from tests.stack import Stack, card_published, large_order, start_bot


class HeldCalls(Interceptor):
    """Holds every signal and cancellation until :meth:`release`, noting when one starts."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.released = asyncio.Event()
        self.sent = 0

    def release(self) -> None:
        self.released.set()

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Held(next, self)


class _Held(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, held: HeldCalls) -> None:
        super().__init__(next)
        self._held = held

    async def _hold(self, call: Callable[[], Awaitable[Any]]) -> Any:
        self._held.started.set()
        await self._held.released.wait()
        result = await call()
        self._held.sent += 1
        return result

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        await self._hold(lambda: super(_Held, self).signal_workflow(input))

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        await self._hold(lambda: super(_Held, self).cancel_workflow(input))


@asynccontextmanager
async def held_bot(stack: Stack) -> AsyncIterator[HeldCalls]:
    """The stand-in delivers to a second bot whose Temporal client holds signals."""
    held = HeldCalls()
    client = Client(
        stack.client.service_client,
        namespace=stack.client.namespace,
        data_converter=pydantic_data_converter,
        interceptors=[held],
    )
    original = stack.sim.bot_url
    commands = CommandSettings(operators=(OPERATOR_ID,), task_queue=stack.task_queue)
    runner = await start_bot(client, stack.sim, commands)
    try:
        yield held
    finally:
        held.release()
        await runner.cleanup()
        stack.sim.bot_url = original


async def not_acked_while_held(held: HeldCalls, gesture: Awaitable[Delivery]) -> Delivery:
    """Run ``gesture``; while Temporal holds the call it causes, Slack must not have its
    ack. Then let the call through: the ack follows."""
    delivery = asyncio.ensure_future(gesture)
    await asyncio.wait_for(held.started.wait(), 10)
    # Give an early ack every chance to arrive: the bot would answer within milliseconds.
    done, _ = await asyncio.wait({delivery}, timeout=0.5)
    assert not done, "Slack got its ack before Temporal had the decision"
    assert held.sent == 0
    held.release()
    answered = await asyncio.wait_for(delivery, 10)
    assert held.sent == 1
    return answered


async def test_a_click_is_acked_only_once_the_signal_is_in(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    async with held_bot(stack) as held:
        click = stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
        delivery = await not_acked_while_held(held, click)
    assert (delivery.status, delivery.error) == (200, None)
    approval = await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and s.status is ApprovalStatus.APPROVED,
    )
    assert approval is not None and approval.decided_by == APPROVER_ID


async def test_a_reject_modal_is_closed_only_once_the_signal_is_in(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], REJECT_ACTION)
    views = await assert_eventually(lambda: stack.sim.open_views(APPROVER_ID), bool)
    async with held_bot(stack) as held:
        values = {REASON_BLOCK: {REASON_INPUT: "wrong address"}}
        submit = stack.sim.submit_view(APPROVER_ID, views[0]["id"], values)
        delivery = await not_acked_while_held(held, submit)
    assert (delivery.status, delivery.error) == (200, None)
    assert stack.sim.open_views(APPROVER_ID) == []
    approval = await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and s.status is ApprovalStatus.REJECTED,
    )
    assert approval is not None and approval.reason == "wrong address"


async def test_a_home_tab_click_is_acked_only_once_the_signal_is_in(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await card_published(handle)
    await stack.sim.open_home(APPROVER_ID)
    value = decision_value(handle.id, "1")
    await assert_eventually(
        lambda: str(stack.sim.home_view(APPROVER_ID) or ""), lambda text: value in text
    )
    async with held_bot(stack) as held:
        click = stack.sim.click_home(APPROVER_ID, APPROVE_ACTION, value=value)
        delivery = await not_acked_while_held(held, click)
    assert (delivery.status, delivery.error) == (200, None)
    await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and s.status is ApprovalStatus.APPROVED,
    )


async def test_a_changing_slash_command_is_acked_only_once_it_is_done(stack: Stack) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    async with held_bot(stack) as held:
        command = stack.sim.slash(
            OPERATOR_ID, APPROVALS_CHANNEL_ID, "/workflow", f"cancel {handle.id} duplicate"
        )
        delivery = await not_acked_while_held(held, command)
    assert (delivery.status, delivery.error) == (200, None)
    # The reply came in the ack itself.
    assert handle.id in delivery.body and "cancel" in delivery.body.lower()
    description = await assert_eventually(
        handle.describe, lambda d: d.status is not None and d.status.name == "CANCELED"
    )
    assert description.status is not None


async def test_a_click_delivered_twice_is_applied_once(stack: Stack) -> None:
    handle = await stack.start_order(large_order(), approvals_required=2)
    card = await stack.card()
    first = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    again = await stack.sim.redeliver(first)
    assert (first.status, again.status) == (200, 200)
    approval = await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and len(s.attempts) >= 1,
    )
    assert approval is not None
    applied = [a for a in approval.attempts if a.result is AttemptResult.APPLIED]
    assert len(applied) == 1 and approval.approvals == [APPROVER_ID]
    assert approval.status is ApprovalStatus.PENDING


async def test_a_click_slack_cannot_authorize_is_not_acked_and_the_next_one_counts(
    stack: Stack,
) -> None:
    handle = await stack.start_order(large_order())
    card = await stack.card()
    # The bot's first request asks Slack who it is (auth.test); Slack fails that once.
    stack.sim.faults.add("auth.test", "error", status=503)
    failed = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert (failed.status, failed.error) == (500, "dispatch_failed")
    approval = await handle.query(ApprovableWorkflow.approval)
    assert approval is not None and approval.attempts == []

    again = await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert (again.status, again.error) == (200, None)
    approval = await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda s: s is not None and s.status is ApprovalStatus.APPROVED,
    )
    assert approval is not None and approval.decided_by == APPROVER_ID
