"""What the ``/flow`` verbs share: where flows are and how one is started, a flow's name as
typed, and the refusal codes the bot counts."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from commands.replies import CommandContext
from commands.words import BadCommand, shown
from orchestration.flow_starts import StartedFlow, start_flow
from orchestration.flows.fields import FLOW_NAME_PATTERN
from orchestration.settings import Settings

# How a start from Slack or the webhook ended, as the bot's metrics count it.
STARTED = "started"
ALREADY_STARTED = "already_started"
REFUSED_INPUTS = "refused"  # start_flow refused: no such flow, invalid, or bad inputs
UNREACHABLE = "unreachable"


# What starts a flow: orchestration.flow_starts.start_flow (its arguments), or a test's own.
Starter = Callable[..., Awaitable[StartedFlow]]


@dataclass(frozen=True)
class FlowStarts:
    """What ``/flow`` needs: the deployment's settings (the flows directory, the policy file,
    the approvals channel, the task queue) and what starts a flow."""

    settings: Settings
    start: Starter = start_flow


NOT_SET_UP = "Flows are not set up on this bot; nothing was started."


def flow_starts(context: CommandContext) -> FlowStarts | None:
    """The flows' settings of this deployment, if it has them."""
    return context.settings.flows


def flow_name(words: list[str]) -> str:
    """The first word, as a flow's name."""
    if not words:
        raise BadCommand("Say which flow; /flow list shows them.")
    if not re.fullmatch(FLOW_NAME_PATTERN, words[0]):
        raise BadCommand(f"{shown(words[0])} is not a flow name.")
    return words[0]
