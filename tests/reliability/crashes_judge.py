"""Judging the crash scenario from real state once the load is over: every workflow's recorded
decision attempts (the ``approval`` query), its end (describe, result, history), its card in
the stand-in, and the payment ledger the worker kept on disk.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle

from activities.cards import OUTCOME_NOTE
from activities.ledger import LEDGER_FILENAME, charges_by_order
from benchmarks.process_stack import ProcessStack
from orchestration import slack_text as limits
from orchestration.approval import ApprovableWorkflow
from orchestration.models.agent import AgentTaskOutcome, AgentTaskResult
from orchestration.models.approval import ApprovalState, ApprovalStatus, AttemptResult, Verdict
from orchestration.models.order import OrderResult, OrderStep
from orchestration.models.ticket import TicketResult, TicketStep
from orchestration.slack_text import cut, escape, mention
from orchestration.wording import decided_line
from tests.helpers import assert_eventually
from tests.reliability.crashes_people import Request, Sent, card_of, has_buttons, stands

# What the bot tells a person whose decision did not get in (Temporal could not be asked, or
# refused it), or may not have (it did not confirm).
NOT_RECORDED = ("Could not reach Temporal", "NOT recorded")
MAYBE_RECORDED = ("may or may not have been recorded",)
# What it tells a person whose own decision is already in.
ALREADY_IN = ("your decision stands", "You already approved this")
# Workflow task failures that are Temporal's normal traffic, not a failing workflow.
BENIGN_CAUSES = frozenset(
    {
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
        WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE,
    }
)
HEADLINE = {ApprovalStatus.APPROVED: "Approved", ApprovalStatus.REJECTED: "Rejected"}


@dataclass
class Judgement:
    """The counts, and one line per problem found (for the failure message)."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def flag(self, count: str, workflow_id: str, what: str) -> None:
        self.counts[count] += 1
        self.problems.append(f"{count}: {workflow_id}: {what}")


async def judge(
    stack: ProcessStack, requests: list[Request], sent: list[Sent], within: float
) -> Judgement:
    """Judge every request; workflows get ``within`` seconds to end."""
    found = Judgement()
    client = stack.client
    open_ids = await still_open(client, [r.workflow_id for r in requests], within)
    charges = charges_by_order(stack.data / LEDGER_FILENAME)
    found.counts["charges"] = sum(len(amounts) for amounts in charges.values())
    for request in requests:
        if request.workflow_id in open_ids:
            found.flag("stuck", request.workflow_id, "still running after the last restart")
            continue
        handle = client.get_workflow_handle(request.workflow_id)
        state = await handle.query(ApprovableWorkflow.approval)
        if state is None:
            found.flag("stuck", request.workflow_id, "no approval request")
            continue
        mine = [s for s in sent if s.workflow_id == request.workflow_id]
        judge_outcome(found, request, state, mine)
        judge_sent(found, request, state, mine)
        judge_card(found, request, state, card_of(stack, request.workflow_id))
        await judge_effect(found, request, state, client, charges)
        await judge_tasks(found, handle)
    return found


async def still_open(client: Client, workflow_ids: list[str], within: float) -> set[str]:
    """The workflows not closed within ``within`` seconds."""
    waiting = set(workflow_ids)

    async def all_closed() -> bool:
        for workflow_id in sorted(waiting):
            description = await client.get_workflow_handle(workflow_id).describe()
            if description.status != WorkflowExecutionStatus.RUNNING:
                waiting.discard(workflow_id)
        return not waiting

    with contextlib.suppress(AssertionError):  # those still open are the answer
        await assert_eventually(all_closed, bool, within=within, interval=0.5)
    return waiting


def judge_outcome(
    found: Judgement, request: Request, state: ApprovalState, mine: list[Sent]
) -> None:
    """The request ended as its people decided."""
    wanted = (
        ApprovalStatus.APPROVED if request.intent is Verdict.APPROVE else ApprovalStatus.REJECTED
    )
    if state.status in HEADLINE:
        found.counts["approvals"] += 1
    if state.status is wanted:
        return
    got_through = any(s.acked and s.verdict is request.intent for s in mine)
    what = f"ended {state.status.value}, its people decided {request.intent.value}"
    # An acked decision that is not in effect is lost; never getting through is stuck.
    found.flag("lost" if got_through else "stuck", request.workflow_id, what)


def told(sent: Sent, phrases: tuple[str, ...]) -> bool:
    return any(phrase in text for text in sent.told for phrase in phrases)


