"""``chatops flow validate FILE...``: check flow files before anything runs (docs/flows.md);
``chatops flow list``: the flows of CHATOPS_FLOWS_DIR, as ``/flow list`` shows them.

Needs no Temporal server: the allow-list, the flows directory (for ``call_flow``) and the
policy file come from the settings. Exit codes: 0 every file valid, 1 a problem (one
``FILE:LINE:COL: field: message`` line each), 2 a usage or settings error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from commands.flow.list import render
from commands.flow.listing import PolicyUnusable, list_flows
from commands.replies import plain
from orchestration.flows.load import FlowUnreadable, read_source
from orchestration.flows.problems import FlowContext, FlowInvalid, printable
from orchestration.flows.urls import UrlError
from orchestration.flows.validate import settings_context, validate_flow
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


def flow_context(settings: Settings) -> FlowContext:
    """What flows are checked against, from the settings.

    Raises:
        PolicyError: The policy file cannot be used.
    """
    return settings_context(settings)


def cmd_validate(files: list[Path], settings: Settings) -> int:
    """Check each file; print what was found; the exit code."""
    try:
        context = flow_context(settings)
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
