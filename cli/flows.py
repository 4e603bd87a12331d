"""``chatops flow validate FILE...``, ``chatops flow list`` (the flows of CHATOPS_FLOWS_DIR,
as ``/flow list`` shows them) and ``chatops flow start NAME`` (docs/flows.md).

``validate`` needs no Temporal server: the allow-list, the flows directory (for ``call_flow``)
and the policy file come from the settings. Exit codes: 0 every file valid, 1 a problem (one
``FILE:LINE:COL: field: message`` line each), 2 a usage or settings error. ``start`` starts
the flow as the terminal user (``cli:<login>``) and prints its workflow id.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path

from temporalio.client import Client, WorkflowFailureError

from cli.errors import CliError
from commands.flow.list import render
from commands.flow.listing import PolicyUnusable, list_flows
from commands.replies import plain
from orchestration.decisions import TemporalUnreachable
from orchestration.failures import activity_failure_message
from orchestration.flow_starts import FlowStartRefused, parse_pairs, start_flow
from orchestration.flows.load import FlowUnreadable, read_source
from orchestration.flows.problems import FlowContext, FlowInvalid, printable
from orchestration.flows.urls import UrlError
from orchestration.flows.validate import settings_context, validate_flow
from orchestration.models.flow import FlowResult
from orchestration.policy.file import PolicyError
from orchestration.settings import Settings


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``chatops flow validate``."""
    flow = commands.add_parser("flow", help="flow files: check them before they run")
    verbs = flow.add_subparsers(dest="verb", metavar="VERB", required=True)
    validate = verbs.add_parser(
        "validate", help="check flow files: schema, references, types, URLs, calls, policy"
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a flow file")
    validate.set_defaults(role="flow-validate")
    start = verbs.add_parser("start", help="start a flow of the flows directory; print its id")
    start.add_argument("name", metavar="NAME", help="the flow's name, e.g. refund")
    start.add_argument(
        "--input",
        dest="inputs",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an input (repeat for each), read as the input's type",
    )
    start.add_argument(
        "--key", metavar="KEY", help="a business key: the id flow-NAME-KEY, so it runs once"
    )
    start.add_argument(
        "--wait", action="store_true", help="wait for the flow to end; print its outputs (JSON)"
    )
    start.set_defaults(role="flow-start")
    listing = verbs.add_parser(
        "list", help="the flows in CHATOPS_FLOWS_DIR: description, inputs, valid or not"
    )
    listing.set_defaults(role="flow-list")


def cmd_list(settings: Settings) -> int:
    """Print the flows as /flow list shows them (a terminal may start any valid flow)."""
    try:
        flows = asyncio.run(list_flows(settings, None, None))
    except PolicyUnusable as err:
        print(f"error: {plain(str(err))}", file=sys.stderr)
        return 1
    for line in plain(render(flows, hint=":")).splitlines():
        print(printable(line))
    return 0


def cmd_validate(files: list[Path], settings: Settings) -> int:
    """Check each file; print what was found; the exit code."""
    try:
        context = settings_context(settings)
    except PolicyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    code = 0
    for file in files:
        if not _report(file, context):
            code = 1
    return code


def _report(file: Path, context: FlowContext) -> bool:
    """Print one file's verdict; True when it is valid."""
    name = printable(str(file))
    try:
        flow = validate_flow(read_source(file), str(file), context)
    except FlowUnreadable as err:
        print(f"{name}: {err}")
        return False
    except FlowInvalid as err:
        for problem in err.problems:
            print(problem)
        return False
    except UrlError as err:  # the settings were checked; a context built by hand may not be
        print(f"error: the allow-list: {err}", file=sys.stderr)
        return False
    print(f"{name}: valid ({flow.step_count} steps)")
    for warning in flow.warnings:
        print(warning)
    return True


async def cmd_start(client: Client, settings: Settings, args: argparse.Namespace) -> None:
    """Start flow ``args.name``; print its workflow id, and with ``--wait`` its outputs.

    Raises:
        CliError: the flow was refused, already started, Temporal did not answer, or (with
            ``--wait``) the flow failed.
    """
    try:
        started = await start_flow(
            client,
            settings,
            args.name,
            parse_pairs(args.inputs),
            started_by=f"cli:{getpass.getuser()}",
            business_key=args.key,
        )
    except (FlowStartRefused, TemporalUnreachable) as err:
        raise CliError(str(err)) from None
    if started.already_started:
        raise CliError(f"flow {args.name} already started as {started.workflow_id}")
    print(started.workflow_id, flush=True)
    if not args.wait:
        return
    handle = client.get_workflow_handle(started.workflow_id, result_type=FlowResult)
    try:
        result = await handle.result()
    except WorkflowFailureError as err:
        raise CliError(activity_failure_message(err.cause)) from None
    print(json.dumps(result.outputs, sort_keys=True))
