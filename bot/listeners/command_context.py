"""What the command listeners (slash commands, and the button that confirms a schedule's
delete) share: the deployment's command settings in Bolt's context, and confirming a change
in the channel, where everyone sees who made it and why."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import attach_value, temporal_client
from commands.replies import CommandContext, CommandSettings

log = logging.getLogger(__name__)
SETTINGS_KEY = "command_settings"


def attach_command_settings(app: AsyncApp, settings: CommandSettings) -> None:
    """Make the deployment's command settings available to the command listeners."""
    attach_value(app, SETTINGS_KEY, settings)


def command_context(context: dict[str, Any]) -> CommandContext:
    """The Temporal client and command settings of this request."""
    settings = context.get(SETTINGS_KEY) or CommandSettings()
    return CommandContext(temporal_client(context), settings)


async def answer_in_channel(
    respond: AsyncRespond,
    client: AsyncWebClient,
    channel: str,
    text: str,
    where: str = "this channel",
) -> None:
    """Confirm a change where everyone sees it (``where``, as the asker knows it); if the bot
    may not post there, say so."""
    try:
        await client.chat_postMessage(channel=channel, text=text)
    except SlackApiError as err:
        error = err.response.get("error")
        log.warning("could not confirm a change in %s: %s", channel, error)
        await respond(
            text=f"Done, but I could not say so in {where} ({error}); invite me to it.",
            response_type="ephemeral",
            replace_original=False,
            delete_original=False,
        )
