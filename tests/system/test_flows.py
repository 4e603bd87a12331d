"""Flow files run by the ``Flow`` workflow, end to end: the stand-in, the bot, a worker, and an
HTTP service on loopback for the ``http`` steps (tests/system/flow_stack.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from activities.cards import APPROVE_ACTION
from orchestration import search_attributes as sa
from orchestration.workflows.flow import FlowWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, GENERAL_CHANNEL_ID, OUTSIDER_ID
from tests.commands.test_workflow_commands import slash
from tests.helpers import assert_eventually
from tests.stack import Stack
from tests.system.flow_stack import (  # noqa: F401 (fixtures)
    Service,
    flow_worker,
    memo_status,
    outcome,
    record_child,
    service_fixture,
    start,
    states,
    write_flow,
    write_refund,
)
from tests.system.test_hostile_text import reject_with_reason

REFUND = {"order_id": "ORD-7", "amount": "6000", "customer": "Kim <kim@example.com>"}


def general(stack: Stack) -> list[str]:
    return [str(message["text"]) for message in stack.sim.messages(GENERAL_CHANNEL_ID)]


def failure_cause(err: WorkflowFailureError) -> ApplicationError:
    cause = err.cause
    assert isinstance(cause, ApplicationError), cause
    return cause


async def test_a_large_refund_is_approved_then_sent_and_told(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_refund(tmp_path, service)
    handle = await start(stack, service, tmp_path, "refund", REFUND)
    record_child(stack, handle, "finance_approval")
    card = await stack.card()
    assert "ORD-7" in card["text"]
    live = await handle.query(FlowWorkflow.status)
    assert live.step == "finance_approval" and live.flow == "refund"
    answer = await slash(stack, APPROVER_ID, f"status {handle.id}")
    assert "finance_approval" in answer and "running" in answer
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.outputs == {"status": 201}
    [call] = service.made("/api/refunds")
    assert call["body"] == {"order_id": "ORD-7", "amount": 6000, "customer": REFUND["customer"]}
    told = await assert_eventually(lambda: general(stack), bool, what="a note in #general")
    assert told == ["Refunded 6000 for order ORD-7 (Kim &lt;kim@example.com&gt;)"]
    status = await memo_status(handle)
    assert states(status) == {
        "finance": "done",
        "finance_approval": "done",
        "refund": "done",
        "tell_ops": "done",
    }
    assert status["step"] == "completed"
    assert await outcome(handle) == "completed"
    answer = await slash(stack, APPROVER_ID, f"status {handle.id}")
    assert "refund: done (HTTP 201)" in answer and "finance_approval: done (approved)" in answer


async def test_a_small_refund_takes_the_else_arm_and_asks_nobody(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_refund(tmp_path, service)
    handle = await start(stack, service, tmp_path, "refund", {**REFUND, "amount": "12.5"})
    result = await handle.result()
    assert result.outputs == {"status": 201}
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []
    status = await memo_status(handle)
    assert states(status)["finance_approval"] == "skipped"
    assert status["steps"][0]["result"] == "took else"
    assert service.made("/api/refunds")[0]["body"]["amount"] == 12.5


async def test_a_rejected_refund_fails_the_flow_before_the_refund(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_refund(tmp_path, service)
    handle = await start(stack, service, tmp_path, "refund", REFUND)
    record_child(stack, handle, "finance_approval")
    card = await stack.card()
    await reject_with_reason(stack, card["ts"], "not this one")
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    cause = failure_cause(failed.value)
    assert cause.type == "FlowStepFailed" and cause.non_retryable
    assert "step finance_approval" in cause.message and "rejected" in cause.message
    assert service.made("/api/refunds") == []
    notices = await assert_eventually(
        stack.messages, lambda m: len(m) >= 2, what="the failure notice"
    )
    assert "Flow *refund*" in notices[-1]["text"] and "*finance_approval*" in notices[-1]["text"]
    status = await memo_status(handle)
    assert states(status)["refund"] == "pending" and status["step"] == "finance_approval"


QUICK = """\
inputs:
  what: {type: string}
steps:
  - name: check
    approval: {kind: quick-check, title: "Check {{ inputs.what }}", if_not_approved: continue}
  - name: say
    notify: {channel: "#general", text: "{{ inputs.what }}: {{ steps.check.outcome }}"}
outputs:
  outcome: "{{ steps.check.outcome }}"
"""


async def test_an_expired_approval_goes_on_when_the_flow_says_continue(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_flow(tmp_path, "quick", QUICK)
    handle = await start(stack, service, tmp_path, "quick", {"what": "disk"})
    record_child(stack, handle, "check")
    result = await handle.result()
    assert result.outputs == {"outcome": "expired"}
    told = await assert_eventually(lambda: general(stack), bool, what="a note in #general")
    assert told == ["disk: expired"]


COMBO = """\
inputs:
  order_id: {type: string}
  note: {type: string, default: "a&b"}