def judge_sent(found: Judgement, request: Request, state: ApprovalState, mine: list[Sent]) -> None:
    """Every acked decision is applied exactly once (its click key one ``applied`` attempt),
    or its person was told it was not (or is already) in."""
    applied = Counter(a.click_key for a in state.attempts if a.result is AttemptResult.APPLIED)
    duplicates = Counter(a.click_key for a in state.attempts if a.result is AttemptResult.DUPLICATE)
    found.counts["duplicates_recorded"] += sum(duplicates.values())
    for key, times in applied.items():
        if times > 1:
            found.flag("doubled", request.workflow_id, f"{key} applied {times} times")
    for each in mine:
        if not each.acked:
            continue
        found.counts["redeliveries_acked" if each.redelivery else "clicks_acked"] += 1
        if applied[each.key] >= 1:
            continue
        if told(each, NOT_RECORDED + MAYBE_RECORDED):
            found.counts["clicks_told_not_recorded"] += 1
        elif told(each, ALREADY_IN) and stands(state, each.user, each.verdict):
            found.counts["clicks_already_in"] += 1
        else:
            found.flag("lost", request.workflow_id, f"{each.key} acked, not applied: {each.told}")
    for key in applied:
        deliveries = [s for s in mine if s.key == key]
        # One of them got in: untrue only if every one of them was acked as not recorded.
        if deliveries and all(s.acked and told(s, NOT_RECORDED) for s in deliveries):
            found.flag("told_untrue", request.workflow_id, f"{key} applied, told not recorded")


def judge_card(
    found: Judgement, request: Request, state: ApprovalState, cards: list[dict[str, Any]]
) -> None:
    """One card, showing the request's final state: headline, who decided, what came of it,
    and no buttons left."""
    if len(cards) != 1:
        count = "doubled" if len(cards) > 1 else "cards_untrue"
        found.flag(count, request.workflow_id, f"{len(cards)} cards")
        if not cards:
            return
    card = cards[-1]
    problems = card_problems(state, card)
    if problems:
        found.flag("cards_untrue", request.workflow_id, "; ".join(problems))


def card_problems(state: ApprovalState, card: dict[str, Any]) -> list[str]:
    """What the card shows that is not the request's final state."""
    blocks = card.get("blocks", [])
    header = str(blocks[0]["text"]["text"]) if blocks else ""
    sections = [
        str(b["text"]["text"]) for b in blocks if b.get("type") == "section" and "text" in b
    ]
    contexts = str([b for b in blocks if b.get("type") == "context"])
    headline = HEADLINE.get(state.status, state.status.value.capitalize())
    problems = []
    if has_buttons(card):
        problems.append("buttons left")
    if not header.startswith(f"{headline}:"):
        problems.append(f"header {header!r}")
    if cut(decided_line(state), limits.SECTION_TEXT) not in sections:
        problems.append("no decided line")
    if state.decided_by and mention(state.decided_by) not in str(card.get("text")):
        problems.append("decider not named")
    # What came of the request (an order completed, a ticket escalated); a rejected agent
    # task says so in the thread instead.
    note = cut(escape(state.outcome_note), OUTCOME_NOTE)
    if state.outcome_note and note not in contexts:
        problems.append(f"outcome note {state.outcome_note!r} not shown")
    return problems


async def judge_effect(
    found: Judgement,
    request: Request,
    state: ApprovalState,
    client: Client,
    charges: dict[str, list[Decimal]],
) -> None:
    """What the request did: an approved order charged once and completed, a rejected one
    charged never; a ticket escalated or not; an agent task run or not."""
    approved, wid = state.status is ApprovalStatus.APPROVED, request.workflow_id
    if request.kind.startswith("order"):
        result = await client.get_workflow_handle(wid, result_type=OrderResult).result()
        paid = charges.get(result.order_id, [])
        if len(paid) > 1:
            found.flag("doubled", request.workflow_id, f"charged {len(paid)} times")
        if paid and not approved:
            found.flag("wrongly_accepted", request.workflow_id, f"charged {paid}, not approved")
        done = result.step is OrderStep.COMPLETED and len(paid) == 1
    elif request.kind == "ticket":
        ticket = await client.get_workflow_handle(wid, result_type=TicketResult).result()
        done = ticket.step is TicketStep.ESCALATED
    else:
        task = await client.get_workflow_handle(wid, result_type=AgentTaskResult).result()
        done = task.outcome is AgentTaskOutcome.COMPLETED
    if approved and not done:
        found.flag("lost", request.workflow_id, "approved, not carried out")
    if done and not approved:
        found.flag("wrongly_accepted", request.workflow_id, "carried out, not approved")


async def judge_tasks(found: Judgement, handle: WorkflowHandle[Any, Any]) -> None:
    """No workflow task failed (but for Temporal's own traffic); timeouts (a killed worker's
    tasks) are counted."""
    history = await handle.fetch_history()
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
            found.counts["workflow_tasks_timed_out"] += 1
        if event.event_type != EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            continue
        cause = event.workflow_task_failed_event_attributes.cause
        if cause in BENIGN_CAUSES:
            found.counts["workflow_tasks_failed_benign"] += 1
        else:
            name = WorkflowTaskFailedCause.Name(cause)
            found.flag("workflow_task_failures", handle.id, name)
