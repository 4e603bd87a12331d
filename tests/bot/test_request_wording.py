"""What requests say: a noun title in sentences, a question where a card asks (a ticket's
escalation, an order and an agent task)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from activities.cards import approval_card
from bot.digest import digest_message
from bot.home import home_confirm, home_view
from commands.workflow.pending import Pending
from orchestration.models.agent import AgentTask
from orchestration.models.approval import (
    ApprovalRequest,
    ApprovalState,
    ApprovalStatus,
    CardField,
    CardInput,
    Verdict,
)
from orchestration.models.order import Customer
from orchestration.models.ticket import Priority, Ticket
from orchestration.request_names import (
    RequestName,
    agent_task_name,
    escalation_name,
    order_request_name,
)
from orchestration.wording import escalation_text, reminder_text, you_decided

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
TICKET = Ticket(
    ticket_id="T-1042",
    subject="Checkout down",
    priority=Priority.HIGH,
    customer=Customer(name="Bo", email="bo@example.com"),
)
TASK = AgentTask(
    task_id="TASK-1", agent="deploy-bot", tool="kubectl", action="apply", target="prod/api"
)
# kind, name, the title and the question as people read them
KINDS = [
    (
        "ticket",
        escalation_name(TICKET),
        "Escalation of T-1042 (high: Checkout down) to engineering",
        "Escalate T-1042 (high: Checkout down) to engineering?",
    ),
    (
        "order",
        order_request_name("ORD-1", "$5,000.00"),
        "Order ORD-1 for $5,000.00",
        "Approve order ORD-1 for $5,000.00?",
    ),
    (
        "agent task",
        agent_task_name(TASK),
        "deploy-bot's run of kubectl.apply on prod/api",
        "Let deploy-bot run kubectl.apply on prod/api?",
    ),
]
IDS = [kind for kind, *_ in KINDS]


def card(kind: str, name: RequestName, status: ApprovalStatus, **state: Any) -> CardInput:
    request = ApprovalRequest(kind=kind, subject_id="S-1", title=name.title, question=name.question)
    approval = ApprovalState(
        request_id="1",
        kind=kind,
        subject_id="S-1",
        title=name.title,
        question=name.question,
        status=status,
        approvers=["U0APPROVE1"],
        escalated_to=["U0APPROVE2"],
        requested_at=NOW,
        deadline=NOW + timedelta(minutes=5),
        **state,
    )
    return CardInput(request=request, state=approval, workflow_id="wf-1", card_key="k")


def header(message_blocks: list[dict[str, Any]]) -> str:
    return str(message_blocks[0]["text"]["text"])


@pytest.mark.parametrize(("kind", "name", "title", "question"), KINDS, ids=IDS)
def test_a_pending_card_asks_the_question(
    kind: str, name: RequestName, title: str, question: str
) -> None:
    assert name == (title, question)
    message = approval_card(card(kind, name, ApprovalStatus.PENDING))
    assert header(message.blocks) == f"Approval needed: {question}"
    assert message.text.startswith(f"{title} needs approval. ")


@pytest.mark.parametrize(("kind", "name", "title", "question"), KINDS, ids=IDS)
def test_sentences_about_a_request_name_it(
    kind: str, name: RequestName, title: str, question: str
) -> None:
    decided = card(kind, name, ApprovalStatus.APPROVED, decided_by="U0APPROVE1", decided_at=NOW)
    message = approval_card(decided)
    assert header(message.blocks) == f"Approved: {title}"
    assert message.text == f"Approved by <@U0APPROVE1>: {title}."
    state = decided.state
    assert you_decided(state, Verdict.APPROVE, edited=False) == (
        f"You approved *{title}*. Its card shows the outcome once the workflow has applied "
        "your decision."
    )
    assert you_decided(state, Verdict.REJECT, edited=True).startswith(
        f"You rejected *{title}* with edits. "
    )
    pending = card(kind, name, ApprovalStatus.PENDING).state
    assert reminder_text(pending) == (
        f"Reminder: {title} is still waiting for a decision. <@U0APPROVE1>: it expires at "
        "14:05 UTC."
    )
    assert escalation_text(pending) == (
        f"Escalated: {title} is still waiting for a decision. <@U0APPROVE2>: you may decide "
        "it now; it expires at 14:05 UTC."
    )
    for sentence in (message.text, you_decided(state, Verdict.APPROVE, edited=False)):
        assert "??" not in sentence and "?." not in sentence


@pytest.mark.parametrize(("kind", "name", "title", "question"), KINDS, ids=IDS)
def test_the_home_tab_and_the_digest_name_it_and_confirm_asks(
    kind: str, name: RequestName, title: str, question: str
) -> None:
    state = card(kind, name, ApprovalStatus.PENDING).state
    confirm = home_confirm(state)
    assert confirm.text == f"{question} It goes ahead once enough people approve."
    view = home_view(Pending(1, [("wf-1", state)]), NOW)
    assert view["blocks"][3]["text"]["text"].startswith(f"*{title}*\n")
    digest = digest_message(Pending(1, [("wf-1", state)]), NOW, {})
    assert digest.blocks[1]["text"]["text"].startswith(f"*{title}* (`wf-1`)\nwaiting ")


def test_an_older_state_without_a_question_asks_one_made_from_its_title() -> None:
    older = ApprovalRequest(kind="order", subject_id="ORD-1", title="Order ORD-1 for $5.00")
    assert older.asks == "Approve Order ORD-1 for $5.00?"
    # States recorded before titles became nouns carry their question as the title.
    asked = ApprovalRequest(kind="ticket", subject_id="T-1", title="Escalate T-1 to engineering?")
    assert asked.asks == "Escalate T-1 to engineering?"


def test_a_moment_on_a_card_is_shown_in_each_readers_time_zone() -> None:
    request = ApprovalRequest(
        kind="ticket",
        subject_id="T-1",
        title="Escalation of T-1",
        fields=[CardField(label="Opened", value="2026-11-21 13:00 UTC", at=NOW)],
    )
    pending = card("ticket", escalation_name(TICKET), ApprovalStatus.PENDING)
    message = approval_card(pending.model_copy(update={"request": request}))
    field = message.blocks[1]["fields"][0]["text"]
    assert field == (
        f"*Opened*\n<!date^{int(NOW.timestamp())}^{{date_short_pretty}} {{time}}"
        "|2026-11-21 13:00 UTC>"
    )
