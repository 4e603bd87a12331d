"""Slash commands: ``/workflow`` and ``/schedule``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.commands.slash import slash_listener
from commands.schedule import SCHEDULE
from commands.workflow import WORKFLOW


def register(app: AsyncApp) -> None:
    """Attach the slash commands' listeners."""
    app.command("/workflow")(slash_listener(WORKFLOW))
    app.command("/schedule")(slash_listener(SCHEDULE))
