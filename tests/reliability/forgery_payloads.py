"""Requests as Slack sends them to the bot (clicks, Home-tab clicks, slash commands, modal
submissions, events), built from the stand-in's own payload builders so only the part a
variant forges differs from what Slack would send; and Slack's signature over them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slacksim import APPROVALS_CHANNEL_ID, TEAM_ID, SlackSim, payloads
from slacksim.delivery import FORM, JSON

_ACTION_TS = itertools.count(1)


@dataclass(frozen=True)
class Request:
    """One HTTP request to the bot, before it is signed: bytes and their Content-Type."""

    body: bytes
    content_type: str
    # What it asks, for the report: "approve order-ORD-1 as U0OUTSIDE1".
    what: str = ""
    # The click key the bot would give the decision, if this is one (``user:action_ts``):
    # found among a workflow's applied attempts, it was wrongly accepted.
    click_key: str | None = None


def slack_signature(secret: str, stamp: str, body: bytes) -> str:
    """``X-Slack-Signature`` for ``body`` sent at ``stamp``: v0= HMAC-SHA256 of v0:ts:body."""
    base = b"v0:" + stamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(request: Request, secret: str, stamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with ``request``, signed with ``secret`` at ``stamp`` (now)."""
    when = str(int(time.time()) if stamp is None else stamp)
    return {
        "Content-Type": request.content_type,
        "X-Slack-Request-Timestamp": when,
        "X-Slack-Signature": slack_signature(secret, when, request.body),
    }


def fresh_action_ts() -> str:
    """A Slack ``action_ts`` no other click in this run has: each forged click has its own
    click key, so an applied attempt names the variant that made it."""
    return f"{int(time.time())}.{next(_ACTION_TS):06d}"


def interactive(payload: dict[str, Any], what: str, click_key: str | None = None) -> Request:
    """An interaction as Slack posts it: form-encoded ``payload=<JSON>``."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return Request(body, FORM, what, click_key)


@dataclass
class Forger:
    """Builds requests on the stand-in's workspace: its users, channel and cards."""

    sim: SlackSim
    channel: str = APPROVALS_CHANNEL_ID

    def click(
        self, user_id: str, card_ts: str, action_id: str, value: str, *, on_home: bool = False
    ) -> Request:
        """A click on ``action_id`` of a card (or of ``user_id``'s Home tab), carrying
        ``value`` whatever the button said."""
        ws = self.sim.workspace
        user = ws.user(user_id)
        button = {"type": "button", "action_id": action_id, "value": value, "text": "Approve"}
        action_ts = fresh_action_ts()
        trigger = ws.new_trigger(user.id)
        if on_home:
            home = ws.homes[user.id]
            payload = payloads.view_block_actions(
                user=user, view=home, block_id="b", button=button, trigger_id=trigger,
                action_ts=action_ts,
            )  # fmt: skip
        else:
            channel = ws.channel(self.channel)
            payload = payloads.block_actions(
                user=user,
                channel=channel,
                message=ws.message(channel.id, card_ts),
                block_id="approval_actions",
                button=button,
                trigger_id=trigger,
                response_url=self.response_url(user.id, card_ts),
                action_ts=action_ts,
            )
        where = "Home tab" if on_home else "card"
        what = f"{action_id} {value!r} on the {where} as {user_id}"
        return interactive(payload, what, f"{user_id}:{action_ts}")

    def response_url(self, user_id: str, message_ts: str | None) -> str:
        """A response_url the stand-in knows, so answers through it land as ephemerals."""
        return self.sim.hook_url(self.sim.workspace.new_hook(self.channel, user_id, message_ts))

    def slash(self, user_id: str, command: str, text: str) -> Request:
        """A slash command typed in the channel."""
        ws = self.sim.workspace
        fields = payloads.slash_command(
            user=ws.user(user_id),
            channel=ws.channel(self.channel),
            command=command,
            text=text,
            response_url=self.response_url(user_id, None),
            trigger_id=ws.new_trigger(user_id),
        )
        return Request(urlencode(fields).encode(), FORM, f"{command} {text} as {user_id}")

    def submission(
        self, user_id: str, callback_id: str, metadata: dict[str, Any], values: dict[str, str]
    ) -> Request:
        """A submitted decision modal whose private metadata names a request: ``values``
        maps block id to the text typed (each block's one input is ``<block>_input``)."""
        state = {
            block: {f"{block}_input": {"type": "plain_text_input", "value": text}}
            for block, text in values.items()
        }
        view = {
            "id": f"V{next(_ACTION_TS):09d}",
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": json.dumps(metadata),
            "state": {"values": state},
            "hash": "h",
        }
        payload = payloads.view_submission(
            user=self.sim.workspace.user(user_id),
            view=_AsView(view),  # type: ignore[arg-type]
            trigger_id=self.sim.workspace.new_trigger(user_id),
        )
        what = f"{callback_id} submitted for {metadata.get('workflow_id')} as {user_id}"
        return interactive(payload, what, f"{user_id}:view:{view['id']}")

    def home_opened(self, user_id: str) -> Request:
        """``app_home_opened``: the person opened the bot's Home tab."""
        event = payloads.app_home_opened(
            user=self.sim.workspace.user(user_id),
            channel_id=self.sim.workspace.app_dm(user_id),
            tab="home",
            event_ts=fresh_action_ts(),
            view=None,
        )
        body = payloads.event_callback(event, event_id=f"Ev{next(_ACTION_TS)}", event_time=0)
        return Request(json.dumps(body).encode(), JSON, f"Home tab opened by {user_id}")


@dataclass(frozen=True)
class _AsView:
    """A view that was never opened (the submission is forged): ``to_api`` as Slack's."""

    view: dict[str, Any]

    def to_api(self) -> dict[str, Any]:
        return dict(self.view)
