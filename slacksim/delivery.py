"""Delivering user actions and events to the bot: build the payload, send it, read the ack.

Two transports carry the same payloads. Over HTTP the request is signed and POSTed to
``bot_url``; while the bot holds a Socket Mode connection, the payload goes over the socket in
an envelope instead. Either way Slack gives the app 3 seconds to acknowledge; a slower or
failing answer is what the user sees as ``operation_timeout`` or ``dispatch_failed``.
Interactions are never retried.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from slacksim import acks, payloads
from slacksim.errors import SlackError
from slacksim.seed import Channel, User
from slacksim.socket_mode import Envelope, EnvelopeType, SocketModeHub, new_envelope
from slacksim.state import Message, Workspace
from slacksim.views import View

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
Transport = Literal["http", "socket"]
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
ACK_TIMEOUT_S = 3.0
HOME_TABS = ("home", "messages")


@dataclass
class Delivery:
    """What happened to one request sent to the bot.

    Attributes:
        status: The bot's HTTP status, or None if no answer came, nothing was sent, or it
            went over Socket Mode (which has no status).
        body: The bot's answer (the ack): the HTTP body, or over Socket Mode the ack's
            ``payload`` as JSON text ("" when the ack had none).
        elapsed_ms: Time until the answer, in milliseconds.
        error: ``operation_timeout`` or ``dispatch_failed`` as the user would see it, a
            problem applying the ack, or why Slack sent nothing (``not_a_valid_command``,
            ``event_not_subscribed``, ``home_tab_disabled``, ``messages_tab_disabled``); None
            when all went well.
        errors: Field errors from a ``response_action: errors`` ack, by block_id.
        cancelled: The user cancelled a confirm dialog, so nothing was sent.
        kind: ``block_actions``, ``view_submission``, ``slash_command``, ``event_callback``
            or ``raw``.
        request: The HTTP body and Content-Type sent (HTTP only).
        transport: ``http`` (signed POST to ``bot_url``) or ``socket`` (Socket Mode).
        envelope: The Socket Mode envelope sent (socket only).
    """

    status: int | None = None
    body: str = ""
    elapsed_ms: float = 0.0
    error: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False
    kind: str = "raw"
    request: tuple[bytes, str] | None = None
    transport: Transport = "http"
    envelope: Envelope | None = None

    @property
    def ok(self) -> bool:
        """True when the bot acked (2xx over HTTP) and the ack applied cleanly."""
        answered = self.status is not None or self.envelope is not None
        return self.error is None and not self.cancelled and answered

    def to_json(self) -> dict[str, Any]:
        """Return the delivery as JSON-ready data, the request body decoded."""
        data = asdict(self)
        if self.request is not None:
            body, content_type = self.request
            data["request"] = [body.decode(errors="replace"), content_type]
        return data


class Deliverer:
    """Sends user actions to the bot over Socket Mode or HTTP and logs every delivery.

    Args:
        workspace: The state the actions act on.
        signing_secret: Secret used to sign HTTP deliveries.
        hook_url: Builds the response_url for a hook token.
        socket_mode: The Socket Mode connections; while one is open, actions go there.
        bot_url: Where HTTP deliveries go.
    """

    def __init__(
        self,
        workspace: Workspace,
        signing_secret: str,
        hook_url: Callable[[str], str],
        socket_mode: SocketModeHub,
        bot_url: str | None = None,
    ) -> None:
        self.workspace = workspace
        self.signing_secret = signing_secret
        self.socket_mode = socket_mode
        self.bot_url = bot_url
        self.timeout = ACK_TIMEOUT_S
        self.log: list[Delivery] = []
        self._hook_url = hook_url
        self._session: aiohttp.ClientSession | None = None

    @property
    def transport(self) -> Transport:
        """The transport the next user action will use."""
        return "socket" if self.socket_mode.connected else "http"

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
        """POST ``body`` to the bot over HTTP, signed over exactly these bytes.

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
            await self._post(body, headers, delivery)
        except TimeoutError:
            delivery.error = "operation_timeout"
        except aiohttp.ClientError as exc:
            logger.warning("delivery to %s failed: %s", self.bot_url, exc)
            delivery.error = "dispatch_failed"
        return self._logged(delivery, started)

    async def send_envelope(self, envelope: Envelope, *, kind: str) -> Delivery:
        """Send a Socket Mode envelope on an open connection and wait for its ack.

        Raises:
            RuntimeError: No Socket Mode connection is open.
        """
        if not self.socket_mode.connected:
            raise RuntimeError("no Socket Mode connection is open")
        delivery = Delivery(kind=kind, transport="socket", envelope=envelope)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                ack = await self.socket_mode.request(envelope)
            delivery.body = "" if ack is None else json.dumps(ack)
        except TimeoutError:
            delivery.error = "operation_timeout"
        except ConnectionResetError as exc:
            logger.warning("socket delivery failed: %s", exc)
            delivery.error = "dispatch_failed"
        return self._logged(delivery, started)

    async def redeliver(self, earlier: Delivery) -> Delivery:
        """Send an earlier delivery again, on the transport it went by.

        Models a duplicate delivery (a double submit or a network retry): same payload,
        same ``action_ts``. Over HTTP the exact bytes are freshly signed; over Socket Mode
        the payload goes in a new envelope.
        """
        if earlier.envelope is not None:
            envelope = new_envelope(earlier.envelope["type"], earlier.envelope["payload"])
            return await self.send_envelope(envelope, kind=earlier.kind)
        if earlier.request is None:
            raise ValueError("that delivery sent nothing")
        body, content_type = earlier.request
        return await self.post_signed(body, content_type, kind=earlier.kind)

    def _logged(self, delivery: Delivery, started: float) -> Delivery:
        delivery.elapsed_ms = (time.perf_counter() - started) * 1000
        self.log.append(delivery)
        return delivery

    async def _post(self, body: bytes, headers: dict[str, str], delivery: Delivery) -> None:
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

    async def _deliver(
        self, envelope_type: EnvelopeType, data: dict[str, Any], kind: str
    ) -> Delivery:
        if self.socket_mode.connected:
            return await self.send_envelope(new_envelope(envelope_type, data), kind=kind)
        # Over HTTP, interactions arrive form-encoded as payload=<JSON>, commands as plain
        # form fields and events as a JSON body, as Slack sends them.
        if envelope_type == "events_api":
            return await self.post_signed(json.dumps(data).encode(), JSON, kind=kind)
        fields = {"payload": json.dumps(data)} if envelope_type == "interactive" else data
        return await self.post_signed(urlencode(fields).encode(), FORM, kind=kind)

    def _refused(self, error: str, kind: str) -> Delivery:
        """Log what Slack never sends to the app, under an error name of ours."""
        refused = Delivery(error=error, kind=kind, transport=self.transport)
        self.log.append(refused)
        return refused

    def _cancelled(self) -> Delivery:
        # The client shows the confirm dialog; cancelling it sends nothing to the app.
        cancelled = Delivery(cancelled=True, kind="block_actions", transport=self.transport)
        self.log.append(cancelled)
        return cancelled

    async def click(
        self,
        user_id: str,
        channel: str,
        ts: str,
        action_id: str,
        *,
        confirm: bool = True,
        as_shown: list[dict[str, Any]] | None = None,
    ) -> Delivery:
        """Click the button ``action_id`` on a message, as ``user_id``.

        ``as_shown`` gives the blocks as the user's client still shows them: a client that
        has not caught up with an update (offline, slow) sends a click on a stale button.

        Raises:
            LookupError: Unknown user, channel or message, or no such button.
        """
        user, chan = self._user(user_id), self._channel(channel)
        message = self._message(chan.id, ts)
        if as_shown is not None:
            message = dataclasses.replace(message, blocks=as_shown)
        block_id, button = payloads.find_button(message, action_id)
        if "confirm" in button and not confirm:
            return self._cancelled()
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
        return await self._deliver("interactive", payload, "block_actions")

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
        delivery = await self._deliver("interactive", payload, "view_submission")
        if delivery.error is None:
            try:
                delivery.errors = acks.apply_view_ack(self.workspace, view, delivery.body)
            except SlackError as exc:
                delivery.error = exc.error
        return delivery

    async def slash(self, user_id: str, channel_id: str, command: str, text: str) -> Delivery:
        """Run a slash command; a text or JSON ack becomes a message for the user.

        A command the manifest does not declare never reaches the app: Slack's client answers
        "/x is not a valid command", logged here as the error ``not_a_valid_command``.

        Raises:
            LookupError: Unknown user or channel.
        """
        user, channel = self._user(user_id), self._channel(channel_id)
        if not self.workspace.manifest.declares(command):
            # The error name is ours: Slack's client only shows that sentence.
            return self._refused("not_a_valid_command", "slash_command")
        fields = payloads.slash_command(
            user=user,
            channel=channel,
            command=command,
            text=text,
            response_url=self._hook_url(self.workspace.new_hook(channel.id, user.id, None)),
            trigger_id=self.workspace.new_trigger(user.id),
        )
        delivery = await self._deliver("slash_commands", fields, "slash_command")
        if delivery.error is None and delivery.body.strip():
            try:
                acks.apply_command_ack(self.workspace, channel, user, delivery.body)
            except SlackError as exc:
                delivery.error = exc.error
        return delivery

    async def open_home(self, user_id: str, tab: str = "home") -> Delivery:
        """Open the app's Home (``tab`` ``home`` or ``messages``) as ``user_id``: an
        ``app_home_opened`` event carrying the Home view last published for them, if any.

        Slack sends nothing when the app does not subscribe to the event
        (``event_not_subscribed``) or its manifest hides that tab (``home_tab_disabled``,
        ``messages_tab_disabled``); those error names are ours, and the refusal is logged.

        Raises:
            LookupError: Unknown user.
            ValueError: ``tab`` is neither ``home`` nor ``messages``.
        """
        if tab not in HOME_TABS:
            raise ValueError(f"tab must be one of {HOME_TABS}, not {tab!r}")
        user, manifest = self._user(user_id), self.workspace.manifest
        if not manifest.subscribes("app_home_opened"):
            return self._refused("event_not_subscribed", "event_callback")
        enabled = manifest.home_tab_enabled if tab == "home" else manifest.messages_tab_enabled
        if not enabled:
            return self._refused(f"{tab}_tab_disabled", "event_callback")
        event = payloads.app_home_opened(
            user=user,
            channel_id=self.workspace.app_dm(user.id),
            tab=tab,
            event_ts=self.workspace.next_ts(),
            view=self.workspace.homes.get(user.id) if tab == "home" else None,
        )
        payload = payloads.event_callback(
            event, event_id=self.workspace.new_event_id(), event_time=int(self.workspace.clock())
        )
        return await self._deliver("events_api", payload, "event_callback")

    async def click_home(
        self, user_id: str, action_id: str, *, value: str | None = None, confirm: bool = True
    ) -> Delivery:
        """Click the button ``action_id`` in the Home view last published for ``user_id``.

        A Home tab often lists many items with the same buttons: ``value`` picks the one with
        that value (the first with the action_id otherwise).

        Raises:
            LookupError: Unknown user, no Home view published for them, or no such button.
        """
        user = self._user(user_id)
        home = self.workspace.homes.get(user.id)
        if home is None:
            raise LookupError(f"no Home view was published for {user_id}")
        found = payloads.find_in_blocks(home.spec.get("blocks", []), action_id, value)
        if found is None:
            with_value = "" if value is None else f" and value {value!r}"
            raise LookupError(f"no button with action_id {action_id!r}{with_value} in {home.id}")
        block_id, button = found
        if "confirm" in button and not confirm:
            return self._cancelled()
        payload = payloads.view_block_actions(
            user=user,
            view=home,
            block_id=block_id,
            button=button,
            trigger_id=self.workspace.new_trigger(user.id),
            action_ts=self.workspace.next_ts(),
        )
        return await self._deliver("interactive", payload, "block_actions")

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
