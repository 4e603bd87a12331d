"""The "Delete <id>" button under a ``/schedule delete`` question: the schedule is deleted
(by an operator), then the click is acknowledged and the question replaced by the answer; a
click by anyone else is answered in a message of its own."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners.command_context import answer_in_channel, command_context
from bot.listeners.decide import tell_where
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
    if not body.get("response_url"):
        # Clicked in a view (the question is only ever a message): answer on the Home tab.
        await tell_where(client, context, user, None, reply.text)
        return
    # The answer replaces the question, which only the operator who asked it can see; anyone
    # else's click (a forged payload: the button is in nobody else's view) must not replace
    # whatever message it claims to come from, such as an approval card.
    await respond(
        text=reply.text,
        response_type="ephemeral",
        replace_original=invoker.is_operator,
        delete_original=False,
    )
    if reply.announce and channel:
        await answer_in_channel(respond, client, channel, reply.announce)
