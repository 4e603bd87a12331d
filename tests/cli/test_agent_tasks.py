"""``chatops start agent-task``, run as a real process: the policy file's verdict on stderr,
the workflow id on stdout, and clear errors for bad files, broken policies and reused ids."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.models.agent import AgentTaskOutcome, AgentTaskResult
from orchestration.names import TARGET_RULE
from orchestration.policy.file import load_policy
from slacksim import REQUESTER_ID
from tests.cli.test_cli import chatops
from tests.helpers import REPO_POLICY, unique
from tests.stack import Stack


def task_id_of(workflow_id: str) -> str:
    assert workflow_id.startswith("agent-task-TASK-"), workflow_id
    return workflow_id.removeprefix("agent-task-")


async def test_safe_example_is_allowed_and_completes(stack: Stack, cli_env: dict[str, str]) -> None:
    run = await chatops("start", "agent-task", "--example", "safe", env=cli_env)
    assert run.code == 0, run.err
    workflow_id = run.out.strip()
    task_id = task_id_of(workflow_id)
    assert (
        f"Agent task {task_id}: allowed by rule agent-read-only; the agent runs it now.\n"
        in run.err
    )
    handle = stack.client.get_workflow_handle(workflow_id, result_type=AgentTaskResult)
    result = await handle.result()
    assert result.outcome is AgentTaskOutcome.COMPLETED
    assert result.message == "ops-bot ran search.read on docs"
    assert [r.task.requested_by for r in stack.agents.ran] == [REQUESTER_ID]


async def test_forbidden_example_is_reported_denied(stack: Stack, cli_env: dict[str, str]) -> None:
    run = await chatops("start", "agent-task", "--example", "forbidden", env=cli_env)
    assert run.code == 0, run.err
    task_id = task_id_of(run.out.strip())
    assert (
        f"Agent task {task_id}: denied by rule forbidden-agent-input: "
        'inputs starting with "forbidden" are never run.\n' in run.err
    )
    handle = stack.client.get_workflow_handle(run.out.strip(), result_type=AgentTaskResult)
    result = await handle.result()
    assert (result.outcome, result.decision.rule) == (
        AgentTaskOutcome.DENIED,
        "forbidden-agent-input",
    )
    assert stack.agents.ran == []


async def test_risky_example_needs_two_approvals_and_posts_a_card(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    run = await chatops("start", "agent-task", "--example", "risky", env=cli_env)
    assert run.code == 0, run.err
    task_id = task_id_of(run.out.strip())
    _, version = load_policy(REPO_POLICY)
    assert (
        f"Agent task {task_id}: needs 2 approval(s) (rule agent-changes-production, "
        f"policy version {version}): a card is on its way to #approvals.\n" in run.err
    )
    card = await stack.card()
    assert "ops-bot's run of kubectl.scale on prod-web" in card["text"]
    assert '{"replicas": 6}' in str(card["blocks"])
    await stack.client.get_workflow_handle(run.out.strip()).terminate(reason="test finished")


async def test_task_files_and_reused_ids(
    stack: Stack, cli_env: dict[str, str], tmp_path: Path
) -> None:
    task_id = unique("FILE")
    good = tmp_path / "task.json"
    good.write_text(
        json.dumps(
            {
                "task_id": task_id,
                "agent": "ops-bot",
                "tool": "search",
                "action": "read",
                "target": "wiki",
            }
        )
    )
    run = await chatops(
        "start", "agent-task", "--file", str(good), "--requester", "U0FILEUSER", env=cli_env
    )
    assert (run.code, run.out.strip()) == (0, f"agent-task-{task_id}"), run.err
    handle = stack.client.get_workflow_handle(run.out.strip(), result_type=AgentTaskResult)
    assert (await handle.result()).outcome is AgentTaskOutcome.COMPLETED
    assert [r.task.requested_by for r in stack.agents.ran] == ["U0FILEUSER"]

    again = await chatops("start", "agent-task", "--file", str(good), env=cli_env)
    assert (again.code, again.out) == (1, "")
    assert again.err == (
        f"error: agent task {task_id} already exists (workflow agent-task-{task_id}); "
        "use a new task_id\n"
    )


async def test_bad_task_files_are_clear_errors(cli_env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "task.json"
    bad.write_text(json.dumps({"task_id": "bad id!", "agent": "Ops Bot", "tool": "", "target": ""}))
    run = await chatops("start", "agent-task", "--file", str(bad), env=cli_env)
    assert (run.code, run.out) == (1, "")
    assert run.err.startswith(f"error: {bad} is not a valid agent task:\n")
    for field in ("task_id", "agent", "tool", "action", "target"):
        assert f"\n  {field}: " in run.err

    hostile = tmp_path / "hostile.json"
    hostile.write_text(
        json.dumps(
            {
                "task_id": "T-1",
                "agent": "ops-bot",
                "tool": "kubectl",
                "action": "scale",
                "target": "prod-web\n<!channel>",
            }
        )
    )
    run = await chatops("start", "agent-task", "--file", str(hostile), env=cli_env)
    assert (run.code, run.out) == (1, "")
    assert run.err == f"error: {hostile} is not a valid agent task:\n  target: {TARGET_RULE}\n"

    broken = tmp_path / "broken.json"
    broken.write_text('{"task_id": "T-1",')
    run = await chatops("start", "agent-task", "--file", str(broken), env=cli_env)
    assert run.code == 1 and run.err.startswith(f"error: {broken} is not valid JSON: ")

    run = await chatops("start", "agent-task", env=cli_env)
    assert run.code == 2 and "one of the arguments --example --file is required" in run.err


async def test_broken_policy_file_is_a_clear_error_and_starts_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    invalid = tmp_path / "policy.yml"
    invalid.write_text(
        "version: 1\nrules:\n  - name: r\n    when: {kind: Robot!}\n    allow: true\n"
    )
    missing = tmp_path / "nope.yml"
    runs = {
        policy: await chatops(
            "start",
            "agent-task",
            "--example",
            "safe",
            env=cli_env | {"CHATOPS_POLICY_FILE": policy},
        )
        for policy in (str(invalid), str(missing))
    }
    for run in runs.values():
        assert (run.code, run.out) == (1, ""), run.err
        assert run.err.endswith(
            "nothing was started; fix the policy file (CHATOPS_POLICY_FILE) and try again\n"
        )
    assert runs[str(invalid)].err.startswith(
        f"error: {invalid}: invalid policy:\n  rules.0.when.kind: "
    )
    assert runs[str(missing)].err.startswith(f"error: {missing}: cannot read: ")
