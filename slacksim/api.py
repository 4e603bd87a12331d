"""Web API methods: each takes the workspace and the call's parameters and returns the answer.

A handler raises :class:`SlackError` for an ``{"ok": false}`` answer. Error names follow Slack's
method reference (https://api.slack.com/methods, and
https://api.slack.com/web#evaluating_responses). Every method first checks the manifest's
scopes: without one, Slack answers ``missing_scope`` (with ``needed`` and ``provided``) before
looking at the arguments.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from slacksim.errors import SlackError
from slacksim.manifest import EMAIL_SCOPE, METHOD_SCOPES, PUBLIC_POST_SCOPE
from slacksim.seed import BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME, Channel
from slacksim.state import Workspace
from slacksim.validation import (
    MAX_MESSAGE_BLOCKS,
    check_blocks,
    check_metadata,
    check_text,
)

Params = dict[str, Any]
Result = dict[str, Any]
Handler = Callable[[Workspace, Params], Result]

METHODS: dict[str, Handler] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under its Web API method name, behind the manifest's scope check.

    Raises:
        KeyError: The method has no entry in ``METHOD_SCOPES`` (so none can be forgotten).
    """
    if name not in METHOD_SCOPES:
        raise KeyError(f"add {name} to slacksim.manifest.METHOD_SCOPES")

    def register(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def checked(ws: Workspace, params: Params) -> Result:
            refusal = ws.manifest.refusal(name)
            return refusal if refusal is not None else handler(ws, params)

        METHODS[name] = checked
        return handler

    return register


def required(params: Params, key: str, missing: str) -> str:
    """The parameter `key` as text; Slack answers `missing` when it is absent or empty."""
    value = params.get(key)
    if value in (None, ""):
        raise SlackError(missing)
    return str(value)


def _flag(params: Params, key: str) -> bool:
    return params.get(key) in (True, 1, "1", "true", "True")


def _blocks(params: Params) -> list[dict[str, Any]] | None:
    raw = params.get("blocks")
    if raw in (None, ""):
        return None
    return check_blocks(raw, limit=MAX_MESSAGE_BLOCKS, error="invalid_blocks")


def message_content(params: Params) -> tuple[str, list[dict[str, Any]]]:
    """Return (text, blocks) of a new message; one of them must be there."""
    text = check_text(str(params.get("text") or ""))
    blocks = _blocks(params) or []
    if not text and not blocks:
        raise SlackError("no_text")
    return text, blocks


def _channel(ws: Workspace, params: Params, *, ids_only: bool = False) -> Channel:
    """Find the ``channel`` parameter's channel; a private one the bot is not in stays hidden."""
    channel = ws.channel(required(params, "channel", "channel_not_found"), ids_only=ids_only)
    if channel.is_private and BOT_USER_ID not in channel.members:
        raise SlackError("channel_not_found")
    return channel


def _postable(ws: Workspace, channel: Channel) -> Channel:
    """Check that the bot may post here: not archived, and a member unless it may post publicly."""
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID not in channel.members and not ws.manifest.grants(PUBLIC_POST_SCOPE):
        raise SlackError("not_in_channel")
    return channel


@method("api.test")
def api_test(ws: Workspace, params: Params) -> Result:
    """Echo the arguments back."""
    return {"ok": True, "args": {k: v for k, v in params.items() if k != "token"}}


@method("auth.test")
def auth_test(ws: Workspace, params: Params) -> Result:
    """Describe the bot token's identity."""
    return {
        "ok": True,
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


@method("chat.postMessage")
def chat_post_message(ws: Workspace, params: Params) -> Result:
    """Post a message; ``channel`` may be an id or a name."""
    channel = _postable(ws, _channel(ws, params))
    text, blocks = message_content(params)
    metadata = check_metadata(params.get("metadata"))
    thread_ts = str(params.get("thread_ts") or "") or None
    message = ws.post(channel.id, text, blocks, thread_ts=thread_ts, metadata=metadata)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_api()}


@method("chat.update")
def chat_update(ws: Workspace, params: Params) -> Result:
    """Replace the bot's own message's text and blocks; ``channel`` must be an id."""
    channel = _channel(ws, params, ids_only=True)
    ts = required(params, "ts", "message_not_found")
    if not ws.message(channel.id, ts).by_bot:
        raise SlackError("cant_update_message")
    if channel.is_archived:
        raise SlackError("is_archived")
    text, blocks = check_text(str(params.get("text") or "")), _blocks(params)
    if not text and not blocks:
        raise SlackError("no_text")
    metadata = check_metadata(params.get("metadata"))
    message = ws.update(channel.id, ts, text, blocks)
    if metadata is not None:
        message.metadata = metadata
    answer = message.to_api()
    return {"ok": True, "channel": channel.id, "ts": ts, "text": text, "message": answer}


@method("chat.delete")
def chat_delete(ws: Workspace, params: Params) -> Result:
    """Delete one of the bot's own messages."""
    channel = _channel(ws, params, ids_only=True)
    ts = required(params, "ts", "message_not_found")
    if not ws.message(channel.id, ts).by_bot:
        raise SlackError("cant_delete_message")
    ws.delete(channel.id, ts)
    return {"ok": True, "channel": channel.id, "ts": ts}


@method("chat.getPermalink")
def chat_get_permalink(ws: Workspace, params: Params) -> Result:
    """Link to a message; the link opens the sim's page at it (Slack's opens Slack)."""
    channel = _channel(ws, params, ids_only=True)
    ts = required(params, "message_ts", "message_not_found")
    return {"ok": True, "channel": channel.id, "permalink": ws.permalink(channel.id, ts)}


@method("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, params: Params) -> Result:
    """Show a message to one member of a channel."""
    channel = _channel(ws, params)
    if channel.is_archived:
        raise SlackError("is_archived")
    user = required(params, "user", "user_not_in_channel")
    text, blocks = message_content(params)
    ephemeral = ws.post_ephemeral(channel.id, user, text, blocks)
    return {"ok": True, "message_ts": ephemeral["ts"]}


@method("conversations.list")
def conversations_list(ws: Workspace, params: Params) -> Result:
    """List the channels the bot can see, in one page, filtered by ``types``."""
    types = str(params.get("types") or "public_channel").split(",")
    wanted = {"private_channel": True, "public_channel": False}
    private = {wanted[kind] for kind in types if kind in wanted}
    skip_archived = _flag(params, "exclude_archived")
    channels = [
        channel.to_api()
        for channel in ws.channels.values()
        if ("im" in types if channel.is_im else channel.is_private in private)
        and not (skip_archived and channel.is_archived)
        and not (channel.is_private and BOT_USER_ID not in channel.members)
    ]
    return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}


@method("conversations.info")
def conversations_info(ws: Workspace, params: Params) -> Result:
    """Describe one channel by id; ``num_members`` only on request, as in Slack."""
    channel = _channel(ws, params, ids_only=True)
    with_count = _flag(params, "include_num_members")
    return {"ok": True, "channel": channel.to_api(include_num_members=with_count)}


@method("conversations.history")
def conversations_history(ws: Workspace, params: Params) -> Result:
    """List top-level messages newest first; metadata only with ``include_all_metadata``."""
    channel = _channel(ws, params, ids_only=True)
    if channel.is_im and not ws.manifest.grants("im:history"):
        needed = {"needed": "im:history", "provided": ws.manifest.scope_header}
        return {"ok": False, "error": "missing_scope", **needed}
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    try:
        limit = int(params.get("limit") or 100)
    except ValueError:
        raise SlackError("invalid_limit") from None
    with_metadata = _flag(params, "include_all_metadata")
    newest_first = list(reversed(ws.top_level(channel.id)))
    messages = [m.to_api(include_metadata=with_metadata) for m in newest_first[:limit]]
    return {
        "ok": True,
        "messages": messages,
        "has_more": len(newest_first) > limit,
        "response_metadata": {"next_cursor": ""},
    }


@method("users.info")
def users_info(ws: Workspace, params: Params) -> Result:
    """Describe one user; the profile's email needs ``users:read.email``."""
    user = ws.user(required(params, "user", "user_not_found"))
    return {"ok": True, "user": user.to_api(with_email=ws.manifest.grants(EMAIL_SCOPE))}


@method("usergroups.users.list")
def usergroups_users_list(ws: Workspace, params: Params) -> Result:
    """List the members of a user group."""
    group = ws.usergroup(required(params, "usergroup", "no_such_subteam"))
    return {"ok": True, "users": list(group.users)}


def apply_response(ws: Workspace, token: str, payload: Params) -> None:
    """Apply a JSON body POSTed to a response_url, as Slack does.

    ``delete_original`` and ``replace_original`` act on the message the action came from;
    otherwise ``response_type`` ``in_channel`` posts a message and anything else (Slack's
    default) shows an ephemeral one to the user who acted.
    """
    hook = ws.use_hook(token)
    if _flag(payload, "delete_original") and hook.message_ts:
        ws.delete(hook.channel, hook.message_ts)
        return
    text, blocks = message_content(payload)
    if _flag(payload, "replace_original") and hook.message_ts:
        ws.update(hook.channel, hook.message_ts, text, blocks)
    elif payload.get("response_type") == "in_channel":
        thread_ts = str(payload.get("thread_ts") or "") or None
        metadata = check_metadata(payload.get("metadata"))
        ws.post(hook.channel, text, blocks, thread_ts=thread_ts, metadata=metadata)
    else:
        ws.post_ephemeral(hook.channel, hook.user, text, blocks)
