"""Delivering payloads to the bot: send them, read the ack, log what happened.

:mod:`slacksim.user_actions` builds the payloads of what users do.

Two transports carry the same payloads. Over HTTP the request is signed and POSTed to
``bot_url``; while the bot holds a Socket Mode connection, the payload goes over the socket in
an envelope instead. Either way Slack gives the app 3 seconds to acknowledge; a slower or
failing answer is what the user sees as ``operation_timeout`` or ``dispatch_failed``.
Interactions and slash commands are never retried. An event that fails is sent again, up to
3 times, marked as a retry (``X-Slack-Retry-Num``, or the envelope's ``retry_attempt``), on
whichever connection is next (https://api.slack.com/apis/events-api#retries).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from slacksim.socket_mode import Envelope, EnvelopeType, SocketModeHub, new_envelope
from slacksim.state import Workspace

logger = logging.getLogger(__name__)

Transport = Literal["http", "socket"]
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
ACK_TIMEOUT_S = 3.0
# Why Slack retries a request: the app did not ack in time.
RETRY_REASON = "http_timeout"
# Slack retries a failed event at once, after 1 minute and after 5 minutes; the stand-in keeps
# the count and the marks and cuts the waits short, so a retry is seen within a test.
EVENT_RETRY_DELAYS = (0.0, 0.5, 1.0)


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
        retry_num: For a delivery sent again as Slack retries it, which retry it was
            (``X-Slack-Retry-Num``); 0 for a first delivery.
        no_retry: The app answered ``X-Slack-No-Retry: 1``: an event is not retried.
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
    retry_num: int = 0
    no_retry: bool = False

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
        workspace: The workspace whose clock stamps HTTP deliveries.
        signing_secret: Secret used to sign HTTP deliveries.
        socket_mode: The Socket Mode connections; while one is open, actions go there.
        bot_url: Where HTTP deliveries go.
    """

    def __init__(
        self,
        workspace: Workspace,
        signing_secret: str,
        socket_mode: SocketModeHub,
        bot_url: str | None = None,
    ) -> None:
        self.workspace = workspace
        self.signing_secret = signing_secret
        self.socket_mode = socket_mode
        self.bot_url = bot_url
        self.timeout = ACK_TIMEOUT_S
        self.event_retry_delays = EVENT_RETRY_DELAYS
        self.log: list[Delivery] = []
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
        retry_num: int = 0,
        retry_reason: str = RETRY_REASON,
    ) -> Delivery:
        """POST ``body`` to the bot over HTTP, signed over exactly these bytes.

        Args:
            body: The raw request body.
            content_type: Its Content-Type.
            timestamp: Overrides ``X-Slack-Request-Timestamp`` (to forge stale requests).
            secret: Overrides the signing secret (to forge bad signatures).
            kind: Label for the delivery log.
            retry_num: Above 0, sent as Slack marks its retries: ``X-Slack-Retry-Num`` and
                ``X-Slack-Retry-Reason`` (``retry_reason``).
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
        if retry_num > 0:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        delivery = Delivery(kind=kind, request=(body, content_type), retry_num=retry_num)
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

    async def redeliver(
        self, earlier: Delivery, *, retry_num: int | None = None, reason: str = RETRY_REASON
    ) -> Delivery:
        """Send an earlier delivery again, on the transport it went by.

        Models a duplicate delivery (a double submit or a network retry): same payload,
        same ``action_ts``. Over HTTP the exact bytes are freshly signed; over Socket Mode
        the payload goes in a new envelope. With ``retry_num`` it is marked as Slack marks a
        retry (``reason``: by default, a request that got no timely ack): ``X-Slack-Retry-Num``
        over HTTP, an event envelope's ``retry_attempt`` over Socket Mode.
        """
        if earlier.envelope is not None:
            envelope = new_envelope(earlier.envelope["type"], earlier.envelope["payload"])
            if retry_num and "retry_attempt" in envelope:
                envelope.update(retry_attempt=retry_num, retry_reason=reason)
            delivery = await self.send_envelope(envelope, kind=earlier.kind)
            delivery.retry_num = retry_num or 0
            return delivery
        if earlier.request is None:
            raise ValueError("that delivery sent nothing")
        body, content_type = earlier.request
        return await self.post_signed(
            body, content_type, kind=earlier.kind, retry_num=retry_num or 0, retry_reason=reason
        )

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
            delivery.no_retry = response.headers.get("X-Slack-No-Retry") == "1"
        if not 200 <= response.status < 300:
            delivery.error = "dispatch_failed"

    async def deliver(
        self, envelope_type: EnvelopeType, data: dict[str, Any], kind: str
    ) -> Delivery:
        """Send a payload by the open transport: an envelope over Socket Mode, or over HTTP
        signed and encoded as Slack encodes that kind of payload."""
        if envelope_type == "events_api":
            return await self._retried(await self._deliver_once(envelope_type, data, kind))
        return await self._deliver_once(envelope_type, data, kind)

    async def _retried(self, delivery: Delivery) -> Delivery:
        """Send a failed event again as Slack does, until acked or out of retries."""
        for attempt, delay in enumerate(self.event_retry_delays, start=1):
            reason = retry_reason(delivery)
            if reason is None or (delivery.envelope is not None and not self.socket_mode.connected):
                break
            await asyncio.sleep(delay)  # Slack's wait before the retry, cut short
            delivery = await self.redeliver(delivery, retry_num=attempt, reason=reason)
        return delivery

    async def _deliver_once(
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

    def refused(self, error: str, kind: str) -> Delivery:
        """Log what Slack never sends to the app, under an error name of ours."""
        refused = Delivery(error=error, kind=kind, transport=self.transport)
        self.log.append(refused)
        return refused

    def cancelled(self) -> Delivery:
        """Log a click whose confirm dialog the user cancelled: the client sends nothing."""
        cancelled = Delivery(cancelled=True, kind="block_actions", transport=self.transport)
        self.log.append(cancelled)
        return cancelled


def retry_reason(delivery: Delivery) -> str | None:
    """Why Slack would send a failed event again (its ``X-Slack-Retry-Reason``); None when it
    would not: acked, or the app asked for no retry."""
    if delivery.ok or delivery.no_retry or delivery.cancelled:
        return None
    if delivery.error == "operation_timeout":
        return "http_timeout"
    if delivery.status is not None:
        return "http_error"
    return "connection_failed" if delivery.error == "dispatch_failed" else None
