"""Delivering user actions to the bot: build the payload, sign it, POST it, read the ack.

Slack gives an app 3 seconds to acknowledge; a slower or failing answer is what the user
sees as ``operation_timeout`` or ``dispatch_failed``. Interactions are never retried.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from slacksim import payloads
from slacksim.api import message_content
from slacksim.errors import SlackError
from slacksim.seed import Channel, User
from slacksim.state import Message, Workspace
from slacksim.validation import check_modal
from slacksim.views import View

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
FORM = "application/x-www-form-urlencoded"
ACK_TIMEOUT_S = 3.0


@dataclass
class Delivery:
    """What happened to one request sent to the bot.

    Attributes:
        status: The bot's HTTP status, or None if no answer came (or nothing was sent).
        body: The bot's answer body (the ack).
        elapsed_ms: Time until the answer, in milliseconds.
        error: ``operation_timeout`` or ``dispatch_failed`` as the user would see it, or a
            problem applying the ack; None when all went well.
        errors: Field errors from a ``response_action: errors`` ack, by block_id.
        cancelled: The user cancelled a confirm dialog, so nothing was sent.
        kind: ``block_actions``, ``view_submission``, ``slash_command`` or ``raw``.
    """

    status: int | None = None
    body: str = ""
    elapsed_ms: float = 0.0
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False
    kind: str = "raw"
    request: tuple[bytes, str] | None = None

    @property
    def ok(self) -> bool:
        """True when the bot answered 2xx and the ack applied cleanly."""
        return self.error is None and not self.cancelled and self.status is not None


class Deliverer:
    """Sends signed requests to ``bot_url`` and keeps a log of every delivery."""

    def __init__(
        self,
        workspace: Workspace,
        signing_secret: str,
        hook_url: Callable[[str], str],
        bot_url: str | None = None,
    ) -> None:
        self.workspace = workspace
        self.signing_secret = signing_secret
        self.bot_url = bot_url
        self.timeout = ACK_TIMEOUT_S
        self.log: list[Delivery] = []
        self._hook_url = hook_url
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        kind: str = "raw",
    ) -> Delivery:
        """POST ``body`` to the bot, signed over exactly these bytes.

        Args:
            body: The raw request body.
            content_type: Its Content-Type.
            timestamp: Overrides ``X-Slack-Request-Timestamp`` (to forge stale requests).
            secret: Overrides the signing secret (to forge bad signatures).
            kind: Label for the delivery log.
        """
        if not self.bot_url:
            raise RuntimeError("bot_url is not set; nowhere to deliver to")
        stamp = str(int(self.workspace.clock()) if timestamp is None else timestamp)
        verifier = SignatureVerifier(secret or self.signing_secret)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body) or "",
        }
        delivery = Delivery(kind=kind, request=(body, content_type))
        started = time.perf_counter()
        try:
            await self._send(body, headers, delivery)
        except TimeoutError:
            delivery.error = "operation_timeout"
        except aiohttp.ClientError as exc:
            logger.warning("delivery to %s failed: %s", self.bot_url, exc)
            delivery.error = "dispatch_failed"
        delivery.elapsed_ms = (time.perf_counter() - started) * 1000
        self.log.append(delivery)
        return delivery

    async def redeliver(self, earlier: Delivery) -> Delivery:
        """Send the exact bytes of an earlier delivery again, freshly signed.

        Models a duplicate delivery (a double submit or a network retry): same payload,
        same ``action_ts``.
        """
        if earlier.request is None:
            raise ValueError("that delivery sent nothing")
        body, content_type = earlier.request
        return await self.post_signed(body, content_type, kind=earlier.kind)

    async def _send(self, body: bytes, headers: dict[str, str], delivery: Delivery) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        assert self.bot_url is not None
        async with self._session.post(
            self.bot_url, data=body, headers=headers, timeout=timeout
        ) as response:
            delivery.status = response.status
            delivery.body = await response.text()
        if not 200 <= response.status < 300:
            delivery.error = "dispatch_failed"

    async def _post_payload(self, payload: payloads.Payload) -> Delivery:
        # Interactions arrive form-encoded as payload=<JSON>, as Slack sends them.
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post_signed(body, FORM, kind=str(payload["type"]))

    async def click(
        self, user_id: str, channel: str, ts: str, action_id: str, *, confirm: bool = True
    ) -> Delivery:
        """Click the button ``action_id`` on a message, as ``user_id``.

        Raises:
            LookupError: Unknown user, channel or message, or no such button.
        """
        user, chan = self._user(user_id), self._channel(channel)
        message = self._message(chan.id, ts)
        block_id, button = payloads.find_button(message, action_id)
        if "confirm" in button and not confirm:
            # The client shows the confirm dialog; cancelling it sends nothing to the app.
            cancelled = Delivery(cancelled=True, kind="block_actions")
            self.log.append(cancelled)
            return cancelled
        payload = payloads.block_actions(
            user=user,
            channel=chan,
            message=message,
            block_id=block_id,
            button=button,
            trigger_id=self.workspace.new_trigger(user.id),
            response_url=self._hook_url(self.workspace.new_hook(chan.id, user.id, message.ts)),
            action_ts=self.workspace.next_ts(),
        )
        return await self._post_payload(payload)

    async def submit_view(
        self, user_id: str, view_id: str, values: dict[str, dict[str, str]]
    ) -> Delivery:
        """Submit an open modal with ``values[block_id][action_id]`` typed in.

        Raises:
            LookupError: Unknown user or view, a view of another user, or an unknown input.
        """
        user, view = self._user(user_id), self._view(view_id)
        if view.user != user.id:
            raise LookupError(f"view {view_id} is open for {view.user}, not {user_id}")
        view.values = payloads.state_values(view, values)
        trigger_id = self.workspace.new_trigger(user.id)
        payload = payloads.view_submission(user=user, view=view, trigger_id=trigger_id)
        delivery = await self._post_payload(payload)
        if delivery.error is None:
            self._apply_view_ack(view, delivery)
        return delivery

    def _apply_view_ack(self, view: View, delivery: Delivery) -> None:
        views = self.workspace.views
        if not delivery.body.strip():
            views.close(view.id)
            return
        try:
            ack = json.loads(delivery.body)
            action = ack.get("response_action")
            if action == "errors":
                self._record_errors(view, ack.get("errors") or {}, delivery)
            elif action == "update":
                views.update(view.id, check_modal(ack.get("view")))
            elif action == "push":
                views.push(view.user, check_modal(ack.get("view")))
            elif action == "clear":
                views.clear(view.id)
            else:
                views.close(view.id)
        except (json.JSONDecodeError, AttributeError):
            delivery.error = "invalid_ack"
        except SlackError as exc:
            delivery.error = exc.error

    def _record_errors(self, view: View, errors: dict[str, str], delivery: Delivery) -> None:
        # Slack rejects errors for block_ids that are not inputs of the view; the name of
        # this error is the sim's own (Slack's client only shows a generic failure).
        unknown = set(errors) - set(payloads.view_inputs(view))
        if unknown:
            delivery.error = "invalid_errors_block_id"
            return
        view.errors = {str(k): str(v) for k, v in errors.items()}
        delivery.errors = dict(view.errors)

    async def slash(self, user_id: str, channel_id: str, command: str, text: str) -> Delivery:
        """Run a slash command; a text or JSON ack becomes a message for the user.

        Raises:
            LookupError: Unknown user or channel.
        """
        user, channel = self._user(user_id), self._channel(channel_id)
        fields = payloads.slash_command(
            user=user,
            channel=channel,
            command=command,
            text=text,
            response_url=self._hook_url(self.workspace.new_hook(channel.id, user.id, None)),
            trigger_id=self.workspace.new_trigger(user.id),
        )
        delivery = await self.post_signed(urlencode(fields).encode(), FORM, kind="slash_command")
        if delivery.error is None and delivery.body.strip():
            self._apply_command_ack(channel, user, delivery)
        return delivery

    def _apply_command_ack(self, channel: Channel, user: User, delivery: Delivery) -> None:
        try:
            ack = json.loads(delivery.body)
        except json.JSONDecodeError:
            ack = None
        if not isinstance(ack, dict):
            # Bolt's ack("text") answers text/plain; Slack shows it to the user alone.
            ack = {"text": delivery.body}
        try:
            text, blocks = message_content(ack)
            if ack.get("response_type") == "in_channel":
                self.workspace.post(channel.id, text, blocks)
            else:
                self.workspace.post_ephemeral(channel.id, user.id, text, blocks)
        except SlackError as exc:
            delivery.error = exc.error

    def _user(self, user_id: str) -> User:
        return _found(lambda: self.workspace.user(user_id), f"user {user_id}")

    def _channel(self, channel: str) -> Channel:
        return _found(lambda: self.workspace.channel(channel), f"channel {channel}")

    def _message(self, channel_id: str, ts: str) -> Message:
        return _found(lambda: self.workspace.message(channel_id, ts), f"message {ts}")

    def _view(self, view_id: str) -> View:
        return _found(lambda: self.workspace.views.get(view_id), f"open view {view_id}")


def _found(find: Callable[[], _T], what: str) -> _T:
    """Turn a Slack "not found" into the LookupError that user-action helpers promise."""
    try:
        return find()
    except SlackError as exc:
        raise LookupError(f"no {what} ({exc.error})") from None
