"""``chatops flow validate FILE...``: check flow files before anything runs (docs/flows.md).

Needs no Temporal server: the allow-list, the flows directory (for ``call_flow``) and the
policy file come from the settings. Exit codes: 0 every file valid, 1 a problem (one
``FILE:LINE:COL: field: message`` line each), 2 a usage or settings error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.flows.load import FlowUnreadable, read_source
from orchestration.flows.problems import FlowContext, FlowInvalid, printable
from orchestration.flows.urls import UrlError
from orchestration.flows.validate import validate_flow
from orchestration.policy.file import PolicyError, load_policy
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


def flow_context(settings: Settings) -> FlowContext:
    """What flows are checked against, from the settings.

    Raises:
        PolicyError: The policy file cannot be used.
    """
    policy, _ = load_policy(settings.policy_file)
    return FlowContext(
        flows_dir=settings.flows_dir,
        http_allow=settings.effective_flow_http_allow,
        policy=policy,
    )


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
