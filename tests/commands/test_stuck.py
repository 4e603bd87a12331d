"""Stuck workflows against a real Temporal: a deploy whose workflow code raises, and one that
changed the code under running workflows (non-determinism), are flagged by ``status``,
``list``, ``stuck``, the digest and the Home tab, with the error; a healthy waiting request
is not. Seeded in the pending lists' namespace, each test on its own task queues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from bot.digest import post_digest
from bot.home import publish_home
from bot.slack_client import BotSlackClient
from commands.replies import CommandContext, Invoker
from commands.workflow import WORKFLOW
from commands.workflow.status import StatusReport
from commands.workflow.stuck import STUCK_LIMIT, StuckReport
from orchestration.approval import MEMO_KEY
from slacksim import APPROVALS_CHANNEL_ID, DEFAULT_BOT_TOKEN, running_sim
from tests.commands.broken_workflows import (
    BROKEN_MESSAGE,
    OrderAfterDeploy,
    OrderBeforeDeploy,
    RaisingOrderWorkflow,
)
from tests.commands.seeding import NOW, Kept, attributes, request, seed
from tests.helpers import assert_eventually, unique

APPROVER = "U0APPROVE1"
ASKER = Invoker(user_id="U0REQUEST1", is_operator=False)
# A short workflow task timeout: a task that fails on a retry is retried again after it.
TASK_TIMEOUT = timedelta(seconds=1)
ESCAPED = "payment &lt;!channel&gt; mapping &amp; &lt;b&gt;totals&lt;/b&gt; are wrong"


async def ask(client: Client, text: str) -> str:
    """``/workflow <text>`` as a person in Slack would get it."""
    context = CommandContext(client)
    return (await WORKFLOW.run(context, WORKFLOW.parse(text), ASKER)).text


async def facts(client: Client, text: str) -> Any:
    """The JSON facts of ``chatops workflow <text> --json``."""
    return await WORKFLOW.report(CommandContext(client), WORKFLOW.parse(text, terminal=True))


async def start_waiting(client: Client, task_queue: str, n: int) -> WorkflowHandle[Any, Any]:
    """An order waiting for approval (memo and index as the gate keeps them) on
    ``task_queue``, asked an hour ago."""
    state = request(n, NOW - timedelta(hours=1))
    return await client.start_workflow(
        "OrderWorkflow",
        id=unique("order-stuck"),
        task_queue=task_queue,
        memo={MEMO_KEY: state.model_dump(mode="json")},
        search_attributes=attributes(state, Kept.INDEXED),
        task_timeout=TASK_TIMEOUT,
    )


async def stuck_now(client: Client, count: int, shown: int | None = None) -> StuckReport:
    """The stuck list once ``count`` are stuck and it shows ``shown`` (all, by default)."""
    report: StuckReport = await assert_eventually(
        lambda: facts(client, "stuck"),
        lambda r: r.total == count and len(r.workflows) == (count if shown is None else shown),
        what=f"{count} stuck workflow(s) reported",
    )
    return report


async def test_workflow_code_that_raises_is_flagged_everywhere(pending_client: Client) -> None:
    [healthy] = await seed(pending_client, [request(1, NOW - timedelta(hours=2))])
    queue = unique("tq-broken")
    async with Worker(pending_client, task_queue=queue, workflows=[RaisingOrderWorkflow]):
        broken = await start_waiting(pending_client, queue, 2)
        [row] = (await stuck_now(pending_client, 1)).workflows

        assert (row.workflow_id, row.kind) == (broken.id, "order")
        failure = row.failure
        assert failure.reason == "workflow code raises an error"
        assert (failure.error, failure.non_determinism) == (BROKEN_MESSAGE, False)
        assert failure.error_type == "RuntimeError"
        assert failure.attempt >= 2
        assert failure.since is not None and failure.since <= datetime.now(UTC)

        status = await ask(pending_client, f"status {broken.id}")
        flagged = "⚠️ *Stuck: its workflow task keeps failing* (workflow code raises an error; "
        assert flagged in status
        assert f": RuntimeError: {ESCAPED})" in status
        assert "fix the workflow code and redeploy the worker" in status
        reset = f"`temporal workflow reset --workflow-id {broken.id} --type LastWorkflowTask"
        assert reset in status and "<!channel>" not in status
        assert "Stuck" not in await ask(pending_client, f"status {healthy}")
        report: StatusReport = await facts(pending_client, f"status {broken.id}")
        assert report.stuck is not None and report.stuck.attempt >= 2
        assert (report.stuck.reason, report.stuck.error) == (failure.reason, BROKEN_MESSAGE)

        listed = await lines(pending_client, "list running order", [broken.id, healthy])
        marked = " · order · running · ⚠️ stuck: workflow code raises an error · started "
        assert marked in listed[broken.id]
        assert "stuck" not in listed[healthy]

        text = await ask(pending_client, "stuck")
        assert text.startswith("*1 stuck (the workflow task keeps failing), oldest first:*\n")
        assert f"`{broken.id}` · order · workflow code raises an error" in text
        assert ESCAPED in text and healthy not in text
        assert "*What to do about an error in workflow code:* Temporal retries" in text

        await digest_and_home_flag(pending_client, broken.id, healthy, "workflow code raises")


async def lines(client: Client, text: str, ids: Sequence[str]) -> dict[str, str]:
    """The line of each of ``ids`` in the answer to ``text``."""
    answer = await ask(client, text)
    found = {wid: line for wid in ids for line in answer.splitlines() if f"`{wid}`" in line}
    assert sorted(found) == sorted(ids), answer
    return found


async def digest_and_home_flag(client: Client, broken: str, healthy: str, reason: str) -> None:
    """The digest and the approver's Home tab mark ``broken`` (and only it) as stuck."""
    async with running_sim() as sim:
        slack = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=sim.api_url)
        assert await post_digest(BotSlackClient(slack), client, APPROVALS_CHANNEL_ID)
        [digest] = sim.messages(APPROVALS_CHANNEL_ID)
        items = {b["text"]["text"]: b for b in digest["blocks"] if b["type"] == "section"}
        [marked] = [text for text in items if broken in text]
        assert f"⚠️ stuck: {reason}" in marked
        assert f"(`/workflow status {broken}`)" in marked
        [fine] = [text for text in items if healthy in text]
        assert "stuck" not in fine
        footer = digest["blocks"][-1]["elements"][0]["text"]
        assert footer.endswith(
            "⚠️ 1 workflow is stuck (the workflow task keeps failing): `/workflow stuck` lists them."
        )

        await publish_home(slack, CommandContext(client), APPROVER)
        view = sim.home_view(APPROVER)
        assert view is not None
        texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
        [marked] = [text for text in texts if broken in text]
        assert f"⚠️ stuck: {reason}" in marked and "applied once its workflow is fixed" in marked
        [fine] = [text for text in texts if healthy in text]
        assert "stuck" not in fine


