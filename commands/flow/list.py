"""``/flow list``: the flows this bot can start, each with its description, its inputs and
whether the asker may start it."""

from __future__ import annotations

from commands.flow.common import NOT_SET_UP, flow_starts
from commands.flow.listing import ListedFlow, PolicyUnusable, list_flows
from commands.replies import CommandContext, Invoker, Reply, clip
from commands.surface import Verb, no_arguments, usage_line
from orchestration.flows.models import InputSpec
from orchestration.slack_text import cut, escape

DESCRIPTION_SHOWN = 300


def input_line(name: str, spec: InputSpec) -> str:
    """One input: its name, type, whether it is required (or its default), what it is."""
    need = "required" if spec.required else f"default {spec.default}"
    choices = f", one of {', '.join(spec.choices)}" if spec.choices else ""
    about = f": {spec.description}" if spec.description else ""
    return f"    ◦ `{escape(name)}` {spec.type}, {escape(need + choices + about)}"


def flow_lines(flow: ListedFlow) -> list[str]:
    """One flow of the listing."""
    name = f"`{escape(flow.name)}`"
    if flow.problem is not None:
        return [f"• {name}: not valid, so it cannot start ({escape(flow.problem)})"]
    about = f" {cut(escape(flow.description), DESCRIPTION_SHOWN)}" if flow.description else ""
    lines = [f"• {name}:{about} ({flow.who})"]
    lines += [input_line(input_name, spec) for input_name, spec in flow.inputs]
    return lines


SLACK_HINT = ": start one with `/flow start <name> key=value ...`"


def render(flows: list[ListedFlow], hint: str = SLACK_HINT) -> str:
    """The listing (its first line ending with ``hint``), or what to do when there is
    nothing to list."""
    if not flows:
        return "No flows here: put flow files (docs/flows.md) in the flows directory."
    lines = [f"*Flows* ({len(flows)}){hint}"]
    for flow in flows:
        lines += flow_lines(flow)
    return clip("\n".join(lines))


async def run(context: CommandContext, args: None, invoker: Invoker) -> Reply:
    """List the flows, checked now, for this asker."""
    starts = flow_starts(context)
    if starts is None:
        return Reply(NOT_SET_UP, ok=False)
    user = None if invoker.from_terminal else invoker.user_id
    try:
        flows = await list_flows(starts.settings, user, invoker.groups)
    except PolicyUnusable as err:
        return Reply(str(err), ok=False)
    return Reply(render(flows))


USAGE = usage_line("list", "the flows, their inputs, and whether you may start each")
VERB = Verb("list", USAGE, no_arguments, run)
