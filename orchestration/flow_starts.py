"""Starting a flow (``flows/<name>.yml``): the CLI, ``/flow start`` and the webhook share this.

:func:`start_flow` validates the flow file, and every flow it calls, as it is now, checks the
inputs against the file's ``inputs``, and starts the driver workflow with the file's content
(so a file edited while the flow runs does not change it). :func:`parse_pairs` reads the
``key=value`` words the CLI and Slack are given.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from temporalio.client import Client

from orchestration.flow_inputs import InputRefused, InputValue, checked_inputs
from orchestration.flows.fields import FLOW_NAME_PATTERN
from orchestration.flows.load import FlowUnreadable, flow_path, read_source
from orchestration.flows.models import called_flows
from orchestration.flows.problems import FlowContext, FlowInvalid, ValidatedFlow
from orchestration.flows.urls import UrlError
from orchestration.flows.validate import settings_context, validate_flow
from orchestration.models.flow import CalledFlow, FlowRun
from orchestration.policy.file import PolicyError
from orchestration.settings import Settings
from orchestration.starts import start_request
from orchestration.workflows.flow import FlowWorkflow

__all__ = [
    "FlowStartRefused",
    "InputValue",
    "StartedFlow",
    "parse_pairs",
    "start_flow",
]

# A business key, as it goes into the workflow id.
BUSINESS_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")
# The most problems a refusal lists (the rest: chatops flow validate).
SHOWN_PROBLEMS = 3
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
    if business_key is not None and not BUSINESS_KEY.match(business_key):
        raise FlowStartRefused(
            "a business key is up to 80 letters, digits and . _ : -, starting with a letter "
            "or digit"
        )
    context = flow_context_or_refusal(settings)
    validated = _validated(name, context)
    try:
        values = checked_inputs(validated.flow, inputs)
    except InputRefused as err:
        raise FlowStartRefused(f"flow {name}: {err}") from None
    run = FlowRun(
        name=name,
        flow=validated.flow.model_dump(mode="json", by_alias=True),
        content_hash=validated.content_hash,
        called=_called(validated, context),
        inputs=values,
        started_by=started_by,
        search_attributes=settings.search_attributes,
    )
    started = await start_request(
        client,
        settings,
        FlowWorkflow.run,
        run,
        workflow_id=f"flow-{name}-{business_key or secrets.token_hex(4)}",
        kind="flow",
        noun="flow",
    )
    return StartedFlow(started.workflow_id, started.already_started)


def flow_context_or_refusal(settings: Settings) -> FlowContext:
    """What the flow is checked against (:func:`settings_context`); a policy file that cannot
    be used refuses the start."""
    try:
        return settings_context(settings)
    except PolicyError as err:
        raise FlowStartRefused(f"the policy file cannot be used: {err}") from None


def _validated(name: str, context: FlowContext) -> ValidatedFlow:
    """Flow ``name`` as its file is now, checked against everything."""
    if not re.match(FLOW_NAME_PATTERN, name) or context.flows_dir is None:
        raise FlowStartRefused(f"no flow named {name[:60]!r}")
    path = flow_path(context.flows_dir, name)
    if not path.is_file():
        raise FlowStartRefused(f"no flow named {name!r} (no {path.name} in the flows directory)")
    try:
        return validate_flow(read_source(path), str(path), context)
    except FlowUnreadable as err:
        raise FlowStartRefused(f"flow {name} cannot be read: {err}") from None
    except FlowInvalid as err:
        shown = [
            f"{path.name}:{problem.line}: {problem.field + ': ' if problem.field else ''}"
            f"{problem.message}"
            for problem in err.problems[:SHOWN_PROBLEMS]
        ]
        more = len(err.problems) - len(shown)
        tail = f" (and {more} more; run chatops flow validate)" if more > 0 else ""
        raise FlowStartRefused(f"flow {name} is not valid: " + "; ".join(shown) + tail) from None
    except UrlError as err:
        raise FlowStartRefused(f"the flows' allow-list is not valid: {err}") from None


def _called(flow: ValidatedFlow, context: FlowContext) -> dict[str, CalledFlow]:
    """Every flow reachable from ``flow`` through call_flow, validated as it is now (the
    validator refused cycles)."""
    found: dict[str, CalledFlow] = {}
    waiting = [flow]
    while waiting:
        current = waiting.pop()
        for _, step in called_flows(current.flow):
            name = step.call_flow.flow
            if name in found:
                continue
            called = _validated(name, context)
            found[name] = CalledFlow(
                flow=called.flow.model_dump(mode="json", by_alias=True),
                content_hash=called.content_hash,
            )
            waiting.append(called)
    return found
