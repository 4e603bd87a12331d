"""Ask a human from your own workflow: ``await request_approval(...)``.

For workflow authors using the Python SDK (docs/request-approval.md). Call it inside workflow
code, on your own worker and task queue, with any data converter and the sandboxed runner:
it starts ``RequestApproval`` as a child by type name on chatops' task queue, sends plain
JSON (fields in the order given), and parses the JSON that comes back into
:class:`RequestApprovalResult`::

    from orchestration.ask import RequestOutcome, request_approval

    result = await request_approval(
        kind="deploy", title="Deploy api 2.3 to prod", attributes={"env": "prod"}
    )
    if result.outcome is RequestOutcome.APPROVED: ...

Importing this module has no side effects, so workflow modules may import it at the top. The
request is checked here first with the same rules ``RequestApproval`` applies, so a mistake
fails the asking workflow at once, before anything is started.
"""

from __future__ import annotations

import json
import weakref
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    # Models cross the sandbox once, from the worker's own imports (Temporal's advice for
    # pydantic models), instead of being imported again for every run.
    from pydantic import ValidationError

    from orchestration.models.request import (
        RequestApprovalInput,
        RequestApprovalResult,
        RequestOutcome,
    )

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "INVALID_REQUEST",
    "RequestApprovalResult",
    "RequestOutcome",
    "request_approval",
]

WORKFLOW_TYPE = "RequestApproval"
# chatops' default CHATOPS_TASK_QUEUE; workflow code cannot read the environment.
DEFAULT_TASK_QUEUE = "chatops"
INVALID_REQUEST = "InvalidRequest"

# Requests each workflow instance has made, for the default child ids, by the instance's id():
# a replay (a new instance) counts again from the start, as determinism needs; instances need
# not be hashable. An entry goes with its instance (evicted from the cache, or finished).
_asked: dict[int, int] = {}


def _invalid(problems: list[str]) -> ApplicationError:
    return ApplicationError(
        "invalid RequestApproval input: " + "; ".join(problems),
        type=INVALID_REQUEST,
        non_retryable=True,
    )


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decoded(raw: RawValue) -> Any:
    """The JSON a caller sent ``RequestApproval``, read here rather than by the data
    converter: JSON nested deeper than the converter reads (a few hundred levels) failed the
    workflow's task over and over; here it fails the request, saying why, like any mistake."""
    encoding = raw.payload.metadata.get("encoding", b"")
    if encoding == b"binary/null":
        return None  # refused by validated(), as not an object
    if not encoding.startswith(b"json/"):
        kind = encoding.decode(errors="replace") or "unlabelled"
        raise _invalid([f"(input): send one JSON object, not {kind} data"])
    try:
        return json.loads(raw.payload.data, parse_constant=_not_a_number)
    except RecursionError:
        raise _invalid(["(input): nested too deeply to read"]) from None
    except ValueError as err:  # not JSON, not UTF-8, NaN or Infinity
        raise _invalid([f"(input): not JSON: {err}"]) from None


def validated(raw: Any) -> RequestApprovalInput:
    """The request, or a non-retryable error naming each problem (field, what is wrong)."""
    try:
        return RequestApprovalInput.model_validate(raw)
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in problem['loc']) or '(input)'}: {problem['msg']}"
            for problem in err.errors()
        ]
        raise _invalid(problems) from None


def as_json(request: RequestApprovalInput) -> RawValue:
    """The request as a JSON payload written here, whatever the caller's data converter: the
    default converter would sort the keys, and the card shows ``fields`` in the order given."""
    text = json.dumps(request.model_dump(mode="json"), separators=(",", ":"))
    return RawValue(Payload(metadata={"encoding": b"json/plain"}, data=text.encode()))


def next_child_id() -> str:
    """``<this workflow's id>-approval-<n>``: n counts this run's requests from 1."""
    instance = workflow.instance()
    key = id(instance)
    if key not in _asked:
        weakref.finalize(instance, _asked.pop, key, None).atexit = False
    count = _asked[key] = _asked.get(key, 0) + 1
    return f"{workflow.info().workflow_id}-approval-{count}"


async def request_approval(
    *,
    kind: str,
    title: str,
    fields: dict[str, str] | None = None,
    attributes: dict[str, str] | None = None,
    requested_by: str | None = None,
    arguments: dict[str, Any] | None = None,
    task_queue: str = DEFAULT_TASK_QUEUE,
    id: str | None = None,
    execution_timeout: timedelta | None = None,
) -> RequestApprovalResult:
    """Ask people in Slack through chatops and wait for the answer (workflow code only).

    Args:
        kind: What is asked for; policy rules match on it (``deploy``).
        title: The request's noun title, shown on the card.
        fields: Label -> text shown on the card, in this order.
        attributes: Name -> text policy rules match with globs (``{"env": "prod"}``).
        requested_by: The Slack user id of whoever asks; they can never approve it.
        arguments: A JSON object approvers may change ("Approve with edits").
        task_queue: chatops' task queue (its ``CHATOPS_TASK_QUEUE``).
        id: The child's workflow id; by default ``<this workflow's id>-approval-<n>``.
        execution_timeout: A limit on the whole request; by default the policy's deadline.

    Returns:
        The outcome (approved, rejected, expired, denied), who decided, the arguments as
        approved, and the policy rule and version that decided.

    Raises:
        ApplicationError: The request breaks the contract (type ``InvalidRequest``,
            non-retryable): the asking workflow fails, saying which field and why.
        ChildWorkflowError: ``RequestApproval`` did not answer: it timed out, failed, or was
            cancelled (the cause is then a ``CancelledError``; cancelling the asking workflow
            cancels the request, and letting this through ends the workflow cancelled).
    """
    request = validated(
        {
            "kind": kind,
            "title": title,
            "fields": fields or {},
            "attributes": attributes or {},
            "requested_by": requested_by,
            "arguments": arguments,
        }
    )
    raw = await workflow.execute_child_workflow(
        WORKFLOW_TYPE,
        as_json(request),
        id=id or next_child_id(),
        task_queue=task_queue,
        result_type=dict,
        execution_timeout=execution_timeout,
    )
    return RequestApprovalResult.model_validate(raw)
