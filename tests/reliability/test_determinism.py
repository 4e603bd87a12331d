"""determinism: every recorded history replays against today's workflow code, and every
workflow type the worker registers has recorded histories for its main paths.

Replay is what Temporal does when a worker picks up a running workflow after a deploy: a
history that no longer replays is a workflow that would be stuck in production.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

from tests.reliability.history_paths import REQUIRED, path_of, workflow_type
from tests.reliability.tally import Tally
from tests.replaying import load_history, recorded, registered_types, replay_all

HOW_TO_RECORD = (
    "end such a workflow in a system test (tests/system/, or a test marked histories), then "
    "record with scripts/record-histories (docs/development.md, Recorded histories)"
)
NOTES = [
    "Found and fixed: a ticket cancelled during triage was escalated (its triage child's "
    "cancellation read as a triage failure), so approvers got a card about a cancelled "
    "ticket; it now ends cancelled with nothing escalated, behind workflow.patched: a "
    "history recorded the old way (ticket_cancelled_in_triage_before_it_ended_cancelled) "
    "replays with the fix.",
    "Known limit: a ticket cancelled while an agent works on it ends cancelled, but its triage "
    "child ends failed (agent work failed) after releasing the agent, not cancelled; the work "
    "activity only learns of the cancel at its next heartbeat.",
    "No random choices (nothing to seed). Bounded and long scales are the same: replaying "
    "every history takes seconds.",
]
Coverage = dict[str, Counter[str]]  # workflow type -> path -> histories
# An activity type no workflow schedules: a history changed to say so must fail to replay.
TAMPERED_ACTIVITY = "an_activity_the_code_never_schedules"


def tampered(histories: list[WorkflowHistory]) -> WorkflowHistory:
    """A copy of the first history that schedules an activity, naming another activity."""
    for history in histories:
        events = [type(e)() for e in history.events]
        for copy, event in zip(events, history.events, strict=True):
            copy.CopyFrom(event)
        for event in events:
            if event.HasField("activity_task_scheduled_event_attributes"):
                event.activity_task_scheduled_event_attributes.activity_type.name = (
                    TAMPERED_ACTIVITY
                )
                return WorkflowHistory(history.workflow_id, events)
    raise AssertionError("no recorded history schedules an activity")


async def replay_failures(histories: list[WorkflowHistory]) -> list[str | None]:
    """Each history's replay failure (None: it replayed), in order."""
    return [
        None if result.replay_failure is None else str(result.replay_failure)
        async for result in replay_all(histories)
    ]


def replayed(
    tally: Tally, paths: list[Path], histories: list[WorkflowHistory], failures: list[str | None]
) -> Coverage:
    """Count the histories and the stuck ones; what each workflow type's histories cover."""
    covered: Coverage = defaultdict(Counter)
    for path, history, failure in zip(paths, histories, failures, strict=True):
        tally.add("histories")
        covered[workflow_type(history)][path_of(history)] += 1
        if failure is not None:
            tally.add("stuck")
            tally.notes.append(f"{path.name} does not replay: {failure[:300]}")
    return covered


def count_coverage(tally: Tally, covered: Coverage, registered: list[str]) -> None:
    """Count the registered types and the type x path pairs covered; note each type's paths."""
    tally.add("workflow_types", len(set(registered) & covered.keys()))
    tally.add("paths", sum(len(covered[name]) for name in registered))
    for name in registered:
        shown = ", ".join(f"{path} ({n})" for path, n in sorted(covered[name].items()))
        tally.notes.append(f"{name}: {shown or 'no history'}")


@pytest.mark.reliability
async def test_every_workflow_type_replays_its_recorded_paths() -> None:
    tally = Tally(
        scenario="determinism",
        title="Recorded workflow histories replay against today's code",
        description=(
            "Replays every history in tests/histories/ (recorded from the system tests by "
            "scripts/record-histories) with the worker's workflows, converter and sandbox; "
            "reads each one's workflow type and path (how it ended) from its events; counts "
            "histories that fail to replay as stuck; and checks that a history changed to "
            "schedule an activity the code does not is caught."
        ),
    )
    paths = recorded()
    histories = [load_history(path) for path in paths]
    failures = await replay_failures([*histories, tampered(histories)])
    canary = failures.pop()
    tally.add("canaries")
    covered = replayed(tally, paths, histories, failures)
    registered = registered_types()
    count_coverage(tally, covered, registered)
    tally.notes.extend(NOTES)
    tally.record()

    assert tally.failures() == {}
    assert canary is not None and TAMPERED_ACTIVITY in canary, "a tampered history replayed"
    untested = [name for name in registered if not covered[name]]
    assert untested == [], f"no recorded history of {', '.join(untested)}: {HOW_TO_RECORD}"
    missing = {
        name: sorted(REQUIRED[name] - covered[name].keys())
        for name in registered
        if REQUIRED.get(name, set()) - covered[name].keys()
    }
    assert missing == {}, f"main paths without a recorded history {missing}: {HOW_TO_RECORD}"
