"""Payloads Slack sends to an app when a user acts: pure builders, no I/O.

Shapes follow Slack's interactivity payload and Events API references and the bodies in
bolt-python's own tests (https://api.slack.com/reference/interaction-payloads,
https://api.slack.com/interactivity/slash-commands, https://api.slack.com/events/app_home_opened).
"""

from __future__ import annotations

from typing import Any

from slacksim.message import Message
from slacksim.seed import (
    APP_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    Channel,
    User,
)
from slacksim.views import View

Payload = dict[str, Any]
# Inputs whose state entry carries a plain "value" (the only kind submit_view can fill).
TEXT_INPUTS = ("plain_text_input", "email_text_input", "url_text_input", "number_input")


def user_ref(user: User) -> dict[str, str]:
    """Return the ``user`` object of an interaction payload."""
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def team_ref() -> dict[str, str]:
    """Return the ``team`` object of an interaction payload."""
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def find_button(message: Message, action_id: str) -> tuple[str, dict[str, Any]]:
    """Return ``(block_id, button)`` for the button with ``action_id`` in a message.

    Raises:
        LookupError: No button in the message has that action_id.
    """
    found = find_in_blocks(message.blocks, action_id)
    if found is None:
        raise LookupError(f"no button with action_id {action_id!r} in message {message.ts}")
    return found


def find_in_blocks(
    blocks: list[dict[str, Any]], action_id: str, value: str | None = None
) -> tuple[str, dict[str, Any]] | None:
    """Return ``(block_id, button)`` for the first button with ``action_id`` (and ``value``,
    when given) in ``blocks``, or None."""
    for block in blocks:
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        for element in candidates:
            if (
                element.get("type") == "button"
                and element.get("action_id") == action_id
                and (value is None or element.get("value") == value)
            ):
                return str(block.get("block_id", "")), element
    return None


def _plain_text(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    return {"type": "plain_text", "text": str(text), "emoji": True}


def button_action(block_id: str, button: dict[str, Any], action_ts: str) -> dict[str, Any]:
    """Return the ``actions[]`` entry for a click on ``button``."""
    action: dict[str, Any] = {
        "action_id": button["action_id"],
        "block_id": block_id,
        "text": _plain_text(button.get("text", "")),
        "value": button.get("value", ""),
        "type": "button",
        "action_ts": action_ts,
    }
    if "style" in button:
        action["style"] = button["style"]
    return action


def block_actions(
    *,
    user: User,
    channel: Channel,
    message: Message,
    block_id: str,
    button: dict[str, Any],
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> Payload:
    """Build the ``block_actions`` payload for a click on ``button`` in a message."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": channel.id,
        "is_ephemeral": False,
    }
    if message.thread_ts and message.thread_ts != message.ts:
        container["thread_ts"] = message.thread_ts
    return {
        "type": "block_actions",
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": team_ref(),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name},
        "message": message.to_api(),
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [button_action(block_id, button, action_ts)],
    }


def view_block_actions(
    *,
    user: User,
    view: View,
    block_id: str,
    button: dict[str, Any],
    trigger_id: str,
    action_ts: str,
) -> Payload:
    """Build the ``block_actions`` payload for a click on ``button`` in a view (a Home tab).

    A view has no channel, message or response_url; the app answers through the Web API.
    """
    return {
        "type": "block_actions",
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.id},
        "trigger_id": trigger_id,
        "team": team_ref(),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view.to_api(),
        "actions": [button_action(block_id, button, action_ts)],
    }


def view_inputs(view: View) -> dict[str, dict[str, str]]:
    """Return ``{block_id: {action_id: element type}}`` for the view's input blocks."""
    inputs: dict[str, dict[str, str]] = {}
    for block in view.spec.get("blocks", []):
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            action_id = str(element.get("action_id", ""))
            inputs.setdefault(str(block["block_id"]), {})[action_id] = str(element.get("type"))
    return inputs


def state_values(view: View, values: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Return ``state.values`` for a submission: every input, filled from ``values``.

    Raises:
        LookupError: ``values`` names an input the view does not have, or one that does not
            take typed text.
    """
    inputs = view_inputs(view)
    for block_id, by_action in values.items():
        for action_id in by_action:
            kind = inputs.get(block_id, {}).get(action_id)
            if kind not in TEXT_INPUTS:
                raise LookupError(f"view {view.id} has no text input {block_id}/{action_id}")
    return {
        block_id: {
            action_id: {"type": kind, "value": values.get(block_id, {}).get(action_id)}
            for action_id, kind in by_action.items()
        }
        for block_id, by_action in inputs.items()
    }


def view_submission(*, user: User, view: View, trigger_id: str) -> Payload:
    """Build the ``view_submission`` payload for a view whose values are already set."""
    return {
        "type": "view_submission",
        "team": team_ref(),
        "user": user_ref(user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view.to_api(),
        "response_urls": [],
        "enterprise": None,
        "is_enterprise_install": False,
    }


def slash_command(
    *,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """Build the form fields Slack POSTs for a slash command."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def app_home_opened(
    *, user: User, channel_id: str, tab: str, event_ts: str, view: View | None
) -> Payload:
    """Build the ``app_home_opened`` event; ``view`` is the Home tab as last published."""
    event: Payload = {
        "type": "app_home_opened",
        "user": user.id,
        "channel": channel_id,
        "tab": tab,
        "event_ts": event_ts,
    }
    if view is not None:
        event["view"] = view.to_api()
    return event


def event_callback(event: Payload, *, event_id: str, event_time: int) -> Payload:
    """Wrap an event as the Events API delivers it, authorized for the app's bot user."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
