"""The ``chatops`` Nexus contract and its handler, without a server (the calls themselves run
in tests/system/test_nexus.py)."""

from __future__ import annotations

from typing import Any

import nexusrpc
import pytest

from orchestration.models.request import RequestApprovalResult
from orchestration.nexus_handler import ChatopsNexusHandler, workflow_id
from orchestration.nexus_service import ChatopsService

pytestmark = pytest.mark.unit


def test_the_contract_names_the_service_the_operation_and_its_types() -> None:
    definition = nexusrpc.get_service_definition(ChatopsService)
    assert definition is not None and definition.name == "chatops"
    assert list(definition.operation_definitions) == ["request_approval"]
    operation = definition.operation_definitions["request_approval"]
    assert operation.name == "request_approval"
    # Any in: the handler validates the JSON itself, to name each bad field.
    assert (operation.input_type, operation.output_type) == (Any, RequestApprovalResult)


def test_the_handler_serves_the_contract() -> None:
    definition = nexusrpc.get_service_definition(ChatopsNexusHandler)
    assert definition is not None and definition.name == "chatops"
    assert list(definition.operation_definitions) == ["request_approval"]


def test_the_backing_workflow_id_derives_from_the_request_id() -> None:
    assert workflow_id("5b1d7e0c-0f0e") == "request-approval-nexus-5b1d7e0c-0f0e"
