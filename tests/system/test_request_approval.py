"""RequestApproval from another team's workflow: its own worker and task queue, the default
data converter (plain JSON, as any SDK sends it), the child started by type name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError, CancelledError, ChildWorkflowError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.agents import AgentRunner
from activities.cards import APPROVE_ACTION, REJECT_ACTION
from bot.modals import ARGUMENTS_BLOCK, ARGUMENTS_INPUT, REASON_BLOCK, REASON_INPUT
from orchestration import search_attributes as sa
from orchestration.approval import MEMO_KEY
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.commands.test_workflow_commands import slash
from tests.helpers import assert_eventually, unique
from tests.stack import Stack
from tests.system.test_edits_and_superseding import initial_arguments, open_edit_modal
from tests.system.test_policy_file import policy_worker, write_policy

# Deploys to sandboxes expire after the shortest deadline a policy file may give.
SHORT_DEADLINE = """\
rules:
  - name: deploys-to-sandboxes
    when: {kind: deploy, attributes: {env: "sandbox*"}}
    require_approval: {approvers: [U0APPROVE1], deadline: 10s, reminder: 0s}
"""


@workflow.defn(name="DeployWithApproval")
class DeployWithApproval:
    """Another team's workflow: asks chatops, by type name, on chatops' task queue."""

    @workflow.run
    async def run(self, ask: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await workflow.execute_child_workflow(
            "RequestApproval",
            ask["request"],
            id=ask["child_id"],
            task_queue=ask["task_queue"],
            result_type=dict,
        )
        return result


@pytest_asyncio.fixture
async def team(stack: Stack) -> AsyncIterator[tuple[Client, str]]:
    """The other team's client (default data converter) and its own worker and task queue."""
    client = Client(stack.client.service_client, namespace=stack.client.namespace)
    queue = unique("team")
    worker = Worker(
        client,
        task_queue=queue,
        workflows=[DeployWithApproval],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    async with worker:
        yield client, queue


async def ask(
    stack: Stack,
    team: tuple[Client, str],
    env: str,
    chatops_queue: str | None = None,
    **request: Any,
) -> tuple[WorkflowHandle[Any, Any], WorkflowHandle[Any, Any]]:
    """Start the parent with a plain dict (asking the stack's worker unless ``chatops_queue``
    names another); returns its handle and the child's."""
    client, queue = team
    child_id = unique("deploy-approval")
    body = {
        "kind": "deploy",
        "title": f"Deploy api 2.3 to {env}",
        "fields": {"Service": "api", "Version": "2.3"},
        "attributes": {"env": env, "service": "api"},
        "requested_by": REQUESTER_ID,
        **request,
    }
    parent = await client.start_workflow(
        "DeployWithApproval",
        {"request": body, "child_id": child_id, "task_queue": chatops_queue or stack.task_queue},
        id=unique("deploy"),
        task_queue=queue,
    )
    child = stack.client.get_workflow_handle(child_id)
    stack.started.append(child)
    return parent, child


def texts(message: dict[str, Any]) -> str:
    return str(message["blocks"])


async def test_a_deploy_to_production_is_approved_on_its_card(
    stack: Stack, team: tuple[Client, str]
) -> None:
    parent, _ = await ask(stack, team, "prod", arguments={"version": "2.3"})
    card = await stack.card()
    assert "Approve Deploy api 2.3 to prod?" in texts(card)
    assert "Service" in texts(card) and "deploys-to-production (version " in texts(card)
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result = await parent.result()
    assert result["outcome"] == "approved"
    assert (result["approved_by"], result["rejected_by"]) == ([APPROVER_ID], None)
    assert (result["arguments"], result["policy_rule"]) == (
        {"version": "2.3"},
        "deploys-to-production",
    )
    assert len(result["policy_version"]) == 12 and result["decided_at"].startswith("20")


async def test_approve_with_edits_returns_the_edited_arguments(
    stack: Stack, team: tuple[Client, str]
) -> None:
    parent, _ = await ask(stack, team, "prod", arguments={"version": "2.3", "canary": True})
    card = await stack.card()
    view = await open_edit_modal(stack, APPROVER_ID, card["ts"])
    assert initial_arguments(view) == {"version": "2.3", "canary": True}
    edited = {ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: '{"version": "2.3", "canary": false}'}}
    submitted = await stack.sim.submit_view(APPROVER_ID, view["id"], edited)
    assert submitted.status == 200 and not submitted.errors
    result = await parent.result()
    assert (result["outcome"], result["approved_by"]) == ("approved", [APPROVER_ID])
    assert result["arguments"] == {"version": "2.3", "canary": False}


async def test_a_rejection_comes_back_with_its_reason(
    stack: Stack, team: tuple[Client, str]
) -> None:
    parent, _ = await ask(stack, team, "prod")
    card = await stack.card()
    await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, card["ts"], REJECT_ACTION)
    views = await assert_eventually(
        lambda: stack.sim.open_views(APPROVER2_ID), bool, what="reject modal open"
    )
    reason = {REASON_BLOCK: {REASON_INPUT: "freeze until Monday"}}
    await stack.sim.submit_view(APPROVER2_ID, views[0]["id"], reason)
    result = await parent.result()
    assert (result["outcome"], result["rejected_by"]) == ("rejected", APPROVER2_ID)
    assert (result["reason"], result["approved_by"]) == ("freeze until Monday", [])


