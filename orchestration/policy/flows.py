"""Who may start which flow: the policy file's ``flows`` list.

Each entry names flows with a glob and the Slack users or user groups who may start them; the
first entry whose glob matches a flow's name decides. A flow no entry names cannot be started
from Slack or the webhook at all (a terminal user, who has Temporal access already, still can).
Pure schema and matching; user groups are expanded by whoever checks.
"""

from __future__ import annotations

import fnmatch
from typing import Annotated

from pydantic import Field, StringConstraints

from orchestration.policy.fields import Strict

# A glob over flow names (a flow's name is its file's name: lower-case letters, digits, - _).
FlowGlob = Annotated[str, StringConstraints(pattern=r"^[a-z0-9*?_-][a-z0-9*?_\[\]!-]{0,79}$")]
# A user (U..., W...) or a user group (S...).
Starter = Annotated[str, StringConstraints(pattern=r"^[UWS][A-Z0-9]{2,31}$")]


class FlowAccess(Strict):
    """Flows matching ``flow`` may be started by the users and groups in ``started_by``."""

    flow: FlowGlob = Field(description="a glob over flow names, e.g. refund or deploy-*")
    started_by: list[Starter] = Field(min_length=1, max_length=100)


def flow_starters(entries: list[FlowAccess], flow: str) -> list[str] | None:
    """The users and groups who may start ``flow``: the first matching entry's, or None when
    no entry matches (nobody may, from Slack or the webhook)."""
    for entry in entries:
        if fnmatch.fnmatchcase(flow, entry.flow):
            return list(entry.started_by)
    return None
