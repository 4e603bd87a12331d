"""Starting a flow (``flows/<name>.yml``): the CLI, ``/flow start`` and the webhook share this.

:func:`start_flow` validates the flow file, and every flow it calls, as it is now, checks the
inputs against the file's ``inputs``, and starts the driver workflow with the file's content
(so a file edited while the flow runs does not change it). :func:`parse_pairs` reads the
``key=value`` words the CLI and Slack are given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from temporalio.client import Client

from orchestration.settings import Settings

InputValue = str | int | float | bool
# The most ``key=value`` words one start takes, and the longest value.
MAX_PAIRS = 50
MAX_VALUE = 2000


@dataclass(frozen=True)
class StartedFlow:
    """A started flow's workflow id, and whether that start had happened already."""

    workflow_id: str
    already_started: bool = False


class FlowStartRefused(Exception):
    """A flow that cannot be started as asked: unknown, invalid, or given bad inputs. The
    message says what is wrong in words fit to show the person who asked (no paths beyond
    the flow's file name, no stack trace)."""


def parse_pairs(words: list[str]) -> dict[str, str]:
    """``key=value`` words as a mapping (a value may contain ``=``; the last of a repeated key
    is refused, not kept).

    Raises:
        FlowStartRefused: a word without ``=``, an empty key, a repeated key, too many words
            or too long a value.
    """
    if len(words) > MAX_PAIRS:
        raise FlowStartRefused(f"at most {MAX_PAIRS} inputs")
    pairs: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip()
        if not sep or not key:
            raise FlowStartRefused(f"{word[:50]!r} is not key=value")
        if key in pairs:
            raise FlowStartRefused(f"input {key[:50]!r} is given twice")
        if len(value) > MAX_VALUE:
            raise FlowStartRefused(f"input {key[:50]!r} is longer than {MAX_VALUE} characters")
        pairs[key] = value
    return pairs


async def start_flow(
    client: Client,
    settings: Settings,
    name: str,
    inputs: Mapping[str, InputValue],
    *,
    started_by: str,
    business_key: str | None = None,
    ui_url: str | None = None,
) -> StartedFlow:
    """Validate flow ``name`` from ``settings.flows_dir`` and start it.

    Args:
        client: A connected Temporal client.
        settings: Where the flows are, the allow-list, the policy file, the task queue.
        name: The flow's name (its file's stem).
        inputs: Values by input name; strings (from ``key=value``) are read as the input's
            type, other values must already have it. Missing inputs take their defaults.
        started_by: Who asks: a Slack user id (``U...``), ``cli:<login>`` or ``webhook``.
        business_key: Makes the workflow id (``flow-<name>-<key>``), so the same start twice
            runs once; without one, a fresh id.
        ui_url: Temporal's UI, for links on cards.

    Raises:
        FlowStartRefused: the flow does not exist, does not validate, or the inputs do not
            fit; the message says which.
        TemporalUnreachable: Temporal did not answer.
    """
    raise NotImplementedError("the flow driver implements this")
