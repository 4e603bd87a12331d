"""The audit export end to end on the dev server: attempts judged by the workflow, read from
its history with no worker running, exported by ``chatops audit`` and verified."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from commands.audit.chain import GENESIS, verify
from commands.audit.trail import read_trail
from orchestration.canonical import model_digest
from orchestration.models.approval import CardInput
from orchestration.models.order import OrderResult, OrderStep
from orchestration.models.verdicts import ApprovalStatus, DecisionSource, Verdict
from orchestration.workflows.order import OrderWorkflow
from slacksim import APPROVER2_ID, APPROVER_ID
from tests.cli.test_cli import chatops
from tests.helpers import assert_eventually, decide, new_worker, unique
from tests.stack import Stack, card_published, large_order
from tests.system.test_order_saga import start

OUTSIDER = "U0OUTSIDER"
SLACK = DecisionSource.SLACK


async def waiting_order(stack: Stack, queue: str) -> WorkflowHandle[OrderWorkflow, OrderResult]:
    """An order on ``queue`` whose card is posted (so its request is open)."""
    handle = await start(stack, queue, large_order().model_copy(update={"order_id": unique("ORD")}))
    await card_published(handle)
    return handle


async def asked_digest(stack: Stack, handle: WorkflowHandle[Any, Any]) -> str:
    """The digest of the request the card was posted for, from the post's activity input."""
    async for event in handle.fetch_history_events():
        attributes = event.activity_task_scheduled_event_attributes
        if (
            event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            and attributes.activity_type.name == "post_approval_card"
        ):
            (card,) = await stack.client.data_converter.decode(
                list(attributes.input.payloads), [CardInput]
            )
            return model_digest(card.request)
    raise AssertionError("no card was posted")


async def test_attempts_are_exported_from_history_and_verify(
    stack: Stack, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """An outsider refused, an approval applied, the same click again (a duplicate) and a late
    rejection refused: all four, as judged, with the worker stopped."""
    queue = unique("audit")
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox):
        handle = await waiting_order(stack, queue)
    # The worker is down: the signals wait in the history, judged when a worker returns.
    await decide(
        handle, Verdict.APPROVE, OUTSIDER, click_key="k-out", reason="me too", source=SLACK
    )
    await decide(handle, Verdict.APPROVE, APPROVER_ID, click_key="k-ok", reason="known buyer")
    await decide(handle, Verdict.APPROVE, APPROVER_ID, click_key="k-ok", reason="known buyer")
    await decide(handle, Verdict.REJECT, APPROVER2_ID, click_key="k-late", source=SLACK)
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox):
        result = await asyncio.wait_for(handle.result(), 30)
    assert result.step is OrderStep.COMPLETED
    assert result.approval is not None and result.approval.status is ApprovalStatus.APPROVED
    judged = result.approval.attempts

    out = tmp_path / "audit.jsonl"
    run = await chatops("audit", handle.id, "--output", str(out), env=cli_env)
    assert run.code == 0, run.err
    assert run.err == f"wrote 4 attempt lines of 1 requests to {out}\n"
    lines = [json.loads(text) for text in out.read_text().splitlines()]
    assert [line["record"] for line in lines] == ["attempt"] * 4 + ["end"]
    run_id = (await handle.describe()).run_id
    digest = await asked_digest(stack, handle)
    for line, attempt in zip(lines, judged, strict=False):
        assert line["workflow_id"] == handle.id and line["run_id"] == run_id
        assert line["request_id"] == "1"
        assert line["request_digest"] == digest
        assert line["policy_rule"] == result.approval.policy_rule
        assert line["policy_version"] == result.approval.policy_version
        assert line["when"] == (attempt.decided_at or attempt.at).isoformat()
        assert line["recorded_at"] == attempt.at.isoformat()
    rows = [
        (x["who"], x["what"], x["why"], x["source"], x["accepted"], x["result"]) for x in lines[:4]
    ]
    assert rows == [
        (OUTSIDER, "approve", "me too", "slack", False, "refused"),
        (APPROVER_ID, "approve", "known buyer", "cli", True, "applied"),
        (APPROVER_ID, "approve", "known buyer", "cli", False, "duplicate"),
        (APPROVER2_ID, "reject", "", "slack", False, "refused"),
    ]
    assert lines[0]["refusal"] == judged[0].refusal and "approver" in lines[0]["refusal"]
    assert lines[1]["refusal"] is None
    assert lines[2]["refusal"] == "the same click or command was already recorded"
    assert lines[3]["refusal"] == judged[3].refusal
    assert lines[3]["refusal"].startswith(f"Already approved by <@{APPROVER_ID}> at ")
    assert lines[0]["prev_hash"] == GENESIS and lines[4]["attempts"] == 4

    checked = await chatops("audit", "--verify", str(out), env=cli_env)
    assert (checked.code, checked.out) == (0, f"{out}: intact\n")
    edited = out.read_text().replace('"what":"reject"', '"what":"approve"')
    out.write_text(edited)
    broken = await chatops("audit", "--verify", str(out), env=cli_env)
    assert broken.code == 1
    assert broken.err == (
        f"{out}: line 4: hash does not match the line's content: the line was edited\n"
    )


