"""The building blocks of the policy file's schema: strict models, bounded durations and
Slack channels, shared by its rules (:mod:`orchestration.policy.file`) and what
``require_approval`` asks (:mod:`orchestration.policy.requirement`).

Limits apply when a file is read (the :data:`AS_WRITTEN` validation context); decisions read
back from a workflow's history are not checked again, so requests decided under older limits
still replay.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from orchestration.durations import Bounds, duration_from_text

NonEmpty = Annotated[str, Field(min_length=1)]

# The limits of the durations a policy file gives (documented in docs/policy.md).
DEADLINE = Bounds(timedelta(seconds=10), timedelta(days=30))
REMINDER = Bounds(timedelta(0), timedelta(days=30))  # 0s: no reminder; shorter than the deadline
ESCALATE_AFTER = Bounds(timedelta(seconds=1), timedelta(days=30))  # shorter than the deadline

# Validation context under which the limits apply: set when a file is read, absent when a
# recorded decision is read back from history.
_FILE = "policy_file"
AS_WRITTEN = {_FILE: True}

# Slack's rules for channel names (lower-case letters, digits, - and _, at most 80), and the
# ids of channels (C...) and of private channels made before 2021 (G...).
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,20}")
CHANNEL_RULE = (
    "use a channel name (lower-case letters, digits, - and _, at most 80; a leading # is "
    "fine) or a channel id (C... or G...)"
)
NO_CHANNEL = (
    'is empty: in YAML a # starts a comment, so quote a name with a # ("#payments") or leave '
    "out the #; leave out channel for the default approvals channel"
)


def as_written(info: ValidationInfo) -> bool:
    """Whether a policy file is being read (rather than a recorded decision)."""
    return isinstance(info.context, dict) and bool(info.context.get(_FILE))


def within(value: timedelta, bounds: Bounds, info: ValidationInfo) -> timedelta:
    """``value`` when inside ``bounds`` (or read back from history), else a named error."""
    problem = bounds.problem(value) if as_written(info) else None
    if problem is not None:
        raise PydanticCustomError("duration_out_of_bounds", problem)
    return value


def parse_duration(value: object) -> object:
    """``90s``, ``5m``, ``2h``, ``1d``, ``1h30m`` as well as seconds or ISO 8601 (``PT5M``)."""
    if isinstance(value, str):
        parsed = duration_from_text(value)
        return value if parsed is None else parsed
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _channel(value: str) -> str:
    """A channel as Slack names it: the name without its ``#``, or the id."""
    name = value.strip().removeprefix("#")
    if CHANNEL_ID.fullmatch(name) or CHANNEL_NAME.fullmatch(name):
        return name
    raise PydanticCustomError("channel", CHANNEL_RULE)


ChannelRef = Annotated[str, AfterValidator(_channel)]


def channel_given(value: object, info: ValidationInfo) -> object:
    """A ``channel:`` written with no value is a mistake (often ``channel: #name``, which YAML
    reads as a comment), not a wish for the default channel."""
    if value is None and as_written(info):
        raise PydanticCustomError("channel_missing", NO_CHANNEL)
    return value


class Strict(BaseModel):
    """Unknown keys are mistakes in a policy file, not extensions."""

    model_config = ConfigDict(extra="forbid")
