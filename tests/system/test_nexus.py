"""The ``chatops`` Nexus service from another namespace: a caller workflow with its own worker
reaches RequestApproval through an endpoint, never through chatops' task queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import nexusrpc
import pytest
import pytest_asyncio
from temporalio.api.nexus.v1 import EndpointSpec, EndpointTarget
from temporalio.api.operatorservice.v1 import (
    CreateNexusEndpointRequest,
    DeleteNexusEndpointRequest,
)
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import CancelledError, NexusOperationError
from temporalio.worker import Worker

from activities.cards import APPROVE_ACTION
from orchestration.models.request import (
    RequestApprovalInput,
    RequestApprovalResult,
    RequestOutcome,
)
from orchestration.nexus_handler import workflow_id
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import CALLER_NAMESPACE, assert_eventually, unique
from tests.stack import Stack, card_published, terminate_unfinished
from tests.system.nexus_callers import DeployThroughNexus, TypedAsk, TypedDeployThroughNexus


@pytest_asyncio.fixture
async def endpoint(stack: Stack) -> AsyncIterator[str]:
    """A Nexus endpoint of this test's own, routed to the stack's namespace and task queue."""
    name = unique("chatops-approvals")  # endpoint names allow letters, digits and dashes
    target = EndpointTarget.Worker(namespace=stack.client.namespace, task_queue=stack.task_queue)
    created = await stack.client.operator_service.create_nexus_endpoint(
        CreateNexusEndpointRequest(
            spec=EndpointSpec(name=name, target=EndpointTarget(worker=target))
        )
    )
    yield name
    await stack.client.operator_service.delete_nexus_endpoint(
        DeleteNexusEndpointRequest(id=created.endpoint.id, version=created.endpoint.version)
    )


@dataclass
class Caller:
    """Another team: a client in its own namespace (default data converter), its task queue."""

    client: Client
    task_queue: str
    endpoint: str
    started: list[WorkflowHandle[Any, Any]] = field(default_factory=list)

    async def ask(self, env: str, **request: Any) -> WorkflowHandle[Any, Any]:
        body = {
            "kind": "deploy",
            "title": f"Deploy api 2.3 to {env}",
            "attributes": {"env": env, "service": "api"},
            "requested_by": REQUESTER_ID,
            **request,
        }
        return await self.send(body)

    async def send(self, body: Any) -> WorkflowHandle[Any, Any]:
        """Start the caller with ``body`` as the operation's input, as is."""
        handle = await self.client.start_workflow(
            "DeployThroughNexus",
            {"endpoint": self.endpoint, "request": body},
            id=unique("deploy-nexus"),
            task_queue=self.task_queue,
        )
        self.started.append(handle)
        return handle


@pytest_asyncio.fixture
async def caller(stack: Stack, endpoint: str) -> AsyncIterator[Caller]:
    """The caller's worker runs DeployThroughNexus with plain JSON, as other SDKs send it."""
    client = Client(stack.client.service_client, namespace=CALLER_NAMESPACE)
    team = Caller(client, unique("caller"), endpoint)
    async with Worker(client, task_queue=team.task_queue, workflows=[DeployThroughNexus]):
        yield team
        await terminate_unfinished(team.started)


async def backing_workflow(
    stack: Stack, handle: WorkflowHandle[Any, Any]
) -> WorkflowHandle[Any, RequestApprovalResult]:
    """The RequestApproval behind the caller's operation, found by its Nexus request id."""

    async def request_id() -> str:
        async for event in handle.fetch_history_events():
            if event.HasField("nexus_operation_scheduled_event_attributes"):
                return event.nexus_operation_scheduled_event_attributes.request_id
        return ""

    found = await assert_eventually(request_id, bool, what="the operation in the caller's history")
    backing = stack.client.get_workflow_handle(
        workflow_id(found), result_type=RequestApprovalResult
    )
    stack.started.append(backing)
    return backing


def texts(message: dict[str, Any]) -> str:
    return str(message["blocks"])


async def test_a_request_through_nexus_is_approved_on_its_card(
    stack: Stack, caller: Caller
) -> None:
    handle = await caller.ask("prod", arguments={"version": "2.3"})
    card = await stack.card()
    assert "Approve Deploy api 2.3 to prod?" in texts(card)
    backing = await backing_workflow(stack, handle)
    assert (await backing.describe()).workflow_type == "RequestApproval"
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert (result["outcome"], result["approved_by"]) == ("approved", [APPROVER_ID])
    assert (result["arguments"], result["policy_rule"]) == (
        {"version": "2.3"},
        "deploys-to-production",
    )
    assert result["decided_at"].startswith("20")
    assert (await backing.result()).outcome is RequestOutcome.APPROVED


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {"kind": "deploy", "title": "Deploy api", "colour": "red"},
            "colour: Extra inputs are not permitted",
        ),
        (
            ["deploy"],
            "(input): Input should be a valid dictionary or instance of RequestApprovalInput",
        ),
    ],
    ids=["unknown-key", "not-an-object"],
)
async def test_a_bad_request_is_refused_naming_the_field(
    stack: Stack, caller: Caller, body: Any, problem: str
) -> None:
    handle = await caller.send(body)
    with pytest.raises(WorkflowFailureError) as raised:
        await handle.result()
    failure = raised.value.cause
    assert isinstance(failure, NexusOperationError)
    assert (failure.service, failure.operation) == ("chatops", "request_approval")
    refusal = failure.__cause__
    assert isinstance(refusal, nexusrpc.HandlerError)
    assert (refusal.type, refusal.retryable) == (nexusrpc.HandlerErrorType.BAD_REQUEST, False)
    assert refusal.message == f"invalid RequestApproval input: {problem}"
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_cancelling_the_caller_cancels_the_request_on_its_card(
    stack: Stack, caller: Caller
) -> None:
    handle = await caller.ask("prod")
    await stack.card()
    backing = await backing_workflow(stack, handle)
    await card_published(backing)
    await handle.cancel()
    with pytest.raises(WorkflowFailureError) as ended:
        await backing.result()
    assert isinstance(ended.value.cause, CancelledError)
    final = await assert_eventually(
        stack.card, lambda m: "*Cancelled* at" in texts(m), what="card says cancelled"
    )
    assert "actions" not in [block["type"] for block in final["blocks"]]
    with pytest.raises(WorkflowFailureError) as stopped:
        await handle.result()
    assert isinstance(stopped.value.cause, CancelledError)


async def test_a_python_caller_uses_the_contract_and_the_models(
    stack: Stack, endpoint: str
) -> None:
    client = Client(
        stack.client.service_client,
        namespace=CALLER_NAMESPACE,
        data_converter=pydantic_data_converter,
    )
    queue = unique("typed-caller")
    request = RequestApprovalInput(
        kind="deploy",
        title="Deploy api 2.3 to staging",
        attributes={"env": "staging", "service": "api"},
        arguments={"canary": True},
    )
    async with Worker(client, task_queue=queue, workflows=[TypedDeployThroughNexus]):
        result = await client.execute_workflow(
            TypedDeployThroughNexus.run,
            TypedAsk(endpoint=endpoint, request=request),
            id=unique("typed-deploy-nexus"),
            task_queue=queue,
        )
    assert (result.outcome, result.approved_by) == (RequestOutcome.APPROVED, [])
    assert (result.policy_rule, result.arguments) == ("other-deploys", {"canary": True})
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []
