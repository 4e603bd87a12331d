"""What the flow tests share: an HTTP service on loopback for ``http`` steps, a policy file and
a flows directory of their own, and starting a flow as ``start_flow`` does."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiohttp import web
from temporalio.client import WorkflowHandle

from activities.flow_http import FlowHttp
from activities.policy import PolicyEngine
from orchestration import search_attributes as sa
from orchestration.flow_starts import InputValue, start_flow
from orchestration.flows.urls import parse_allow_list
from orchestration.models.flow import FlowResult
from orchestration.settings import Settings
from tests.stack import Stack, serve

REPO_FLOWS = Path(__file__).resolve().parents[2] / "flows"
POLICY = """\
rules:
  - name: refunds
    when: {kind: refund}
    require_approval: {approvers: [S0APPROVER], deadline: 1h, reminder: 0s}
  - name: quick-checks
    when: {kind: quick-check}
    require_approval: {approvers: [U0APPROVE1], deadline: 10s, reminder: 0s}
otherwise: deny
flows:
  - {flow: refund, started_by: [U0REQUEST1]}
  - {flow: "*", started_by: [S0APPROVER, U0REQUEST1]}
"""


@dataclass
class Service:
    """Answers ``/api/...``: refunds (201), a call that always fails (500), a rollback, and
    an echo of the path and query it was called with; every call is kept."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def prefix(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def made(self, path: str) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["path"] == path]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        call = {
            "method": request.method,
            "path": request.path,
            "raw_path": request.raw_path,
            "body": json.loads(body) if body else None,
        }
        self.calls.append(call)
        if request.path == "/api/fail":
            return web.json_response({"error": "down"}, status=500)
        if request.path == "/api/refunds":
            return web.json_response({"refund": len(self.calls)}, status=201)
        return web.json_response({"echo": call["raw_path"]})


@pytest_asyncio.fixture(name="service")
async def service_fixture() -> AsyncIterator[Service]:
    """The service, on a free port of 127.0.0.1."""
    found = Service()
    app = web.Application()
    app.router.add_route("*", "/api/{tail:.*}", found.handle)
    runner, found.port = await serve(app)
    try:
        yield found
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(name="stack_worker")
async def flow_worker(service: Service, tmp_path: Path) -> dict[str, Any]:
    """The stack's worker reads this module's policy and may call only ``service``."""
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    flows = tmp_path / "flows"
    flows.mkdir()
    return {
        "policy": PolicyEngine(policy),
        "flow_http": FlowHttp(parse_allow_list((service.prefix,))),
    }


def flow_settings(stack: Stack, service: Service, tmp_path: Path) -> Settings:
    """Settings as a deployment of this stack would have them."""
    return Settings.model_validate(
        {
            "CHATOPS_FLOWS_DIR": str(tmp_path / "flows"),
            "CHATOPS_POLICY_FILE": str(tmp_path / "policy.yml"),
            "CHATOPS_FLOW_HTTP_ALLOW": service.prefix,
            "CHATOPS_TASK_QUEUE": stack.task_queue,
        }
    )


def write_flow(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "flows" / f"{name}.yml"
    path.write_text(text)
    return path


def write_refund(tmp_path: Path, service: Service, said: str = "Refunded") -> Path:
    """The shipped refund flow, calling ``service`` and telling #general."""
    text = (REPO_FLOWS / "refund.yml").read_text()
    text = text.replace("url: /demo/refunds", f"url: {service.prefix}refunds")
    return write_flow(tmp_path, "refund", text.replace('text: "Refunded', f'text: "{said}'))


async def start(
    stack: Stack,
    service: Service,
    tmp_path: Path,
    name: str,
    inputs: Mapping[str, InputValue],
    started_by: str = "U0REQUEST1",
) -> WorkflowHandle[Any, FlowResult]:
    """Start flow ``name`` through start_flow; its handle, recorded with the stack's."""
    settings = flow_settings(stack, service, tmp_path)
    started = await start_flow(stack.client, settings, name, inputs, started_by=started_by)
    assert not started.already_started
    handle = stack.client.get_workflow_handle(started.workflow_id, result_type=FlowResult)
    stack.started.append(handle)
    return handle


def record_child(stack: Stack, handle: WorkflowHandle[Any, Any], step: str) -> None:
    """Record the child that ``step`` started too: with two handles, the recorded files keep
    the workflow ids, which replaying the parent needs (its children's ids derive from it)."""
    stack.started.append(stack.client.get_workflow_handle(f"{handle.id}-{step}"))


async def memo_status(handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    """The flow's status as its memo has it."""
    status: dict[str, Any] = await (await handle.describe()).memo_value("status", {})
    return status


async def outcome(handle: WorkflowHandle[Any, Any]) -> str | None:
    """The ChatopsOutcome the flow recorded."""
    return (await handle.describe()).typed_search_attributes.get(sa.OUTCOME)


def states(status: dict[str, Any]) -> dict[str, str]:
    return {step["name"]: step["state"] for step in status["steps"]}
