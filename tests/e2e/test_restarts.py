"""The parts of a deployment outlive each other: a worker and a bot started before the server
wait for it, and when the server is killed outright (SIGKILL) and started again, its database
still holds every workflow, the worker and the bot carry on, and a click made while it was
down is answered (within Slack's 3 s, which the stand-in enforces) rather than left unacked."""

from __future__ import annotations

from pathlib import Path

from activities.cards import APPROVE_ACTION
from activities.ledger import LEDGER_FILENAME, charges_by_order
from benchmarks.process_stack import ProcessStack, running_process_stack
from cli.examples import example_order
from cli.orders import start_order
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalStatus, AttemptResult
from orchestration.models.order import OrderResult, OrderStep
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually

WAITING = "Waiting for it; Ctrl-C stops."


def card(stack: ProcessStack, workflow_id: str) -> dict[str, object] | None:
    cards = [m for m in stack.sim.messages(APPROVALS_CHANNEL_ID) if workflow_id in str(m)]
    return cards[-1] if cards else None


async def test_parts_wait_for_the_server_and_outlive_its_crash(tmp_path: Path) -> None:
    async with running_process_stack(tmp_path, start=()) as stack:
        # Worker and bot first: they wait for the server instead of exiting.
        for role in ("worker", "bot"):
            await stack.parts[role].start()
        for role in ("worker", "bot"):
            part = stack.parts[role]
            await assert_eventually(part.log_tail, lambda log: WAITING in log, what=role)
            assert part.running
        await stack.parts["server"].start()
        for role in ("server", "worker", "bot"):
            await stack.ready(role)

        order = example_order("large", REQUESTER_ID)
        workflow_id = await start_order(stack.client, stack.settings, order)
        shown = await assert_eventually(lambda: card(stack, workflow_id), bool, what="the card")
        assert shown is not None

        # The server dies; a click meanwhile is acked, and the approver told it did not count.
        await stack.kill("server")
        down = await stack.sim.click(
            APPROVER_ID, APPROVALS_CHANNEL_ID, str(shown["ts"]), APPROVE_ACTION
        )
        assert (down.status, down.error) == (200, None)
        told = stack.sim.ephemerals(APPROVER_ID)[-1]["text"]
        assert told.startswith("Could not reach Temporal") and "nothing was changed" in told

        # Back on the same database: the order still waits, and the next click decides it.
        await stack.parts["server"].start()
        await stack.ready("server")
        handle = stack.client.get_workflow_handle(workflow_id, result_type=OrderResult)
        state = await handle.query(ApprovableWorkflow.approval)
        assert state is not None and (state.status, state.attempts) == (ApprovalStatus.PENDING, [])
        again = await stack.sim.click(
            APPROVER_ID, APPROVALS_CHANNEL_ID, str(shown["ts"]), APPROVE_ACTION
        )
        assert (again.status, again.error) == (200, None)
        result = await handle.result()
        assert result.step is OrderStep.COMPLETED
        state = await handle.query(ApprovableWorkflow.approval)
        assert state is not None
        assert [a.result for a in state.attempts] == [AttemptResult.APPLIED]
        assert charges_by_order(stack.data / LEDGER_FILENAME) == {order.order_id: [order.total]}
