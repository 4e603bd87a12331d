"""``/workflow cancel <id> [reason ...]`` (operators): cancel a running workflow; its own
cleanup (refunds, card updates) runs."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import WorkflowExecutionStatus

from commands.replies import CommandContext, Invoker, Reply, refused
from commands.surface import Verb, usage_line
from commands.words import an_id, reason
from commands.workflow.common import state_of, state_text
from orchestration.decisions import describe_workflow
from orchestration.slack_text import escape, mention


@dataclass(frozen=True)
class Cancel:
    """``/workflow cancel <id> [reason]``."""

    workflow_id: str
    reason: str = ""


def parse(words: list[str], terminal: bool) -> Cancel:
    """``<id> [reason ...]``."""
    return Cancel(an_id(words, "workflow"), reason(words[1:]))


async def run(context: CommandContext, args: Cancel, invoker: Invoker) -> Reply:
    """Request cancellation, and announce who cancelled it and why."""
    description = await describe_workflow(context.client, args.workflow_id)
    if description.status != WorkflowExecutionStatus.RUNNING:
        state = state_text(state_of(description.status))
        return refused(f"{escape(args.workflow_id)} has {state}; nothing to cancel.")
    why = args.reason or "no reason given"
    handle = context.client.get_workflow_handle(args.workflow_id)
    await handle.cancel(reason=f"{invoker.user_id}: {why}")
    workflow = escape(args.workflow_id)
    return Reply(
        f"Cancellation of {workflow} requested; it cleans up and ends.",
        announce=f"{mention(invoker.user_id)} cancelled `{workflow}`: {escape(why)}",
    )


USAGE = usage_line("cancel <id> [reason ...]", "cancel a workflow (operators)")
VERB = Verb("cancel", USAGE, parse, run, changes=True)
