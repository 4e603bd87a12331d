"""Support tickets on the time-skipping server: every triage path, escalation decided in Slack,
pause / resume across parent and child, and status at each step."""

from __future__ import annotations

import re
from typing import Any

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import ActivityEnvironment

from activities.cards import APPROVE_ACTION
from orchestration.models.approval import ApprovalStatus, Verdict
from orchestration.models.ticket import (
    AgentAcceptance,
    AttemptOutcome,
    PauseInput,
    TicketStatus,
    TicketStep,
)
from orchestration.workflows.ticket import TicketWorkflow
from orchestration.workflows.triage import PROGRESS_SIGNAL, TriageWorkflow
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, ENGINEERING_CHANNEL_ID
from tests.desk import DeskStack
from tests.helpers import assert_eventually, decide


def outcomes(status: TicketStatus) -> list[tuple[str | None, AttemptOutcome]]:
    return [(a.agent_id, a.outcome) for a in status.history]


async def escalation_card(desk: DeskStack, ticket_id: str) -> dict[str, Any]:
    def cards() -> list[dict[str, Any]]:
        return [
            m
            for m in desk.sim.messages(APPROVALS_CHANNEL_ID)
            if f"Escalation of {ticket_id} " in m["text"]
        ]

    found = await assert_eventually(cards, bool, what="escalation card")
    assert len(found) == 1
    return found[0]


def field_texts(card: dict[str, Any]) -> str:
    return " ".join(
        f["text"] for b in card["blocks"] if b["type"] == "section" for f in b.get("fields", [])
    )


async def test_low_knowledge_base_answers(desk: DeskStack) -> None:
    handle = await desk.start("low")
    result = await handle.result()
    assert result.step is TicketStep.RESOLVED
    assert result.status.knowledge_base_article == "KB-101"
    assert result.status.history == [] and result.escalation is None
    assert desk.desk.offers == []
    assert desk.sim.messages(APPROVALS_CHANNEL_ID) == []


async def test_low_knowledge_base_fails_then_an_agent_resolves(desk: DeskStack) -> None:
    from cli.tickets import example_ticket

    ticket = example_ticket("low").model_copy(
        update={"subject": "Dark mode colours are off", "description": ""}
    )
    handle = await desk.start(ticket)
    result = await handle.result()
    assert result.step is TicketStep.RESOLVED
    assert result.status.knowledge_base_article is None
    assert outcomes(result.status) == [("agent-ana", AttemptOutcome.ACCEPTED)]
    assert result.status.resolution == "Ana resolved: Dark mode colours are off"


async def test_medium_agent_accepts(desk: DeskStack) -> None:
    handle = await desk.start("medium")
    result = await handle.result()
    assert result.step is TicketStep.RESOLVED
    assert result.status.assignee == "agent-ana"
    assert outcomes(result.status) == [("agent-ana", AttemptOutcome.ACCEPTED)]
    assert result.message == "Resolved by support"


async def test_agent_accepting_later_by_signal_is_assigned(desk: DeskStack) -> None:
    handle = await desk.start("unanswered")
    child = desk.child(handle, "medium")
    await assert_eventually(lambda: len(desk.desk.offers), lambda n: n == 1, what="offer")
    await child.signal(TriageWorkflow.agent_responded, AgentAcceptance(agent_id="agent-cy"))
    result = await handle.result()
    assert result.step is TicketStep.RESOLVED
    assert outcomes(result.status) == [("agent-cy", AttemptOutcome.ACCEPTED)]


async def test_nobody_accepts_then_escalation_is_approved_and_engineering_told(
    desk: DeskStack,
) -> None:
    handle = await desk.start("unanswered")
    status = await desk.advance_until(
        lambda: handle.query(TicketWorkflow.status),
        lambda s: s.step is TicketStep.AWAITING_ESCALATION,
    )
    assert outcomes(status) == [
        ("agent-cy", AttemptOutcome.TIMED_OUT),
        ("agent-dee", AttemptOutcome.TIMED_OUT),
        ("agent-eve", AttemptOutcome.TIMED_OUT),
    ]
    ticket_id = status.ticket_id
    card = await escalation_card(desk, ticket_id)
    about = f"{ticket_id} (medium: Export stuck at 99%)"
    assert card["text"].startswith(f"Escalation of {about} to engineering needs approval. ")
    assert card["blocks"][0]["text"]["text"] == f"Approval needed: Escalate {about} to engineering?"
    fields = field_texts(card)
    assert re.search(r"\*Opened\*\n<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+ UTC>", fields)
    for expected in ("Priority*\nmedium", "Customer*\nBo Customer", "Assigned to*\nnobody"):
        assert expected in fields
    assert "Why escalated*\nno agent took it after 3 attempts" in fields

    await desk.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.step is TicketStep.ESCALATED
    assert result.escalation is not None and result.escalation.decided_by == APPROVER_ID
    notices = desk.sim.messages(ENGINEERING_CHANNEL_ID)
    assert len(notices) == 1 and f"Escalated from support: {ticket_id}" in notices[0]["text"]
    assert notices[0]["text"].endswith(f" Approved by <@{APPROVER_ID}>.")
    final = await assert_eventually(
        lambda: desk.sim.message(APPROVALS_CHANNEL_ID, card["ts"]),
        lambda m: "Escalated to engineering" in m["text"],
    )
    assert final["text"].startswith(f"Approved by <@{APPROVER_ID}>: Escalation of {about} to ")
    assert final["blocks"][0]["text"]["text"] == f"Approved: Escalation of {about} to engineering"


