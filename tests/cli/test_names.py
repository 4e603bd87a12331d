"""People by name on the terminal: the CLI looks mentions up in the workspace it is set up
for, and keeps the ids when it cannot."""

from __future__ import annotations

import time

from cli.names import LOOKUP_WITHIN, with_names
from cli.standin import STAND_IN
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalStatus, Verdict
from orchestration.settings import Settings
from slacksim import APPROVER2_ID, APPROVER_ID
from tests.cli.test_cli import chatops
from tests.helpers import assert_eventually, decide, free_port
from tests.stack import Stack, large_order


def _with_sim(cli_env: dict[str, str], stack: Stack) -> dict[str, str]:
    return {**cli_env, "SLACK_API_URL": stack.sim.api_url}


async def test_status_names_the_approvers_as_slack_shows_them(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    status = await chatops("workflow", "status", handle.id, env=_with_sim(cli_env, stack))
    assert status.code == 0, status.err
    assert "Waiting for approval from @alex, @sam; deadline " in status.out
    assert APPROVER_ID not in status.out


async def test_a_decision_someone_else_made_first_names_them(
    stack: Stack, cli_env: dict[str, str]
) -> None:
    handle = await stack.start_order(large_order())
    await stack.card()
    await decide(handle, Verdict.REJECT, APPROVER2_ID, reason="not this week")
    await assert_eventually(
        lambda: handle.query(ApprovableWorkflow.approval),
        lambda state: state is not None and state.status is ApprovalStatus.REJECTED,
        what="the rejection applied",
    )
    run = await chatops("approve", handle.id, env=_with_sim(cli_env, stack))
    assert run.code == 1
    assert "@sam" in run.err, run.err
    assert APPROVER2_ID not in run.err


async def test_without_slack_the_ids_stay_and_the_answer_is_not_held_up() -> None:
    settings = Settings.model_validate(
        {"SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/"}
    ).with_stand_in(STAND_IN)
    started = time.monotonic()
    text = await with_names(settings, f"Waiting for <@{APPROVER_ID}> and <@{APPROVER2_ID}>")
    assert text == f"Waiting for <@{APPROVER_ID}> and <@{APPROVER2_ID}>"
    assert time.monotonic() - started < LOOKUP_WITHIN + 1
