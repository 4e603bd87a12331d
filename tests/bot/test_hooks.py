"""``POST /hooks/agent-tasks`` over real HTTP: authentication, validation, idempotent starts.

The hook is served next to a bot app on a real port; tasks run on the stack's worker, against
the repository's policy.yml.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
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
from cli.standin import STAND_IN
from orchestration.models.agent import AgentTaskOutcome, AgentTaskResult
from orchestration.names import TARGET_RULE
from orchestration.policy.match import Effect
from orchestration.settings import Settings
from orchestration.workflows.agent_task import AgentTaskWorkflow
from slacksim import DEFAULT_SIGNING_SECRET, REQUESTER_ID, SlackSim
from tests.helpers import assert_eventually, unique
from tests.stack import Stack, bot_app, serve

SECRET = "hook-secret-for-tests"
JSON = "application/json"


def hook_settings(task_queue: str, secret: str | None) -> Settings:
    return Settings(
        task_queue=task_queue,
        webhook_secret=SecretStr(secret) if secret else None,
        slack_bot_token=None,
    ).with_stand_in(STAND_IN)


@asynccontextmanager
async def hook_server(client: Client, sim: SlackSim, settings: Settings) -> AsyncIterator[str]:
    """A bot web app with the hook on a real port; yields the hook's URL."""
    hook = AgentTaskHook(client, settings)
    web_app = build_web_app(bot_app(client, sim), hook, signing_secret=DEFAULT_SIGNING_SECRET)
    runner, port = await serve(web_app)
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


