"""``chatops start ticket``: example tickets and ticket files."""

from __future__ import annotations

import getpass
import sys
import uuid
from pathlib import Path
from typing import Any

from temporalio.client import Client

from cli.errors import CliError
from cli.examples import fresh_example, pick_request
from orchestration.models.ticket import Ticket, TicketInput, TicketPolicy
from orchestration.settings import Settings
from orchestration.starts import approval_policy, requester_in_force, start_request
from orchestration.workflows.ticket import TicketWorkflow

_CUSTOMER = {"name": "Bo Customer", "email": "bo@example.com"}

TICKET_EXAMPLES: dict[str, dict[str, Any]] = {
    "low": {
        "priority": "low",
        "subject": "Password reset link does not arrive",
        "description": "I asked for a password reset twice.",
    },
    "medium": {"priority": "medium", "subject": "Invoice shows the wrong VAT number"},
    "high": {"priority": "high", "subject": "Checkout down for EU customers"},
    "no-agents": {
        "priority": "high",
        "subject": "Checkout down",
        "queue": "night-shift",
    },
    "unanswered": {"priority": "medium", "subject": "Export stuck at 99%", "queue": "slow-queue"},
}


def example_ticket(name: str, requested_by: str | None = None) -> Ticket:
    """A fresh example ticket (new id each time)."""
    return fresh_example(
        Ticket,
        TICKET_EXAMPLES,
        name,
        ticket_id=f"T-{uuid.uuid4().hex[:6].upper()}",
        customer=_CUSTOMER,
        requested_by=requested_by,
    )


def pick_ticket(example: str | None, file: Path | None, requester: str | None) -> Ticket:
    """The ticket named on the command line."""
    return pick_request(
        example, file, requester, model=Ticket, make_example=example_ticket, noun="ticket"
    )


def ticket_policy(settings: Settings, ui_url: str | None) -> TicketPolicy:
    """The ticket policy new tickets get from the current settings."""
    return TicketPolicy(
        acceptance_timeout=settings.agent_accept_timeout,
        max_assignment_attempts=settings.assignment_attempts,
        engineering_channel=settings.engineering_channel,
        escalation=approval_policy(settings, ui_url),
        search_attributes=settings.search_attributes,
    )


async def start_ticket(
    client: Client, settings: Settings, ticket: Ticket, *, ui_url: str | None = None
) -> str:
    """Start a TicketWorkflow; returns its workflow id."""
    ticket = ticket.model_copy(
        update={"requested_by": requester_in_force(settings, ticket.requested_by)}
    )
    started = await start_request(
        client,
        settings,
        TicketWorkflow.run,
        TicketInput(
            ticket=ticket,
            policy=ticket_policy(settings, ui_url),
            requester_label=f"chatops CLI ({getpass.getuser()})",
        ),
        workflow_id=ticket.workflow_id,
        kind="ticket",
        noun="ticket",
    )
    if started.already_started:
        raise CliError(f"ticket {ticket.ticket_id} already exists (workflow {ticket.workflow_id})")
    return started.workflow_id


async def cmd_start_ticket(
    client: Client, settings: Settings, ticket: Ticket, ui_url: str | None
) -> None:
    """Start the ticket and print its workflow id."""
    workflow_id = await start_ticket(client, settings, ticket, ui_url=ui_url)
    print(workflow_id)
    print(
        f"Ticket {ticket.ticket_id} ({ticket.priority.value}: {ticket.subject}) is in triage.",
        file=sys.stderr,
    )
