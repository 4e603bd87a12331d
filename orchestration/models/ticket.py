"""Models of a support ticket: the input, triage by priority, agents, status and result."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from orchestration.models.approval import ApprovalPolicy, ApprovalState
from orchestration.models.order import Customer
from orchestration.policy.match import PolicyDecision

TicketId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]


class Priority(StrEnum):
    """How urgent a ticket is; each has its own triage child workflow."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Ticket(BaseModel):
    """A support ticket as the customer opened it."""

    ticket_id: TicketId
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    priority: Priority
    customer: Customer
    queue: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] = "support"
    opened_at: datetime | None = None
    requested_by: str | None = Field(
        default=None, description="Slack user id of whoever filed the ticket, if known"
    )

    @property
    def workflow_id(self) -> str:
        """The ticket's workflow id: a business key."""
        return ticket_workflow_id(self.ticket_id)


def ticket_workflow_id(ticket_id: str) -> str:
    """``T-1042`` -> ``ticket-T-1042``."""
    return f"ticket-{ticket_id}"


class TicketPolicy(BaseModel):
    """How hard support tries before escalating; fixed when the ticket starts."""

    acceptance_timeout: timedelta = timedelta(minutes=2)
    max_assignment_attempts: int = Field(default=3, ge=1, le=20)
    no_agent_retry_delay: timedelta = timedelta(seconds=30)
    engineering_channel: str = "engineering"
    escalation: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    search_attributes: bool = True
    # The policy file decides whether and by whom an escalation is approved (by priority);
    # without it, ``escalation`` names the approvers.
    use_policy_file: bool = True


class TicketInput(BaseModel):
    """Input of ``TicketWorkflow``."""

    ticket: Ticket
    policy: TicketPolicy = Field(default_factory=TicketPolicy)
    requester_label: str = "chatops"


class TicketStep(StrEnum):
    """Where a ticket is; the last three are terminal."""

    RECEIVED = "received"
    SEARCHING_KNOWLEDGE_BASE = "searching_knowledge_base"
    FINDING_AGENT = "finding_agent"
    AWAITING_ACCEPTANCE = "awaiting_acceptance"
    AGENT_WORKING = "agent_working"
    AWAITING_ESCALATION = "awaiting_escalation"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    WITH_SUPPORT = "with_support"


class AttemptOutcome(StrEnum):
    """What came of offering the ticket to an agent."""

    ACCEPTED = "accepted"
    TIMED_OUT = "timed_out"
    NO_AGENT_FREE = "no_agent_free"


class AssignmentAttempt(BaseModel):
    """One try at getting an agent."""

    attempt: int
    agent_id: str | None
    outcome: AttemptOutcome
    at: datetime


class TicketStatus(BaseModel):
    """The ``status`` query's answer; also kept in memo for ``describe()``."""

    ticket_id: str
    priority: Priority
    step: TicketStep = TicketStep.RECEIVED
    paused: bool = False
    assignee: str | None = None
    attempts: int = 0
    history: list[AssignmentAttempt] = Field(default_factory=list)
    knowledge_base_article: str | None = None
    escalation_reason: str | None = None
    resolution: str | None = None
    outcome_reason: str | None = None
    policy: PolicyDecision | None = None


class TriageInput(BaseModel):
    """Input of a triage child workflow."""

    ticket: Ticket
    policy: TicketPolicy


class TriageOutcome(StrEnum):
    """How triage ended."""

    RESOLVED = "resolved"
    ESCALATE = "escalate"


class TriageResult(BaseModel):
    """A triage child's result."""

    outcome: TriageOutcome
    resolution: str | None = None
    reason: str | None = None
    status: TicketStatus


class TicketResult(BaseModel):
    """How a ticket ended."""

    ticket_id: str
    step: TicketStep
    message: str
    status: TicketStatus
    escalation: ApprovalState | None = None


class PauseInput(BaseModel):
    """Pause or resume, with who asked and why."""

    by: str = "chatops"
    reason: str = ""


class AgentAcceptance(BaseModel):
    """An agent taking (or declining) an offered ticket, signalled by the help desk."""

    agent_id: str
    accepted: bool = True


class KnowledgeBaseInput(BaseModel):
    """Search the knowledge base for a ticket."""

    ticket_id: str
    subject: str
    description: str


class KnowledgeBaseResult(BaseModel):
    """An article that answers the ticket."""

    article_id: str
    answer: str


class FindAgentInput(BaseModel):
    """Find a free agent on a queue, skipping some."""

    ticket_id: str
    queue: str
    exclude: list[str] = Field(default_factory=list)


class FindAgentResult(BaseModel):
    """A free agent, or None."""

    agent_id: str | None


class OfferInput(BaseModel):
    """Offer a ticket to an agent (who may accept at once, later by signal, or never)."""

    ticket_id: str
    workflow_id: str
    agent_id: str
    subject: str


class OfferResult(BaseModel):
    """Whether the agent accepted while being asked."""

    accepted: bool


class WorkInput(BaseModel):
    """An agent works a ticket (long: heartbeats)."""

    ticket: Ticket
    agent_id: str


class WorkResult(BaseModel):
    """What the agent did."""

    resolution: str


class ReleaseAgentInput(BaseModel):
    """Give an agent's claim on a ticket back."""

    ticket_id: str
    agent_id: str
