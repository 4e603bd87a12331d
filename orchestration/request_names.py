"""What each kind of request is called, and what its card asks.

A request's title is a noun phrase that sentences quote ("You approved <title>.",
"Approved: <title>"); its question is what the pending card and its confirm dialogs ask.
"""

from __future__ import annotations

from typing import NamedTuple

from orchestration.models.agent import AgentTask
from orchestration.models.ticket import Ticket


class RequestName(NamedTuple):
    """A request's noun title and its question."""

    title: str
    question: str


def order_request_name(order_id: str, total: str) -> RequestName:
    """``Order ORD-1 for $5,000.00`` / ``Approve order ORD-1 for $5,000.00?``."""
    return RequestName(f"Order {order_id} for {total}", f"Approve order {order_id} for {total}?")


def escalation_name(ticket: Ticket) -> RequestName:
    """``Escalation of T-1 (high: Checkout down) to engineering`` / ``Escalate T-1 (high:
    Checkout down) to engineering?``."""
    about = f"{ticket.ticket_id} ({ticket.priority.value}: {ticket.subject})"
    return RequestName(f"Escalation of {about} to engineering", f"Escalate {about} to engineering?")


def agent_task_name(task: AgentTask) -> RequestName:
    """``deploy-bot's run of kubectl.apply on prod/api`` / ``Let deploy-bot run kubectl.apply
    on prod/api?``."""
    run = f"{task.tool}.{task.action} on {task.target}"
    return RequestName(f"{task.agent}'s run of {run}", f"Let {task.agent} run {run}?")
