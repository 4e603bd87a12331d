"""Slash commands: ``/workflow``, ``/schedule`` and ``/flow``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners.commands.slash import slash_listener
from bot.metrics import record_flow_start
from commands.flow import FLOW
from commands.schedule import SCHEDULE
from commands.workflow import WORKFLOW


def register(app: AsyncApp) -> None:
    """Attach the slash commands' listeners."""
    app.command("/workflow")(slash_listener(WORKFLOW))
    app.command("/schedule")(slash_listener(SCHEDULE))
    app.command("/flow")(slash_listener(FLOW, lambda outcome: record_flow_start("slack", outcome)))
