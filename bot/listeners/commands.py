"""``/workflow`` and ``/schedule``: ack at once, parse with the shared grammar, run, answer the
person ephemerally, and confirm changes in the channel (who and why)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import attach_value, temporal_client
from commands.grammar import CHANGES, ScheduleDelete, UsageError, parse_schedule, parse_workflow
from commands.replies import CommandContext, CommandSettings, Invoker, Reply
from commands.schedules import DELETE_ACTION, run_schedule_command
from commands.workflows import run_workflow_command

log = logging.getLogger(__name__)
SETTINGS_KEY = "command_settings"
# Past this, Slack (3 s) has given up on the ack: the reply goes through response_url.
ACK_WITHIN = 2.5


def attach_command_settings(app: AsyncApp, settings: CommandSettings) -> None:
    """Make the deployment's command settings available to the command listeners."""
    attach_value(app, SETTINGS_KEY, settings)


def command_context(context: dict[str, Any]) -> CommandContext:
    """The Temporal client and command settings of this request."""
    settings = context.get(SETTINGS_KEY) or CommandSettings()
    return CommandContext(temporal_client(context), settings)


async def answer(
    respond: AsyncRespond, client: AsyncWebClient, command: dict[str, Any], reply: Reply
) -> None:
    """The reply for the person; the announcement (if any) for the channel."""
    await respond(
        text=reply.text,
        blocks=reply.blocks,
        response_type="ephemeral",
        replace_original=False,
        delete_original=False,
    )
    if reply.announce:
        await answer_in_channel(respond, client, command["channel_id"], reply.announce)


async def answer_in_channel(
    respond: AsyncRespond, client: AsyncWebClient, channel: str, text: str
) -> None:
    """Confirm a change where everyone sees it; if the bot may not post there, say so."""
    try:
        await client.chat_postMessage(channel=channel, text=text)
    except SlackApiError as err:
        error = err.response.get("error")
        log.warning("could not confirm a change in %s: %s", channel, error)
        await respond(
            text=f"Done, but I could not say so in this channel ({error}); invite me to it.",
            response_type="ephemeral",
            replace_original=False,
            delete_original=False,
        )


def slack_invoker(command: dict[str, Any], commands: CommandContext) -> Invoker:
    """Who typed the command, whether they are an operator, and where."""
    user = str(command["user_id"])
    return Invoker(user, user in commands.settings.operators, channel=command.get("channel_id"))


def usage_reply(err: UsageError) -> Reply:
    """A usage error: what was wrong, then the usage as a code block."""
    problem = f"{err.problem}\n" if err.problem else ""
    return Reply(f"{problem}```{err.usage}```", ok=False)


def slash_listener(
    parse: Callable[[str], Any],
    run: Callable[[CommandContext, Any, Invoker], Awaitable[Reply]],
) -> Callable[..., Awaitable[None]]:
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
            parsed = parse(command.get("text", ""))
        except UsageError as err:
            await ack()
            await answer(respond, client, command, usage_reply(err))
            return
        commands = command_context(context)
        if not isinstance(parsed, CHANGES):
            await ack()
            reply = await run(commands, parsed, slack_invoker(command, commands))
            await answer(respond, client, command, reply)
            return
        started = time.monotonic()
        reply = await run(commands, parsed, slack_invoker(command, commands))
        if time.monotonic() - started >= ACK_WITHIN:
            # Too late for the ack: Slack has shown a timeout; answer through response_url.
            await ack()
            await answer(respond, client, command, reply)
            return
        await ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        if reply.announce:
            await answer_in_channel(respond, client, command["channel_id"], reply.announce)

    return listener


async def delete_confirmed(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: dict[str, Any],
) -> None:
    """The "Delete <id>" button under a ``/schedule delete`` question: deleted, then
    acknowledged."""
    schedule_id = str(body["actions"][0].get("value", ""))
    user = str(body["user"]["id"])
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    commands = command_context(context)
    invoker = Invoker(user, user in commands.settings.operators, channel=channel)
    reply = await run_schedule_command(commands, ScheduleDelete(schedule_id, True), invoker)
    await ack()
    await respond(text=reply.text, response_type="ephemeral", replace_original=True)
    if reply.announce and channel:
        await answer_in_channel(respond, client, channel, reply.announce)


def register(app: AsyncApp) -> None:
    """Attach the slash commands' listeners."""
    app.command("/workflow")(slash_listener(parse_workflow, run_workflow_command))
    app.command("/schedule")(slash_listener(parse_schedule, run_schedule_command))
    app.action(DELETE_ACTION)(delete_confirmed)
