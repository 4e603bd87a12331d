"""RequestApproval requests everywhere chatops shows approvals: ``/workflow status``,
``pending``, ``history`` and ``list``, the Home tab, the digest, the card reconciler, the audit
trail, quorum and reminders. Asked for as another team's workflow asks, with
``request_approval`` from its own sandboxed worker and the default data converter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from activities.agents import AgentRunner
from activities.cards import APPROVE_ACTION, decision_value
from bot.jobs import DIGEST_JOB
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import AttemptResult, DecisionSource, Verdict
from orchestration.models.request import RequestApprovalResult
from slacksim import APPROVALS_CHANNEL_ID, APPROVER2_ID, APPROVER_ID, OUTSIDER_ID, REQUESTER_ID
from tests.commands.test_workflow_commands import slash
from tests.helpers import assert_eventually, decide, unique
from tests.orchestration.asking import Ask, AskingWorkflow
from tests.stack import Stack, card_published
from tests.system.test_bot_jobs import has_buttons, jobs_for
from tests.system.test_home import open_home
from tests.system.test_policy_file import policy_worker, write_policy

Team = tuple[Client, str]
Handles = tuple[WorkflowHandle[Any, Any], WorkflowHandle[Any, RequestApprovalResult]]
TITLE = "Deploy api 2.3 to prod"
# Two approvals, and a reminder two seconds in.
QUORUM_POLICY = """\
rules:
  - name: deploys-need-two
    when: {kind: deploy}
    require_approval:
      approvers: [U0APPROVE1, U0APPROVE2]
      approvals: 2
      deadline: 20s
      reminder: 18s
"""


@pytest_asyncio.fixture
async def team(stack: Stack) -> AsyncIterator[Team]:
    """Another team's client (default data converter) and worker (default sandbox)."""
    client = Client(stack.client.service_client, namespace=stack.client.namespace)
    queue = unique("team")
    async with Worker(client, task_queue=queue, workflows=[AskingWorkflow]):
        yield client, queue


async def ask(stack: Stack, team: Team, chatops_queue: str | None = None) -> Handles:
    """A deploy to production asks chatops; the parent's handle and the request's."""
    client, queue = team
    request = {
        "kind": "deploy",
        "title": TITLE,
        "fields": {"Service": "api", "Version": "2.3"},
        "attributes": {"env": "prod", "service": "api"},
        "requested_by": REQUESTER_ID,
    }
    parent = await client.start_workflow(
        AskingWorkflow.run,
        Ask(chatops_task_queue=chatops_queue or stack.task_queue, request=request),
        id=unique("deploy"),
        task_queue=queue,
    )
    child = stack.client.get_workflow_handle(
        f"{parent.id}-approval-1", result_type=RequestApprovalResult
    )
    stack.started += [parent, child]
    return parent, child


