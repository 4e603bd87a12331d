"""The ``chatops`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from cli import audit, flows, lifeline, mcp_args
from cli.agent_tasks import AGENT_TASK_EXAMPLES
from cli.errors import CliError, describe_validation_error
from cli.examples import EXAMPLES
from cli.observability import start_observing, stop_observing
from cli.standin import load_settings
from cli.tickets import TICKET_EXAMPLES
from cli.version import chatops_version
from orchestration.client import TemporalUnavailable, connect
from orchestration.datadir import DataDirError
from orchestration.decisions import TemporalUnreachable
from orchestration.devserver import EmbeddedServerError
from orchestration.models.approval import Verdict
from orchestration.settings import Settings
from orchestration.starts import ui_url
from orchestration.telemetry import MetricsEndpointUnavailable
from slacksim.persist import SimStateError

EPILOG = """\
examples:
  chatops up                               everything on this machine, no Slack workspace needed
  chatops start order --example large      an order that waits for approval (prints its id)
  chatops start agent-task --example risky an agent task the policy file sends for approval
  chatops approve order-ORD-1234 --reason "known customer"
  chatops reject order-ORD-1234 --reason "card flagged"

Settings come from the environment; docs/configuration.md lists them all."""

Subcommands = argparse._SubParsersAction  # what add_subparsers returns


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and option."""
    parser = argparse.ArgumentParser(
        prog="chatops",
        description="Human-in-the-loop approvals for Temporal workflows, in Slack.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--version", action="version", version=f"chatops {chatops_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_processes(commands)
    _add_starts(commands)
    _add_chat_commands(commands)
    _add_amend(commands)
    _add_decisions(commands)
    audit.add_parser(commands)
    flows.add_parser(commands)
    mcp_args.add_parser(commands)
    return parser


def _add_processes(commands: Subcommands) -> None:
    up = commands.add_parser("up", help="run the whole stack: Temporal, stand-in, worker, bot")
    up.add_argument(
        "--demo", action="store_true", help="also start a few example orders that need approval"
    )
    up.set_defaults(role="up")
    for role, text in (
        ("server", "run the embedded Temporal server (data in CHATOPS_DATA_DIR)"),
        ("worker", "run the Temporal worker"),
        ("bot", "run the Slack bot (HTTP on CHATOPS_BOT_PORT, or Socket Mode)"),
        ("slack-sim", "run the local Slack stand-in alone"),
    ):
        commands.add_parser(role, help=text).set_defaults(role=role)


def _add_starts(commands: Subcommands) -> None:
    start = commands.add_parser("start", help="start a workflow and print its id")
    kinds = start.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, text, examples, noun, requester in (
        ("order", "start an order", EXAMPLES, "an order", "placed the order"),
        ("ticket", "start a support ticket", TICKET_EXAMPLES, "a ticket", "filed the ticket"),
        (
            "agent-task",
            "start an AI agent's task (checked by the policy file)",
            AGENT_TASK_EXAMPLES,
            "an agent task",
            "asked for the task",
        ),
    ):
        one = kinds.add_parser(kind, help=text)
        source = one.add_mutually_exclusive_group(required=True)
        source.add_argument("--example", choices=sorted(examples), help="a built-in example")
        source.add_argument("--file", type=Path, help=f"{noun} as JSON (see docs/cli.md)")
        one.add_argument("--requester", help=f"Slack user id of whoever {requester}")
        one.set_defaults(role=f"start-{kind}")


def _add_chat_commands(commands: Subcommands) -> None:
    for surface, text in (
        (
            "workflow",
            "workflow status, lists, history, cancel (as /workflow; try: help); "
            "--json for status, list and pending",
        ),
        ("schedule", "list, pause, trigger and change schedules (as /schedule; try: help)"),
    ):
        chat = commands.add_parser(surface, help=text, add_help=False)
        chat.add_argument(
            "--json", action="store_true", help="the facts as one JSON document (or after it)"
        )
        chat.add_argument("words", nargs=argparse.REMAINDER, help="the command, e.g. help")
        chat.set_defaults(role="chat-command", surface=surface)


def _add_amend(commands: Subcommands) -> None:
    amend = commands.add_parser(
        "amend", help="change the items of an order that waits for approval (asks again)"
    )
    amend.add_argument("workflow_id", help="e.g. order-ORD-1234")
    amend.add_argument(
        "--file", type=Path, required=True, help='the new items as JSON: {"items": [...]}'
    )
    amend.add_argument("--reason", default="", help="why (kept with the order)")
    amend.add_argument(
        "--as", dest="as_user", metavar="USER_ID", help="who amends (default cli:<your login>)"
    )
    amend.set_defaults(role="amend")


def _add_decisions(commands: Subcommands) -> None:
    for verb, verdict in (("approve", Verdict.APPROVE), ("reject", Verdict.REJECT)):
        decide = commands.add_parser(verb, help=f"{verb} a pending request from the terminal")
        decide.add_argument("workflow_id", help="e.g. order-ORD-1234")
        decide.add_argument("--reason", default="", help="why (shown on the card)")
        decide.add_argument(
            "--as",
            dest="as_user",
            metavar="USER_ID",
            help="the Slack user you act for (recorded beside cli:<your login>, who decides)",
        )
        decide.set_defaults(role="decide", verdict=verdict)


async def run(args: argparse.Namespace, settings: Settings) -> None:
    """Dispatch one parsed command."""
    from cli import agent_tasks, amend, chat_commands, decisions, orders, processes, tickets

    role = args.role
    if role == "up":
        await processes.cmd_up(settings, demo=args.demo)
    elif role == "server":
        await processes.cmd_server(settings)
    elif role == "worker":
        await processes.cmd_worker(settings)
    elif role == "bot":
        await processes.cmd_bot(settings)
    elif role == "slack-sim":
        await processes.cmd_slack_sim(settings)
    elif role == "start-order":
        order = orders.pick_order(args.example, args.file, args.requester)
        client = await connect(settings)
        await orders.cmd_start_order(client, settings, order, ui_url(settings))
    elif role == "start-ticket":
        ticket = tickets.pick_ticket(args.example, args.file, args.requester)
        client = await connect(settings)
        await tickets.cmd_start_ticket(client, settings, ticket, ui_url(settings))
    elif role == "start-agent-task":
        task = agent_tasks.pick_agent_task(args.example, args.file, args.requester)
        outlook = agent_tasks.task_outlook(settings, task)
        client = await connect(settings)
        await agent_tasks.cmd_start_agent_task(client, settings, task, outlook, ui_url(settings))
    elif role == "chat-command":
        chat = chat_commands.parse_chat_command(args.surface, args.words, as_json=args.json)
        client = await connect(settings)
        await chat_commands.cmd_chat_command(client, settings, chat)
    elif role == "amend":
        client = await connect(settings)
        await amend.cmd_amend(client, args.workflow_id, args.file, args.reason, args.as_user)
    elif role == "decide":
        client = await connect(settings)
        await decisions.cmd_decide(
            client, settings, args.workflow_id, args.verdict, args.reason, args.as_user
        )
    elif role == "audit":
        client = await connect(settings)
        await audit.cmd_export(
            client, args.workflow_id, args.since, args.output, settings.search_attributes
        )
    elif role == "flow-start":
        client = await connect(settings)
        await flows.cmd_start(client, settings, args)
    elif role == "mcp":
        from cli import mcp_server  # the MCP SDK takes a second to import: only when asked

        await mcp_server.cmd_mcp(settings, http=args.http, host=args.host, port=args.port)


def main(argv: list[str] | None = None) -> int:
    """Run one command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.role == "audit":
        audit.check_args(parser, args)
        if args.verify is not None:
            try:
                return audit.cmd_verify(args.verify)
            except CliError as err:
                print(f"error: {err}", file=sys.stderr)
                return 1
    try:
        settings = load_settings()
    except ValidationError as err:
        print(f"error: {describe_validation_error('invalid settings', err)}", file=sys.stderr)
        return 2
    if args.role == "flow-validate":  # needs no Temporal, no logging set-up
        return flows.cmd_validate(args.files, settings)
    if args.role == "flow-list":
        return flows.cmd_list(settings)
    provider = start_observing(args.role, settings, verbose=args.verbose)
    try:
        if not lifeline.follow_parent():
            print(f"error: chatops up, which started this {args.role}, is gone", file=sys.stderr)
            return 1
        return _run_reporting_errors(args, settings)
    finally:
        stop_observing(provider)


# What a command reports as one "error: ..." line and exit code 1 (OSError: e.g. a port taken
# by something else).
FAILURES = (
    CliError,
    TemporalUnavailable,
    TemporalUnreachable,
    EmbeddedServerError,
    DataDirError,
    SimStateError,
    MetricsEndpointUnavailable,
    OSError,
)


def _run_reporting_errors(args: argparse.Namespace, settings: Settings) -> int:
    from cli.chat_commands import UsageFailure

    try:
        asyncio.run(run(args, settings))
    except UsageFailure as err:
        print(err, file=sys.stderr)
        return 2
    except FAILURES as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def entry() -> None:
    """The console script: run, flush, and leave without interpreter finalization.

    Temporal's client keeps native threads that can crash CPython's finalization
    ("PyGILState_Release: thread state ... must be current", temporalio/sdk-python#300),
    turning a finished command into an abort. Everything is done and flushed by then.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
