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
from bot.slack_client import group_members
from commands.replies import CommandContext, Invoker, Reply
from commands.surface import Command, Surface, UsageError
from orchestration.slack_text import escape

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
    if reply.announce and reply.announce_channel:
        named = f"#{escape(reply.announce_channel.removeprefix('#'))}"
        await answer_in_channel(respond, client, reply.announce_channel, reply.announce, named)
    elif reply.announce:
        await answer_in_channel(respond, client, command["channel_id"], reply.announce)


async def shared(client: AsyncWebClient, user_id: str, reply: Reply) -> Reply:
    """Share the reply's file; the reply then says where it is, or why it could not be sent."""
    assert reply.file is not None
    try:
        await share_file(client, user_id, reply.file, reply.text)
    except FileNotShared as err:
        return Reply(f"{reply.text}\nBut I could not send you the file ({err}).", ok=False)
    return Reply(f"{reply.text}\nThe file is in our direct messages.")


def slack_invoker(
    command: dict[str, Any], commands: CommandContext, client: AsyncWebClient
) -> Invoker:
    """Who typed the command, whether they are an operator, where, and (for checks that name
    user groups) how to ask Slack who is in a group."""
    user = str(command["user_id"])
    operator = user in commands.settings.operators
    return Invoker(user, operator, channel=command.get("channel_id"), groups=group_members(client))


def usage_reply(err: UsageError) -> Reply:
    """A usage error: what was wrong, then the usage as a code block."""
    problem = f"{err.problem}\n" if err.problem else ""
    return Reply(f"{problem}```{err.usage}```", ok=False)


def slash_listener(
    surface: Surface, count: Callable[[str], None] | None = None
) -> Callable[..., Awaitable[None]]:
    """A listener for one slash command: parse, run, answer. A command that changes
    something is acknowledged only once the change is made, with the reply in the ack;
    one that only reads is acknowledged at once and answered when it is ready. ``count``
    is given each reply's outcome code, when it has one (a metric)."""

    async def run(commands: CommandContext, parsed: Command, invoker: Invoker) -> Reply:
        reply = await surface.run(commands, parsed, invoker)
        if count is not None and reply.outcome is not None:
            count(reply.outcome)
        return reply

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
        invoker = slack_invoker(command, commands, client)
        if not parsed.changes:
            await ack()
            await answer(respond, client, command, await run(commands, parsed, invoker))
            return
        started = time.monotonic()
        reply = await run(commands, parsed, invoker)
        if time.monotonic() - started >= ACK_WITHIN:
            # Too late for the ack: Slack has shown a timeout; answer through response_url.
            await ack()
            await answer(respond, client, command, reply)
            return
        await ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        if reply.announce:
            await answer_in_channel(respond, client, command["channel_id"], reply.announce)

    return listener