async def waiting_card(stack: Stack, child: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    card = await stack.card()
    await card_published(child)
    return card


async def click(stack: Stack, user: str, ts: str) -> None:
    delivery = await stack.sim.click(user, APPROVALS_CHANNEL_ID, ts, APPROVE_ACTION)
    assert delivery.status == 200, delivery


async def test_status_list_and_history_show_the_request(stack: Stack, team: Team) -> None:
    _, child = await ask(stack, team)
    card = await waiting_card(stack, child)
    status = await slash(stack, REQUESTER_ID, f"status {child.id}")
    assert status.startswith(f"*{child.id}*: request approval, running")
    assert "Waiting for approval from <@U0APPROVE1>, <@U0APPROVE2>; deadline " in status
    assert "Policy: deploys-to-production (version " in status
    listed = await slash(stack, REQUESTER_ID, "list running request_approval")
    assert f"• `{child.id}` · request approval · running" in listed

    await click(stack, APPROVER_ID, card["ts"])
    assert (await child.result()).approved_by == [APPROVER_ID]
    status = await slash(stack, REQUESTER_ID, f"status {child.id}")
    assert status.startswith(f"*{child.id}*: request approval, completed")
    assert "Approval: *Approved* by <@U0APPROVE1> at " in status
    listed = await slash(stack, REQUESTER_ID, "list completed request_approval")
    assert f"• `{child.id}` · request approval · completed" in listed
    history = await slash(stack, REQUESTER_ID, f"history {child.id}")
    assert "started (RequestApproval)" in history
    assert "step: evaluate policy" in history and "step: post approval card" in history
    assert "decision: approve by <@U0APPROVE1> (slack)" in history
    assert history.rstrip().endswith("completed")


async def test_pending_the_digest_and_the_home_tab_list_it_and_the_home_tab_decides(
    stack: Stack, team: Team
) -> None:
    _, child = await ask(stack, team)
    card = await waiting_card(stack, child)
    pending = await slash(stack, APPROVER_ID, "pending")
    assert f"• {TITLE} (`{child.id}`): waiting " in pending

    jobs = jobs_for(stack, reconcile_every=None)
    jobs.start()
    try:
        jobs.run_now(DIGEST_JOB)
        messages = await assert_eventually(stack.messages, lambda m: len(m) == 2, what="digest")
    finally:
        jobs.stop()
    digest = str(messages[-1]["blocks"])
    assert f"(`{child.id}`)" in digest and TITLE in digest
    assert f"p{card['ts'].replace('.', '')}|{TITLE}>" in digest  # a link to the card

    home = await open_home(stack, APPROVER2_ID, lambda text: child.id in text)
    assert TITLE in home and f"deploy `{child.id}`" in home
    value = decision_value(child.id, "1")
    clicked = await stack.sim.click_home(APPROVER2_ID, APPROVE_ACTION, value=value)
    assert clicked.ok, clicked
    assert (await child.result()).approved_by == [APPROVER2_ID]


async def test_a_deleted_card_is_posted_again_with_the_outcome(stack: Stack, team: Team) -> None:
    _, child = await ask(stack, team)
    card = await waiting_card(stack, child)
    stack.sim.workspace.delete(APPROVALS_CHANNEL_ID, card["ts"])
    await open_home(stack, APPROVER_ID, lambda text: child.id in text)
    await stack.sim.click_home(APPROVER_ID, APPROVE_ACTION, value=decision_value(child.id, "1"))
    assert (await child.result()).approved_by == [APPROVER_ID]
    (final,) = await assert_eventually(
        stack.messages, lambda m: len(m) == 1 and not has_buttons(m[0]), what="card again"
    )
    assert final["ts"] != card["ts"]
    assert "*Approved* by <@U0APPROVE1>" in str(final["blocks"])


async def test_the_reconciler_redraws_the_card_of_a_terminated_request(
    stack: Stack, team: Team
) -> None:
    _, child = await ask(stack, team)
    card = await waiting_card(stack, child)
    await child.terminate(reason="cleaned up by hand")
    assert has_buttons(stack.sim.message(APPROVALS_CHANNEL_ID, card["ts"]))
    assert await jobs_for(stack, digest_cron=None).reconcile() == 1
    redrawn = stack.sim.message(APPROVALS_CHANNEL_ID, card["ts"])
    assert not has_buttons(redrawn) and redrawn["text"].startswith("Cancelled: ")
    body = str(redrawn["blocks"])
    assert "The workflow was terminated before anyone decided" in body
    assert "*Service*" in body and "*Version*" in body


async def test_every_attempt_is_kept_in_the_audit_trail(stack: Stack, team: Team) -> None:
    _, child = await ask(stack, team)
    card = await waiting_card(stack, child)
    # Decisions that reach the workflow without the bot's checks are judged there too.
    for outsider in (OUTSIDER_ID, REQUESTER_ID):
        await decide(child, Verdict.APPROVE, outsider, source=DecisionSource.SLACK)
    await click(stack, APPROVER_ID, card["ts"])
    await child.result()

    state = await child.query(ApprovableWorkflow.approval)
    assert state is not None
    assert [(a.user_id, a.result) for a in state.attempts] == [
        (OUTSIDER_ID, AttemptResult.REFUSED),
        (REQUESTER_ID, AttemptResult.REFUSED),
        (APPROVER_ID, AttemptResult.APPLIED),
    ]
    assert all(a.refusal for a in state.attempts[:2])
    assert state.attempts[2].source is DecisionSource.SLACK
    assert (state.policy_rule, state.decided_by) == ("deploys-to-production", APPROVER_ID)


async def test_a_quorum_of_two_with_a_reminder(stack: Stack, team: Team, tmp_path: Path) -> None:
    path, version = write_policy(tmp_path, QUORUM_POLICY)
    async with policy_worker(stack, path, AgentRunner()) as chatops_queue:
        _, child = await ask(stack, team, chatops_queue)
        card = await waiting_card(stack, child)
        assert "*0 of 2 approvals*" in str(card["blocks"])
        thread = await assert_eventually(
            lambda: stack.sim.thread(APPROVALS_CHANNEL_ID, card["ts"]), bool, what="reminder"
        )
        assert thread[0]["text"].startswith(f"Reminder: {TITLE} is still waiting for a decision")
        await click(stack, APPROVER_ID, card["ts"])
        await assert_eventually(
            stack.card, lambda m: "1 of 2 approvals: <@U0APPROVE1>" in str(m["blocks"])
        )
        await click(stack, APPROVER2_ID, card["ts"])
        result = await child.result()
    assert result.approved_by == [APPROVER_ID, APPROVER2_ID]
    assert (result.policy_rule, result.policy_version) == ("deploys-need-two", version)
    final = await assert_eventually(stack.card, lambda m: not has_buttons(m))
    assert "*Approved* by <@U0APPROVE1> and <@U0APPROVE2>" in str(final["blocks"])
