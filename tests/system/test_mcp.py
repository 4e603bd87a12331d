"""An AI agent asks a human through ``chatops mcp``: the SDK's own client, over stdio and
streamable HTTP against the real process, and in process for the rest; the stand-in's
approvers click the cards."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters, stdio_client
from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult
from temporalio.client import Client as TemporalClient

from activities.cards import APPROVE_ACTION
from cli import mcp_approvals
from cli.mcp_server import TemporalLink, build_server
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually, free_port, unique
from tests.stack import Stack, large_order

CHATOPS = str(Path(sys.executable).with_name("chatops"))
DEPLOY = {
    "kind": "deploy",
    "title": "Deploy api 2.3 to prod",
    "fields": {"Service": "api", "Version": "2.3"},
    "attributes": {"env": "prod", "service": "api"},
    "requested_by": REQUESTER_ID,
    "arguments": {"version": "2.3"},
}


def served(stack: Stack) -> MCPServer:
    """The MCP server in this process, on the stack's Temporal client and task queue."""

    async def given() -> TemporalClient:
        return stack.client

    return build_server(TemporalLink(given), stack.task_queue)


def answer_of(result: CallToolResult) -> dict[str, Any]:
    assert result.is_error is False, result.content
    assert result.structured_content is not None
    return result.structured_content


def error_of(result: CallToolResult) -> str:
    assert result.is_error is True, result.structured_content
    return str(result.content[0].text)  # type: ignore[union-attr]


async def approve(stack: Stack) -> None:
    card = await stack.card()
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)


async def test_over_stdio_an_agent_asks_and_then_reads_the_approval(
    stack: Stack, cli_env: dict[str, str], tmp_path: Path
) -> None:
    cli_env["TEMPORAL_NAMESPACE"] = stack.client.namespace
    params = StdioServerParameters(command=CHATOPS, args=["mcp"], env=cli_env, cwd=tmp_path)
    with (tmp_path / "mcp.log").open("w") as log:
        async with Client(stdio_client(params, errlog=log)) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert sorted(tools) == ["approval_status", "request_approval"]
            schema = tools["request_approval"].input_schema
            assert schema["properties"]["kind"]["pattern"] == "^[a-z][a-z0-9_.-]{0,39}$"
            assert schema["properties"]["title"]["maxLength"] == 150
            assert tools["approval_status"].input_schema["required"] == ["workflow_id"]

            asked = answer_of(
                await client.call_tool("request_approval", {**DEPLOY, "wait_seconds": 0.2})
            )
            workflow_id = asked["workflow_id"]
            assert workflow_id.startswith("mcp-")
            assert (asked["status"], asked["result"]) == ("pending", None)
            stack.started.append(stack.client.get_workflow_handle(workflow_id))
            card = await stack.card()
            assert "Approve Deploy api 2.3 to prod?" in str(card["blocks"])
            pending = answer_of(
                await client.call_tool("approval_status", {"workflow_id": workflow_id})
            )
            assert pending["status"] == "pending"
            waiting = pending["waiting_for"]
            assert (waiting["approvers"], waiting["approvals"]) == ([APPROVER_ID, APPROVER2_ID], [])

            await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
            decided = answer_of(
                await client.call_tool(
                    "approval_status", {"workflow_id": workflow_id, "wait_seconds": 20}
                )
            )
    assert (decided["workflow_id"], decided["status"]) == (workflow_id, "approved")
    result = decided["result"]
    assert (result["outcome"], result["approved_by"]) == ("approved", [APPROVER_ID])
    assert (result["policy_rule"], result["arguments"]) == (
        "deploys-to-production",
        DEPLOY["arguments"],
    )
    assert decided["waiting_for"] is None
    assert "Traceback" not in (tmp_path / "mcp.log").read_text()


def accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.asynccontextmanager
async def mcp_over_http(env: dict[str, str], port: int, log: Path) -> AsyncIterator[str]:
    """``chatops mcp --http`` on ``port`` until the block ends; yields its URL."""
    with log.open("w") as errors:
        process = await asyncio.create_subprocess_exec(
            CHATOPS,
            "mcp",
            "--http",
            "--port",
            str(port),
            env=env,
            cwd=log.parent,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            await assert_eventually(
                lambda: process.returncode is not None or accepts(port),
                bool,
                what="chatops mcp --http listening",
            )
            assert process.returncode is None, f"chatops mcp --http exited; see {log}"
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            if process.returncode is None:
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_over_http_the_call_returns_the_decision_made_while_it_waits(
    stack: Stack, cli_env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "mcp.log"
    async with mcp_over_http(cli_env, free_port(), log) as url, Client(url) as client:
        clicker = asyncio.create_task(approve(stack))
        try:
            asked = await client.call_tool("request_approval", {**DEPLOY, "wait_seconds": 60})
            await clicker
        finally:
            clicker.cancel()
    decided = answer_of(asked)
    stack.started.append(stack.client.get_workflow_handle(decided["workflow_id"]))
    assert decided["status"] == "approved"
    assert decided["result"]["approved_by"] == [APPROVER_ID]
    assert "Traceback" not in (tmp_path / "mcp.log").read_text()


async def test_a_deny_rule_answers_denied_at_once(stack: Stack) -> None:
    frozen = {**DEPLOY, "attributes": {"env": "prod", "service": "legacy-billing"}}
    async with Client(served(stack)) as client:
        asked = answer_of(await client.call_tool("request_approval", frozen))
    assert asked["status"] == "denied"
    result = asked["result"]
    assert (result["reason"], result["policy_rule"]) == (
        "legacy services are frozen",
        "deploys-of-frozen-services",
    )
    assert (result["approved_by"], asked["waiting_for"]) == ([], None)
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_bad_input_and_ids_of_no_approval_request_are_errors(stack: Stack) -> None:
    order = await stack.start_order(large_order())
    async with Client(served(stack)) as client:
        bad = await client.call_tool("request_approval", {**DEPLOY, "kind": "Deploy!"})
        unknown = await client.call_tool("approval_status", {"workflow_id": "mcp-nothing-here"})
        other = await client.call_tool("approval_status", {"workflow_id": order.id})
    assert "kind\n  String should match pattern '^[a-z][a-z0-9_.-]{0,39}$'" in error_of(bad)
    assert error_of(unknown) == (
        "Error executing tool approval_status: no approval request with id mcp-nothing-here"
    )
    assert error_of(other) == (
        f"Error executing tool approval_status: no approval request with id {order.id}"
    )


async def test_one_request_key_asks_once_and_keeps_its_answer(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mcp_approvals, "PROGRESS_EVERY", 0.2)
    keyed = {**DEPLOY, "request_key": unique("deploy-api")}
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with Client(served(stack)) as client:
        first = answer_of(
            await client.call_tool(
                "request_approval", {**keyed, "wait_seconds": 0.7}, progress_callback=on_progress
            )
        )
        again = answer_of(await client.call_tool("request_approval", {**keyed, "wait_seconds": 0}))
        stack.started.append(stack.client.get_workflow_handle(first["workflow_id"]))
        assert first["workflow_id"] == again["workflow_id"] == f"mcp-{keyed['request_key']}"
        assert (first["status"], again["status"]) == ("pending", "pending")
        await approve(stack)
        decided = answer_of(
            await client.call_tool("request_approval", {**keyed, "wait_seconds": 20})
        )
        later = answer_of(await client.call_tool("request_approval", {**keyed, "wait_seconds": 0}))
    assert decided["status"] == later["status"] == "approved"
    assert later["result"] == decided["result"]
    assert len(stack.sim.messages(APPROVALS_CHANNEL_ID)) == 1
    assert seen and all(0 < done <= 0.7 for done, _, _ in seen)
    assert {(total, message) for _, total, message in seen} == {
        (0.7, "waiting for a decision in Slack")
    }


async def test_a_request_cancelled_before_a_decision_answers_cancelled(stack: Stack) -> None:
    async with Client(served(stack)) as client:
        asked = answer_of(await client.call_tool("request_approval", {**DEPLOY, "wait_seconds": 0}))
        handle = stack.client.get_workflow_handle(asked["workflow_id"])
        stack.started.append(handle)
        await stack.card()
        await handle.cancel()
        cancelled = answer_of(
            await client.call_tool(
                "approval_status", {"workflow_id": handle.id, "wait_seconds": 20}
            )
        )
        other = answer_of(await client.call_tool("request_approval", {**DEPLOY, "wait_seconds": 0}))
        ended = stack.client.get_workflow_handle(other["workflow_id"])
        stack.started.append(ended)
        await ended.terminate(reason="deploy window closed")
        gone = await client.call_tool("approval_status", {"workflow_id": ended.id})
    assert (cancelled["status"], cancelled["result"]) == ("cancelled", None)
    assert error_of(gone) == (
        f"Error executing tool approval_status: approval request {ended.id} ended without a "
        "decision: terminated (deploy window closed)"
    )
