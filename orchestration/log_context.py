"""What a log line is about, carried through asyncio by context variables.

The bot binds the Slack request it is handling (its id and the person who sent it) and, once
known, the workflow the request targets; every log record made meanwhile, in that task or in
tasks it starts, can name them (:mod:`orchestration.logs` writes them into JSON lines).
https://docs.python.org/3/library/contextvars.html
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("chatops_request_id", default=None)
SLACK_USER: ContextVar[str | None] = ContextVar("chatops_slack_user", default=None)
WORKFLOW_ID: ContextVar[str | None] = ContextVar("chatops_workflow_id", default=None)
FIELDS = {"request_id": REQUEST_ID, "slack_user": SLACK_USER, "workflow_id": WORKFLOW_ID}


@contextmanager
def bound_request(request_id: str, slack_user: str | None) -> Iterator[None]:
    """Name the Slack request being handled (and who sent it) until the block ends."""
    tokens = [REQUEST_ID.set(request_id), SLACK_USER.set(slack_user), WORKFLOW_ID.set(None)]
    try:
        yield
    finally:
        for variable, token in zip((REQUEST_ID, SLACK_USER, WORKFLOW_ID), tokens, strict=True):
            variable.reset(token)


def bind_workflow(workflow_id: str) -> None:
    """Name the workflow the current request targets, for the rest of this task."""
    WORKFLOW_ID.set(workflow_id)


def current_fields() -> dict[str, str]:
    """The fields bound now, leaving out those not known."""
    values = {name: variable.get() for name, variable in FIELDS.items()}
    return {name: value for name, value in values.items() if value}