async def test_an_allow_rule_approves_without_a_card(
    stack: Stack, team: tuple[Client, str]
) -> None:
    parent, _ = await ask(stack, team, "staging", arguments={"canary": True})
    result = await parent.result()
    assert (result["outcome"], result["approved_by"]) == ("approved", [])
    assert (result["policy_rule"], result["arguments"]) == ("other-deploys", {"canary": True})
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_a_deny_rule_denies_with_its_reason_and_no_card(
    stack: Stack, team: tuple[Client, str]
) -> None:
    parent, child = await ask(stack, team, "prod", attributes={"service": "Legacy-Billing"})
    result = await parent.result()
    assert (result["outcome"], result["reason"]) == ("denied", "legacy services are frozen")
    assert result["policy_rule"] == "deploys-of-frozen-services"
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []
    attributes = (await child.describe()).typed_search_attributes
    assert (attributes.get(sa.KIND), attributes.get(sa.OUTCOME)) == ("request_approval", "denied")


async def test_nobody_deciding_expires_the_request(
    stack: Stack, team: tuple[Client, str], tmp_path: Path
) -> None:
    path, _ = write_policy(tmp_path, SHORT_DEADLINE)
    async with policy_worker(stack, path, AgentRunner()) as chatops_queue:
        parent, _ = await ask(stack, team, "sandbox-7", chatops_queue)
        await stack.card()
        result = await parent.result()
    assert (result["outcome"], result["policy_rule"]) == ("expired", "deploys-to-sandboxes")
    assert (result["approved_by"], result["rejected_by"]) == ([], None)


async def test_cancelling_the_asking_workflow_cancels_the_request_on_its_card(
    stack: Stack, team: tuple[Client, str]
) -> None:
    parent, child = await ask(stack, team, "prod")
    await stack.card()

    async def card_posted() -> Any:
        return (await (await child.describe()).memo_value(MEMO_KEY, {})).get("message_ts")

    await assert_eventually(card_posted, bool, what="the card in the memo")
    pending = await assert_eventually(
        lambda: slash(stack, REQUESTER_ID, "pending"),
        lambda t: f"(`{child.id}`): waiting " in t,
        what="the request in /workflow pending",
    )
    assert "Deploy api 2.3 to prod" in pending
    status = await slash(stack, REQUESTER_ID, f"status {child.id}")
    assert "request approval" in status
    await parent.cancel()
    with pytest.raises(WorkflowFailureError) as raised:
        await child.result()
    assert isinstance(raised.value.cause, CancelledError)
    final = await assert_eventually(
        stack.card, lambda m: "*Cancelled* at" in texts(m), what="card says cancelled"
    )
    assert "actions" not in [block["type"] for block in final["blocks"]]


async def test_a_bad_request_fails_at_once_saying_what_is_wrong(
    stack: Stack, team: tuple[Client, str]
) -> None:
    parent, _ = await ask(stack, team, "prod", kind="Deploy", colour="red")
    with pytest.raises(WorkflowFailureError) as raised:
        await parent.result()
    failure = raised.value.cause
    assert isinstance(failure, ChildWorkflowError)
    assert isinstance(failure.cause, ApplicationError)
    assert (failure.cause.type, failure.cause.non_retryable) == ("InvalidRequest", True)
    assert failure.cause.message.startswith("invalid RequestApproval input: kind: String should")
    assert "colour: Extra inputs are not permitted" in failure.cause.message
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []


def deep(depth: int, key: str) -> bytes:
    """A request whose ``key`` nests ``depth`` deep, as JSON text (json.dumps cannot write it)."""
    head = '{"kind": "deploy", "title": "Deploy", "' + key + '": '
    return (head + '{"a": ' * depth + "1" + "}" * depth + "}").encode()


@pytest.mark.parametrize(
    ("encoding", "data", "problem"),
    [
        (b"json/plain", deep(400, "attributes"), "attributes.a: Input should be a valid string"),
        (b"json/plain", deep(500, "arguments"), "arguments: nested at most 8 levels deep"),
        (b"json/plain", deep(5000, "arguments"), "(input): nested too deeply to read"),
        (b"json/plain", b'{"kind": ', "(input): not JSON: Expecting value"),
        (b"binary/plain", b"deploy", "(input): send one JSON object, not binary/plain data"),
    ],
    ids=["deep-attributes", "deep-arguments", "deeper-than-json-reads", "broken", "bytes"],
)
async def test_input_the_data_converter_cannot_read_fails_the_request_not_its_task(
    stack: Stack, team: tuple[Client, str], encoding: bytes, data: bytes, problem: str
) -> None:
    """The worker's data converter read the input before the workflow did: JSON nested a few
    hundred deep failed to decode, so the workflow task failed over and over (stuck) instead
    of the request failing, saying why. The workflow now reads its input itself."""
    client, _ = team
    payload = Payload(metadata={"encoding": encoding}, data=data)
    handle = await client.start_workflow(
        "RequestApproval", RawValue(payload), id=unique("raw"), task_queue=stack.task_queue
    )
    with pytest.raises(WorkflowFailureError) as raised:
        await handle.result()
    failure = raised.value.cause
    assert isinstance(failure, ApplicationError)
    assert (failure.type, failure.non_retryable) == ("InvalidRequest", True)
    assert failure.message.startswith(f"invalid RequestApproval input: {problem}")
    async for event in handle.fetch_history_events():
        assert event.event_type is not EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
