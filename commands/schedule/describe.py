"""``/schedule describe <id>``: spec, state and note, overlap policy, recent and next runs."""

from __future__ import annotations

from temporalio.client import ScheduleActionExecutionStartWorkflow, ScheduleActionStartWorkflow

from commands.replies import CommandContext, Invoker, Reply, clip
from commands.schedule.common import ScheduleId, describe_schedule, one_schedule, shown_id
from commands.schedule.specs import spec_text
from commands.surface import Verb, usage_line
from orchestration.slack_text import escape
from orchestration.wording import format_datetime


async def run(context: CommandContext, args: ScheduleId, invoker: Invoker) -> Reply:
    """The schedule as Temporal keeps it."""
    description = await describe_schedule(context, args.schedule_id)
    schedule, info = description.schedule, description.info
    state = "paused" if schedule.state.paused else "active"
    lines = [f"*Schedule {escape(args.schedule_id)}*: {state}, {spec_text(schedule.spec)}"]
    if schedule.state.note:
        lines.append(f"Note: {escape(schedule.state.note)}")
    action = schedule.action
    if isinstance(action, ScheduleActionStartWorkflow):
        runs = f"{escape(str(action.workflow))} on task queue {escape(action.task_queue)}"
        lines.append(f"Runs {runs}")
    overlap = schedule.policy.overlap.name.lower().replace("_", " ")
    lines.append(f"Overlap: {overlap}; runs so far: {info.num_actions}")
    running = [
        shown_id(a.workflow_id)
        for a in info.running_actions
        if isinstance(a, ScheduleActionExecutionStartWorkflow)
    ]
    if running:
        lines.append(f"Running now: {', '.join(running)}")
    for recent in info.recent_actions[-5:]:
        started = recent.action
        wf = ""
        if isinstance(started, ScheduleActionExecutionStartWorkflow):
            wf = f" {shown_id(started.workflow_id)}"
        lines.append(f"• ran {format_datetime(recent.started_at)}{wf}")
    if info.next_action_times and not schedule.state.paused:
        upcoming = ", ".join(format_datetime(t) for t in info.next_action_times[:3])
        lines.append(f"Next: {upcoming}")
    return Reply(clip("\n".join(lines)))


USAGE = usage_line("describe <id>", "spec, state, note, recent and next runs")
VERB = Verb("describe", USAGE, one_schedule, run)
