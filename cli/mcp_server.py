"""``chatops mcp``: the Model Context Protocol server an AI agent asks a human through.

Two tools, ``request_approval`` and ``approval_status``, over stdio (the default: an MCP host
launches ``chatops mcp`` itself) or streamable HTTP (``--http``, on loopback by default).
Requests are ``RequestApproval`` workflows, so the policy file, the card in Slack, quorum,
expiry and the audit trail apply to them as to any other. The tools' work is in
:mod:`cli.mcp_approvals`; this module gives it a schema and a transport.
SDK: https://py.sdk.modelcontextprotocol.io/v2/
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp_types import ToolAnnotations
from pydantic import ConfigDict, Field, ValidationError
from temporalio.client import Client

from cli.errors import CliError, describe_validation_error
from cli.mcp_approvals import ApprovalAnswer, ToolProblem, answer, ask
from cli.version import chatops_version
from orchestration.client import TemporalUnavailable, connect, connect_config
from orchestration.models.request import (
    Arguments,
    AttributeName,
    AttributeValue,
    Kind,
    Label,
    RequestApprovalInput,
    Title,
    UserId,
    Value,
)
from orchestration.settings import Settings
from orchestration.slack_trust import is_loopback

log = logging.getLogger(__name__)

MCP_PATH = "/mcp"
MAX_WAIT = 600
# Below the 60 s many MCP hosts allow one tool call before they give up on it.
DEFAULT_WAIT = 30
INSTRUCTIONS = (
    "Ask a human in Slack to approve an action before you take it. request_approval posts "
    "a card (or the policy file allows or denies at once) and waits up to wait_seconds; while "
    "the status is pending, call approval_status with the workflow_id until it is decided. "
    "Act only on status approved, with result.arguments (approvers may have edited them)."
)

# The tool's parameters are the RequestApproval contract's own fields: the same types,
# limits and descriptions, so the input schema an agent reads is the one enforced.
_CONTRACT = RequestApprovalInput.model_fields
KindParam = Annotated[Kind, _CONTRACT["kind"]]
TitleParam = Annotated[Title, _CONTRACT["title"]]
FieldsParam = Annotated[dict[Label, Value], _CONTRACT["fields"]]
AttributesParam = Annotated[dict[AttributeName, AttributeValue], _CONTRACT["attributes"]]
RequestedByParam = Annotated[UserId | None, _CONTRACT["requested_by"]]
ArgumentsParam = Annotated[Arguments | None, _CONTRACT["arguments"]]
WaitParam = Annotated[
    float,
    Field(
        ge=0,
        le=MAX_WAIT,
        description="How long to wait for the decision, in seconds (0: answer at once)",
    ),
]
RequestKey = Annotated[
    str | None,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$",
        description=(
            "Idempotency key: calling again with the same key returns the same request "
            "(and its decision) instead of asking twice; letters, digits, . _ : -"
        ),
    ),
]
WorkflowIdParam = Annotated[
    str,
    Field(
        pattern=r"^[!-~]{1,255}$",
        description="The workflow_id request_approval returned",
    ),
]


class TemporalLink:
    """The Temporal client, connected on first use: a host may launch the server before
    Temporal runs, and each call then says clearly that it cannot reach it."""

    def __init__(self, connect_client: Callable[[], Awaitable[Client]]) -> None:
        self._connect = connect_client
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        """The connected client; raises ToolProblem when Temporal cannot be reached."""
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await self._connect()
                except TemporalUnavailable as err:
                    raise ToolProblem(str(err)) from None
            return self._client


@contextmanager
def _as_tool_errors() -> Iterator[None]:
    """ToolProblems become ToolErrors, whose message the agent reads (anything else would
    reach it only as "Error executing tool")."""
    try:
        yield
    except ToolProblem as err:
        raise ToolError(str(err)) from None


def build_server(link: TemporalLink, task_queue: str) -> MCPServer:
    """The MCP server with its two tools, starting requests on ``task_queue``."""

    async def request_approval(
        kind: KindParam,
        title: TitleParam,
        fields: FieldsParam,
        attributes: AttributesParam,
        requested_by: RequestedByParam,
        arguments: ArgumentsParam,
        ctx: Context,
        wait_seconds: WaitParam = DEFAULT_WAIT,
        request_key: RequestKey = None,
    ) -> ApprovalAnswer:
        """Ask people in Slack to approve something, under the policy file; wait for the answer.

        Returns status approved, rejected, expired or denied with the result, or pending
        (with whom it waits for) when nobody decided within wait_seconds: then call
        approval_status with the workflow_id.
        """
        with _as_tool_errors():
            request = _contract(kind, title, fields, attributes, requested_by, arguments)
            return await ask(
                await link.client(),
                task_queue,
                request,
                key=request_key,
                wait=wait_seconds,
                progress=_progress(ctx),
            )

    async def approval_status(
        workflow_id: WorkflowIdParam, ctx: Context, wait_seconds: WaitParam = 0
    ) -> ApprovalAnswer:
        """Where an approval request stands: pending (whom it waits for, until when) or its
        decision. wait_seconds waits that long for a decision first."""
        with _as_tool_errors():
            client = await link.client()
            return await answer(client, workflow_id, wait=wait_seconds, progress=_progress(ctx))

    tools = [
        _strict_tool(
            request_approval,
            ToolAnnotations(title="Ask a human to approve", read_only_hint=False),
        ),
        _strict_tool(
            approval_status,
            ToolAnnotations(title="Approval request status", read_only_hint=True),
        ),
    ]
    return MCPServer("chatops", version=chatops_version(), instructions=INSTRUCTIONS, tools=tools)


def _contract(
    kind: str,
    title: str,
    fields: dict[str, str],
    attributes: dict[str, str],
    requested_by: str | None,
    arguments: dict[str, Any] | None,
) -> RequestApprovalInput:
    """The request as the workflow takes it (the parameters were checked with the same types;
    this keeps the two from drifting apart silently)."""
    try:
        return RequestApprovalInput(
            kind=kind,
            title=title,
            fields=fields,
            attributes=attributes,
            requested_by=requested_by,
            arguments=arguments,
        )
    except ValidationError as err:
        raise ToolProblem(describe_validation_error("invalid request", err)) from None


def _progress(ctx: Context) -> Callable[[float, float], Awaitable[None]]:
    async def report(waited: float, total: float) -> None:
        await ctx.report_progress(waited, total, "waiting for a decision in Slack")

    return report


def _strict_tool(fn: Callable[..., Any], annotations: ToolAnnotations) -> Tool:
    """A tool whose arguments refuse unknown names (the SDK's default ignores them, which would
    drop a misspelt field silently) and whose errors do not echo the arguments back."""
    description = inspect.cleandoc(fn.__doc__ or "")  # as the model reads it: no indentation
    tool = Tool.from_function(fn, description=description, annotations=annotations)
    loose = tool.fn_metadata.arg_model
    config = ConfigDict(extra="forbid", hide_input_in_errors=True)
    strict: type[ArgModelBase] = type(
        loose.__name__, (loose,), {"model_config": config, "__module__": __name__}
    )
    tool.fn_metadata.arg_model = strict
    tool.parameters = strict.model_json_schema(by_alias=True)
    return tool


async def cmd_mcp(settings: Settings, *, http: bool, host: str, port: int) -> None:
    """Serve until stdin closes (stdio) or until stopped (HTTP). Logs go to stderr only:
    on stdio, stdout carries the protocol."""
    link = TemporalLink(lambda: connect(settings))
    server = build_server(link, settings.task_queue)
    target = connect_config(settings)
    where = (
        f"Temporal at {target['target_host']}, namespace {target.get('namespace', 'default')}, "
        f"task queue {settings.task_queue}"
    )
    if not http:
        log.info("MCP server on stdio (%s)", where)
        await server.run_stdio_async()
        return
    if not is_loopback(host):
        log.warning(
            "MCP server on %s, beyond this machine: it has no authentication of its own, so "
            "whoever reaches it can ask for approvals; put an authenticating proxy in front",
            host,
        )
    log.info("MCP server on http://%s:%d%s (%s)", host, port, MCP_PATH, where)
    await _serve_http(server, host, port)


async def _serve_http(server: MCPServer, host: str, port: int) -> None:
    """The SDK's streamable HTTP app under uvicorn, whose logs go where chatops' go (the
    SDK's own runner would send uvicorn's access log to stdout)."""
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
    http = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None))
    try:
        await http.serve()
    except SystemExit:  # uvicorn's way to say it could not bind; it logged why
        raise CliError(f"cannot serve MCP on {host}:{port}; choose another --port") from None