async def test_a_deploy_that_changes_running_workflows_is_non_determinism(
    pending_client: Client,
) -> None:
    [healthy] = await seed(pending_client, [request(1, NOW - timedelta(hours=2))])
    queue = unique("tq-deploy")
    async with Worker(pending_client, task_queue=queue, workflows=[OrderBeforeDeploy]):
        handle = await start_waiting(pending_client, queue, 2)
        await assert_eventually(
            lambda: timer_started(handle), bool, what="the first version's timer recorded"
        )
    # The new version replaces the old, and the next task (a signal) replays the history.
    async with Worker(pending_client, task_queue=queue, workflows=[OrderAfterDeploy]):
        await handle.signal(OrderBeforeDeploy.poke)
        [row] = (await stuck_now(pending_client, 1)).workflows

        failure = row.failure
        assert (row.workflow_id, failure.reason) == (handle.id, "non-determinism error")
        assert (failure.error_type, failure.non_determinism) == ("NonDeterministicError", True)
        assert failure.error is not None
        assert failure.error.startswith("[TMPRL1100] Nondeterminism error: ")

        status = await ask(pending_client, f"status {handle.id}")
        assert "⚠️ *Stuck: its workflow task keeps failing* (non-determinism error; " in status
        assert ": NonDeterministicError: [TMPRL1100] Nondeterminism error: " in status
        assert "guard it with `workflow.patched`" in status
        assert (
            "<https://docs.temporal.io/develop/python/workflows/versioning#patching|patching>"
            in status
        )
        assert "<https://docs.temporal.io/cli/workflow#reset|reset>" in status

        text = await ask(pending_client, "stuck")
        assert "*What to do about a non-determinism error:* The workflow code" in text
        assert "What to do about an error in workflow code" not in text

        listed = await lines(pending_client, "list running", [handle.id, healthy])
        assert "⚠️ stuck: non-determinism error" in listed[handle.id]
        assert "stuck" not in listed[healthy]
        await digest_and_home_flag(pending_client, handle.id, healthy, "non-determinism error")


async def timer_started(handle: WorkflowHandle[Any, Any]) -> bool:
    history = await handle.fetch_history()
    return any(event.HasField("timer_started_event_attributes") for event in history.events)


async def test_nothing_stuck_says_so(pending_client: Client) -> None:
    await seed(pending_client, [request(1, NOW - timedelta(hours=2))])
    assert (await facts(pending_client, "stuck")).total == 0
    assert await ask(pending_client, "stuck") == (
        "No workflow is stuck: every running workflow's task is completing."
    )


async def test_many_stuck_are_counted_and_the_oldest_listed_first(pending_client: Client) -> None:
    queue = unique("tq-broken")
    async with Worker(pending_client, task_queue=queue, workflows=[RaisingOrderWorkflow]):
        # Started one after another: more than the list shows and than it reads whole.
        handles = [await start_waiting(pending_client, queue, n) for n in range(25)]
        report = await stuck_now(pending_client, len(handles), shown=STUCK_LIMIT)

    assert [row.workflow_id for row in report.workflows] == [h.id for h in handles[:STUCK_LIMIT]]
    started = [row.started_at for row in report.workflows]
    assert started == sorted(started)
    assert {row.failure.error for row in report.workflows} == {BROKEN_MESSAGE}
