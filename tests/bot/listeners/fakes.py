"""Stand-ins for Temporal and Slack, so listener callbacks run in milliseconds with neither.

A listener is called directly, as Bolt would call it: ``ack`` and ``respond`` are
``AsyncMock``\\ s, the Slack client an ``AsyncMock`` with ``AsyncWebClient``'s spec, and the
Temporal client a :class:`FakeTemporal` in ``context``. Every call that matters (ack, signal,
ephemeral, modal, Home tab) is appended to one ``events`` list, so a test can assert the order:
a decision is acknowledged only after its signal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionResponse
from temporalio.client import WorkflowExecutionStatus
from temporalio.common import TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode

from bot.context import TEMPORAL_KEY
from bot.listeners.command_context import SETTINGS_KEY
from commands.replies import CommandSettings
from orchestration.approval import MEMO_KEY
from orchestration.models.approval import ApprovalState
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, OPERATOR_ID, REQUESTER_ID

WORKFLOW_ID = "order-ORD-1"
NOW = datetime.now(UTC)
PERMALINK = "https://slack.example/archives/C0APPROVAL/p1"


def rpc_error(status: RPCStatusCode) -> RPCError:
    """What the Temporal client raises when the server says ``status`` (or cannot be reached)."""
    return RPCError(f"fake {status.name}", status, b"")


def approval_state(**fields: Any) -> ApprovalState:
    """A pending request for the stand-in's two approvers, raised by its requester."""
    values: dict[str, Any] = {
        "request_id": "1",
        "kind": "order",
        "subject_id": "ORD-1",
        "title": "Order ORD-1 ($2,500.00)",
        "requester": REQUESTER_ID,
        "approvers": [APPROVER_ID, APPROVER2_ID],
        "channel": APPROVALS_CHANNEL_ID,
        "message_ts": "1700000000.000100",
        "requested_at": NOW - timedelta(minutes=5),
        "deadline": NOW + timedelta(minutes=30),
    }
    values.update(fields)
    return ApprovalState(**values)


@dataclass
class FakeExecution:
    """A workflow as ``describe()`` and ``list_workflows()`` show it."""

    id: str
    memo: dict[str, Any] = field(default_factory=dict)
    status: WorkflowExecutionStatus = WorkflowExecutionStatus.RUNNING
    workflow_type: str = "OrderWorkflow"
    start_time: datetime = NOW
    close_time: datetime | None = None
    typed_search_attributes: TypedSearchAttributes = TypedSearchAttributes.empty
    # No workflow task pending: the workflow is not stuck.
    raw_description: DescribeWorkflowExecutionResponse = field(
        default_factory=DescribeWorkflowExecutionResponse
    )

    async def memo_value(self, key: str, default: Any = None) -> Any:
        return self.memo.get(key, default)


@dataclass
class Sent:
    """One signal as a handle received it."""

    name: str
    signal: Any
    arg: Any


class FakeHandle:
    """A workflow handle: ``describe()`` returns ``execution`` (NOT_FOUND while it is None);
    ``errors`` names the methods that raise instead."""

    def __init__(self, workflow_id: str, events: list[str]) -> None:
        self.id = workflow_id
        self.execution: FakeExecution | None = None
        self.errors: dict[str, BaseException] = {}
        self.query_result: Any = None
        self.sent: list[Sent] = []
        self.calls: list[str] = []
        self._events = events

    def _call(self, name: str) -> None:
        self.calls.append(name)
        self._events.append(name)
        if name in self.errors:
            raise self.errors[name]

    async def describe(self, **_: Any) -> FakeExecution:
        self._call("describe")
        if self.execution is None:
            raise rpc_error(RPCStatusCode.NOT_FOUND)
        return self.execution

    async def signal(self, signal: Any, arg: Any = None, **_: Any) -> None:
        self._call("signal")
        name = signal if isinstance(signal, str) else signal.__name__
        self.sent.append(Sent(name, signal, arg))

    async def query(self, query: Any, *_: Any, **__: Any) -> Any:
        self._call("query")
        return self.query_result

    async def terminate(self, *_: Any, **__: Any) -> None:
        self._call("terminate")

    async def cancel(self, *_: Any, **__: Any) -> None:
        self._call("cancel")


class FakeScheduleHandle:
    """A schedule handle that records what was asked of it (``errors`` as for FakeHandle)."""

    def __init__(self, schedule_id: str, events: list[str]) -> None:
        self.id = schedule_id
        self.errors: dict[str, BaseException] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._events = events

    async def _call(self, name: str, **kwargs: Any) -> None:
        self.calls.append((name, kwargs))
        self._events.append(f"schedule.{name}")
        if name in self.errors:
            raise self.errors[name]

    async def describe(self) -> None:
        await self._call("describe")

    async def pause(self, note: str | None = None) -> None:
        await self._call("pause", note=note)

    async def delete(self) -> None:
        await self._call("delete")