async def test_high_with_no_agent_free_escalates_and_rejection_keeps_it_with_support(
    desk: DeskStack,
) -> None:
    handle = await desk.start("no-agents")
    status = await assert_eventually(
        lambda: handle.query(TicketWorkflow.status),
        lambda s: s.step is TicketStep.AWAITING_ESCALATION,
    )
    assert outcomes(status) == [(None, AttemptOutcome.NO_AGENT_FREE)]
    card = await escalation_card(desk, status.ticket_id)
    assert "(high: Checkout down)" in card["text"]
    assert "no agent free on the night-shift queue" in field_texts(card)
    await decide(
        handle,
        Verdict.REJECT,
        APPROVER_ID,
        reason="support can restart the service",
        click_key="reject-1",
    )
    result = await handle.result()
    assert result.step is TicketStep.WITH_SUPPORT
    assert result.status.outcome_reason == "escalation rejected: support can restart the service"
    assert desk.sim.messages(ENGINEERING_CHANNEL_ID) == []


async def test_escalation_nobody_decides_expires_and_stays_with_support(desk: DeskStack) -> None:
    handle = await desk.start("no-agents")
    result = await handle.result()  # the clock skips through the 30-minute deadline
    assert result.step is TicketStep.WITH_SUPPORT
    assert result.status.outcome_reason == "escalation expired"
    assert result.escalation is not None
    assert result.escalation.status is ApprovalStatus.EXPIRED
    card = await escalation_card(desk, result.ticket_id)
    assert len(desk.sim.thread(APPROVALS_CHANNEL_ID, card["ts"])) == 1  # the reminder


async def test_child_failure_becomes_an_escalation_and_releases_the_claim(desk: DeskStack) -> None:
    desk.desk.agents[0].fails_work = True  # Ana takes it, then her work fails
    handle = await desk.start("medium")
    status = await assert_eventually(
        lambda: handle.query(TicketWorkflow.status),
        lambda s: s.step is TicketStep.AWAITING_ESCALATION,
    )
    assert status.escalation_reason == "triage failed: agent work failed: Ana could not resolve it"
    assert desk.desk.agents[0].claimed_by is None
    child = await desk.child(handle, "medium").describe()
    assert child.status is not None and child.status.name == "FAILED"
    card = await escalation_card(desk, status.ticket_id)
    await desk.sim.click(APPROVER_ID, APPROVALS_CHANNEL_ID, card["ts"], APPROVE_ACTION)
    result = await handle.result()
    assert result.step is TicketStep.ESCALATED
    assert result.message == f"Escalated to engineering: {status.escalation_reason}"


async def test_pause_holds_parent_and_child_until_resume(desk: DeskStack) -> None:
    handle = await desk.start("unanswered")
    await assert_eventually(lambda: len(desk.desk.offers), lambda n: n == 1, what="first offer")
    await handle.signal(TicketWorkflow.pause, PauseInput(by="U0OPERATR1", reason="incident"))
    paused = await assert_eventually(
        lambda: handle.query(TicketWorkflow.status), lambda s: s.paused, what="paused"
    )
    assert paused.step is TicketStep.AWAITING_ACCEPTANCE
    child = desk.child(handle, "medium")
    await assert_eventually(
        lambda: child.query(TriageWorkflow.status), lambda s: s.paused, what="child paused"
    )

    # The agent accepts while paused: it is recorded, but the work does not start.
    await child.signal(TriageWorkflow.agent_responded, AgentAcceptance(agent_id="agent-cy"))
    held = await assert_eventually(
        lambda: child.query(TriageWorkflow.status),
        lambda s: (
            outcomes(s) == [("agent-cy", AttemptOutcome.ACCEPTED)] and s.assignee == "agent-cy"
        ),
        what="acceptance recorded",
    )
    assert held.step is TicketStep.AWAITING_ACCEPTANCE
    history = await child.fetch_history()
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert "work_ticket" not in scheduled

    await handle.signal(TicketWorkflow.resume, PauseInput(by="U0OPERATR1"))
    result = await handle.result()
    assert result.step is TicketStep.RESOLVED and result.status.paused is False
    assert result.status.resolution == "Cy resolved: Export stuck at 99%"


async def test_status_at_each_step_as_the_child_reported_it(desk: DeskStack) -> None:
    handle = await desk.start("medium")
    result = await handle.result()
    history = await handle.fetch_history()
    converter = pydantic_data_converter.payload_converter
    reports = [
        converter.from_payloads(e.workflow_execution_signaled_event_attributes.input.payloads,
                                [TicketStatus])[0]
        for e in history.events
        if e.HasField("workflow_execution_signaled_event_attributes")
        and e.workflow_execution_signaled_event_attributes.signal_name == PROGRESS_SIGNAL
    ]  # fmt: skip
    seen = [(r.step, r.assignee, r.attempts) for r in reports]
    assert seen == [
        (TicketStep.FINDING_AGENT, None, 0),
        (TicketStep.AWAITING_ACCEPTANCE, None, 0),
        (TicketStep.AWAITING_ACCEPTANCE, None, 1),
        (TicketStep.AGENT_WORKING, "agent-ana", 1),
        (TicketStep.RESOLVED, "agent-ana", 1),
    ]
    assert result.status.step is TicketStep.RESOLVED


async def test_agent_work_heartbeats() -> None:
    from activities.support import SupportDesk
    from cli.tickets import example_ticket
    from orchestration.models.ticket import WorkInput

    beats: list[Any] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: beats.append(details)
    ticket = example_ticket("medium")
    result = await env.run(
        SupportDesk().work_ticket, WorkInput(ticket=ticket, agent_id="agent-ben")
    )
    assert result.resolution == f"Ben resolved: {ticket.subject}"
    assert len(beats) >= 3
