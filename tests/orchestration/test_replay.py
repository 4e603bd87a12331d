"""Determinism guard: recorded histories must replay against today's workflow code.

Histories are recorded from the system tests (``scripts/record-histories``, see
docs/development.md); a change that would break running workflows fails here, and needs
``workflow.patched``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.contrib.opentelemetry import TracingInterceptor

from tests.recording import CHECKOUT, decoded_text
from tests.replaying import load_history, recorded, replay, replay_all

HISTORIES = recorded()


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
        "a_failing_tool_fails_the_task_and_says_so",
        "ticket_cancelling_a_ticket_in_triage_cancels_its_triage_too",
        "ticket_cancelled_in_triage_before_it_ended_cancelled",
        "ticket_high_priority_ticket_an_agent_takes_is_resolved",
        "ticket_low_ticket_nobody_answers_escalates_and_rejection_keeps_it",
        "timed_pause_ends_by_itself_and_says_so",
        "unpause_cancels_the_timer_and_refuses_when_not_paused",
        "a_timed_pause_leaves_a_pause_changed_meanwhile",
        "scrape_runs_tolerate_a_failing_source_and_write_json",
        "a_large_refund_is_approved_then_sent_and_told",
        "a_small_refund_takes_the_else_arm_and_asks_nobody",
        "a_rejected_refund_fails_the_flow_before_the_refund",
        "an_expired_approval_goes_on_when_the_flow_says_continue",
        "parallel_steps_waits_and_a_called_flow_run_in_one_flow",
        "a_failing_call_is_retried_then_rolled_back_and_reported",
        "a_flow_edited_while_it_runs_keeps_the_content_it_started_with",
        "the_workflow_refuses_a_starter_the_policy_does_not_name",
        "a_long_flow_continues_as_new_between_steps_and_keeps_its_outputs",
    } <= names


def test_histories_name_no_path_of_the_machine_that_recorded_them() -> None:
    """They are committed: no checkout, temporary directory, home or Python install, neither
    in plain text nor inside payloads."""
    machine = [str(CHECKOUT), "pytest-of-", f"{Path.home()}/", f"{sys.base_prefix}/"]
    named = {
        path.name: [m for m in machine if m in decoded_text(path.read_text())] for path in HISTORIES
    }
    assert {name: found for name, found in named.items() if found} == {}


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    result = await replay(path)
    assert result.replay_failure is None, result.replay_failure


async def test_histories_replay_with_tracing_on_and_make_no_spans_again() -> None:
    """A worker with ``CHATOPS_TRACING`` on carries Temporal's tracing interceptor: it adds
    headers, not commands, so every history replays under it; and spans are made when a
    workflow first runs, never again when its history replays (one was recorded traced)."""
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracing = TracingInterceptor(provider.get_tracer("tests"))
    traced = [path for path in HISTORIES if "_tracer-data" in path.read_text()]
    assert traced != []
    failures = {}
    histories = (load_history(path) for path in HISTORIES)
    async for result in replay_all(histories, interceptors=[tracing]):
        if result.replay_failure is not None:
            failures[result.history.workflow_id] = result.replay_failure
    assert failures == {}
    assert spans.get_finished_spans() == ()
