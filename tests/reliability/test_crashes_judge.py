"""The crash scenario's judge can fail: each check, fed what a lost, doubled or untrue result
looks like, counts it."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from activities.cards import approval_card
from orchestration.models.approval import (
    ApprovalRequest,
    ApprovalState,
    ApprovalStatus,
    AttemptResult,
    CardInput,
    DecisionAttempt,
    DecisionSource,
    Verdict,
)
from tests.reliability.crashes_driver import kill_plan
from tests.reliability.crashes_judge import Judgement, card_problems, judge_outcome, judge_sent
from tests.reliability.crashes_people import Request, Sent

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
USER = "U0APPROVE1"
REQUEST = Request("order-ORD-1", "order", Verdict.APPROVE, [USER])


def state(status: ApprovalStatus = ApprovalStatus.APPROVED, *keys: str) -> ApprovalState:
    """An order's request, decided by USER with the attempts ``keys`` applied."""
    attempts = [
        DecisionAttempt(
            at=NOW,
            user_id=USER,
            verdict=Verdict.APPROVE,
            reason="",
            source=DecisionSource.SLACK,
            click_key=key,
            result=AttemptResult.APPLIED,
        )
        for key in keys
    ]
    decided = status is not ApprovalStatus.PENDING
    return ApprovalState(
        request_id="1",
        kind="order",
        subject_id="ORD-1",
        title="Order ORD-1 for $5.00",
        status=status,
        approvers=[USER],
        approvals=[USER] if decided else [],
        requested_at=NOW,
        deadline=NOW + timedelta(hours=2),
        decided_by=USER if decided else None,
        decided_at=NOW if decided else None,
        decision_source=DecisionSource.SLACK if decided else None,
        outcome_note="Order completed." if decided else "",
        attempts=attempts,
    )


def sent(key: str, told: list[str] | None = None, status: int | None = 200) -> Sent:
    return Sent(REQUEST.workflow_id, USER, Verdict.APPROVE, key, status, None, {}, told=told or [])


def test_an_acked_click_not_applied_and_not_answered_is_lost() -> None:
    found = Judgement()
    judge_sent(found, REQUEST, state(ApprovalStatus.APPROVED, "U:2"), [sent("U:1"), sent("U:2")])
    assert (found.counts["lost"], found.counts["clicks_acked"]) == (1, 2)
    assert found.problems == ["lost: order-ORD-1: U:1 acked, not applied: []"]


def test_an_acked_click_told_not_recorded_or_already_in_is_not_lost() -> None:
    found = Judgement()
    told_down = sent("U:1", ["Could not reach Temporal (UNAVAILABLE); nothing was changed."])
    told_in = sent("U:3", ["You already approved this at 12:00 UTC; your decision stands."])
    judge_sent(found, REQUEST, state(ApprovalStatus.APPROVED, "U:2"), [told_down, told_in])
    assert found.counts["lost"] == 0
    assert (found.counts["clicks_told_not_recorded"], found.counts["clicks_already_in"]) == (1, 1)


def test_already_in_is_no_excuse_when_the_decision_is_not_in() -> None:
    found = Judgement()
    told_in = sent("U:3", ["You already approved this; your decision stands."])
    judge_sent(found, REQUEST, state(ApprovalStatus.PENDING), [told_in])
    assert found.counts["lost"] == 1


def test_a_key_applied_twice_is_doubled_and_an_untrue_answer_is_counted() -> None:
    found = Judgement()
    lied = sent("U:1", ["Could not reach Temporal (UNAVAILABLE); your decision was NOT recorded."])
    judge_sent(found, REQUEST, state(ApprovalStatus.APPROVED, "U:1", "U:1"), [lied])
    assert (found.counts["doubled"], found.counts["told_untrue"]) == (1, 1)


def test_may_or_may_not_excuses_a_missing_click_and_is_true_of_an_applied_one() -> None:
    found = Judgement()
    maybe = "Temporal did not confirm your decision (UNAVAILABLE); it may or may not have been "
    judge_sent(
        found,
        REQUEST,
        state(ApprovalStatus.APPROVED, "U:1"),
        [sent("U:1", [maybe + "recorded."]), sent("U:2", [maybe + "recorded."])],
    )
    assert (found.counts["lost"], found.counts["told_untrue"]) == (0, 0)
    assert found.counts["clicks_told_not_recorded"] == 1


def test_an_unacked_click_is_not_judged_and_the_outcome_is() -> None:
    found = Judgement()
    judge_sent(found, REQUEST, state(ApprovalStatus.PENDING), [sent("U:1", status=None)])
    judge_outcome(found, REQUEST, state(ApprovalStatus.REJECTED), [sent("U:1", status=None)])
    assert found.counts["clicks_acked"] == 0
    assert found.problems == ["stuck: order-ORD-1: ended rejected, its people decided approve"]


def drawn(shown: ApprovalState) -> dict[str, object]:
    request = ApprovalRequest(kind="order", subject_id="ORD-1", title=shown.title)
    card = approval_card(CardInput(request=request, state=shown, workflow_id="w", card_key="k"))
    return {"text": card.text, "blocks": card.blocks}


def test_a_card_is_true_only_when_drawn_from_the_final_state() -> None:
    final = state(ApprovalStatus.APPROVED, "U:1")
    assert card_problems(final, drawn(final)) == []
    pending = drawn(state(ApprovalStatus.PENDING))
    assert card_problems(final, pending)[:2] == [
        "buttons left",
        "header 'Approval needed: Approve Order ORD-1 for $5.00?'",
    ]
    no_note = drawn(final.model_copy(update={"outcome_note": ""}))
    assert card_problems(final, no_note) == ["outcome note 'Order completed.' not shown"]


def test_the_kill_plan_kills_every_part_alike_at_moments_within_the_load() -> None:
    plan = kill_plan(random.Random(1), 18, expected_sent=200)
    killed = Counter(role for kill in plan for role in kill.roles)
    assert killed == {"worker": 6, "bot": 6, "server": 6}
    assert any(len(kill.roles) == 2 and kill.roles[0] == "server" for kill in plan)
    assert [kill.after_sent for kill in plan] == sorted(kill.after_sent for kill in plan)
    assert all(10 <= kill.after_sent <= 180 for kill in plan)
    bounded = kill_plan(random.Random(1), 3, expected_sent=24)
    assert sorted(role for kill in bounded for role in kill.roles) == ["bot", "server", "worker"]
