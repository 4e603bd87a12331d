"""The Home view, the digest and the reconciler's decisions as pure functions: valid Block
Kit within Slack's limits, who sees what, which messages count as stale cards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from activities.cards import (
    APPROVE_ACTION,
    CARD_EVENT_TYPE,
    EDIT_ACTION,
    REJECT_ACTION,
    decision_value,
)
from bot.digest import DIGEST_ITEMS, digest_message
from bot.home import HOME_ITEMS, home_view, may_decide, request_key
from bot.reconcile import candidate, closed_state, without_buttons
from commands.replies import CommandContext, CommandSettings
from commands.workflow.pending import Pending, pending_approvals
from orchestration.approval import MEMO_KEY
from orchestration.models.approval import ApprovalState, ApprovalStatus
from orchestration.settings import Settings
from tests.bot.listeners.fakes import FakeExecution, FakeTemporal, rpc_error
from tests.bot.test_cards import assert_valid_blocks

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def state(n: int = 1, **fields: Any) -> ApprovalState:
    values: dict[str, Any] = {
        "request_id": "1",
        "kind": "agent_task",
        "subject_id": f"task-{n}",
        "title": f"Task {n} <deploy> & co",
        "requester": "U0REQUEST1",
        "approvers": ["U0APPROVE1", "U0APPROVE2"],
        "requested_at": NOW - timedelta(minutes=90 - n),
        "deadline": NOW + timedelta(minutes=30),
    }
    values.update(fields)
    return ApprovalState(**values)


def test_may_decide_only_approvers_who_have_not_yet_approved() -> None:
    waiting = state()
    assert may_decide(waiting, "U0APPROVE1")
    assert not may_decide(waiting, "U0REQUEST1")  # the requester
    assert not may_decide(waiting, "U0SOMEONE1")  # not an approver
    assert not may_decide(state(approvals=["U0APPROVE1"], approvals_required=2), "U0APPROVE1")
    assert not may_decide(state(status=ApprovalStatus.APPROVED), "U0APPROVE1")
    # A group not yet expanded does not put anyone in a Home tab.
    assert not may_decide(state(approvers=["S0GROUP01"]), "U0APPROVE1")


def test_home_view_has_the_cards_buttons_per_request_and_stays_within_limits() -> None:
    waiting = [(f"agent-task-{n}", state(n, arguments={"replicas": n})) for n in range(40)]
    links = {request_key("agent-task-0", waiting[0][1]): "https://example.test/archives/C1/p1"}
    view = home_view(
        Pending(40, waiting[:HOME_ITEMS]), NOW, notice="You approved *x*.", links=links
    )
    View(**view).to_dict()  # raises on anything Slack would refuse
    assert len(view["blocks"]) <= 100  # a Home view's limit (a message's is 50)
    for block in view["blocks"]:
        assert Block.parse(block).to_dict() == block  # type: ignore[union-attr]
    actions = [b for b in view["blocks"] if b["type"] == "actions"]
    assert len(actions) == HOME_ITEMS
    assert len({b["block_id"] for b in actions}) == HOME_ITEMS
    first = actions[0]["elements"]
    assert [e["action_id"] for e in first] == [APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION]
    assert {e["value"] for e in first} == {decision_value("agent-task-0", "1")}
    text = str(view["blocks"])
    assert "Task 0 &lt;deploy&gt; &amp; co" in text
    assert "<https://example.test/archives/C1/p1|Open the card>" in text
    assert "… and 15 more: `/workflow pending` lists them all." in text
    assert "You approved *x*." in text


def test_empty_home_says_nothing_is_waiting() -> None:
    view = home_view(Pending(0, []), NOW)
    assert_valid_blocks(view["blocks"])
    assert "Nothing is waiting for you." in str(view["blocks"])


def test_digest_is_oldest_first_within_message_limits() -> None:
    waiting = [(f"order-{n}", state(n, approvals_required=2)) for n in range(30)]
    message = digest_message(Pending(30, waiting[:DIGEST_ITEMS]), NOW, {})
    assert_valid_blocks(message.blocks)
    assert message.text == "30 approvals waiting; the oldest for 1h 30m."
    sections = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert len(sections) == DIGEST_ITEMS
    assert sections[0].startswith("*Task 0 &lt;deploy&gt; &amp; co* (`order-0`)")
    assert "0 of 2 approvals" in sections[0]
    assert "… and 10 more." in str(message.blocks[-1])


def card_message(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "ts": "1795300000.000100",
        "metadata": {
            "event_type": CARD_EVENT_TYPE,
            "event_payload": {"card_key": "order-ORD-1/run-abc/1"},
        },
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "Order"}},
            {
                "type": "actions",
                "block_id": "approval_actions",
                "elements": [{"type": "button", "action_id": APPROVE_ACTION, "value": "x"}],
            },
        ],
    }
    message.update(overrides)
    return message


def test_only_our_cards_with_buttons_are_candidates() -> None:
    found = candidate(card_message())
    assert found is not None
    assert (found.workflow_id, found.run_id, found.request_id) == ("order-ORD-1", "run-abc", "1")
    assert candidate(card_message(metadata={})) is None  # not ours
    assert candidate(card_message(blocks=card_message()["blocks"][:1])) is None  # decided
    bad_key = {"event_type": CARD_EVENT_TYPE, "event_payload": {"card_key": "nonsense"}}
    assert candidate(card_message(metadata=bad_key)) is None


def test_a_closed_run_shows_an_undecided_request_as_cancelled_and_keeps_a_decided_one() -> None:
    ended = closed_state(state(), WorkflowExecutionStatus.TERMINATED, NOW)
    assert ended.status is ApprovalStatus.CANCELLED and ended.decided_at == NOW
    assert ended.outcome_note.startswith("The workflow was terminated before anyone decided")
    decided = state(status=ApprovalStatus.APPROVED, decided_by="U0APPROVE1", decided_at=NOW)
    assert closed_state(decided, WorkflowExecutionStatus.COMPLETED, NOW) == decided
    stripped = without_buttons(card_message()["blocks"], "*Closed*")
    assert [b["type"] for b in stripped] == ["section", "section"]


def test_job_settings_are_checked_with_clear_errors() -> None:
    settings = Settings(
        CHATOPS_DIGEST_CRON="off", CHATOPS_RECONCILE_EVERY="never", CHATOPS_DIGEST_TIMEZONE="UTC"
    )
    assert (settings.digest_cron, settings.reconcile_every) == (None, None)
    assert Settings(CHATOPS_RECONCILE_EVERY="90s").reconcile_every == timedelta(seconds=90)
    with pytest.raises(ValidationError, match="five fields"):
        Settings(CHATOPS_DIGEST_CRON="every morning")
    with pytest.raises(ValidationError, match="unknown time zone 'Moon/Base'"):
        Settings(CHATOPS_DIGEST_TIMEZONE="Moon/Base")
    with pytest.raises(ValidationError, match="must be between 10s and 1d, or off"):
        Settings(CHATOPS_RECONCILE_EVERY="1s")


async def test_the_pending_scan_counts_everything_and_keeps_only_the_oldest() -> None:
    def memo(approval: ApprovalState) -> dict[str, Any]:
        return {MEMO_KEY: approval.model_dump(mode="json")}

    executions = [FakeExecution(f"wf-{n}", memo(state(n))) for n in range(50)]
    executions.reverse()  # newest first, as Temporal lists them
    executions.insert(3, FakeExecution("wf-no-request"))
    executions.insert(
        7, FakeExecution("wf-decided", memo(state(99, status=ApprovalStatus.APPROVED)))
    )
    temporal = FakeTemporal()
    for execution in executions:
        temporal.add(execution)
    # Without search attributes: every memo listed is read (the stand-in evaluates no query).
    context = CommandContext(temporal, CommandSettings(search_attributes=False))  # type: ignore[arg-type]

    found = await pending_approvals(context, keep=5)
    assert found.total == 50
    assert [wid for wid, _ in found.oldest] == ["wf-0", "wf-1", "wf-2", "wf-3", "wf-4"]
    even = await pending_approvals(context, keep=3, accept=lambda wid, _: wid[-1] in "02468")
    assert (even.total, [wid for wid, _ in even.oldest]) == (25, ["wf-0", "wf-2", "wf-4"])
    assert (await pending_approvals(context, keep=0)).total == 50


def test_home_without_a_list_says_why_and_not_that_nothing_waits() -> None:
    view = home_view(None, NOW, notice="Could not reach Temporal (UNAVAILABLE).")
    text = str(view["blocks"])
    assert "Could not reach Temporal" in text and "Nothing is waiting" not in text


@pytest.mark.parametrize(
    ("status", "falls_back"),
    [(RPCStatusCode.INVALID_ARGUMENT, True), (RPCStatusCode.UNAVAILABLE, False)],
)
async def test_a_cluster_without_the_index_falls_back_to_reading_every_memo(
    status: RPCStatusCode, falls_back: bool, caplog: pytest.LogCaptureFixture
) -> None:
    temporal = FakeTemporal()
    for n in range(3):
        temporal.waiting(state(n), f"wf-{n}")

    async def refuse(query: str) -> None:
        raise rpc_error(status)

    temporal.count_workflows = refuse  # type: ignore[attr-defined]
    context = CommandContext(temporal)  # type: ignore[arg-type]

    if not falls_back:
        with pytest.raises(RPCError):
            await pending_approvals(context)
        return
    found = await pending_approvals(context, keep=2)
    assert (found.total, [wid for wid, _ in found.oldest]) == (3, ["wf-0", "wf-1"])
    assert "pending index not usable" in caplog.text
