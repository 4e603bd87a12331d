"""``POST /hooks/agent-tasks`` over real HTTP: authentication, validation, idempotent starts.

The hook is served next to a bot app on a real port; tasks run on the stack's worker, against
the repository's policy.yml.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from unittest.mock import AsyncMock

import aiohttp
import pytest
import pytest_asyncio
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from bot.app import build_web_app
from bot.hooks import AGENT_TASKS_PATH, MAX_BODY, AgentTaskHook
from orchestration.models.agent import AgentTaskOutcome, AgentTaskResult
from orchestration.names import TARGET_RULE
from orchestration.policy import Effect
from orchestration.settings import Settings
from orchestration.workflows.agent_task import AgentTaskWorkflow
from slacksim import REQUESTER_ID, SlackSim
from tests.helpers import assert_eventually, unique
from tests.stack import Stack, bot_app, serve

SECRET = "hook-secret-for-tests"


def hook_settings(task_queue: str, secret: str | None) -> Settings:
    return Settings(
        task_queue=task_queue,
        webhook_secret=SecretStr(secret) if secret else None,
        slack_bot_token=None,
    )


@asynccontextmanager
async def hook_server(client: Client, sim: SlackSim, settings: Settings) -> AsyncIterator[str]:
    """A bot web app with the hook on a real port; yields the hook's URL."""
    hook = AgentTaskHook(client, settings)
    runner, port = await serve(build_web_app(bot_app(client, sim), hook))
    try:
        yield f"http://127.0.0.1:{port}{AGENT_TASKS_PATH}"
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def hook_url(stack: Stack) -> AsyncIterator[str]:
    async with hook_server(stack.client, stack.sim, hook_settings(stack.task_queue, SECRET)) as url:
        yield url


def safe_task(**fields: Any) -> dict[str, Any]:
    return {
        "task_id": unique("HOOK"),
        "agent": "ops-bot",
        "tool": "search",
        "action": "read",
        "target": "docs",
        **fields,
    }


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def bearer(secret: str = SECRET) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}


