"""Support-desk side effects: knowledge base, agent directory, offers, agent work.

A local help desk with real state: agents on queues, who is busy, who answers offers. A
responsive agent accepts an offer at once; an unresponsive one never does (the workflow's
deadline replaces them). A help-desk integration can also accept later by signalling the
triage workflow (``agent_responded``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from orchestration.models.ticket import (
    FindAgentInput,
    FindAgentResult,
    KnowledgeBaseInput,
    KnowledgeBaseResult,
    OfferInput,
    OfferResult,
    ReleaseAgentInput,
    WorkInput,
    WorkResult,
)

HEARTBEAT_EVERY = 0.2


@dataclass
class Agent:
    """One support agent."""

    agent_id: str
    name: str
    queue: str
    responsive: bool = True
    work_seconds: float = 0.6
    fails_work: bool = False
    claimed_by: str | None = None


@dataclass
class Article:
    """A knowledge-base article and the words that find it."""

    article_id: str
    keywords: tuple[str, ...]
    answer: str


def default_agents() -> list[Agent]:
    """The stand-in desk: two responsive agents, one who never answers; nobody on nights."""
    return [
        Agent("agent-ana", "Ana", "support"),
        Agent("agent-ben", "Ben", "support"),
        Agent("agent-cy", "Cy", "slow-queue", responsive=False),
        Agent("agent-dee", "Dee", "slow-queue", responsive=False),
        Agent("agent-eve", "Eve", "slow-queue", responsive=False),
    ]


def default_articles() -> list[Article]:
    """What the knowledge base knows."""
    return [
        Article(
            "KB-101",
            ("password", "reset", "login"),
            "Use 'Forgot password' on the sign-in page; the link is valid for 30 minutes.",
        ),
        Article(
            "KB-204",
            ("invoice", "receipt"),
            "Invoices are under Settings > Billing; each can be downloaded as PDF.",
        ),
    ]


@dataclass
class SupportDesk:
    """The help desk's activities, sharing one process-local state."""

    agents: list[Agent] = field(default_factory=default_agents)
    articles: list[Article] = field(default_factory=default_articles)
    offers: list[OfferInput] = field(default_factory=list)

    def _agent(self, agent_id: str) -> Agent:
        for agent in self.agents:
            if agent.agent_id == agent_id:
                return agent
        raise ApplicationError(f"no agent {agent_id}", type="UnknownAgent", non_retryable=True)

    @activity.defn
    async def search_knowledge_base(self, query: KnowledgeBaseInput) -> KnowledgeBaseResult:
        """An article that answers the ticket; fails (non-retryable) when none does."""
        words = f"{query.subject} {query.description}".lower()
        for article in self.articles:
            if any(keyword in words for keyword in article.keywords):
                return KnowledgeBaseResult(article_id=article.article_id, answer=article.answer)
        raise ApplicationError(
            "no knowledge-base article answers this", type="NoArticle", non_retryable=True
        )

    @activity.defn
    async def find_available_agent(self, request: FindAgentInput) -> FindAgentResult:
        """A free agent on the ticket's queue, not one already tried."""
        for agent in self.agents:
            if (
                agent.queue == request.queue
                and agent.claimed_by in (None, request.ticket_id)
                and agent.agent_id not in request.exclude
            ):
                return FindAgentResult(agent_id=agent.agent_id)
        return FindAgentResult(agent_id=None)

    @activity.defn
    async def offer_ticket(self, offer: OfferInput) -> OfferResult:
        """Offer the ticket; a responsive agent claims it at once."""
        agent = self._agent(offer.agent_id)
        self.offers.append(offer)
        if agent.responsive and agent.claimed_by in (None, offer.ticket_id):
            agent.claimed_by = offer.ticket_id
            return OfferResult(accepted=True)
        return OfferResult(accepted=False)

    @activity.defn
    async def work_ticket(self, work: WorkInput) -> WorkResult:
        """The agent works the ticket: long, so it heartbeats (and can be cancelled)."""
        agent = self._agent(work.agent_id)
        elapsed = 0.0
        while elapsed < agent.work_seconds:
            activity.heartbeat(elapsed)
            await asyncio.sleep(HEARTBEAT_EVERY)
            elapsed += HEARTBEAT_EVERY
        if agent.fails_work:
            raise ApplicationError(
                f"{agent.name} could not resolve it", type="WorkFailed", non_retryable=True
            )
        return WorkResult(resolution=f"{agent.name} resolved: {work.ticket.subject}")

    @activity.defn
    async def release_agent(self, release: ReleaseAgentInput) -> None:
        """Give an agent's claim back (idempotent)."""
        agent = self._agent(release.agent_id)
        if agent.claimed_by == release.ticket_id:
            agent.claimed_by = None

    def activities(self) -> list[Callable[..., Any]]:
        """Every activity this desk registers with a worker."""
        return [
            self.search_knowledge_base,
            self.find_available_agent,
            self.offer_ticket,
            self.work_ticket,
            self.release_agent,
        ]
