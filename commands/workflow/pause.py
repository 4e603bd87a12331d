"""``/workflow pause <id> [reason ...]`` (operators): hold a ticket (and its triage child)
before its next step. ``resume`` is its twin and shares this code."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import WorkflowExecutionStatus

from commands.replies import CommandContext, Invoker, Reply, refused
from commands.surface import Verb, usage_line
from commands.words import an_id, reason
from commands.workflow.common import kind_of, kind_text, state_of, state_text
from orchestration.decisions import describe_workflow
from orchestration.models.ticket import PauseInput
from orchestration.slack_text import escape, mention


@dataclass(frozen=True)
class Pause:
    """``/workflow pause|resume <id> [reason]``."""

    workflow_id: str
    resume: bool = False
    reason: str = ""


def parse(words: list[str], terminal: bool) -> Pause:
    """``<id> [reason ...]``."""
    return Pause(an_id(words, "workflow"), reason=reason(words[1:]))


async def run(context: CommandContext, args: Pause, invoker: Invoker) -> Reply:
    """Pause or resume a running ticket, and announce who did it and why."""
    description = await describe_workflow(context.client, args.workflow_id)
    workflow = escape(args.workflow_id)
    if description.workflow_type != "TicketWorkflow":
        kind = kind_text(kind_of(description.workflow_type))
        return refused(f"Only tickets can be paused; {workflow} is an {kind}.")
    if description.status != WorkflowExecutionStatus.RUNNING:
        return refused(f"{workflow} has {state_text(state_of(description.status))}.")
    signal = "resume" if args.resume else "pause"
    handle = context.client.get_workflow_handle(args.workflow_id)
    await handle.signal(signal, PauseInput(by=invoker.user_id, reason=args.reason))
    done = "resumed" if args.resume else "paused"
    why = escape(args.reason or "no reason given")
    return Reply(
        f"{workflow} {done}.",
        announce=f"{mention(invoker.user_id)} {done} `{workflow}`: {why}",
    )


USAGE = usage_line("pause <id> [reason ...]", "hold a ticket before its next step (operators)")
VERB = Verb("pause", USAGE, parse, run, changes=True)