async def post(
    url: str, body: bytes | AsyncIterator[bytes], headers: dict[str, str]
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def assert_not_started(client: Client, task_id: str) -> None:
    with pytest.raises(RPCError) as raised:
        await client.get_workflow_handle(f"agent-task-{task_id}").describe()
    assert raised.value.status == RPCStatusCode.NOT_FOUND


async def test_requests_without_the_secret_are_refused(
    stack: Stack, hook_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    task = safe_task()
    body = json.dumps(task).encode()
    json_type = {"Content-Type": "application/json"}
    attempts = {
        "no credentials": json_type,
        "wrong bearer": bearer("not-the-secret"),
        "wrong key": json_type | {"X-Chatops-Signature": sign(body, "not-the-secret")},
        "other body": json_type | {"X-Chatops-Signature": sign(body + b" ")},
        "bare hex": json_type | {"X-Chatops-Signature": sign(body).removeprefix("sha256=")},
    }
    for what, headers in attempts.items():
        status, answer = await post(hook_url, body, headers)
        assert status == 401, what
        assert set(answer) == {"error"}, what
    await assert_not_started(stack.client, task["task_id"])
    assert SECRET not in caplog.text


async def test_invalid_tasks_get_field_errors(stack: Stack, hook_url: str) -> None:
    task = {"task_id": "bad id!", "agent": "Ops Bot", "tool": "search", "target": ""}
    status, answer = await post(hook_url, json.dumps(task).encode(), bearer())
    assert status == 400
    assert answer["error"] == "not a valid agent task"
    fields = {problem["field"] for problem in answer["problems"]}
    assert fields == {"task_id", "agent", "action", "target"}
    assert all(problem["message"] for problem in answer["problems"])

    status, answer = await post(hook_url, b"[1, 2]", bearer())
    assert (status, answer["problems"][0]["field"]) == (400, "(top level)")
    status, answer = await post(hook_url, b'{"task_id": ', bearer())
    assert status == 400
    assert answer["error"].startswith("the body is not valid JSON: Expecting value at line 1")
    text = bearer() | {"Content-Type": "text/plain"}
    status, answer = await post(hook_url, json.dumps(safe_task()).encode(), text)
    assert status == 415 and "application/json" in answer["error"]


@pytest.mark.parametrize(
    "target",
    [
        "<!channel>",
        "prod\nweb",
        "prod-web\x00",
        "prod-web\u202e",  # right-to-left override
        "\u0440rod-web",  # Cyrillic er, a look-alike of p
        "prod web",
        "x" * 201,
    ],
)
async def test_hostile_targets_are_refused_naming_the_character_set(
    stack: Stack, hook_url: str, target: str
) -> None:
    task = safe_task(target=target)
    status, answer = await post(hook_url, json.dumps(task).encode(), bearer())
    assert (status, answer["error"]) == (400, "not a valid agent task")
    assert answer["problems"] == [{"field": "target", "message": TARGET_RULE}]
    await assert_not_started(stack.client, task["task_id"])


async def test_loosely_written_tasks_meet_the_rules_written_for_them(
    stack: Stack, hook_url: str
) -> None:
    task = safe_task(tool="Kubectl", action=" Scale", target=" Prod-web ", input="scale up")
    status, answer = await post(hook_url, json.dumps(task).encode(), bearer())
    assert status == 202, answer
    handle = stack.client.get_workflow_handle(answer["workflow_id"])
    stack.started.append(handle)
    decision = await assert_eventually(
        lambda: handle.query(AgentTaskWorkflow.decision), bool, what="the policy decision"
    )
    assert decision is not None
    assert (decision.effect, decision.rule) == (Effect.REQUIRE_APPROVAL, "agent-changes-production")
    started = await handle.query(AgentTaskWorkflow.task)
    assert (started.tool, started.action, started.target) == ("kubectl", "scale", "Prod-web")


async def test_large_bodies_are_refused(hook_url: str) -> None:
    task = safe_task(input="x" * MAX_BODY)
    body = json.dumps(task).encode()
    status, answer = await post(hook_url, body, bearer())
    assert status == 413 and str(MAX_BODY) in answer["error"]

    async def chunks() -> AsyncIterator[bytes]:
        yield body[:1000]
        yield body[1000:]

    # Chunked, so no Content-Length says so in advance.
    status, answer = await post(hook_url, chunks(), bearer())
    assert status == 413


async def test_bearer_start_runs_the_task_and_a_retry_is_answered_200(
    stack: Stack, hook_url: str
) -> None:
    task = safe_task()
    body = json.dumps(task).encode()
    workflow_id = f"agent-task-{task['task_id']}"
    assert await post(hook_url, body, bearer()) == (202, {"workflow_id": workflow_id})
    handle = stack.client.get_workflow_handle(workflow_id, result_type=AgentTaskResult)
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.COMPLETED
    assert result.message == "ops-bot ran search.read on docs"
    assert [r.task.requested_by for r in stack.agents.ran] == [REQUESTER_ID]

    again = await post(hook_url, body, bearer())
    assert again == (200, {"workflow_id": workflow_id, "already_started": True})
    assert len(stack.agents.ran) == 1


async def test_hmac_signed_request_is_accepted(stack: Stack, hook_url: str) -> None:
    task = safe_task(requested_by="U0HOOKUSER")
    # The signature covers the raw bytes, whatever their layout.
    body = json.dumps(task, indent=2).encode()
    headers = {"Content-Type": "application/json", "X-Chatops-Signature": sign(body)}
    status, answer = await post(hook_url, body, headers)
    assert (status, answer) == (202, {"workflow_id": f"agent-task-{task['task_id']}"})
    handle = stack.client.get_workflow_handle(answer["workflow_id"], result_type=AgentTaskResult)
    assert (await handle.result()).outcome is AgentTaskOutcome.COMPLETED
    assert [r.task.requested_by for r in stack.agents.ran] == ["U0HOOKUSER"]


async def test_without_a_secret_the_hook_is_disabled(stack: Stack) -> None:
    task = safe_task()
    settings = hook_settings(stack.task_queue, None)
    async with hook_server(stack.client, stack.sim, settings) as url:
        status, answer = await post(url, json.dumps(task).encode(), bearer())
    assert status == 503
    assert answer == {
        "error": "the agent-task webhook is disabled: set CHATOPS_WEBHOOK_SECRET to enable it"
    }
    await assert_not_started(stack.client, task["task_id"])


async def test_unreachable_temporal_is_503(stack: Stack) -> None:
    temporal = AsyncMock(spec=Client)
    temporal.start_workflow.side_effect = RPCError(
        "tcp connect error", RPCStatusCode.UNAVAILABLE, b""
    )
    settings = hook_settings(stack.task_queue, SECRET)
    async with hook_server(temporal, stack.sim, settings) as url:
        status, answer = await post(url, json.dumps(safe_task()).encode(), bearer())
    assert status == 503
    assert answer == {
        "error": "could not reach Temporal (UNAVAILABLE); the agent task was not started; "
        "try again shortly"
    }
