"""The races scenario's checks, from real state after the clicking: each workflow's recorded
attempts and result, its card in the stand-in, and what every clicker was told.

The attempts are replayed against the rules (first valid decision wins; with a quorum, N
distinct approvers and any rejection vetoes; the requester and non-approvers never decide;
a click key counts once), so each applied or refused attempt is judged on its own.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import WorkflowHandle

from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import (
    ApprovalState,
    ApprovalStatus,
    AttemptResult,
    DecisionAttempt,
    Verdict,
)
from orchestration.slack_text import mention
from slacksim import SlackSim
from tests.helpers import assert_eventually
from tests.reliability.asking import Findings, Verb, answers_to, card_problem, names_request
from tests.reliability.races_driver import Outcome, modal_opened
from tests.reliability.races_plan import CardPlan

ZERO = ("lost", "doubled", "wrongly_accepted", "stuck", "untold", "misinformed", "cards_untrue")


async def final_state(
    handle: WorkflowHandle[Any, Any], deadline: float
) -> tuple[dict[str, Any] | None, ApprovalState | None]:
    """The workflow's result (None when it did not end by ``deadline``, a
    ``time.monotonic()``) and its approval state."""
    try:
        result = await asyncio.wait_for(handle.result(), max(deadline - time.monotonic(), 0.1))
    except TimeoutError:
        result = None
    state = await handle.query(ApprovableWorkflow.approval)
    return result, state


def judge_attempts(plan: CardPlan, state: ApprovalState, found: Findings) -> None:
    """Replay the recorded attempts against the rules; each disagreement is a finding."""
    seen: set[str] = set()
    approvals: list[str] = []
    status = ApprovalStatus.PENDING
    decider: str | None = None
    found.seen[f"{'quorum' if plan.quorum else 'single'} {state.status}"] += 1
    for attempt in state.attempts:
        found.seen[f"attempts {attempt.result}"] += 1
        expected = _expected(plan, attempt, seen, approvals, status)
        seen.add(attempt.click_key)
        _compare(plan, attempt, expected, found)
        if attempt.result is AttemptResult.APPLIED:  # follow what happened, not what should
            decider = attempt.user_id
            if attempt.verdict is Verdict.REJECT:
                status = ApprovalStatus.REJECTED
            else:
                approvals.append(attempt.user_id)
                if len(approvals) >= plan.required:
                    status = ApprovalStatus.APPROVED
    applied = Counter(a.click_key for a in state.attempts if a.result is AttemptResult.APPLIED)
    for key, times in applied.items():
        if times > 1:
            found.add("doubled", f"{plan.title}: click {key} applied {times} times")
    if (state.status, state.approvals, state.decided_by) != (status, approvals, decider):
        found.add(
            "doubled",
            f"{plan.title}: ended {state.status} by {state.decided_by} with {state.approvals}, "
            f"but its applied attempts make {status} by {decider} with {approvals}",
        )


def _expected(
    plan: CardPlan,
    attempt: DecisionAttempt,
    seen: set[str],
    approvals: list[str],
    status: ApprovalStatus,
) -> AttemptResult:
    if attempt.click_key in seen:
        return AttemptResult.DUPLICATE
    if status is not ApprovalStatus.PENDING or attempt.user_id not in plan.eligible:
        return AttemptResult.REFUSED
    if attempt.verdict is Verdict.APPROVE and attempt.user_id in approvals:
        return AttemptResult.REFUSED
    return AttemptResult.APPLIED


def _compare(
    plan: CardPlan, attempt: DecisionAttempt, expected: AttemptResult, found: Findings
) -> None:
    recorded = attempt.result
    what = f"{plan.title}: {attempt.verdict} by {attempt.user_id} ({attempt.click_key})"
    if recorded is AttemptResult.APPLIED and expected is not AttemptResult.APPLIED:
        name = "doubled" if attempt.user_id in plan.eligible else "wrongly_accepted"
        found.add(name, f"{what} applied; should be {expected}")
    elif recorded is not AttemptResult.APPLIED and expected is AttemptResult.APPLIED:
        found.add("lost", f"{what} {recorded} ({attempt.refusal}); should be applied")


def judge_result(plan: CardPlan, state: ApprovalState, result: dict[str, Any]) -> str | None:
    """Why the workflow's result disagrees with its state, or None."""
    if state.status not in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
        return f"{plan.title} ended {state.status}"
    expected = {
        "outcome": state.status.value,
        "approved_by": state.approvals if state.status is ApprovalStatus.APPROVED else [],
        "rejected_by": state.decided_by if state.status is ApprovalStatus.REJECTED else None,
    }
    got = {name: result.get(name) for name in expected}
    return None if got == expected else f"{plan.title}: result {got}, state says {expected}"


