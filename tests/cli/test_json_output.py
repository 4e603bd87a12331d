"""``chatops --version`` and ``chatops workflow status|list|pending|stuck --json``, run as real
processes against the session's Temporal: one JSON document with the documented fields, and
errors that still exit non-zero with one clear line."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from temporalio.worker import Worker

from cli.version import UNKNOWN, source_version
from commands.workflow.list import ListReport
from commands.workflow.pending import PendingReport
from commands.workflow.status import StatusReport
from commands.workflow.stuck import StuckReport
from slacksim import APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.cli.test_cli import chatops
from tests.commands.broken_workflows import BROKEN_MESSAGE, RaisingOrderWorkflow
from tests.helpers import assert_eventually, unique
from tests.stack import Stack, large_order

ROOT = Path(__file__).resolve().parents[2]
UI = "http://temporal-ui.example"
TASK = timedelta(seconds=1)  # a failing workflow task is retried after it


async def json_of(*args: str, env: dict[str, str]) -> Any:
    run = await chatops(*args, "--json", env=env | {"CHATOPS_TEMPORAL_UI_URL": UI})
    assert (run.code, run.err) == (0, ""), run.err
    return json.loads(run.out)


async def test_version_names_the_installed_distribution(cli_env: dict[str, str]) -> None:
    run = await chatops("--version", env=cli_env)
    assert (run.code, run.out) == (0, f"chatops {metadata.version('chatops')}\n")


@pytest.mark.unit
def test_a_source_tree_never_installed_has_its_declared_version(tmp_path: Path) -> None:
    declared = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert declared is not None
    assert source_version(ROOT / "pyproject.toml") == declared[1]
    assert source_version(tmp_path / "nothing.toml") == UNKNOWN
    (tmp_path / "broken.toml").write_text("[project\n")
    assert source_version(tmp_path / "broken.toml") == UNKNOWN


async def test_status_as_json(stack: Stack, cli_env: dict[str, str]) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    status = await json_of("workflow", "status", handle.id, env=cli_env)
    assert StatusReport.model_validate(status).workflow_id == handle.id
    assert {k: status[k] for k in ("kind", "state", "workflow_type", "closed_at", "link")} == {
        "kind": "order",
        "state": "running",
        "workflow_type": "OrderWorkflow",
        "closed_at": None,
        "link": f"{UI}/namespaces/default/workflows/{handle.id}",
    }
    assert status["step"] == {
        "name": "awaiting_approval",
        "paused": False,
        "failure_reason": None,
        "source": "live",
    }
    approval = status["approval"]
    assert approval["status"] == "pending" and approval["kind"] == "order"
    assert approval["approvers"] == [APPROVER_ID, APPROVER2_ID]
    assert (approval["requested_by"], approval["approvals"]) == (REQUESTER_ID, [])
    assert datetime.fromisoformat(approval["deadline"]) > datetime.fromisoformat(status["as_of"])

    # The same facts, as the text says them.
    text = await chatops("workflow", "status", handle.id, env=cli_env)
    assert text.out.startswith(f"{handle.id}: order, running\nStep: awaiting approval (from live)")


async def test_list_and_pending_as_json(stack: Stack, cli_env: dict[str, str]) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    listed = await assert_eventually(
        lambda: json_of("workflow", "list", "running", "order", env=cli_env),
        lambda doc: any(w["workflow_id"] == handle.id for w in doc["workflows"]),
        what="the order listed (visibility is eventually consistent)",
    )
    assert ListReport.model_validate(listed).state == "running"
    assert (listed["state"], listed["kind"], type(listed["more"])) == ("running", "order", bool)
    row = next(w for w in listed["workflows"] if w["workflow_id"] == handle.id)
    assert {k: row[k] for k in ("kind", "state", "step", "link")} == {
        "kind": "order",
        "state": "running",
        "step": "awaiting_approval",
        "link": f"{UI}/namespaces/default/workflows/{handle.id}",
    }

    pending = await json_of("workflow", "--json", "pending", env=cli_env)  # either place
    assert PendingReport.model_validate(pending).total == pending["total"] >= 1
    # The session's Temporal is shared with other tests: look for this test's request.
    request = next(r for r in pending["requests"] if r["workflow_id"] == handle.id)
    assert request["approval"]["status"] == "pending"
    assert request["approval"]["approvers"] == [APPROVER_ID, APPROVER2_ID]
    waiting_since = [
        datetime.fromisoformat(r["approval"]["requested_at"]) for r in pending["requests"]
    ]
    assert waiting_since == sorted(waiting_since)  # oldest first


async def test_json_errors_are_one_line_and_exit_non_zero(cli_env: dict[str, str]) -> None:
    unknown = await chatops("workflow", "status", "order-NOPE", "--json", env=cli_env)
    assert (unknown.code, unknown.out, unknown.err) == (1, "", "error: No workflow order-NOPE.\n")
    missing = await chatops("workflow", "status", "--json", env=cli_env)
    assert (missing.code, missing.out) == (2, "")
    assert missing.err == "error: Say which workflow. See chatops workflow help.\n"
    other = await chatops("workflow", "cancel", "order-NOPE", "--json", env=cli_env)
    assert (other.code, other.out) == (2, "")
    assert other.err == (
        "error: --json works with chatops workflow status, list, pending, stuck; not with cancel.\n"
    )


@pytest.mark.unit
def test_every_json_field_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_]+)`", (ROOT / "docs" / "json-output.md").read_text()))
    reports = (StatusReport, ListReport, PendingReport, StuckReport)
    schemas = [m.model_json_schema() for m in reports]
    models = [s for schema in schemas for s in [schema, *schema.get("$defs", {}).values()]]
    fields = {name for model in models for name in model.get("properties", {})}
    assert fields and fields <= documented, fields - documented


async def test_stuck_in_the_terminal_as_text_and_json(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    queue = unique("tq-broken")
    async with Worker(stack.client, task_queue=queue, workflows=[RaisingOrderWorkflow]):
        handle = await stack.client.start_workflow(
            RaisingOrderWorkflow.run, id=unique("order-stuck"), task_queue=queue, task_timeout=TASK
        )
        stack.started.append(handle)  # ended after the test: stuck, it would run forever
        stuck = await assert_eventually(
            lambda: json_of("workflow", "stuck", env=cli_env),
            lambda report: handle.id in str(report),
            what="the stuck workflow listed",
        )
        rows = StuckReport.model_validate(stuck).workflows
        [row] = [r for r in rows if r.workflow_id == handle.id]
        assert (row.kind, row.failure.error, row.failure.error_type) == (
            "order",
            BROKEN_MESSAGE,
            "RuntimeError",
        )
        assert row.link == f"{UI}/namespaces/default/workflows/{handle.id}"
        run = await chatops("workflow", "stuck", env=cli_env)
    assert run.code == 0, run.err
    assert f"⚠️ {handle.id} · order · workflow code raises an error · started " in run.out
    assert f"RuntimeError: {BROKEN_MESSAGE}" in run.out  # plain text on a terminal
    assert "What to do about an error in workflow code: Temporal retries" in run.out
