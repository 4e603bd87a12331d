"""``chatops up --demo``: its banner, and the longer deadlines its requests get."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import cast

import pytest
from temporalio.client import Client

from cli.banner import banner, how_to_run
from cli.demo import demo_line, demo_policy, start_demo_flows
from orchestration.flow_starts import FlowStartRefused
from orchestration.policy.file import load_policy
from orchestration.settings import Settings
from tests.cli.test_up import banner_rows
from tests.flow_fakes import FakeStarter
from tests.helpers import REPO_POLICY


def test_the_banner_aligns_values_after_the_longest_label() -> None:
    text = banner([("Temporal", "127.0.0.1:7233"), ("Slack stand-in", "http://x/"), ("Bot", "b")])
    assert text.splitlines() == [
        "chatops is up:",
        "  Temporal        127.0.0.1:7233",
        "  Slack stand-in  http://x/",
        "  Bot             b",
    ]
    longer = banner([("A label longer than all the others", "v"), ("Bot", "b")])
    assert banner_rows(longer) == {"A label longer than all the others": "v", "Bot": "b"}


def test_the_demo_line_calls_the_ticket_a_ticket() -> None:
    line = demo_line(["order-ORD-1", "order-ORD-2"], "ticket-T-1")
    assert line == (
        "Demo requests waiting for approval (orders, then a ticket asking to be escalated): "
        "order-ORD-1, order-ORD-2, ticket-T-1"
    )


def test_demo_requests_get_deadlines_of_an_hour_and_nothing_else_changes(tmp_path: Path) -> None:
    shipped, _ = load_policy(REPO_POLICY)
    demo, _ = load_policy(demo_policy(REPO_POLICY, tmp_path))
    deadlines = {
        rule.name: rule.require_approval.deadline
        for rule in demo.rules
        if rule.require_approval is not None
    }
    assert deadlines == {
        "agent-changes-production": timedelta(hours=1),
        "agent-destructive-actions": timedelta(hours=1),
        "deploys-to-production": timedelta(hours=1),
        "deploys-to-sandboxes": timedelta(hours=1),
        "orders-over-10000": timedelta(hours=1),
        "orders-over-1000": timedelta(hours=1),
        "ticket-escalations": timedelta(hours=1),
        "production-changes": timedelta(hours=1),
        "refunds": timedelta(hours=2),  # already longer
    }
    for before, after in zip(shipped.rules, demo.rules, strict=True):
        if before.require_approval is not None and after.require_approval is not None:
            deadline = {"deadline": before.require_approval.deadline}
            restored = after.require_approval.model_copy(update=deadline)
            after = after.model_copy(update={"require_approval": restored})
        assert after == before  # only the deadlines differ
    assert (demo.otherwise, demo.version) == (shipped.otherwise, shipped.version)
    assert demo.flows == shipped.flows


def test_a_deadline_already_longer_than_the_demos_is_kept(tmp_path: Path) -> None:
    own = tmp_path / "policy.yml"
    own.write_text(
        "rules:\n"
        "  - name: slow\n"
        "    when: {kind: order}\n"
        "    require_approval: {approvers: [U1], deadline: 2d}\n"
    )
    demo, _ = load_policy(demo_policy(own, tmp_path))
    need = demo.rules[0].require_approval
    assert need is not None and need.deadline == timedelta(days=2)


def test_the_hint_names_the_launcher_only_in_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert how_to_run() == "chatops"  # installed with pip: the command on PATH
    launcher = tmp_path / "chatops"
    launcher.write_text("#!/bin/sh\n")
    launcher.chmod(0o755)
    assert how_to_run() == "./chatops"


def test_the_demo_line_names_the_example_flows() -> None:
    line = demo_line(["order-ORD-1"], "ticket-T-1", ["flow-refund-1", "flow-production-change-2"])
    assert line.endswith(
        "order-ORD-1, ticket-T-1; example flows (a refund waiting for finance, a production "
        "change): flow-refund-1, flow-production-change-2"
    )


async def test_the_demo_starts_the_example_flows_a_large_refund_first() -> None:
    starter = FakeStarter()
    started = await start_demo_flows(cast(Client, object()), Settings(), starter)
    assert [workflow_id.split("-run-")[0] for workflow_id in started] == [
        "flow-refund",
        "flow-production-change",
    ]
    assert [call["name"] for call in starter.calls] == ["refund", "production-change"]
    assert starter.calls[0]["inputs"]["amount"] > 5000  # waits for finance's approval


@pytest.mark.parametrize(
    "error", [NotImplementedError("the flow driver implements this"), FlowStartRefused("no flow")]
)
async def test_a_flow_that_cannot_start_is_one_line_and_the_demo_goes_on(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    started = await start_demo_flows(cast(Client, object()), Settings(), FakeStarter(raises=error))
    assert started == []
    lines = [r.getMessage() for r in caplog.records if r.name == "cli.demo"]
    assert lines == [
        f"demo: the example flow refund was not started: {error}",
        f"demo: the example flow production-change was not started: {error}",
    ]
