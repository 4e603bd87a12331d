"""``chatops audit``: export a request's decision attempts (or every request decided in a
period) as JSON lines joined by a SHA-256 chain, and verify such a file (docs/audit.md)."""

from __future__ import annotations

import argparse
import sys
from argparse import ArgumentTypeError
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client

from cli.errors import CliError
from commands.audit.chain import ChainProblem, verify
from commands.audit.export import export_lines
from commands.audit.since import PeriodError, decided_since, parse_since
from commands.audit.trail import AuditError, Trail, read_trail
from commands.replies import plain
from commands.words import BadCommand, only_id
from orchestration.decisions import DecisionRefused


class NotText(Exception):
    """A line of the file to verify that is not UTF-8 text."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line}: not UTF-8 text")
        self.line = line


def _lines(path: Path) -> Iterator[str]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                raise NotText(number) from None


def verify_file(path: Path) -> ChainProblem | None:
    """The first problem of the export in ``path``, or None when intact.

    Raises:
        CliError: the file cannot be read.
    """
    try:
        return verify(_lines(path))
    except NotText as err:
        return ChainProblem(err.line, "not UTF-8 text")
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror or err}") from None


def write_export(output: Path, text: str) -> None:
    """Write an export to ``output``.

    Raises:
        CliError: the file cannot be written.
    """
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise CliError(f"cannot write {output}: {err.strerror or err}") from None


def cmd_verify(path: Path) -> int:
    """Print whether the export in ``path`` is intact; 0 when it is, 1 otherwise."""
    problem = verify_file(path)
    if problem is not None:
        print(f"{path}: {problem}", file=sys.stderr)
        return 1
    print(f"{path}: intact")
    return 0


def period(text: str) -> timedelta:
    """``--since``'s value: ``30m``, ``12h``, ``7d``...

    Raises:
        ArgumentTypeError: not such a period (argparse prints it with the usage).
    """
    try:
        return parse_since(text)
    except PeriodError as err:
        raise ArgumentTypeError(str(err)) from None


async def _trails(
    client: Client, workflow_id: str | None, since: timedelta | None, search_attributes: bool
) -> list[Trail]:
    try:
        if since is not None:
            moment = datetime.now(UTC) - since
            ids = await decided_since(client, moment, search_attributes)
            return [await read_trail(client, one) for one in ids]
        assert workflow_id is not None
        return [await read_trail(client, workflow_id)]
    except (DecisionRefused, AuditError) as err:
        raise CliError(plain(str(err))) from None


async def cmd_export(
    client: Client,
    workflow_id: str | None,
    since: timedelta | None,
    output: Path | None,
    search_attributes: bool = True,
) -> None:
    """Write the export to ``output`` (standard output when None); say on standard error
    what it holds when there is nothing to audit or it went to a file."""
    trails = await _trails(client, workflow_id, since, search_attributes)
    text = "\n".join(export_lines(trails)) + "\n"
    attempts = sum(len(trail.records) for trail in trails)
    if output is None:
        sys.stdout.write(text)
    else:
        write_export(output, text)
        wrote = f"wrote {attempts} attempt lines of {len(trails)} requests to {output}"
        print(wrote, file=sys.stderr)
    if not attempts:
        what = "decided in that period" if since else f"recorded for {workflow_id}"
        print(f"note: no decision attempts {what}", file=sys.stderr)


def add_parser(commands: Any) -> None:
    """``chatops audit``'s arguments (``commands``: what ``add_subparsers`` returned)."""
    audit = commands.add_parser(
        "audit",
        help="export every decision attempt as hash-chained JSON lines, or verify an export",
        description="See docs/audit.md for the format, the fields and the hash chain.",
    )
    audit.add_argument("workflow_id", nargs="?", help="the request's workflow, e.g. order-ORD-1")
    which = audit.add_mutually_exclusive_group()
    which.add_argument(
        "--since",
        type=period,
        metavar="PERIOD",
        help="every request decided in the last PERIOD (30m, 12h, 7d)",
    )
    which.add_argument(
        "--verify", type=Path, metavar="FILE", help="check an export: exit 0 intact, 1 not"
    )
    audit.add_argument(
        "--output", type=Path, metavar="FILE", help="write the export here (default: stdout)"
    )
    audit.set_defaults(role="audit")


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exactly one of a workflow id, --since and --verify (argparse exits 2 otherwise)."""
    given = [args.workflow_id is not None, args.since is not None, args.verify is not None]
    if sum(given) != 1:
        parser.error("audit takes a workflow id, --since PERIOD or --verify FILE (one of them)")
    if args.verify is not None and args.output is not None:
        parser.error("audit --verify writes nothing: --output does not go with it")
    if args.workflow_id is not None:
        try:
            only_id([args.workflow_id], "workflow")  # the slash command's rule for ids
        except BadCommand as err:
            parser.error(plain(err.problem))
