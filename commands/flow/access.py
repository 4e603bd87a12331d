"""Who may start a flow from Slack or the webhook: the policy file's ``flows`` list (read at
every check, so an edit counts at once), with user groups (``S...``) expanded through Slack.

Each refusal has a short code from a fixed set (a metric's label) and words for the asker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from commands.replies import GroupMembers, GroupsUnavailable
from orchestration.policy.file import Policy, PolicyError, load_policy
from orchestration.policy.flows import FlowAccess, flow_starters
from orchestration.slack_text import escape

NOT_ALLOWED = "not_allowed"
NOT_LISTED = "not_listed"
POLICY_INVALID = "policy_invalid"
GROUPS_UNAVAILABLE = "groups_unavailable"


class StartRefusal(NamedTuple):
    """Why a start is refused before it reaches Temporal: a code, and the answer (mrkdwn)."""

    code: str
    text: str


class PolicyUnusable(Exception):
    """The policy file cannot be read; the message says why (for the asker)."""


def usable_policy(policy_file: Path) -> Policy:
    """The policy file, read now.

    Raises:
        PolicyUnusable: The file is missing or invalid.
    """
    try:
        policy, _ = load_policy(policy_file)
    except PolicyError:
        raise PolicyUnusable(
            "The policy file cannot be read, so nobody may start flows now; tell the bot's "
            "operators (chatops flow validate and the bot's log say why). Nothing was started."
        ) from None
    return policy


def flow_entries(policy_file: Path) -> list[FlowAccess]:
    """The policy file's ``flows`` list (raises :class:`PolicyUnusable`)."""
    return usable_policy(policy_file).flows


def not_listed(flow: str) -> StartRefusal:
    """A flow no entry of the policy's ``flows`` list names."""
    return StartRefusal(
        NOT_LISTED,
        f"No entry of the policy's flows list names flow `{escape(flow)}`, so it cannot be "
        "started from Slack or the webhook. Nothing was started.",
    )


async def is_starter(starters: Sequence[str], user: str, groups: GroupMembers | None) -> bool:
    """Whether ``user`` is one of ``starters`` or in one of its user groups.

    Raises:
        GroupsUnavailable: Slack could not say who is in a group.
    """
    if user in starters:
        return True
    for group in (s for s in starters if s.startswith("S")):
        if groups is not None and user in await groups(group):
            return True
    return False


async def start_refusal(
    policy_file: Path, flow: str, user: str | None, groups: GroupMembers | None
) -> StartRefusal | None:
    """Why ``user`` may not start ``flow``, or None if they may. ``user`` None (the webhook
    with no ``requested_by``): any flow an entry names may be started."""
    try:
        starters = flow_starters(flow_entries(policy_file), flow)
    except PolicyUnusable as err:
        return StartRefusal(POLICY_INVALID, str(err))
    if starters is None:
        return not_listed(flow)
    if user is None:
        return None
    try:
        allowed = await is_starter(starters, user, groups)
    except GroupsUnavailable as err:
        return StartRefusal(
            GROUPS_UNAVAILABLE,
            f"Could not check who may start flow `{escape(flow)}` ({escape(str(err))}); "
            "nothing was started. Try again shortly.",
        )
    if allowed:
        return None
    return StartRefusal(
        NOT_ALLOWED,
        f"You may not start flow `{escape(flow)}`: the policy's flows list does not name you "
        "or a group of yours for it. Nothing was started.",
    )