class FakeTemporal:
    """The few Temporal client calls the listeners make; handles are made on first use."""

    namespace = "default"

    def __init__(self) -> None:
        self.events: list[str] = []
        self.handles: dict[str, FakeHandle] = {}
        self.schedules: dict[str, FakeScheduleHandle] = {}
        self.list_error: BaseException | None = None  # raised by list_workflows

    def get_workflow_handle(self, workflow_id: str, **_: Any) -> FakeHandle:
        if workflow_id not in self.handles:
            self.handles[workflow_id] = FakeHandle(workflow_id, self.events)
        return self.handles[workflow_id]

    def get_schedule_handle(self, schedule_id: str) -> FakeScheduleHandle:
        if schedule_id not in self.schedules:
            self.schedules[schedule_id] = FakeScheduleHandle(schedule_id, self.events)
        return self.schedules[schedule_id]

    def add(self, execution: FakeExecution) -> FakeHandle:
        """A workflow as ``execution`` shows it; listed in the order added."""
        handle = self.get_workflow_handle(execution.id)
        handle.execution = execution
        return handle

    def waiting(self, state: ApprovalState, workflow_id: str = WORKFLOW_ID) -> FakeHandle:
        """A running workflow whose memo holds ``state``."""
        return self.add(FakeExecution(workflow_id, {MEMO_KEY: state.model_dump(mode="json")}))

    async def list_workflows(self, query: str | None = None, **_: Any) -> AsyncIterator[Any]:
        self.events.append("list_workflows")
        if self.list_error is not None:
            raise self.list_error
        for handle in self.handles.values():
            if handle.execution is not None:
                yield handle.execution


def context_for(temporal: FakeTemporal, settings: CommandSettings | None = None) -> dict[str, Any]:
    """Bolt's ``context`` as the app's middleware fills it. The stand-in evaluates no
    visibility query, so by default the deployment is one without search attributes, whose
    pending lists read every memo it lists."""
    settings = settings or CommandSettings((OPERATOR_ID,), search_attributes=False)
    return {TEMPORAL_KEY: temporal, SETTINGS_KEY: settings}


def recording_ack(events: list[str], name: str = "ack") -> AsyncMock:
    """An ``ack`` (or ``respond``) that notes when it was called in ``events``."""
    return AsyncMock(side_effect=lambda *_, **__: events.append(name))


def slack_client(events: list[str]) -> AsyncMock:
    """A Slack Web API client: every method an AsyncMock; the ones listeners use note their
    calls in ``events``."""
    client = AsyncMock(spec=AsyncWebClient)
    for method in ("chat_postEphemeral", "chat_postMessage", "views_open", "views_publish"):
        getattr(client, method).side_effect = lambda *_, name=method, **__: events.append(name)
    client.chat_getPermalink.return_value = {"ok": True, "permalink": PERMALINK}
    return client


def awaited_kwargs(mock: AsyncMock) -> dict[str, Any]:
    """The keyword arguments of the last await of ``mock``."""
    call = mock.await_args
    assert call is not None, "not awaited"
    return dict(call.kwargs)


class ListenerRecorder:
    """An app that only records what ``register(app)`` attaches, by action id, callback id,
    command or event name; the recorded callbacks are the ones Bolt would call."""

    def __init__(self) -> None:
        self.listeners: dict[str, Callable[..., Awaitable[None]]] = {}

    def _attach(self, name: str) -> Callable[[Callable[..., Awaitable[None]]], None]:
        def attach(listener: Callable[..., Awaitable[None]]) -> None:
            self.listeners[name] = listener

        return attach

    action = command = view = event = _attach


def registered(register: Callable[[Any], None]) -> dict[str, Callable[..., Awaitable[None]]]:
    """What ``register`` attaches to an app, by name."""
    app = ListenerRecorder()
    register(app)
    return app.listeners


class OfflineSlack:
    """Slack's Web API inside the process: while installed, every ``AsyncWebClient`` call
    (Bolt makes its own client per request) is recorded in ``calls`` as (method, arguments)
    and answered ``ok``, ``auth.test`` as a bot would be."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.client = AsyncWebClient(token="xoxb-offline", base_url="https://slack.invalid/api/")
        monkeypatch.setattr(AsyncWebClient, "api_call", self._answer)

    async def _answer(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        sent = kwargs.get("json") or kwargs.get("data") or kwargs.get("params") or {}
        self.calls.append((api_method, dict(sent)))
        data = {"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0TEAM"}
        return AsyncSlackResponse(
            client=self.client,
            http_verb="POST",
            api_url=self.client.base_url + api_method,
            req_args={},
            data=data,
            headers={},
            status_code=200,
        )
