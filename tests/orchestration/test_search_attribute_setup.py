"""A worker that may not register its search attributes (a cluster's operator keeps that
right) keeps running and logs the exact commands that create them."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any, cast

import pytest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from orchestration import search_attributes as sa
from orchestration.devserver import create_commands
from orchestration.worker import check_search_attributes

pytestmark = pytest.mark.unit


async def refused(*_: Any, **__: Any) -> None:
    raise RPCError("Request unauthorized.", RPCStatusCode.PERMISSION_DENIED, b"")


async def test_without_the_right_the_commands_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = cast(Client, SimpleNamespace(operator_service=SimpleNamespace(
        list_search_attributes=refused, add_search_attributes=refused,
    )))  # fmt: skip
    with caplog.at_level(logging.ERROR):
        await check_search_attributes(client, "ops.a1b2c")
    assert "in namespace ops.a1b2c (Request unauthorized.)" in caplog.text
    for command in create_commands("ops.a1b2c"):
        assert command in caplog.text


def test_one_command_per_attribute_with_its_type() -> None:
    commands = create_commands("ops")
    assert len(commands) == len(sa.ALL)
    assert commands[-1] == (
        "temporal operator search-attribute create --namespace ops "
        "--name ApprovalWaitingFor --type KeywordList"
    )
