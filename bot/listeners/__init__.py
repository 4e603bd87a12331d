"""Bolt listeners, one package per kind of Slack traffic, each with ``register(app)``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.listeners import actions, commands, events, views


def register_all(app: AsyncApp) -> None:
    """Attach every listener to ``app``."""
    actions.register(app)
    views.register(app)
    commands.register(app)
    events.register(app)
