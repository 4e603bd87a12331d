"""New agent tasks are held to the documented character sets; recorded ones are read as they
were."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orchestration.models.agent import AgentTask, NewAgentTask
from orchestration.names import NAME_RULE, TARGET_RULE

pytestmark = pytest.mark.unit

TASK = {"task_id": "T-1", "agent": "ops-bot", "tool": "kubectl", "action": "scale"}


def test_new_tasks_are_trimmed_and_names_lower_cased() -> None:
    loose = {"agent": " Ops-Bot", "tool": "Kubectl", "action": "SCALE ", "target": " Prod-web\n"}
    task = NewAgentTask.model_validate({**TASK, **loose})
    assert (task.agent, task.tool, task.action, task.target) == (
        "ops-bot",
        "kubectl",
        "scale",
        "Prod-web",
    )
    assert NewAgentTask.model_validate({**TASK, "target": "db-1.eu:5432/users@primary"})


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("target", "<!channel>", TARGET_RULE),
        ("target", "prod\nweb", TARGET_RULE),
        ("target", "prod-web\x07", TARGET_RULE),
        ("target", "\u0440rod-web", TARGET_RULE),  # Cyrillic er
        ("target", "prod\u200bweb", TARGET_RULE),  # zero-width space
        ("target", "", TARGET_RULE),
        ("target", "-rf", TARGET_RULE),
        ("target", "x" * 201, TARGET_RULE),
        ("tool", "kube ctl", NAME_RULE),
        ("action", "<!here>", NAME_RULE),
        ("agent", "x" * 41, NAME_RULE),
    ],
)
def test_new_tasks_outside_the_character_sets_are_refused(
    field: str, value: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        NewAgentTask.model_validate({**TASK, "target": "docs", field: value})
    assert [(e["loc"], e["msg"]) for e in raised.value.errors()] == [((field,), rule)]


def test_recorded_tasks_are_read_as_they_were() -> None:
    """A workflow started before the character sets keeps replaying with its target."""
    recorded = AgentTask.model_validate({**TASK, "target": "prod web (eu)"})
    assert recorded.target == "prod web (eu)"