def expected_answers(sim: SlackSim, outcomes: list[Outcome], state: ApprovalState) -> int:
    """How many refusals one person's gestures on one card were owed: each delivery the
    workflow never recorded (the bot refused it first), each attempt the workflow refused,
    and each Reject click that opened no modal."""
    owed = 0
    for outcome in outcomes:
        if outcome.gesture.verb is Verb.REJECT and outcome.trigger is not None:
            assert outcome.click is not None
            if outcome.click.ok and not modal_opened(sim, outcome.trigger):
                owed += 1
        if outcome.key is None:
            continue
        records = [a for a in state.attempts if a.click_key == outcome.key]
        acked = sum(delivery.ok for delivery in outcome.sent)
        owed += max(0, acked - len(records))
        owed += sum(a.result is AttemptResult.REFUSED for a in records)
    return owed


def misinformed(text: str, user: str, state: ApprovalState) -> bool:
    """Whether an answer that says who decided names someone else, or another outcome."""
    status = state.status.value
    for line in text.splitlines():
        if line.startswith("Already ") and not line.startswith(
            f"Already {status} by {mention(state.decided_by)}"
        ):
            return True
        stands = line.startswith("You already ") and "your decision stands" in line
        if stands and (
            user != state.decided_by or not line.startswith(f"You already {status} this")
        ):
            return True
    return False


def unattributed(texts: list[str]) -> int:
    """Answers that could not name a request: Temporal did not answer the bot's check."""
    return sum(
        "Temporal" in text and not any(line.startswith("Request: ") for line in text.splitlines())
        for text in texts
    )


@dataclass
class Answers:
    """Refusals owed and given, by person and card."""

    owed: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))

    def shortfall(self, sim: SlackSim, plans: dict[int, CardPlan]) -> dict[str, int]:
        """By person: refusals owed and not given (answers that name no request count for
        any of that person's cards)."""
        missing: dict[str, int] = defaultdict(int)
        for (user, number), owed in self.owed.items():
            texts = answers_to(sim, user)
            given = sum(names_request(text, plans[number].title) for text in texts)
            missing[user] += max(0, owed - given)
        return {
            user: max(0, short - unattributed(answers_to(sim, user)))
            for user, short in missing.items()
            if short
        }


async def check(
    sim: SlackSim,
    asked: dict[int, Any],
    plans: list[CardPlan],
    outcomes: list[Outcome],
    within: float,
) -> Findings:
    """Every check, after the last wave: outcomes, attempts, results, cards, answers; every
    request has ``within`` seconds from now to end."""
    found = Findings()
    states: dict[int, ApprovalState] = {}
    deadline = time.monotonic() + within
    for plan in plans:
        handle = asked[plan.number].handle
        result, state = await final_state(handle, deadline)
        if result is None or state is None:
            found.add("stuck", f"{plan.title} ({handle.id}) did not end")
            continue
        states[plan.number] = state
        judge_attempts(plan, state, found)
        for name, problem in (
            ("doubled", judge_result(plan, state, result)),
            ("cards_untrue", card_problem(sim, plan.title, handle.id, state)),
        ):
            if problem is not None:
                found.add(name, problem)
    await judge_answers(sim, plans, states, outcomes, found)
    return found


async def judge_answers(
    sim: SlackSim,
    plans: list[CardPlan],
    states: dict[int, ApprovalState],
    outcomes: list[Outcome],
    found: Findings,
) -> None:
    """Everyone refused was told, and told the truth about who decided. Answers sent in the
    background (the workflow's refusals, Home tabs redrawn after the ack) are waited for."""
    by_number = {plan.number: plan for plan in plans}
    mine: dict[tuple[str, int], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        mine[(outcome.gesture.user, outcome.card.number)].append(outcome)
    answers = Answers()
    for (user, number), theirs in mine.items():
        if number in states:
            answers.owed[(user, number)] = expected_answers(sim, theirs, states[number])
    found.seen["refusals owed"] = sum(answers.owed.values())
    try:
        short = await assert_eventually(
            lambda: answers.shortfall(sim, by_number), lambda s: not s, what="every answer"
        )
    except AssertionError:
        short = answers.shortfall(sim, by_number)
    for user, missing in short.items():
        found.add("untold", f"{user} was not told about {missing} refused click(s)", missing)
    for (user, number), _ in answers.owed.items():
        plan, state = by_number[number], states[number]
        for text in answers_to(sim, user):
            if names_request(text, plan.title) and misinformed(text, user, state):
                found.add("misinformed", f"{user} about {plan.title}: {text!r}")
