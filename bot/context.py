"""What listeners share: the Temporal client in Bolt's context, and telling a user something."""

from __future__ import annotations

import logging
from typing import Any, cast

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.client import Client

TEMPORAL_KEY = "temporal"
log = logging.getLogger(__name__)


def attach_value(app: AsyncApp, key: str, value: object) -> None:
    """Make ``value`` available to every listener as ``context[key]``."""

    async def add_value(context: AsyncBoltContext, next: Any) -> None:
        context[key] = value
        await next()

    app.middleware(add_value)


def attach_temporal(app: AsyncApp, temporal: Client) -> None:
    """Make the Temporal client available to every listener as ``context["temporal"]``."""
    attach_value(app, TEMPORAL_KEY, temporal)


def temporal_client(context: dict[str, Any]) -> Client:
    """The Temporal client attached by :func:`attach_temporal` (tests attach a stand-in)."""
    return cast(Client, context[TEMPORAL_KEY])


async def tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    """An ephemeral message to one user; if Slack refuses it, log why (no one else to tell)."""
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError as err:
        log.warning("could not tell %s in %s: %s", user, channel, err.response.get("error"))
