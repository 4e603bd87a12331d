"""What ``chatops up`` prints once everything answers: one aligned line per part."""

from __future__ import annotations

import os
from pathlib import Path


def banner(rows: list[tuple[str, str]]) -> str:
    """``chatops is up:`` and one line per part, the values aligned after the longest label."""
    width = max(len(label) for label, _ in rows)
    return "chatops is up:\n" + "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)


def how_to_run() -> str:
    """How to run chatops from here: the checkout's launcher when there is one, else the
    installed command."""
    launcher = Path("chatops")
    return "./chatops" if launcher.is_file() and os.access(launcher, os.X_OK) else "chatops"
