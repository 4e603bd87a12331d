"""The ``chatops`` command line, run as a real process against the session's Temporal."""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalStatus, DecisionSource
from orchestration.models.order import OrderResult, OrderStep
from orchestration.models.ticket import TicketResult, TicketStep
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID
from tests.helpers import assert_eventually, free_port, new_worker, order_input, unique
from tests.stack import Stack, large_order

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    code: int
    out: str
    err: str


async def chatops(*args: str, env: dict[str, str]) -> Run:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.main",
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    run = Run(process.returncode or 0, out.decode(), err.decode())
    assert "Traceback" not in run.err, run.err
    return run


async def test_start_order_prints_the_workflow_id_and_posts_a_card(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    run = await chatops("start", "order", "--example", "large", env=cli_env)
    assert run.code == 0, run.err
    workflow_id = run.out.strip()
    assert workflow_id.startswith("order-ORD-")
    assert "needs 1 approval(s) (rule orders-over-1000, policy version " in run.err
    card = await stack.card()
    assert workflow_id in str(card["blocks"])
    small = await chatops("start", "order", "--example", "small", env=cli_env)
    small_handle = stack.client.get_workflow_handle(small.out.strip(), result_type=OrderResult)
    result = await small_handle.result()
    assert result.step is OrderStep.COMPLETED


async def test_cli_approve_is_recorded_with_source_cli(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    run = await chatops("approve", handle.id, "--reason", "known customer", env=cli_env)
    assert run.code == 0, run.err
    assert run.out.strip().startswith(f"{handle.id}: approved as cli:")
    result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert result.approval is not None
    attempt = result.approval.attempts[0]
    assert attempt.source is DecisionSource.CLI and attempt.reason == "known customer"
    final = await assert_eventually(stack.card, lambda m: "Order completed" in m["text"])
    assert "(from the command line)" in str(final["blocks"])

    again = await chatops("reject", handle.id, env=cli_env)
    assert again.code == 1
    assert again.err.startswith("error: You already approved this at ")
    assert again.err.rstrip().endswith("; your decision stands.")


async def test_cli_reject_with_reason_cancels(stack: Stack, cli_env: dict[str, str]) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    run = await chatops(
        "reject", handle.id, "--reason", "duplicate order", "--as", APPROVER_ID, env=cli_env
    )
    assert run.code == 0, run.err
    result = await handle.result()
    assert result.step is OrderStep.CANCELLED
    approval = await handle.query(ApprovableWorkflow.approval)
    assert approval is not None and approval.status is ApprovalStatus.REJECTED
    # The terminal user decided; --as is whom they acted for.
    assert approval.decided_by == f"cli:{getpass.getuser()}"
    assert approval.on_behalf_of == APPROVER_ID and approval.reason == "duplicate order"
    assert approval.attempts[0].source is DecisionSource.CLI
    assert approval.attempts[0].on_behalf_of == APPROVER_ID
    assert len(stack.sim.messages(APPROVALS_CHANNEL_ID)) == 1


async def test_unknown_workflow_is_a_clear_error(cli_env: dict[str, str]) -> None:
    run = await chatops("approve", "order-NOPE", env=cli_env)
    assert (run.code, run.err.strip()) == (1, "error: No workflow order-NOPE.")


async def test_bad_order_files_are_clear_errors(cli_env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"order_id": "ORD-1",\n  "items": [}\n')
    run = await chatops("start", "order", "--file", str(broken), env=cli_env)
    assert run.code == 1
    assert run.err.startswith(f"error: {broken} is not valid JSON: ")
    assert "line 2 column" in run.err

    invalid = tmp_path / "invalid.json"
    invalid.write_text(
        json.dumps(
            {
                "order_id": "ORD-1",
                "customer": {"name": "A", "email": "not-an-email"},
                "shipping_address": {"line1": "x", "city": "y", "country": "usa"},
                "items": [{"sku": "A-1", "name": "a", "quantity": 0, "unit_price": "1.00"}],
            }
        )
    )
    run = await chatops("start", "order", "--file", str(invalid), env=cli_env)
    assert run.code == 1
    assert f"error: {invalid} is not a valid order:" in run.err
    for field in ("customer.email", "shipping_address.country", "items.0.quantity"):
        assert f"  {field}: " in run.err

    missing = await chatops("start", "order", "--file", str(tmp_path / "nope.json"), env=cli_env)
    assert missing.code == 1 and "cannot read" in missing.err


async def test_unreachable_temporal_is_a_clear_error(cli_env: dict[str, str]) -> None:
    port = free_port()
    run = await chatops(
        "start",
        "order",
        "--example",
        "small",
        env=cli_env | {"TEMPORAL_ADDRESS": f"127.0.0.1:{port}"},
    )
    assert run.code == 1
    assert run.err.startswith(f"error: cannot reach Temporal at 127.0.0.1:{port}")


async def test_usage_errors_and_bad_settings(cli_env: dict[str, str]) -> None:
    run = await chatops("start", "order", env=cli_env)
    assert run.code == 2 and "one of the arguments --example --file is required" in run.err
    run = await chatops(
        "start", "order", "--example", "huge", env=cli_env | {"CHATOPS_BOT_PORT": "x"}
    )
    assert run.code == 2 and "CHATOPS_BOT_PORT" in run.err
    helped = await chatops("--help", env=cli_env)
    assert helped.code == 0 and "chatops up" in helped.out


async def test_cli_decision_with_no_worker_is_sent_and_applied_later(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    queue = unique("tq-offline")
    order = large_order()
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox.parent):
        handle = await stack.client.start_workflow(
            OrderWorkflow.run,
            order_input(order, approvers=[APPROVER_ID]),
            id=order.workflow_id,
            task_queue=queue,
        )
        await stack.card()
    run = await chatops("approve", handle.id, env=cli_env)
    assert run.code == 0, run.err
    assert run.out.strip().endswith("it applies as soon as a worker picks it up.")
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox.parent):
        result = await handle.result()
    assert result.step is OrderStep.COMPLETED
    assert result.approval is not None
    assert (result.approval.decided_by or "").startswith("cli:")


async def test_start_ticket_examples_and_files(
    stack: Stack, cli_env: dict[str, str], tmp_path: Path
) -> None:
    run = await chatops("start", "ticket", "--example", "no-agents", env=cli_env)
    assert run.code == 0, run.err
    workflow_id = run.out.strip()
    assert workflow_id.startswith("ticket-T-")
    ticket_id = workflow_id.removeprefix("ticket-")
    card = await stack.card()
    assert f"Escalation of {ticket_id} (high: Checkout down) to engineering" in card["text"]

    low = await chatops("start", "ticket", "--example", "low", env=cli_env)
    handle = stack.client.get_workflow_handle(low.out.strip(), result_type=TicketResult)
    assert (await handle.result()).step is TicketStep.RESOLVED

    bad = tmp_path / "ticket.json"
    bad.write_text(json.dumps({"ticket_id": "T-1", "subject": "", "priority": "urgent"}))
    run = await chatops("start", "ticket", "--file", str(bad), env=cli_env)
    assert run.code == 1
    assert f"error: {bad} is not a valid ticket:" in run.err
    for field in ("subject", "priority", "customer"):
        assert f"  {field}: " in run.err


async def test_amend_supersedes_the_card_and_is_refused_once_decided(
    stack: Stack, cli_env: dict[str, str], tmp_path: Path
) -> None:
    run = await chatops("start", "order", "--example", "large", env=cli_env)
    workflow_id = run.out.strip()
    first = await stack.card()
    items = tmp_path / "items.json"
    items.write_text(
        json.dumps(
            {"items": [{"sku": "LAPTOP-13", "name": "Laptop", "quantity": 1, "unit_price": "1299"}]}
        )
    )
    amended = await chatops(
        "amend", workflow_id, "--file", str(items), "--reason", "13in", env=cli_env
    )
    assert amended.code == 0, amended.err
    assert (
        amended.out.strip()
        == f"{workflow_id}: amended to $1,299.00; a new card asks for approval again."
    )
    messages = await assert_eventually(stack.messages, lambda m: len(m) == 2, what="a new card")
    assert "$1,299.00" in messages[1]["text"]
    old = await assert_eventually(
        lambda: stack.sim.message(APPROVALS_CHANNEL_ID, first["ts"]),
        lambda m: m["text"].startswith("Superseded"),
        what="the old card superseded",
    )
    assert "changed the request while it waited" in str(old["blocks"])

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"items": [{"sku": "X", "quantity": 0}]}))
    refused = await chatops("amend", workflow_id, "--file", str(bad), env=cli_env)
    assert refused.code == 1
    assert "is not a valid amendment" in refused.err and "items.0.quantity" in refused.err

    approve = await chatops("approve", workflow_id, "--as", APPROVER_ID, env=cli_env)
    assert approve.code == 0, approve.err
    handle = stack.client.get_workflow_handle(workflow_id, result_type=OrderResult)
    assert (await handle.result()).step is OrderStep.COMPLETED
    late = await chatops("amend", workflow_id, "--file", str(items), env=cli_env)
    assert late.code == 1
    assert late.err.strip() == f"error: {workflow_id} has ended (completed); it cannot be amended"
    unknown = await chatops("amend", "order-NOPE", "--file", str(items), env=cli_env)
    assert unknown.err.strip() == "error: No workflow order-NOPE."


