"""Hostile text end to end: orders, agent tasks, tickets, schedules and the scrape report
whose every outside value is hostile. Every message, update, ephemeral, modal, Home tab and
slash-command reply the stand-in received shows that text as typed: nothing in it pings,
links or mentions anyone. And a card whose outcome is far longer than Slack allows still gets
its final update."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from temporalio.client import WorkflowHandle

from activities.cards import APPROVE_ACTION, REJECT_ACTION
from bot.modals import REASON_BLOCK, REASON_INPUT
from commands.replies import CommandContext, Invoker
from commands.schedule import SCHEDULE
from commands.schedule.delete import confirmed
from orchestration.approval import ApprovableWorkflow
from orchestration.models.agent import AgentTaskOutcome
from orchestration.models.approval import (
    ApprovalState,
    Verdict,
)
from orchestration.models.order import Order, OrderStep
from orchestration.models.scrape import ScrapeInput
from orchestration.models.ticket import Ticket, TicketStep
from orchestration.workflows.scrape import ScrapeWorkflow
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    ENGINEERING_CHANNEL_ID,
    GENERAL_CHANNEL_ID,
    OPERATOR_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
    SlackSim,
)
from slacksim.routes import CallRecord
from tests.commands.test_workflow_commands import slash
from tests.desk import DeskStack
from tests.helpers import assert_eventually, decide, unique
from tests.hostile import HOSTILE, HOSTILE_ESCAPED_PART, HOSTILE_SHORT, injected, mrkdwn_texts
from tests.stack import Stack
from tests.system.test_agent_tasks import start

POSTING = (
    *("chat.postMessage", "chat.update", "chat.postEphemeral"),
    *("views.open", "views.publish", "views.update", "response_url"),
)


def posted(sim: SlackSim) -> list[CallRecord]:
    """Every call that put text in front of someone."""
    return [call for call in sim.calls if call.method in POSTING]


def assert_all_shown_as_typed(sim: SlackSim, expect_in: Sequence[str] = POSTING) -> None:
    """Nothing any call carried is a live token from hostile text; and the hostile text did
    reach Slack (escaped) through each kind of call named in ``expect_in``."""
    calls = posted(sim)
    assert injected(call.params for call in calls) == []
    for method in expect_in:
        texts = [t for c in calls if c.method == method for t in mrkdwn_texts(c.params)]
        assert any(HOSTILE_ESCAPED_PART in t for t in texts), f"no hostile text via {method}"


def hostile_order(items: int = 2, price: str = "6000", sku: str = "SKU") -> Order:
    return Order.model_validate(
        {
            "order_id": f"ORD-{uuid.uuid4().hex[:8].upper()}",
            "customer": {"name": HOSTILE_SHORT, "email": "mallory@example.com"},
            "shipping_address": {"line1": HOSTILE_SHORT, "city": HOSTILE_SHORT, "country": "US"},
            "items": [
                {"sku": f"{sku}-{n}", "name": HOSTILE_SHORT, "quantity": 1, "unit_price": price}
                for n in range(items)
            ],
            "requested_by": REQUESTER_ID,
        }
    )


async def reject_with_reason(stack: Stack, ts: str, reason: str) -> None:
    await stack.sim.click(APPROVER2_ID, APPROVALS_CHANNEL_ID, ts, REJECT_ACTION)
    views = await assert_eventually(
        lambda: stack.sim.open_views(APPROVER2_ID), bool, what="reject modal open"
    )
    submitted = await stack.sim.submit_view(
        APPROVER2_ID, views[0]["id"], {REASON_BLOCK: {REASON_INPUT: reason}}
    )
    assert submitted.ok and submitted.errors == {}


async def test_a_hostile_order_is_text_in_every_message_about_it(stack: Stack) -> None:
    handle = await stack.start_order(hostile_order())  # $12,000: a card with a confirm
    card = await stack.card()
    confirm = next(b for b in card["blocks"] if b["type"] == "actions")["elements"][0]["confirm"]
    assert confirm["text"]["type"] == "plain_text" and HOSTILE_SHORT in confirm["text"]["text"]
    await stack.sim.click(OUTSIDER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    await stack.sim.open_home(APPROVER_ID)
    for command in ("pending", f"status {handle.id}", "list running order"):
        await slash(stack, REQUESTER_ID, command)

    await reject_with_reason(stack, card["ts"], HOSTILE)
    result = await handle.result()
    assert result.step is OrderStep.CANCELLED
    await assert_eventually(stack.card, lambda m: "Rejected" in m["text"], what="card updated")
    history = await slash(stack, REQUESTER_ID, f"history {handle.id}")
    assert HOSTILE_ESCAPED_PART in history

    other = await stack.start_order(hostile_order())
    await assert_eventually(stack.messages, lambda m: len(m) == 2, what="the second card")
    await slash(stack, OPERATOR_ID, f"cancel {other.id} {HOSTILE_SHORT}")
    announced = await assert_eventually(
        lambda: stack.sim.messages(GENERAL_CHANNEL_ID), bool, what="the cancellation announced"
    )
    assert HOSTILE_ESCAPED_PART in announced[0]["text"]
    # Refusals, the Home tab and the modal went out too; they quote no hostile field here.
    assert {"chat.postEphemeral", "views.publish", "views.open"} <= {
        c.method for c in stack.sim.calls
    }
    assert_all_shown_as_typed(stack.sim, ("chat.postMessage", "chat.update", "response_url"))


async def card_shown(handle: WorkflowHandle[Any, Any]) -> ApprovalState:
    """The request's state once its card is in the channel."""

    async def probe() -> ApprovalState | None:
        return await handle.query(ApprovableWorkflow.approval)

    state = await assert_eventually(
        probe, lambda s: s is not None and s.message_ts is not None, what="the card"
    )
    assert state is not None
    return state