steps:
  - name: both
    parallel:
      steps:
        - name: fetch
          http: {method: GET, url: "URL/echo/{{ inputs.order_id }}?note={{ inputs.note }}"}
        - name: pause
          wait: {for: 1s}
  - name: until_past
    wait: {until: "2020-01-01T00:00:00Z"}
  - name: child
    call_flow: {flow: child, inputs: {seen: "{{ steps.fetch.body.echo }}"}}
outputs:
  seen: "{{ steps.child.seen }}"
  status: "{{ steps.fetch.status }}"
"""
CHILD = """\
inputs:
  seen: {type: string}
steps:
  - name: tell
    notify: {channel: "#general", text: "child saw {{ inputs.seen }}"}
outputs:
  seen: "{{ inputs.seen }}"
"""


async def test_parallel_steps_waits_and_a_called_flow_run_in_one_flow(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_flow(tmp_path, "combo", COMBO.replace("URL/", service.prefix))
    write_flow(tmp_path, "child", CHILD)
    handle = await start(stack, service, tmp_path, "combo", {"order_id": "a/b?c"})
    record_child(stack, handle, "child")
    result = await handle.result()
    echoed = "/api/echo/a%2Fb%3Fc?note=a%26b"
    assert result.outputs == {"seen": echoed, "status": 200}
    told = await assert_eventually(lambda: general(stack), bool, what="the child's note")
    assert told == [f"child saw {echoed}"]
    status = await memo_status(handle)
    assert set(states(status).values()) == {"done"}
    child = await stack.client.get_workflow_handle(f"{handle.id}-child").describe()
    assert child.typed_search_attributes.get(sa.KIND) == "flow"


FAILING = """\
inputs:
  change: {type: string}
steps:
  - name: apply
    http: {method: POST, url: "URL/fail", body: {change: "{{ inputs.change }}"}, retries: 1}
on_failure:
  - name: rollback
    http: {method: POST, url: "URL/rollback", body: {change: "{{ inputs.change }}"}}
  - name: tell
    notify: {channel: "#general", text: "{{ inputs.change }} rolled back"}
"""


async def test_a_failing_call_is_retried_then_rolled_back_and_reported(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_flow(tmp_path, "change", FAILING.replace("URL/", service.prefix))
    handle = await start(stack, service, tmp_path, "change", {"change": "<CHG-1>"})
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    cause = failure_cause(failed.value)
    assert "failed at step apply" in cause.message and "HTTP 500" in cause.message
    assert len(service.made("/api/fail")) == 2  # retries: 1
    assert service.made("/api/rollback")[0]["body"] == {"change": "<CHG-1>"}
    told = await assert_eventually(lambda: general(stack), bool, what="the rollback note")
    assert told == ["&lt;CHG-1&gt; rolled back"]
    notice = (await assert_eventually(stack.messages, bool, what="the failure notice"))[-1]
    assert "Flow *change*" in notice["text"] and "*apply*" in notice["text"]
    assert "HTTP 500" in notice["text"] and "on_failure ran: rollback, tell" in notice["text"]
    status = await memo_status(handle)
    assert states(status) == {"apply": "failed", "rollback": "done", "tell": "done"}
    assert await outcome(handle) == "failed"


async def test_a_flow_edited_while_it_runs_keeps_the_content_it_started_with(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    path = write_refund(tmp_path, service)
    started_with = hashlib.sha256(path.read_bytes()).hexdigest()
    handle = await start(stack, service, tmp_path, "refund", REFUND)
    record_child(stack, handle, "finance_approval")
    card = await stack.card()
    write_refund(tmp_path, service, said="Edited")
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    await handle.result()
    told = await assert_eventually(lambda: general(stack), bool, what="a note in #general")
    assert told[0].startswith("Refunded 6000")
    description = await handle.describe()
    assert await description.memo_value("flow_hash") == started_with
    assert (await memo_status(handle))["content_hash"] == started_with


async def test_the_workflow_refuses_a_starter_the_policy_does_not_name(
    stack: Stack, service: Service, tmp_path: Path
) -> None:
    write_refund(tmp_path, service)
    handle = await start(stack, service, tmp_path, "refund", REFUND, started_by=OUTSIDER_ID)
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    cause = failure_cause(failed.value)
    assert cause.type == "FlowStartRefused"
    assert cause.message == (
        f"{OUTSIDER_ID} may not start flow refund: they are not among the policy's starters of it"
    )
    assert service.made("/api/refunds") == [] and stack.sim.messages(APPROVALS_CHANNEL_ID) == []
    assert await outcome(handle) == "denied"
