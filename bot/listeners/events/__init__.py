"""Events API events: the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.home import publish_home
from bot.listeners.command_context import command_context


async def home_opened(
    event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """Someone opened the app's Home tab: draw what is waiting for them (the Messages tab
    sends the same event, and needs nothing)."""
    if event.get("tab") != "home":
        return
    await publish_home(client, command_context(context), str(event["user"]))


def register(app: AsyncApp) -> None:
    """Attach the event listeners."""
    app.event("app_home_opened")(home_opened)
