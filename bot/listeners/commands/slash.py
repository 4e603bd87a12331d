"""A slash command's listener: ack, parse with the surface's grammar, run, answer the person
ephemerally, and confirm changes in the channel (who and why)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.files import FileNotShared, share_file
from bot.listeners.command_context import answer_in_channel, command_context
from commands.replies import CommandContext, Invoker, Reply
from commands.surface import Surface, UsageError

# Past this, Slack (3 s) has given up on the ack: the reply goes through response_url.
ACK_WITHIN = 2.5


async def answer(
    respond: AsyncRespond, client: AsyncWebClient, command: dict[str, Any], reply: Reply
) -> None:
    """The reply for the person (a file, when it has one, in their direct messages with the
    app); the announcement (if any) for the channel."""
    if reply.file is not None:
        reply = await shared(client, str(command["user_id"]), reply)
    await respond(
        text=reply.text,
        blocks=reply.blocks,
        response_type="ephemeral",
        replace_original=False,
        delete_original=False,
    )
    if reply.announce:
        await answer_in_channel(respond, client, command["channel_id"], reply.announce)


async def shared(client: AsyncWebClient, user_id: str, reply: Reply) -> Reply:
    """Share the reply's file; the reply then says where it is, or why it could not be sent."""
    assert reply.file is not None
    try:
        await share_file(client, user_id, reply.file, reply.text)
    except FileNotShared as err:
        return Reply(f"{reply.text}\nBut I could not send you the file ({err}).", ok=False)
    return Reply(f"{reply.text}\nThe file is in our direct messages.")


def slack_invoker(command: dict[str, Any], commands: CommandContext) -> Invoker:
    """Who typed the command, whether they are an operator, and where."""
    user = str(command["user_id"])
    return Invoker(user, user in commands.settings.operators, channel=command.get("channel_id"))


def usage_reply(err: UsageError) -> Reply:
    """A usage error: what was wrong, then the usage as a code block."""
    problem = f"{err.problem}\n" if err.problem else ""
    return Reply(f"{problem}```{err.usage}```", ok=False)


def slash_listener(surface: Surface) -> Callable[..., Awaitable[None]]:
    """A listener for one slash command: parse, run, answer. A command that changes
    something is acknowledged only once the change is made, with the reply in the ack;
    one that only reads is acknowledged at once and answered when it is ready."""

    async def listener(
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: dict[str, Any],
    ) -> None:
        try:
            parsed = surface.parse(command.get("text", ""))
        except UsageError as err:
            await ack()
            await answer(respond, client, command, usage_reply(err))
            return
        commands = command_context(context)
        invoker = slack_invoker(command, commands)
        if not parsed.changes:
            await ack()
            await answer(respond, client, command, await surface.run(commands, parsed, invoker))
            return
        started = time.monotonic()
        reply = await surface.run(commands, parsed, invoker)
        if time.monotonic() - started >= ACK_WITHIN:
            # Too late for the ack: Slack has shown a timeout; answer through response_url.
            await ack()
            await answer(respond, client, command, reply)
            return
        await ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        if reply.announce:
            await answer_in_channel(respond, client, command["channel_id"], reply.announce)

    return listener
