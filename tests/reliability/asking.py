"""What the reliability scenarios share: a worker reading a scenario's own policy file, requests
started on it (``RequestApproval``), and their cards, messages and answers read back from the
stand-in."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from temporalio.client import WorkflowHandle

from activities.cards import CARD_EVENT_TYPE
from activities.orders import OrderServices
from activities.policy import PolicyEngine
from activities.slack import new_slack_client
from orchestration.models.approval import ApprovalState
from orchestration.wording import decided_line
from orchestration.worker import build_worker
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    DEFAULT_BOT_TOKEN,
    OPERATOR_ID,
    Delivery,
    SlackSim,
)
from tests.helpers import unique
from tests.stack import Stack

# A refusal names the request it is about on a line of its own (see naming_the_request).
REQUEST_LINE = "Request: "
# Who the scenarios' policy files name as approvers.
APPROVERS = (APPROVER_ID, APPROVER2_ID, OPERATOR_ID)


def quorum_or_single_policy(kind: str, prefix: str) -> str:
    """A policy file for ``kind``: requests with the attribute ``quorum: two`` need two of
    :data:`APPROVERS`, the others one; half an hour each, no reminders."""
    approvers = ", ".join(APPROVERS)
    return f"""\
version: 1
rules:
  - name: {prefix}-quorum
    when: {{kind: {kind}, attributes: {{quorum: "two"}}}}
    require_approval:
      approvers: [{approvers}]
      approvals: 2
      deadline: 30m
      reminder: 0s
  - name: {prefix}-single
    when: {{kind: {kind}}}
    require_approval:
      approvers: [{approvers}]
      deadline: 30m
      reminder: 0s
otherwise: deny
"""


class Verb(StrEnum):
    """What a person decides."""

    APPROVE = "approve"
    REJECT = "reject"


@dataclass
class Findings:
    """What went wrong, by count name, with a line per problem for the notes."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    # What the workflows recorded (applied, refused, duplicate) and the outcomes they reached.
    seen: Counter[str] = field(default_factory=Counter)

    def add(self, name: str, problem: str, amount: int = 1) -> None:
        self.counts[name] += amount
        self.problems.append(f"{name}: {problem}")


def click_payload(delivery: Delivery) -> dict[str, Any]:
    """The ``block_actions`` payload a delivery carried."""
    assert delivery.request is not None
    body, _ = delivery.request
    return dict(json.loads(parse_qs(body.decode())["payload"][0]))


@contextlib.asynccontextmanager
async def policy_worker(
    stack: Stack, policy: str, directory: Path, *, slack_timeout: int = 15
) -> AsyncIterator[str]:
    """A worker on a fresh task queue that reads ``policy`` (YAML text) as its policy file;
    its Slack calls give up after ``slack_timeout`` seconds. Yields the task queue."""
    path = directory / "policy.yml"
    path.write_text(policy)
    queue = unique("tq-reliability")
    worker = build_worker(
        stack.client,
        queue,
        new_slack_client(DEFAULT_BOT_TOKEN, stack.sim.api_url, timeout=slack_timeout),
        OrderServices(outbox=directory / "outbox"),
        policy=PolicyEngine(path),
    )
    async with worker:
        yield queue


@dataclass(frozen=True)
class Asked:
    """One request started by a scenario."""

    handle: WorkflowHandle[Any, Any]
    title: str
    requester: str

    @property
    def workflow_id(self) -> str:
        return self.handle.id


async def ask(
    stack: Stack,
    queue: str,
    title: str,
    requester: str,
    *,
    kind: str,
    attributes: dict[str, str] | None = None,
) -> Asked:
    """Start ``RequestApproval`` with plain JSON, as another team's workflow would."""
    body = {
        "kind": kind,
        "title": title,
        "fields": {"Scenario": kind},
        "attributes": attributes or {},
        "requested_by": requester,
    }
    handle = await stack.client.start_workflow(
        "RequestApproval", body, id=unique(kind), task_queue=queue
    )
    stack.started.append(handle)
    return Asked(handle, title, requester)


def cards_of(sim: SlackSim, workflow_id: str) -> list[dict[str, Any]]:
    """Every card of one workflow in the approvals channel (a card's metadata names it)."""
    found = []
    for message in sim.messages(APPROVALS_CHANNEL_ID):
        metadata = message.get("metadata") or {}
        key = str((metadata.get("event_payload") or {}).get("card_key", ""))
        if metadata.get("event_type") == CARD_EVENT_TYPE and key.startswith(f"{workflow_id}/"):
            found.append(message)
    return found


def has_buttons(message: dict[str, Any]) -> bool:
    """Whether a card still offers its buttons."""
    return any(block.get("type") == "actions" for block in message.get("blocks", []))


def card_problem(sim: SlackSim, title: str, workflow_id: str, state: ApprovalState) -> str | None:
    """Why the request's card is not the one card showing its true final state, or None."""
    cards = cards_of(sim, workflow_id)
    if len(cards) != 1:
        return f"{title}: {len(cards)} cards"
    line = decided_line(state)
    sections = [str(b.get("text", {}).get("text", "")) for b in cards[0].get("blocks", [])]
    if has_buttons(cards[0]) or not any(line in text for text in sections):
        return f"{title}: the card does not show {line!r}"
    return None


def names_request(text: str, title: str) -> bool:
    """Whether an answer says it is about the request titled ``title``."""
    return f"{REQUEST_LINE}{title}" in text.splitlines()


def ephemeral_texts(sim: SlackSim, user: str) -> list[str]:
    """Every ephemeral message shown to ``user``, oldest first."""
    return [str(e.get("text", "")) for e in sim.ephemerals(user)]


def home_notices(sim: SlackSim, user: str) -> list[str]:
    """The text of every Home view published for ``user`` (each publish once), oldest
    first: answers to clicks on the Home tab are written there."""
    notices = []
    for call in sim.calls_to("views.publish"):
        if call.params.get("user_id") != user or not call.ok:
            continue
        view = call.params.get("view")
        if isinstance(view, str):  # a form-encoded call carries the view as JSON text
            view = json.loads(view)
        blocks = view.get("blocks", []) if isinstance(view, dict) else []
        sections = [b for b in blocks if b.get("type") == "section" and "text" in b]
        notices.append("\n".join(str(b["text"].get("text", "")) for b in sections))
    return notices


def answers_to(sim: SlackSim, user: str) -> list[str]:
    """Everything ``user`` was told: ephemerals in channels, notices on their Home tab."""
    return ephemeral_texts(sim, user) + home_notices(sim, user)
