"""The "Delete <id>" button under a ``/schedule delete`` question: the schedule is deleted
(by an operator), then the click is acknowledged and the question replaced by the answer."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.command_context import answer_in_channel, command_context
from commands.replies import Invoker
from commands.schedule import SCHEDULE
from commands.schedule.delete import confirmed


async def delete_confirmed(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """Deleted, then acknowledged."""
    schedule_id = str(body["actions"][0].get("value", ""))
    user = str(body["user"]["id"])
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    commands = command_context(context)
    invoker = Invoker(user, user in commands.settings.operators, channel=channel)
    reply = await SCHEDULE.run(commands, confirmed(schedule_id), invoker)
    await ack()
    await respond(text=reply.text, response_type="ephemeral", replace_original=True)
    if reply.announce and channel:
        await answer_in_channel(respond, client, channel, reply.announce)
