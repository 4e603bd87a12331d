"""Determinism guard: recorded histories must replay against today's workflow code.

Histories are recorded from the system tests (CHATOPS_RECORD_HISTORIES=1, see the README);
a change that would break running workflows fails here, and needs ``workflow.patched``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from orchestration.worker import WORKFLOWS, sandbox_runner

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_there_are_histories_to_replay() -> None:
    names = {path.stem.partition(".")[0] for path in HISTORIES}
    assert {
        "small_order_completes_without_a_card",
        "large_order_waits_then_approve_completes_it",
        "reject_asks_for_a_reason_then_cancels",
        "no_decision_expires_distinct_from_rejection_with_a_reminder",
        "delivery_failure_after_payment_refunds_and_releases",
        "cancelling_a_waiting_order_marks_the_card_cancelled",
        "two_distinct_approvals_are_needed_and_shown_on_the_card",
        "any_rejection_vetoes",
        "production_change_needs_two_approvals_and_runs_after_them",
        "rejection_feedback_reaches_the_agent",
        "forbidden_input_is_denied_with_a_notice_and_no_card",
        "ticket_low_knowledge_base_answers",
        "ticket_low_knowledge_base_fails_then_an_agent_resolves",
        "ticket_medium_agent_accepts",
        "ticket_nobody_accepts_then_escalation_is_approved_and_engineering_told",
        "ticket_high_with_no_agent_free_escalates_and_rejection_keeps_it_with_support",
        "ticket_escalation_nobody_decides_expires_and_stays_with_support",
        "ticket_child_failure_becomes_an_escalation_and_releases_the_claim",
        "cancelling_during_payment_refunds_and_ends_cancelled",
        "cancelling_during_delivery_calls_off_the_shipment",
        "a_cancelled_approved_order_says_so_on_its_card",
        "a_failed_confirmation_email_does_not_undo_a_shipped_order",
        "an_amendment_after_the_decision_is_refused_and_the_approved_items_charged",
        "an_amended_order_is_validated_again",
        "decisions_are_judged_by_when_they_were_made",
        "a_deleted_card_is_posted_again_with_the_outcome",
        "a_rejected_order_ends_completed_with_the_outcome_rejected",
        "a_cancelled_order_has_the_outcome_cancelled",
        "completed_and_denied_agent_tasks_say_so",
        "a_ticket_whose_escalation_is_rejected_has_the_outcome_rejected",
        "a_deploy_to_production_is_approved_on_its_card",
        "a_rejection_comes_back_with_its_reason",
        "an_allow_rule_approves_without_a_card",
        "a_deny_rule_denies_with_its_reason_and_no_card",
        "nobody_deciding_expires_the_request",
        "cancelling_the_asking_workflow_cancels_the_request_on_its_card",
        "a_bad_request_fails_at_once_saying_what_is_wrong",
        "approve_with_edits_returns_the_edited_arguments",
        "a_ladder_escalates_twice_and_the_second_steps_approver_decides",
        "a_rules_channel_takes_its_cards",
        "each_approver_gets_a_working_copy_in_their_direct_messages",
    } <= names


def load_history(path: Path) -> WorkflowHistory:
    """``<scenario>[.<workflow id>].json``: the id matters where child ids derive from it."""
    workflow_id = path.stem.partition(".")[2] or path.stem
    return WorkflowHistory.from_json(workflow_id, json.loads(path.read_text()))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    history = load_history(path)
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=pydantic_data_converter,
        workflow_runner=sandbox_runner(),
    )
    result = await replayer.replay_workflow(history)
    assert result.replay_failure is None