async def test_a_waiting_request_is_read_with_no_worker(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    """A request still waiting, its worker gone: the attempts judged so far are exported."""
    queue = unique("audit")
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox):
        handle = await waiting_order(stack, queue)
        await decide(handle, Verdict.APPROVE, OUTSIDER, click_key="k-1", source=SLACK)
        await assert_eventually(
            lambda: read_trail(stack.client, handle.id),
            lambda trail: len(trail.records) == 1,
            what="the refused attempt in the history",
        )
    run = await chatops("audit", handle.id, env=cli_env)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert verify(lines) is None
    (attempt, end) = (json.loads(text) for text in lines)
    assert (attempt["who"], attempt["accepted"], attempt["result"]) == (OUTSIDER, False, "refused")
    assert end == {**end, "record": "end", "attempts": 1}
    # The slash command's grammar in a terminal prints the same export.
    terminal = await chatops("workflow", "audit", handle.id, env=cli_env)
    assert terminal.code == 0, terminal.err
    assert verify(terminal.out.splitlines()) is None
    assert [json.loads(t)["hash"] for t in terminal.out.splitlines()][:1] == [attempt["hash"]]


async def test_unknown_workflows_get_a_clear_error(cli_env: dict[str, str]) -> None:
    run = await chatops("audit", "order-NO-SUCH-ONE", env=cli_env)
    assert (run.code, run.out, run.err) == (1, "", "error: No workflow order-NO-SUCH-ONE.\n")


async def test_since_exports_requests_decided_in_the_period(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    queue = unique("audit")
    async with new_worker(stack.client, queue, stack.sim.api_url, stack.outbox):
        decided = await waiting_order(stack, queue)
        waiting = await waiting_order(stack, queue)
        await decide(decided, Verdict.REJECT, APPROVER_ID, reason="no stock", click_key="k-r")
        await asyncio.wait_for(decided.result(), 30)
        await decide(
            waiting, Verdict.APPROVE, OUTSIDER, click_key="k-o", source=SLACK
        )  # refused: waits on

        async def exported() -> list[dict[str, Any]]:
            run = await chatops("audit", "--since", "15m", env=cli_env)
            assert run.code == 0, run.err
            assert verify(run.out.splitlines()) is None
            return [json.loads(text) for text in run.out.splitlines()]

        lines = await assert_eventually(
            exported,
            lambda lines: any(line.get("workflow_id") == decided.id for line in lines),
            what="the decided request in the export",
        )
    ours = [line for line in lines if line.get("workflow_id") == decided.id]
    assert [(x["who"], x["what"], x["why"], x["accepted"]) for x in ours] == [
        (APPROVER_ID, "reject", "no stock", True)
    ]
    assert all(line.get("workflow_id") != waiting.id for line in lines)
    assert lines[-1]["attempts"] == len(lines) - 1
