"""Reading a request's approval state and sending decisions: shared by the bot and the CLI.

Everything here works with no worker running: the state comes from ``describe()`` (memo),
and a signal is durably accepted by the server, to be applied when a worker returns.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import ValidationError
from temporalio.client import Client, WorkflowExecutionDescription, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from orchestration.approval import MEMO_KEY, ApprovableWorkflow
from orchestration.models.approval import ApprovalState, DecisionInput
from orchestration.policy.deciders import refusal_of
from orchestration.slack_text import cut, escape

# A person is waiting on the answer: fail fast rather than retry for a minute.
RPC_TIMEOUT = timedelta(seconds=5)
# In Slack, the check and the signal both happen before the ack, which Slack wants within 3 s.
SLACK_RPC_TIMEOUT = timedelta(seconds=1.2)
# A signal that fails with these was refused before anything was recorded. Any other failure
# may come after the server took it (a connection lost mid-call, a server killed before it
# answered; the client retries, so the last error says nothing of the first try).
REFUSED_OUTRIGHT = frozenset(
    {
        RPCStatusCode.INVALID_ARGUMENT,
        RPCStatusCode.PERMISSION_DENIED,
        RPCStatusCode.UNAUTHENTICATED,
        RPCStatusCode.FAILED_PRECONDITION,
        RPCStatusCode.UNIMPLEMENTED,
    }
)

# A workflow id quoted in a refusal; ids come from buttons and typed text, any length.
ID_IN_LINE = 200


def quoted_id(workflow_id: str) -> str:
    """A workflow id as a refusal quotes it (mrkdwn): escaped, and cut when very long."""
    return cut(escape(workflow_id), ID_IN_LINE)


class DecisionRefused(Exception):
    """A decision that cannot be applied; the message is for the person who tried.

    Attributes:
        title: the request's title, when the refusal is about a known request (an answer in
            Slack names it, since it may land far from the card clicked).
        reason: why, as a short code from a fixed set (a metric's label).
        kind: the request's kind, when the refusal is about a known request.
    """

    def __init__(
        self, message: str, *, title: str | None = None, reason: str, kind: str | None = None
    ) -> None:
        super().__init__(message)
        self.title = title
        self.reason = reason
        self.kind = kind


class TemporalUnreachable(Exception):
    """Temporal did not answer; the message is for the person who tried."""


async def describe_workflow(
    client: Client, workflow_id: str, rpc_timeout: timedelta = RPC_TIMEOUT
) -> WorkflowExecutionDescription:
    """``describe()`` of a workflow, which works with no worker running.

    Raises:
        DecisionRefused: no workflow id, or no such workflow.
        TemporalUnreachable: Temporal did not answer.
    """
    if not workflow_id:
        # Temporal answers INVALID_ARGUMENT, which would read as an outage.
        raise DecisionRefused("That names no workflow; nothing was changed.", reason="no_workflow")
    try:
        return await client.get_workflow_handle(workflow_id).describe(rpc_timeout=rpc_timeout)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise DecisionRefused(
                f"No workflow {quoted_id(workflow_id)}.", reason="no_workflow"
            ) from None
        raise TemporalUnreachable(
            f"Could not reach Temporal ({err.status.name}); nothing was changed. Try again shortly."
        ) from None


async def load_approval(
    client: Client, workflow_id: str, rpc_timeout: timedelta = RPC_TIMEOUT
) -> ApprovalState:
    """The approval state a workflow last published, from ``describe()``.

    Raises:
        DecisionRefused: no such workflow, or it has no approval request, or it has ended
            without recording a decision.
        TemporalUnreachable: Temporal did not answer.
    """
    description = await describe_workflow(client, workflow_id, rpc_timeout)
    raw = await description.memo_value(MEMO_KEY, None)
    try:
        # Any workflow may carry a memo of this name; only the gate's is a request.
        state = ApprovalState.model_validate(raw)
    except ValidationError:
        raise DecisionRefused(
            f"{quoted_id(workflow_id)} has no approval request.", reason="no_request"
        ) from None
    if description.status != WorkflowExecutionStatus.RUNNING and not state.status.is_terminal:
        status = description.status.name.lower() if description.status else "ended"
        raise DecisionRefused(
            f"{quoted_id(workflow_id)} has {status}; nothing can be decided any more.",
            reason="ended",
            kind=state.kind,
        )
    return state


async def check_decision(
    client: Client,
    workflow_id: str,
    decision: DecisionInput,
    rpc_timeout: timedelta = RPC_TIMEOUT,
) -> ApprovalState:
    """Load the state and apply the shared rules; raises DecisionRefused with the reason."""
    state = await load_approval(client, workflow_id, rpc_timeout)
    refusal = refusal_of(state, decision)
    if refusal is not None:
        raise DecisionRefused(refusal.text, title=state.title, reason=refusal.code, kind=state.kind)
    return state


async def send_decision(
    client: Client,
    workflow_id: str,
    decision: DecisionInput,
    rpc_timeout: timedelta = RPC_TIMEOUT,
) -> None:
    """Signal the decision; once this returns, Temporal has it durably (the workflow applies
    it, first valid decision wins, even if no worker runs right now).

    Raises:
        DecisionRefused: the workflow has ended.
        TemporalUnreachable: the signal was not confirmed (the message says whether it may
            still have arrived: it may, unless Temporal refused it outright).
    """
    handle = client.get_workflow_handle(workflow_id)
    try:
        await handle.signal(ApprovableWorkflow.decide, decision, rpc_timeout=rpc_timeout)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise await refusal_once_ended(client, workflow_id, decision, rpc_timeout) from None
        if err.status in REFUSED_OUTRIGHT:
            raise TemporalUnreachable(
                f"Could not reach Temporal ({err.status.name}); your decision was NOT recorded. "
                "Try again shortly."
            ) from None
        in_time = " in time" if err.status is RPCStatusCode.DEADLINE_EXCEEDED else ""
        raise TemporalUnreachable(
            f"Temporal did not confirm your decision{in_time} ({err.status.name}); it may or "
            "may not have been recorded. Look at the request again in a minute before "
            "deciding again."
        ) from None


async def refusal_once_ended(
    client: Client, workflow_id: str, decision: DecisionInput, rpc_timeout: timedelta
) -> DecisionRefused:
    """The answer to a decision whose workflow ended before it arrived: what became of the
    request (who decided it, and when), naming it, from the state it last published; a
    plain "has already ended" when that cannot be read."""
    ended = f"{quoted_id(workflow_id)} has already ended; nothing was changed."
    try:
        state = await load_approval(client, workflow_id, rpc_timeout)
    except DecisionRefused as refused:
        return refused
    except TemporalUnreachable:
        return DecisionRefused(ended, reason="ended")
    refusal = refusal_of(state, decision)
    if refusal is None:
        return DecisionRefused(ended, title=state.title, reason="ended", kind=state.kind)
    return DecisionRefused(refusal.text, title=state.title, reason=refusal.code, kind=state.kind)