async def test_agent_task_notices_and_reports_show_hostile_text_as_typed(stack: Stack) -> None:
    hostile = {"target": HOSTILE_SHORT, "input": HOSTILE, "arguments": {"note": HOSTILE}}
    done = await start(stack, tool="search", action="read", **hostile)
    assert (await done.result()).outcome is AgentTaskOutcome.COMPLETED  # summary quotes it all
    denied = await start(stack, tool="sql", action="run", target="db", input="forbidden x")
    assert (await denied.result()).outcome is AgentTaskOutcome.DENIED

    failed = await start(stack, tool="broken", action="deploy", **hostile)
    rejected = await start(stack, tool="db", action="delete", **hostile)
    for handle in (failed, rejected):
        state = await card_shown(handle)
        verdict = Verdict.APPROVE if handle is failed else Verdict.REJECT
        await decide(
            handle,
            verdict,
            APPROVER_ID,
            reason=HOSTILE,
            click_key=f"cli-{handle.id}",
            request_id=state.request_id,
        )
    assert (await failed.result()).outcome is AgentTaskOutcome.FAILED
    assert (await rejected.result()).outcome is AgentTaskOutcome.REJECTED

    def replies() -> list[str]:
        return [
            reply["text"]
            for message in stack.sim.messages(APPROVALS_CHANNEL_ID)
            for reply in stack.sim.thread(APPROVALS_CHANNEL_ID, message["ts"])
        ]

    texts = await assert_eventually(replies, lambda r: len(r) >= 2, what="both reports")
    assert any(t.startswith(f"Not run. Rejected: {HOSTILE_ESCAPED_PART}") for t in texts)
    notices = [m["text"] for m in stack.sim.messages(APPROVALS_CHANNEL_ID) if "blocks" not in m]
    assert any(f"Done: ops-bot ran search.read on {HOSTILE_ESCAPED_PART}" in n for n in notices)
    assert_all_shown_as_typed(stack.sim, ("chat.postMessage", "chat.update"))


