"""The example flows shipped in ``flows/`` validate against the shipped policy and the default
allow-list, and ``docs/flow.schema.json`` is the schema the models generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.flows.schema import FILE_NAME, flow_schema
from orchestration.flows.validate import validate_directory
from orchestration.models.request_schema import schema_text
from orchestration.policy.file import load_policy
from orchestration.settings import Settings
from tests.orchestration.flows.checking import context

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in (
        "CHATOPS_BOT_PORT",
        "CHATOPS_FLOW_HTTP_ALLOW",
        "CHATOPS_FLOW_HTTP_BASE",
        "CHATOPS_FLOWS_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    return Settings()


def test_the_example_flows_validate_against_the_shipped_policy(settings: Settings) -> None:
    policy, _ = load_policy(ROOT / "policy.yml")
    allow, base = settings.effective_flow_http_allow, settings.effective_flow_http_base
    given = context(ROOT / "flows", policy, allow, base)
    flows = validate_directory(ROOT / "flows", given)
    assert sorted(flows) == ["production-change", "refund"]
    assert [str(w) for flow in flows.values() for w in flow.warnings] == []
    refund = flows["refund"].flow
    assert sorted(refund.inputs) == ["amount", "customer", "order_id"]
    assert [step.kind for step in refund.steps] == ["branch", "http", "notify"]
    change = flows["production-change"].flow
    assert [step.kind for step in change.on_failure] == ["http", "notify"]


def test_the_default_allow_list_is_the_demo_prefix_on_loopback(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.flows_dir == Path("flows")
    assert settings.effective_flow_http_allow == ("http://127.0.0.1:3000/demo/",)
    monkeypatch.setenv("CHATOPS_BOT_PORT", "4100")
    assert Settings().effective_flow_http_allow == ("http://127.0.0.1:4100/demo/",)
    monkeypatch.setenv("CHATOPS_FLOW_HTTP_BASE", "http://bot.internal:3000/")
    assert Settings().effective_flow_http_base == "http://bot.internal:3000"
    assert Settings().effective_flow_http_allow == ("http://bot.internal:3000/demo/",)
    monkeypatch.setenv("CHATOPS_FLOW_HTTP_ALLOW", "https://api.example.com/v1/; http://10.0.0.5/")
    assert Settings().effective_flow_http_allow == (
        "https://api.example.com/v1/",
        "http://10.0.0.5/",
    )


def test_a_bad_allow_list_stops_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATOPS_FLOW_HTTP_ALLOW", "api.example.com")
    with pytest.raises(ValueError, match="must start with http:// or https://"):
        Settings()


def test_the_published_schema_matches_the_models() -> None:
    published = (ROOT / "docs" / FILE_NAME).read_text()
    assert published == schema_text(flow_schema()), (
        "docs/flow.schema.json is stale; run `.venv/bin/python -m orchestration.flows.schema docs`"
    )


def test_the_schema_names_every_step_type_and_the_aliases() -> None:
    definitions = flow_schema()["$defs"]
    assert {
        "HttpStep",
        "ApprovalStep",
        "NotifyStep",
        "WaitStep",
        "BranchStep",
        "ParallelStep",
        "CallFlowStep",
    } <= set(definitions)
    assert set(definitions["BranchCall"]["properties"]) == {"if", "then", "else"}
    assert set(definitions["WaitCall"]["properties"]) == {"for", "until"}
