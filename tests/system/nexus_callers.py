"""Other teams' workflows that ask chatops through its Nexus endpoint, from another namespace.

Kept apart from the tests so the workflow sandbox imports only this module and the contract.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow

from orchestration.models.request import RequestApprovalInput, RequestApprovalResult
from orchestration.nexus_service import ChatopsService

# Long enough for any test; without one an unanswered operation would wait forever.
OPERATION_TIMEOUT = timedelta(minutes=5)


@workflow.defn(name="DeployThroughNexus")
class DeployThroughNexus:
    """As any SDK would call it: service and operation by name, plain JSON both ways."""

    @workflow.run
    async def run(self, ask: dict[str, Any]) -> dict[str, Any]:
        chatops = workflow.create_nexus_client(service="chatops", endpoint=ask["endpoint"])
        result: dict[str, Any] = await chatops.execute_operation(
            "request_approval",
            ask["request"],
            output_type=dict,
            schedule_to_close_timeout=OPERATION_TIMEOUT,
        )
        return result


class TypedAsk(BaseModel):
    """What the typed caller is started with."""

    endpoint: str
    request: RequestApprovalInput


@workflow.defn(name="TypedDeployThroughNexus")
class TypedDeployThroughNexus:
    """A Python caller with the contract class and the models (pydantic data converter)."""

    @workflow.run
    async def run(self, ask: TypedAsk) -> RequestApprovalResult:
        chatops = workflow.create_nexus_client(service=ChatopsService, endpoint=ask.endpoint)
        return await chatops.execute_operation(
            ChatopsService.request_approval,
            ask.request,
            schedule_to_close_timeout=OPERATION_TIMEOUT,
        )
