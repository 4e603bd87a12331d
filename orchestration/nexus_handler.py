"""The handler of the ``chatops`` Nexus service: each call starts a ``RequestApproval``.

The worker registers it next to the workflows, so one task queue serves both the Nexus tasks
and the backing workflows. See docs/request-approval.md, "Through Nexus".
"""

from __future__ import annotations

from typing import Any

import nexusrpc
from temporalio import nexus
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from orchestration.ask import as_json
from orchestration.models.request import RequestApprovalResult
from orchestration.nexus_service import ChatopsService
from orchestration.workflows.request_approval import RequestApprovalWorkflow, validated

WORKFLOW_ID_PREFIX = "request-approval-nexus-"


def workflow_id(request_id: str) -> str:
    """The backing workflow's id, derived from the Nexus request id: a retried start of the
    same operation finds the workflow it already started instead of asking twice."""
    return f"{WORKFLOW_ID_PREFIX}{request_id}"


@nexusrpc.handler.service_handler(service=ChatopsService)
class ChatopsNexusHandler:
    """Starts ``RequestApproval`` for each ``request_approval`` call; the server delivers its
    result, failure or cancellation to the caller."""

    @nexus.workflow_run_operation
    async def request_approval(
        self, ctx: nexus.WorkflowRunOperationContext, input: Any
    ) -> nexus.WorkflowHandle[RequestApprovalResult]:
        """Validate the request as the workflow would, then start the workflow."""
        try:
            request = validated(input)
        except ApplicationError as err:
            # Refused before any workflow exists: the caller's fault, never worth a retry.
            raise nexusrpc.HandlerError(
                err.message, type=nexusrpc.HandlerErrorType.BAD_REQUEST, retryable_override=False
            ) from None
        return await ctx.start_workflow(
            RequestApprovalWorkflow.run,
            as_json(request),
            id=workflow_id(ctx.request_id),
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
