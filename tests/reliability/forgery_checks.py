"""After the forgeries: what changed in Temporal, read from its state, and what is stuck."""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from tests.reliability.forgery_judge import Judge, Outcome
from tests.reliability.forgery_setup import Stage
from tests.reliability.forgery_stage import failed_tasks, schedule_changes, target_changes
from tests.stack import Stack


@dataclass
class Findings:
    """Forgeries that got through (by variant, where it can be told) and workflows stuck."""

    accepted: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)


async def started(client: Client, workflow_id: str) -> bool:
    try:
        await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True


async def find_changes(stack: Stack, stage: Stage, judge: Judge, tasks: list[str]) -> Findings:
    """Every forgery that changed something: let through at the door, a forged click applied
    by a workflow, a task started, the schedule changed or a schedule created; plus any other
    change to a target. And every target whose workflow tasks failed."""
    found = Findings()
    let_through = {
        j.variant.request.click_key or f"#{index}": j
        for index, j in enumerate(judge.results)
        if j.outcome is Outcome.ACCEPTED
    }
    found.accepted += [f"let through: {j.variant.request.what}" for j in let_through.values()]
    forged_keys = {key for j in judge.results if (key := j.variant.request.click_key)}
    for target in stage.all():
        changes = await target_changes(target, forged_keys)
        # A click let through and applied is one forgery accepted, counted once.
        applied = sorted(changes.applied_keys - set(let_through))
        found.accepted += [f"applied forged click {key}" for key in applied]
        found.accepted += changes.other
        if await failed_tasks(target.handle):
            found.stuck.append(f"{target.name}: workflow tasks failed")
    for task_id in tasks:
        if await started(stack.client, f"agent-task-{task_id}"):
            found.accepted.append(f"webhook task {task_id} started")
    found.accepted += await schedule_changes(stack.client, stage.targets.schedule_id)
    async for schedule in await stack.client.list_schedules():
        if schedule.id.startswith("forged-"):
            found.accepted.append(f"schedule {schedule.id} created")
    if stage.hook_task is not None and len(stack.agents.ran) != 1:
        found.accepted.append(f"the agent ran {len(stack.agents.ran)} times, not once")
    return found
