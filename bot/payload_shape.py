"""The shape a signed Slack request must have before Bolt sees it.

Slack sends well-formed payloads, but a signature proves only who sent the bytes. A signed
request of the wrong shape (a click with no user, an action that is not an object, a view
without its type) made Bolt or a listener raise: a ``500`` with a trace, or no answer at all
within Slack's 3 seconds. Here the fields Bolt and the listeners read are checked for type and
length; a request that fails gets ``400`` with one reason. What the fields mean (which
workflow a button names, who may decide) is the listeners' to judge, with an answer to the
person.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.request.internals import parse_body

from orchestration import slack_text as limits

# Slack user ids: U or W, then upper-case letters and digits (DecisionInput allows 64).
USER_ID = re.compile(r"[UW][A-Z0-9]{2,63}")
# Slack's ids and timestamps ("1700000000.123456", "C0APPROVAL", trigger ids) are short.
MAX_ID = 255
INTERACTIVE = ("block_actions", "view_submission", "view_closed")


class Malformed(Exception):
    """What is wrong with a payload's shape (names a field, never quotes its value)."""


def _text(value: object, where: str, *, most: int = MAX_ID, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or len(value) > most:
        raise Malformed(f"{where} must be text of at most {most} characters")


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{where} must be an object")
    return value


def _user_id(value: object, where: str) -> None:
    if not isinstance(value, str) or not USER_ID.fullmatch(value):
        raise Malformed(f"{where} must be a Slack user id (U or W, then capitals and digits)")


def _block_actions(body: dict[str, Any]) -> None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        raise Malformed("actions must be a list of at least one action")
    for index, raw in enumerate(actions):
        action = _object(raw, f"actions[{index}]")
        _text(action.get("action_id"), f"actions[{index}].action_id")
        _text(action.get("value"), f"actions[{index}].value", most=2000, optional=True)
        _text(action.get("action_ts"), f"actions[{index}].action_ts", most=32, optional=True)
    container = _object(body.get("container"), "container")
    _text(container.get("type"), "container.type")
    channel = _object(body.get("channel") or {}, "channel")
    _text(channel.get("id"), "channel.id", most=64, optional=True)
    _text(container.get("channel_id"), "container.channel_id", most=64, optional=True)
    if container["type"] != "view":
        # A click on a message: where to answer, and the response_url to answer through.
        if not (channel.get("id") or container.get("channel_id")):
            raise Malformed("a click on a message must name its channel")
        _text(body.get("response_url"), "response_url", most=limits.INPUT_VALUE)
    _text(body.get("trigger_id"), "trigger_id", most=limits.INPUT_VALUE, optional=True)


def _view(body: dict[str, Any]) -> None:
    view = _object(body.get("view"), "view")
    for key in ("id", "type", "callback_id"):
        _text(view.get(key), f"view.{key}", most=64 if key == "id" else MAX_ID)
    _text(view.get("private_metadata"), "view.private_metadata", most=3000, optional=True)
    state = _object(view.get("state", {}), "view.state")
    for block_id, inputs in _object(state.get("values", {}), "view.state.values").items():
        for action_id, entry in _object(inputs, f"view.state.values.{block_id}").items():
            where = f"view.state.values.{block_id}.{action_id}"
            value = _object(entry, where).get("value")
            # Slack caps every input at 3000 characters; the modals answer for their own.
            _text(value, f"{where}.value", most=100_000, optional=True)


def _interactive(body: dict[str, Any]) -> None:
    user = _object(body.get("user"), "user")
    _user_id(user.get("id"), "user.id")
    if body["type"] == "block_actions":
        _block_actions(body)
    else:
        _view(body)


def _command(body: dict[str, Any]) -> None:
    _text(body.get("command"), "command", most=32)
    _user_id(body.get("user_id"), "user_id")
    _text(body.get("channel_id"), "channel_id", most=64)
    # The text's length is the commands' to answer, saying what the limit is.
    _text(body.get("text", ""), "text", most=1_000_000)
    _text(body.get("response_url"), "response_url", optional=True)


def _event(body: dict[str, Any]) -> None:
    event = _object(body.get("event"), "event")
    _text(event.get("type"), "event.type")
    if event["type"] == "app_home_opened":
        _user_id(event.get("user"), "event.user")
        _text(event.get("tab"), "event.tab", optional=True)


def _common(body: dict[str, Any]) -> None:
    """The fields Bolt reads from every request to find the team, user and channel."""
    for key in ("team", "enterprise", "user", "channel"):
        if not isinstance(body.get(key), dict | str | None):
            raise Malformed(f"{key} must be an object or an id")
    for key in ("view", "message", "event", "container"):
        if body.get(key) is not None:
            _object(body[key], key)
    authorizations = body.get("authorizations")
    if authorizations is not None:
        if not isinstance(authorizations, list):
            raise Malformed("authorizations must be a list")
        for index, entry in enumerate(authorizations):
            _object(entry, f"authorizations[{index}]")


def shape_problem(body: object) -> str | None:
    """Why ``body`` (a parsed Slack request) is not one the bot can handle, or None."""
    try:
        if not isinstance(body, dict):
            raise Malformed("the payload must be an object")
        _common(body)
        kind = body.get("type")
        if kind in INTERACTIVE:
            _interactive(body)
        elif kind == "event_callback":
            _event(body)
        elif "command" in body:
            _command(body)
    except Malformed as err:
        return str(err)
    return None


def request_problem(text: str, content_type: str | None) -> str | None:
    """Why a signed request's body (decoded) is not a Slack payload the bot can handle:
    parsed as Bolt parses it (JSON, or form fields with a JSON ``payload``), then shaped."""
    try:
        body = parse_body(text, content_type)
    except ValueError:
        return "the body is not JSON, nor form fields with a JSON payload"
    return shape_problem(body)
