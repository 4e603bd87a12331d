"""The deploy example (examples/deploy), run for real: its own worker, task queue and default
data converter, asking chatops with ``request_approval``; decided on the stand-in's card."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from activities.cards import APPROVE_ACTION, REJECT_ACTION
from bot.modals import ARGUMENTS_BLOCK, ARGUMENTS_INPUT, REASON_BLOCK, REASON_INPUT
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, REQUESTER_ID
from tests.helpers import assert_eventually, unique
from tests.stack import Stack
from tests.system.test_edits_and_superseding import open_edit_modal

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "deploy"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``examples/deploy/run.py`` as a module; its folder on the path, as when run as a script
    (the workflow sandbox imports the workflow's module from there again)."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    spec = importlib.util.spec_from_file_location("deploy_example_run", EXAMPLE / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def team_client(stack: Stack) -> Client:
    """The example's client: Temporal's default data converter."""
    return Client(stack.client.service_client, namespace=stack.client.namespace)


async def test_run_deploys_to_production_once_approved_on_the_card(
    stack: Stack, example: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", stack.client.service_client.config.target_host)
    argv = ["--env", "prod", "--requested-by", REQUESTER_ID]
    argv += ["--chatops-task-queue", stack.task_queue, "--task-queue", unique("deploys")]
    running = asyncio.create_task(example.main(argv))
    card = await stack.card()
    assert "Approve Deploy api 2.3 to prod?" in str(card["blocks"])
    # The fields in the order the workflow gave them, not sorted by the data converter.
    shown = [field["text"].split("\n")[0] for field in card["blocks"][1]["fields"]]
    assert shown == ["*Service*", "*Version*", "*Env*", "*Arguments*"]
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    assert await asyncio.wait_for(running, 30) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Started deploy-api-prod-")
    assert printed[-1] == (
        f"approved by {APPROVER_ID} (policy rule deploys-to-production): api 2.3 is live in prod"
    )


@pytest.mark.parametrize(
    ("argv", "status", "printed"),
    [
        (
            ["--env", "staging", "--version", "2.4"],
            0,
            "approved (policy rule other-deploys): api 2.4 is live in staging",
        ),
        (
            ["--env", "prod", "--service", "legacy-billing"],
            1,
            "denied (policy rule deploys-of-frozen-services): not deployed: "
            "legacy services are frozen",
        ),
    ],
)
async def test_run_says_what_the_policy_decided_without_a_card(
    stack: Stack,
    example: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    argv: list[str],
    status: int,
    printed: str,
) -> None:
    monkeypatch.setenv("TEMPORAL_ADDRESS", stack.client.service_client.config.target_host)
    argv = [*argv, "--chatops-task-queue", stack.task_queue, "--task-queue", unique("deploys")]
    assert await asyncio.wait_for(example.main(argv), 30) == status
    assert capsys.readouterr().out.splitlines()[-1] == printed
    assert stack.sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_the_deploy_rolls_out_the_arguments_as_edited(
    stack: Stack, example: ModuleType
) -> None:
    client, queue = team_client(stack), unique("deploys")
    deploy = example.DeployInput(
        service="api", version="2.3", env="prod", chatops_task_queue=stack.task_queue
    )
    async with example.deploy_worker(client, queue):
        handle = await example.start_deploy(client, deploy, queue)
        card = await stack.card()
        view = await open_edit_modal(stack, APPROVER2_ID, card["ts"])
        edited = {ARGUMENTS_BLOCK: {ARGUMENTS_INPUT: '{"version": "2.3.1", "canary": true}'}}
        await stack.sim.submit_view(APPROVER2_ID, view["id"], edited)
        result = await handle.result()
    assert (result.deployed, result.approved_by) == (True, [APPROVER2_ID])
    assert result.summary == "api 2.3.1 is live in prod as a canary"


async def test_a_rejected_deploy_does_not_roll_out(stack: Stack, example: ModuleType) -> None:
    client, queue = team_client(stack), unique("deploys")
    deploy = example.DeployInput(
        service="api", version="2.3", env="prod", chatops_task_queue=stack.task_queue
    )
    async with example.deploy_worker(client, queue):
        handle = await example.start_deploy(client, deploy, queue)
        card = await stack.card()
        await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], REJECT_ACTION)
        views = await assert_eventually(
            lambda: stack.sim.open_views(APPROVER_ID), bool, what="the reject modal"
        )
        reason = {REASON_BLOCK: {REASON_INPUT: "freeze until Monday"}}
        await stack.sim.submit_view(APPROVER_ID, views[0]["id"], reason)
        result = await handle.result()
    assert (result.deployed, result.outcome) == (False, "rejected")
    assert result.summary == "not deployed: freeze until Monday"


async def test_stopping_the_run_cancels_the_deploy_and_its_card(
    stack: Stack, example: ModuleType
) -> None:
    client, queue = team_client(stack), unique("deploys")
    deploy = example.DeployInput(
        service="api", version="2.3", env="prod", chatops_task_queue=stack.task_queue
    )
    async with example.deploy_worker(client, queue):
        handle = await example.start_deploy(client, deploy, queue)
        await stack.card()
        await example.cancel(handle)  # what Ctrl-C does
    assert (await handle.describe()).status is WorkflowExecutionStatus.CANCELED
    final = await stack.card()
    assert final["text"].startswith("Cancelled: Deploy api 2.3 to prod")
