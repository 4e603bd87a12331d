"""``chatops mcp``'s tools in process, through the SDK's own client: what an agent reads of
them, and input refused before anything reaches Temporal."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from temporalio.client import Client as TemporalClient

from cli.mcp_server import TemporalLink, build_server
from orchestration.client import connect
from orchestration.models.request import RequestApprovalInput
from orchestration.settings import Settings
from tests.helpers import free_port

CONTRACT_FIELDS = ["kind", "title", "fields", "attributes", "requested_by", "arguments"]


async def never_connects() -> NoReturn:
    raise AssertionError("the tool reached for Temporal")


def offline_server() -> MCPServer:
    return build_server(TemporalLink(never_connects), "chatops")


async def tool_schemas(server: MCPServer) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    async with Client(server) as client:
        listed = await client.list_tools()
    return {tool.name: (tool.input_schema, tool.output_schema or {}) for tool in listed.tools}


@pytest.mark.unit
async def test_request_approval_takes_the_contracts_fields_with_their_limits() -> None:
    schemas = await tool_schemas(offline_server())
    assert set(schemas) == {"request_approval", "approval_status"}
    given, _ = schemas["request_approval"]
    contract = RequestApprovalInput.model_json_schema()["properties"]
    assert {name: given["properties"][name] for name in CONTRACT_FIELDS} == contract
    assert list(given["properties"]) == [*CONTRACT_FIELDS, "wait_seconds", "request_key"]
    assert (given["required"], given["additionalProperties"]) == (["kind", "title"], False)
    wait = given["properties"]["wait_seconds"]
    assert (wait["minimum"], wait["maximum"], wait["default"]) == (0, 600, 30)
    key = given["properties"]["request_key"]["anyOf"][0]
    assert key["pattern"] == "^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


@pytest.mark.unit
async def test_both_tools_answer_in_one_shape() -> None:
    schemas = await tool_schemas(offline_server())
    status_input, status_output = schemas["approval_status"]
    assert status_input["required"] == ["workflow_id"]
    assert status_input["additionalProperties"] is False
    assert status_output == schemas["request_approval"][1]
    assert status_output["required"] == ["workflow_id", "status"]
    assert status_output["properties"]["status"]["enum"] == [
        "pending",
        "approved",
        "rejected",
        "expired",
        "denied",
        "cancelled",
    ]


BAD_REQUESTS = [
    ({"kind": "Deploy"}, "kind\n  String should match pattern"),
    ({"colour": "red"}, "colour\n  Extra inputs are not permitted"),
    ({"title": ""}, "title\n  String should have at least 1 character"),
    ({"attributes": {"env prod": "x"}}, "attributes.env prod.[key]"),
    ({"requested_by": "alice"}, "requested_by\n  String should match pattern"),
    ({"arguments": {"a": [[[[[[[[1]]]]]]]]}}, "arguments\n  nested at most 8 levels deep"),
    ({"wait_seconds": 601}, "wait_seconds\n  Input should be less than or equal to 600"),
    ({"request_key": "two words"}, "request_key\n  String should match pattern"),
]


@pytest.mark.unit
@pytest.mark.parametrize(("change", "says"), BAD_REQUESTS)
async def test_bad_input_is_refused_naming_the_field(change: dict[str, Any], says: str) -> None:
    arguments = {"kind": "deploy", "title": "Deploy api 2.3", **change}
    async with Client(offline_server()) as client:
        answer = await client.call_tool("request_approval", arguments)
    assert answer.is_error is True
    text = answer.content[0].text  # type: ignore[union-attr]
    assert text.startswith("Error executing tool request_approval: 1 validation error")
    assert says in text
    assert "input_value" not in text  # the arguments are not echoed back


@pytest.mark.unit
async def test_a_workflow_id_must_be_printable_and_bounded() -> None:
    async with Client(offline_server()) as client:
        spaced = await client.call_tool("approval_status", {"workflow_id": "mcp- x"})
        long = await client.call_tool("approval_status", {"workflow_id": "m" * 256})
    assert spaced.is_error is True and long.is_error is True
    assert "workflow_id\n  String should match pattern" in spaced.content[0].text  # type: ignore[union-attr]


async def test_temporal_out_of_reach_is_an_error_the_agent_reads() -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there

    async def unreachable() -> TemporalClient:
        return await connect(Settings(), target_host=address)

    server = build_server(TemporalLink(unreachable), "chatops")
    async with Client(server) as client:
        asked = await client.call_tool("request_approval", {"kind": "deploy", "title": "x"})
        status = await client.call_tool("approval_status", {"workflow_id": "mcp-1"})
    for answer in (asked, status):
        assert answer.is_error is True
        text = answer.content[0].text  # type: ignore[union-attr]
        assert f"cannot reach Temporal at {address} (namespace default): connection refused" in text
