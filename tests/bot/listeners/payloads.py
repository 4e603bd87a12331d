"""Slack payloads as Bolt hands them to listeners: clicks, modal submissions, commands."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from activities.cards import decision_value
from slacksim import APPROVALS_CHANNEL_ID
from tests.bot.listeners.fakes import WORKFLOW_ID


def click_body(
    user: str,
    action_id: str,
    *,
    value: str | None = None,
    action_ts: str = "1700000000.000200",
    on_home: bool = False,
) -> dict[str, Any]:
    """A ``block_actions`` payload: a click on a card in #approvals, or on the Home tab."""
    container: dict[str, Any] = (
        {"type": "view", "view_id": "VHOME"}
        if on_home
        else {"type": "message", "channel_id": APPROVALS_CHANNEL_ID, "message_ts": "1.1"}
    )
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user},
        "trigger_id": "trigger-1",
        "container": container,
        "actions": [
            {
                "action_id": action_id,
                "value": decision_value(WORKFLOW_ID, "1") if value is None else value,
                "action_ts": action_ts,
            }
        ],
    }
    if not on_home:
        body["channel"] = {"id": APPROVALS_CHANNEL_ID}
    return body


def modal_view(
    callback_id: str,
    values: dict[str, dict[str, str]],
    *,
    channel: str | None = APPROVALS_CHANNEL_ID,
    request_id: str = "1",
) -> dict[str, Any]:
    """A submitted decision modal: ``values`` maps block id to action id to the text typed."""
    metadata = {"workflow_id": WORKFLOW_ID, "request_id": request_id, "channel": channel}
    state = {
        block: {
            action: {"type": "plain_text_input", "value": text} for action, text in typed.items()
        }
        for block, typed in values.items()
    }
    return {
        "id": "V0MODAL1",
        "callback_id": callback_id,
        "private_metadata": json.dumps(metadata),
        "state": {"values": state},
    }


def submission_body(user: str, view: dict[str, Any]) -> dict[str, Any]:
    """A ``view_submission`` payload (it has no channel: the modal's metadata says where)."""
    return {"type": "view_submission", "user": {"id": user}, "view": view}


def slash_command(command: str, text: str, user: str) -> dict[str, Any]:
    """A slash command's payload, typed in #approvals."""
    return {
        "command": command,
        "text": text,
        "user_id": user,
        "channel_id": APPROVALS_CHANNEL_ID,
        "response_url": "https://hooks.slack.example/commands/1",
        "trigger_id": "trigger-2",
    }


def signed_request(body: str, *, secret: str, timestamp: int | None = None) -> AsyncBoltRequest:
    """A request to ``/slack/events`` as Slack signs it (with ``secret``, at ``timestamp``)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    headers: dict[str, str | Sequence[str]] = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-signature": [signature or ""],
        "x-slack-request-timestamp": [stamp],
    }
    return AsyncBoltRequest(body=body, headers=headers)


def interaction(payload: dict[str, Any]) -> str:
    """The form body Slack posts for an interaction (a click, a modal submission)."""
    return urlencode({"payload": json.dumps(payload)})