def sign(body: bytes, stamp: int | str, secret: str = SECRET) -> str:
    message = str(stamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed(
    body: bytes, *, secret: str = SECRET, at: float | None = None, content_type: str = JSON
) -> dict[str, str]:
    """Headers of a request signed now (or ``at``), as a caller sends them."""
    stamp = int(time.time() if at is None else at)
    return {
        "Content-Type": content_type,
        "X-Chatops-Timestamp": str(stamp),
        "X-Chatops-Signature": sign(body, stamp, secret),
    }


async def post(
    url: str, body: bytes | AsyncIterator[bytes], headers: dict[str, str]
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def post_signed(url: str, body: bytes, **signing: Any) -> tuple[int, Any]:
    return await post(url, body, signed(body, **signing))


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
    now = int(time.time())
    good = signed(body, at=now)
    attempts = {
        "no credentials": {"Content-Type": JSON},
        "wrong key": signed(body, secret="not-the-secret"),
        "other body": good | {"X-Chatops-Signature": sign(body + b" ", now)},
        "other time": good | {"X-Chatops-Timestamp": str(now - 1)},
        "bare hex": good | {"X-Chatops-Signature": sign(body, now).removeprefix("sha256=")},
        "body only, as before": good | {"X-Chatops-Signature": sign_body_only(body)},
    }
    for what, headers in attempts.items():
        status, answer = await post(hook_url, body, headers)
        assert status == 401, what
        assert set(answer) == {"error"}, what
    await assert_not_started(stack.client, task["task_id"])
    assert SECRET not in caplog.text


def sign_body_only(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


async def test_bearer_tokens_are_refused(stack: Stack, hook_url: str) -> None:
    """The secret itself in a header: whoever captures one request could sign anything."""
    task = safe_task()
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": JSON}
    status, answer = await post(hook_url, json.dumps(task).encode(), headers)
    assert status == 401
    assert answer["error"].startswith("bearer tokens are not accepted")
    await assert_not_started(stack.client, task["task_id"])


async def test_signatures_need_a_fresh_timestamp(
    stack: Stack, hook_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A captured request replayed later than five minutes starts nothing, even for a task id
    Temporal no longer remembers; a signature without a time is refused outright."""
    caplog.set_level(logging.INFO, logger="bot.hooks")
    task = safe_task()
    body = json.dumps(task).encode()
    now = time.time()
    cases = {
        "captured six minutes ago": (
            signed(body, at=now - 360),
            "s old; signatures are accepted for 300s",
        ),
        "from the future": (
            signed(body, at=now + 360),
            "s ahead of the bot's clock; signatures are accepted for 300s",
        ),
        "no timestamp": (
            {"Content-Type": JSON, "X-Chatops-Signature": sign_body_only(body)},
            "X-Chatops-Signature needs X-Chatops-Timestamp",
        ),
        "not seconds": (
            signed(body) | {"X-Chatops-Timestamp": f"{int(now)}.0"},
            "X-Chatops-Timestamp must be the unix time in whole seconds",
        ),
    }
    for what, (headers, expected) in cases.items():
        caplog.clear()
        status, answer = await post(hook_url, body, headers)
        assert status == 401, what
        assert expected in answer["error"], (what, answer)
        assert [r.getMessage() for r in caplog.records] == [
            f"agent-task webhook: refused a request: {answer['error']}"
        ], what
    await assert_not_started(stack.client, task["task_id"])
    # Signed just inside the window: accepted.
    status, answer = await post(hook_url, body, signed(body, at=now - 290))
    assert (status, answer) == (202, {"workflow_id": f"agent-task-{task['task_id']}"})


def documented_webhook_script() -> str:
    page = (Path(__file__).resolve().parents[2] / "docs" / "webhook.md").read_text()
    start = page.index("```sh\n") + len("```sh\n")
    return page[start : page.index("```\n", start)]


async def test_the_documented_shell_example_works(stack: Stack, hook_url: str) -> None:
    """The webhook page's openssl and curl lines, run as written against the hook."""
    if shutil.which("openssl") is None or shutil.which("curl") is None:
        pytest.skip("needs openssl and curl")
    script = documented_webhook_script()
    task_id = unique("DOCS")
    script = script.replace("http://127.0.0.1:3000/hooks/agent-tasks", hook_url)
    script = script.replace('"T-78"', f'"{task_id}"')
    shell = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        "set -euo pipefail\n" + script,
        env={"PATH": os.environ["PATH"], "CHATOPS_WEBHOOK_SECRET": SECRET},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(shell.communicate(), 30)
    assert shell.returncode == 0, err.decode()
    assert json.loads(out) == {"workflow_id": f"agent-task-{task_id}"}
    handle = stack.client.get_workflow_handle(f"agent-task-{task_id}", result_type=AgentTaskResult)
    assert (await handle.result()).outcome is AgentTaskOutcome.COMPLETED


async def test_invalid_tasks_get_field_errors(stack: Stack, hook_url: str) -> None:
    task = {"task_id": "bad id!", "agent": "Ops Bot", "tool": "search", "target": ""}
    status, answer = await post_signed(hook_url, json.dumps(task).encode())
    assert status == 400
    assert answer["error"] == "not a valid agent task"
    fields = {problem["field"] for problem in answer["problems"]}
    assert fields == {"task_id", "agent", "action", "target"}
    assert all(problem["message"] for problem in answer["problems"])

    status, answer = await post_signed(hook_url, b"[1, 2]")
    assert (status, answer["problems"][0]["field"]) == (400, "(top level)")
    status, answer = await post_signed(hook_url, b'{"task_id": ')
    assert status == 400
    assert answer["error"].startswith("the body is not valid JSON: Expecting value at line 1")
    status, answer = await post_signed(
        hook_url, json.dumps(safe_task()).encode(), content_type="text/plain"
    )
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
    status, answer = await post_signed(hook_url, json.dumps(task).encode())
    assert (status, answer["error"]) == (400, "not a valid agent task")
    assert answer["problems"] == [{"field": "target", "message": TARGET_RULE}]
    await assert_not_started(stack.client, task["task_id"])


async def test_loosely_written_tasks_meet_the_rules_written_for_them(
    stack: Stack, hook_url: str
) -> None:
    task = safe_task(tool="Kubectl", action=" Scale", target=" Prod-web ", input="scale up")
    status, answer = await post_signed(hook_url, json.dumps(task).encode())
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


@pytest.mark.parametrize("depth", [9, 300, 900])
async def test_arguments_nested_deeply_are_refused_by_field(
    stack: Stack, hook_url: str, depth: int
) -> None:
    """A few hundred levels passed the check and failed the start in the data converter
    ("Maximum serialization depth exceeded"): a 500 with a trace."""
    task = safe_task()
    task_json = json.dumps(task)
    body = task_json[:-1] + ', "arguments": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    status, answer = await post_signed(hook_url, body.encode())
    assert (status, answer["error"]) == (400, "not a valid agent task")
    assert answer["problems"] == [{"field": "arguments", "message": "nested at most 8 levels deep"}]
    await assert_not_started(stack.client, task["task_id"])


async def test_large_bodies_are_refused(hook_url: str) -> None:
    task = safe_task(input="x" * MAX_BODY)
    body = json.dumps(task).encode()
    status, answer = await post_signed(hook_url, body)
    assert status == 413 and str(MAX_BODY) in answer["error"]

    async def chunks() -> AsyncIterator[bytes]:
        yield body[:1000]
        yield body[1000:]

    # Chunked, so no Content-Length says so in advance.
    status, answer = await post(hook_url, chunks(), signed(body))
    assert status == 413


async def test_signed_start_runs_the_task_and_a_replay_is_answered_200(
    stack: Stack, hook_url: str
) -> None:
    task = safe_task()
    body = json.dumps(task).encode()
    headers = signed(body)
    workflow_id = f"agent-task-{task['task_id']}"
    assert await post(hook_url, body, headers) == (202, {"workflow_id": workflow_id})
    handle = stack.client.get_workflow_handle(workflow_id, result_type=AgentTaskResult)
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.COMPLETED
    assert result.message == "ops-bot ran search.read on docs"
    assert [r.task.requested_by for r in stack.agents.ran] == [REQUESTER_ID]

    # The same request again within five minutes (a retry, or a replay): nothing new runs.
    again = await post(hook_url, body, headers)
    assert again == (200, {"workflow_id": workflow_id, "already_started": True})
    assert len(stack.agents.ran) == 1


async def test_hmac_signed_request_is_accepted(stack: Stack, hook_url: str) -> None:
    task = safe_task(requested_by="U0HOOKUSER")
    # The signature covers the raw bytes, whatever their layout.
    body = json.dumps(task, indent=2).encode()
    status, answer = await post(hook_url, body, signed(body))
    assert (status, answer) == (202, {"workflow_id": f"agent-task-{task['task_id']}"})
    handle = stack.client.get_workflow_handle(answer["workflow_id"], result_type=AgentTaskResult)
    assert (await handle.result()).outcome is AgentTaskOutcome.COMPLETED
    assert [r.task.requested_by for r in stack.agents.ran] == ["U0HOOKUSER"]


async def test_without_a_secret_the_hook_is_disabled(stack: Stack) -> None:
    task = safe_task()
    settings = hook_settings(stack.task_queue, None)
    async with hook_server(stack.client, stack.sim, settings) as url:
        status, answer = await post_signed(url, json.dumps(task).encode())
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
        status, answer = await post_signed(url, json.dumps(safe_task()).encode())
    assert status == 503
    assert answer == {
        "error": "could not reach Temporal (UNAVAILABLE); the agent task was not started; "
        "try again shortly"
    }
