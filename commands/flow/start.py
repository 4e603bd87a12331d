"""``/flow start <name> [key=value ...]``: start a flow, when the policy's ``flows`` list
names the asker (or a user group of theirs) for it.

Open to anyone the policy names, not only operators, so the verb does not count as a change
for the surface (which would ask for an operator): the policy decides here.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.flow.access import start_refusal
from commands.flow.common import (
    ALREADY_STARTED,
    NOT_SET_UP,
    REFUSED_INPUTS,
    STARTED,
    UNREACHABLE,
    flow_name,
    flow_starts,
)
from commands.replies import CommandContext, Invoker, Reply, workflow_link
from commands.surface import Verb, usage_line
from commands.words import BadCommand
from orchestration.decisions import TemporalUnreachable
from orchestration.flow_starts import FlowStartRefused, StartedFlow, parse_pairs
from orchestration.slack_text import cut, escape, link, mention

# How much of each input an announcement shows.
VALUE_SHOWN = 80


@dataclass(frozen=True)
class StartArgs:
    """The flow's name and its inputs as typed."""

    name: str
    inputs: dict[str, str]


def parse(words: list[str], terminal: bool) -> StartArgs:
    """``<name> [key=value ...]``."""
    name = flow_name(words)
    try:
        return StartArgs(name, parse_pairs(words[1:]))
    except FlowStartRefused as err:
        raise BadCommand(f"{err}.") from None


def inputs_line(inputs: dict[str, str]) -> str:
    """The inputs as an announcement shows them (escaped: a person typed them)."""
    if not inputs:
        return "no inputs"
    return ", ".join(
        f"{escape(key)}={escape(cut(value, VALUE_SHOWN))}" for key, value in inputs.items()
    )


async def run(context: CommandContext, args: StartArgs, invoker: Invoker) -> Reply:
    """Check the asker against the policy, then start; say so, and announce it."""
    starts = flow_starts(context)
    if starts is None:
        return Reply(NOT_SET_UP, ok=False)
    if not invoker.from_terminal:  # a terminal user has Temporal access: any flow
        policy = starts.settings.policy_file
        refusal = await start_refusal(policy, args.name, invoker.user_id, invoker.groups)
        if refusal is not None:
            return Reply(refusal.text, ok=False, outcome=refusal.code)
    try:
        started = await starts.start(
            context.client,
            starts.settings,
            args.name,
            args.inputs,
            started_by=invoker.user_id,
            ui_url=context.ui_url,
        )
    except FlowStartRefused as err:
        return Reply(
            f"Flow `{escape(args.name)}` was not started: {escape(str(err))}",
            ok=False,
            outcome=REFUSED_INPUTS,
        )
    except TemporalUnreachable as err:
        return Reply(escape(str(err)), ok=False, outcome=UNREACHABLE)
    return started_reply(context, args, invoker, started)


def started_reply(
    context: CommandContext, args: StartArgs, invoker: Invoker, started: StartedFlow
) -> Reply:
    """What the asker reads, and what the approvals channel is told."""
    assert context.settings.flows is not None
    name, workflow = escape(args.name), f"`{escape(started.workflow_id)}`"
    url = workflow_link(context, started.workflow_id)
    see = f" {link(url, 'Open in Temporal')}" if url else ""
    if started.already_started:
        return Reply(
            f"Flow `{name}` had already started: {workflow}.{see}", outcome=ALREADY_STARTED
        )
    return Reply(
        f"Flow `{name}` started: {workflow}.{see}",
        announce=f"{mention(invoker.user_id)} started flow `{name}` "
        f"({inputs_line(args.inputs)}): {workflow}",
        announce_channel=context.settings.flows.settings.approvals_channel,
        outcome=STARTED,
    )


USAGE = usage_line("start <name> [key=value ...]", "start a flow with these inputs")
VERB = Verb("start", USAGE, parse, run)
