"""Stuck workflows as pure functions: what Temporal's TemporalReportedProblems values say,
the error line (escaped and cut), the advice (its reset command quoting the id), and the
stuck list's text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commands.workflow.stuck import StuckReport, StuckWorkflow, render
from commands.workflow.task_failure import (
    ERROR_CHARS,
    STUCK,
    TaskFailure,
    advice,
    failure_line,
    reason_of,
    reported_problem,
    stuck_mark,
)

pytestmark = pytest.mark.unit

SINCE = datetime(2026, 12, 3, 10, 42, tzinfo=UTC)


def failure(**fields: object) -> TaskFailure:
    values: dict[str, object] = {
        "reason": "workflow code raises an error",
        "attempt": 4,
        "since": SINCE,
        "error": "boom <!here> & more",
        "error_type": "RuntimeError",
        "non_determinism": False,
    }
    values.update(fields)
    return TaskFailure.model_validate(values)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        (None, None),
        ([], None),
        (["cause=WorkflowTaskFailedCauseNonDeterministicError"], None),  # no category
        (
            ["category=WorkflowTaskFailed", "cause=WorkflowTaskFailedCauseNonDeterministicError"],
            "non-determinism error",
        ),
        (
            [
                "category=WorkflowTaskFailed",
                "cause=WorkflowTaskFailedCauseWorkflowWorkerUnhandledFailure",
            ],
            "workflow code raises an error",
        ),
        (
            ["category=WorkflowTaskFailed", "cause=WorkflowTaskFailedCauseBadSearchAttributes"],
            "bad search attributes",
        ),
        (["category=WorkflowTaskTimedOut"], "workflow task timing out"),
        (["category=WorkflowTaskFailed"], "workflow task failing"),
    ],
)
def test_reported_problems_in_a_few_words(values: list[str] | None, reason: str | None) -> None:
    assert reported_problem(values) == reason


def test_causes_unknown_here_still_read_as_words() -> None:
    assert reason_of("WorkflowTaskTimedOutCauseStartToClose") == "start to close"
    assert reason_of("WorkflowTaskFailedCauseGRPCMessageTooLarge") == "grpc message too large"


def test_the_query_asks_for_running_workflows_with_a_failing_task() -> None:
    assert STUCK == (
        "ExecutionStatus = 'Running' AND TemporalReportedProblems IN "
        "('category=WorkflowTaskFailed', 'category=WorkflowTaskTimedOut')"
    )


def test_the_error_line_escapes_what_the_workflow_raised() -> None:
    line = failure_line(failure())
    assert line == (
        "attempt 4, failing since 2026-12-03 10:42 UTC: RuntimeError: boom &lt;!here&gt; &amp; more"
    )
    long = failure_line(failure(error="<" * ERROR_CHARS, error_type=None, since=None))
    assert long.startswith("attempt 4: &lt;&lt;") and long.endswith("…")
    assert "&lt" not in long.removesuffix("…").replace("&lt;", "")  # no escape cut in two


def test_the_advice_quotes_a_hostile_id_for_the_shell_and_for_slack() -> None:
    text = advice(failure(), "order-1; rm -rf <x>")
    assert "fix the workflow code and redeploy the worker" in text
    assert "--workflow-id 'order-1; rm -rf &lt;x&gt;' --type LastWorkflowTask" in text
    drifted = advice(failure(non_determinism=True), "order-1")
    assert "guard it with `workflow.patched`" in drifted
    assert "--workflow-id order-1 --type LastWorkflowTask" in drifted
    assert stuck_mark("a <b>") == "⚠️ stuck: a &lt;b&gt;"


def test_the_stuck_list_names_each_and_says_what_to_do() -> None:
    row = StuckWorkflow(
        workflow_id="order-<1>",
        workflow_type="OrderWorkflow",
        kind="order",
        started_at=SINCE,
        failure=failure(reason="non-determinism error", non_determinism=True),
        link=None,
    )
    text = render(StuckReport(as_of=SINCE, total=3, workflows=[row])).text
    assert text.splitlines()[:3] == [
        "*3 stuck (the workflow task keeps failing), oldest first:*",
        "• ⚠️ `order-&lt;1&gt;` · order · non-determinism error · started 2026-12-03 10:42 UTC",
        "    attempt 4, failing since 2026-12-03 10:42 UTC: RuntimeError: boom &lt;!here&gt; "
        "&amp; more",
    ]
    assert "… and 2 more." in text
    assert "*What to do about a non-determinism error:*" in text
    assert "error in workflow code" not in text