async def test_worker_refuses_a_broken_policy_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "policy.yml"
    broken.write_text(
        "rules:\n  - name: x\n    when: {kind: order}\n    allow: true\n    deny: frozen\n"
    )
    run = await chatops("worker", env={**cli_env, "CHATOPS_POLICY_FILE": str(broken)})
    assert run.code == 1
    assert run.err.startswith(f"error: {broken}: invalid policy:")
    assert "rules.0: Value error, give exactly one of allow, deny, require_approval" in run.err


async def test_workflow_and_schedule_commands_in_a_terminal(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    status = await chatops("workflow", "status", handle.id, env=cli_env)
    assert status.code == 0, status.err
    assert status.out.startswith(f"{handle.id}: order, running\n")
    assert "Waiting for approval from @U0APPROVE1, @U0APPROVE2" in status.out

    usage = await chatops("workflow", "frobnicate", env=cli_env)
    assert usage.code == 2
    assert usage.err.startswith(
        "Unknown command 'frobnicate'.\n\nUsage: chatops workflow <command>"
    )
    unknown = await chatops("workflow", "status", "order-NOPE", env=cli_env)
    assert (unknown.code, unknown.err.strip()) == (1, "error: No workflow order-NOPE.")

    name = f"cli-{handle.id.lower()}"
    created = await chatops("schedule", "create", name, "every", "2h", env=cli_env)
    assert created.code == 0, created.err
    assert created.out.strip() == f"Schedule {name} created: scrape every 2h."
    ask = await chatops("schedule", "delete", name, env=cli_env)
    assert ask.code == 1
    assert ask.err.strip() == (
        f"error: Delete schedule {name}? This cannot be undone. Run again with --confirm to "
        "delete it."
    )
    deleted = await chatops("schedule", "delete", name, "--confirm", env=cli_env)
    assert (deleted.code, deleted.out.strip()) == (0, f"Schedule {name} deleted.")
