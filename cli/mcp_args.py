"""The ``chatops mcp`` subcommand's arguments (apart from the server, whose SDK is slow to
import: :mod:`cli.mcp_server` is imported only when the command runs)."""

from __future__ import annotations

import argparse

# chatops mcp --http's defaults: this machine only, the port after the bot's and the stand-in's.
MCP_HOST = "127.0.0.1"
MCP_PORT = 3002


def port(text: str) -> int:
    """A TCP port number, 1 to 65535."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1 to 65535): {text[:20]!r}")
    return int(text)


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``chatops mcp [--http [--host H] [--port N]]``."""
    mcp = commands.add_parser(
        "mcp",
        help="serve the Model Context Protocol: AI agents ask a human (stdio, or --http)",
    )
    mcp.add_argument(
        "--http", action="store_true", help="serve streamable HTTP on /mcp instead of stdio"
    )
    mcp.add_argument(
        "--host", default=MCP_HOST, help=f"with --http: the address (default {MCP_HOST})"
    )
    mcp.add_argument(
        "--port",
        type=port,
        default=MCP_PORT,
        metavar="N",
        help=f"with --http: the port (default {MCP_PORT})",
    )
    mcp.set_defaults(role="mcp")
