"""The flows of a deployment as ``/flow list`` and ``chatops flow list`` show them: each
flow's description and inputs, whether it is valid, and whether the asker may start it."""

from __future__ import annotations

from dataclasses import dataclass

from commands.flow.access import PolicyUnusable, is_starter, usable_policy
from commands.replies import GroupMembers, GroupsUnavailable
from orchestration.flows.load import FlowUnreadable, flow_files, read_source
from orchestration.flows.models import InputSpec
from orchestration.flows.problems import FlowInvalid
from orchestration.flows.validate import settings_context, validate_flow
from orchestration.policy.flows import flow_starters
from orchestration.settings import Settings

# Who may start it, as a listing says it.
MAY = "you may start it"
MAY_NOT = "you may not start it"
NOBODY = "no entry of the policy's flows list names it: terminals only"
UNKNOWN = "could not ask Slack whether you may start it"


@dataclass(frozen=True)
class ListedFlow:
    """One flow file: its name, description and inputs; ``problem`` when it is not valid."""

    name: str
    description: str = ""
    inputs: tuple[tuple[str, InputSpec], ...] = ()
    problem: str | None = None
    who: str = MAY


def cached(groups: GroupMembers | None) -> GroupMembers | None:
    """``groups`` asking Slack about each group once per listing."""
    if groups is None:
        return None
    known: dict[str, list[str]] = {}

    async def members(group: str) -> list[str]:
        if group not in known:
            known[group] = list(await groups(group))
        return known[group]

    return members


async def list_flows(
    settings: Settings, user: str | None, groups: GroupMembers | None
) -> list[ListedFlow]:
    """Every flow file of the flows directory, checked now; ``user`` None: a terminal,
    which may start any valid flow.

    Raises:
        PolicyUnusable: The policy file cannot be read.
    """
    policy = usable_policy(settings.policy_file)
    entries = policy.flows
    context = settings_context(settings, policy)
    members = cached(groups)
    listed = []
    for file in flow_files(settings.flows_dir):
        try:
            flow = validate_flow(read_source(file), file.name, context).flow
        except (FlowUnreadable, FlowInvalid) as err:
            first = str(err).splitlines()[0] if str(err) else "cannot be read"
            listed.append(ListedFlow(file.stem, problem=first))
            continue
        starters = flow_starters(entries, file.stem)
        who = MAY
        if starters is None:
            who = NOBODY if user is not None else MAY
        elif user is not None:
            try:
                who = MAY if await is_starter(starters, user, members) else MAY_NOT
            except GroupsUnavailable:
                who = UNKNOWN
        inputs = tuple(flow.inputs.items())
        listed.append(ListedFlow(file.stem, flow.description, inputs, who=who))
    return listed


__all__ = ["ListedFlow", "PolicyUnusable", "list_flows"]