async def test_a_failure_far_longer_than_slack_allows_still_reaches_the_card(
    stack: Stack,
) -> None:
    order = hostile_order(items=100, price="20", sku="A" * 30)  # $2,000: one approval
    for item in order.items:
        stack.services.stock[item.sku] = 0  # out of stock: the reason lists all 100 SKUs
    handle = await stack.start_order(order)
    card = await stack.card()
    await stack.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.step is OrderStep.FAILED and len(result.message) > 3000

    final = await assert_eventually(
        stack.card, lambda m: "Order failed" in str(m["blocks"]), what="the final update"
    )
    context = [e["text"] for b in final["blocks"] if b["type"] == "context" for e in b["elements"]]
    assert any("out of stock: AAAA" in text and text.endswith("…") for text in context)
    assert [c.error for c in stack.sim.calls_to("chat.update") if not c.ok] == []
    state = await handle.query(ApprovableWorkflow.approval)
    assert state is not None and state.card_error is None


async def test_schedule_replies_and_announcements_show_hostile_reasons_as_typed(
    stack: Stack,
) -> None:
    name = unique("sched").lower()
    await slash(stack, OPERATOR_ID, f"create {name} every 1h", "/schedule")
    try:
        paused = await slash(stack, OPERATOR_ID, f"pause {name} for 2h {HOSTILE}", "/schedule")
        assert paused.startswith(f"Schedule `{name}` paused for 2h")
        # Schedules are listed from Temporal's visibility store, which shows a pause a moment
        # after describe() does.
        listed = await assert_eventually(
            lambda: slash(stack, OPERATOR_ID, "list", "/schedule"),
            lambda text: HOSTILE_ESCAPED_PART in text,
            what="the pause in the schedule list",
        )
        described = await slash(stack, OPERATOR_ID, f"describe {name}", "/schedule")
        assert HOSTILE_ESCAPED_PART in listed and HOSTILE_ESCAPED_PART in described
        await slash(stack, OPERATOR_ID, f"unpause {name} {HOSTILE}", "/schedule")
        await assert_eventually(
            lambda: stack.sim.messages(GENERAL_CHANNEL_ID),
            lambda m: len(m) >= 3,
            what="create, pause and unpause announced",
        )
    finally:
        context = CommandContext(stack.client, stack.commands)
        delete = confirmed(name)
        await SCHEDULE.run(context, delete, Invoker(OPERATOR_ID, is_operator=True))
    assert_all_shown_as_typed(stack.sim, ("chat.postMessage", "response_url"))


async def test_the_scrape_report_shows_hostile_urls_and_errors_as_typed(stack: Stack) -> None:
    assert stack.commands.scrape is not None
    good = stack.commands.scrape.sources[0]
    base = good.rsplit("/", 1)[0]
    scrape = ScrapeInput(
        sources=[good, f"{base}/{HOSTILE_SHORT}.html"],
        output_dir=stack.commands.scrape.output_dir,
        channel="general",
    )
    report = await stack.client.execute_workflow(
        ScrapeWorkflow.run, scrape, id=unique("scrape"), task_queue=stack.task_queue
    )
    assert report.succeeded == 1
    notes = await assert_eventually(
        lambda: stack.sim.messages(GENERAL_CHANNEL_ID), bool, what="the scrape report"
    )
    assert notes[0]["text"].startswith("Scrape: 1 of 2 sources fetched; failed: ")
    assert_all_shown_as_typed(stack.sim, ("chat.postMessage",))


async def test_a_hostile_ticket_escalation_tells_engineering_in_plain_text(
    desk: DeskStack,
) -> None:
    ticket = Ticket.model_validate(
        {
            "ticket_id": f"T-{uuid.uuid4().hex[:6].upper()}",
            "subject": HOSTILE_SHORT,
            "priority": "high",
            "queue": "night-shift",  # no agent: it escalates at once
            "customer": {"name": HOSTILE_SHORT, "email": "mallory@example.com"},
            "requested_by": REQUESTER_ID,
        }
    )
    handle = await desk.start(ticket)
    card = await assert_eventually(
        lambda: desk.sim.messages(APPROVALS_CHANNEL_ID), bool, what="the escalation card"
    )
    await desk.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card[0]["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.step is TicketStep.ESCALATED
    [notice] = desk.sim.messages(ENGINEERING_CHANNEL_ID)
    assert notice["text"].startswith(f"Escalated from support: {ticket.ticket_id} (high: ")
    assert HOSTILE_ESCAPED_PART in notice["text"]
    assert_all_shown_as_typed(desk.sim, ("chat.postMessage", "chat.update"))
