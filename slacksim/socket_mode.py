"""Socket Mode: ``apps.connections.open`` tickets, the ``/link/`` websocket, envelopes and acks.

While a bot holds at least one connection, Slack sends it envelopes over the socket instead of
POSTing to its request URL, and waits 3 s for an ack carrying the same ``envelope_id``. See
Slack's "Using Socket Mode": https://api.slack.com/apis/connections/socket.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import WSMsgType, web

from slacksim.seed import APP_ID

logger = logging.getLogger(__name__)

EnvelopeType = Literal["interactive", "slash_commands", "events_api"]
Envelope = dict[str, Any]
# What Slack names itself in debug_info; clients only log it.
DEBUG_HOST = "slacksim"


def new_envelope(envelope_type: EnvelopeType, payload: dict[str, Any]) -> Envelope:
    """Wrap a payload as Slack sends it over a socket, under a fresh ``envelope_id``.

    An event's ack carries no answer, and its envelope counts delivery attempts (the sim
    never retries, so always attempt 0).
    """
    envelope: Envelope = {
        "envelope_id": str(uuid.uuid4()),
        "type": envelope_type,
        "payload": payload,
        "accepts_response_payload": envelope_type != "events_api",
    }
    if envelope_type == "events_api":
        envelope.update(retry_attempt=0, retry_reason="")
    return envelope


@dataclass
class Connection:
    """One open ``/link/`` websocket.

    Attributes:
        number: 1 for the first connection the sim accepted, 2 for the next, and so on.
        draining: A ``disconnect`` was sent; new envelopes avoid it while others are open.
    """

    number: int
    draining: bool = False


class SocketModeHub:
    """The sim's Socket Mode side: tickets, open connections and envelopes awaiting acks.

    Args:
        link_url: Builds the websocket URL for a ticket.
    """

    def __init__(self, link_url: Callable[[str], str]) -> None:
        self._link_url = link_url
        self._tickets: set[str] = set()
        self.connections: dict[web.WebSocketResponse, Connection] = {}
        self.opened = 0
        self._pending: dict[str, tuple[web.WebSocketResponse, asyncio.Future[Any]]] = {}
        self._turn = itertools.count()

    @property
    def connected(self) -> bool:
        """True while at least one socket is open, so user actions go over Socket Mode."""
        return bool(self.connections)

    def open_connection(self) -> dict[str, Any]:
        """Answer ``apps.connections.open``: a websocket URL with a single-use ticket."""
        ticket = secrets.token_hex(16)
        self._tickets.add(ticket)
        return {"ok": True, "url": self._link_url(ticket)}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """``GET /link/?ticket=...``: accept the websocket, say hello, then read acks."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid_ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.opened += 1
        self.connections[ws] = Connection(self.opened)
        try:
            await ws.send_json(self._hello())
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._on_text(message.data)
        finally:
            del self.connections[ws]
            self._fail_pending(ws)
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self.connections),
            "debug_info": {"host": DEBUG_HOST, "build_number": 1, "approximate_connection_time": 0},
            "connection_info": {"app_id": APP_ID},
        }

    def _on_text(self, data: str) -> None:
        try:
            ack = json.loads(data)
        except json.JSONDecodeError:
            logger.warning("ignoring a socket message that is not JSON")
            return
        if not isinstance(ack, dict):
            return
        waiting = self._pending.get(str(ack.get("envelope_id")))
        # Late acks (after the 3 s) and unknown ids find no one waiting, as with Slack.
        if waiting is not None and not waiting[1].done():
            waiting[1].set_result(ack.get("payload"))

    def _fail_pending(self, ws: web.WebSocketResponse) -> None:
        for sent_on, future in self._pending.values():
            if sent_on is ws and not future.done():
                future.set_exception(ConnectionResetError("socket closed before the ack"))

    def _pick(self) -> web.WebSocketResponse:
        # Slack spreads envelopes over an app's connections; round robin keeps runs repeatable.
        fresh = [ws for ws, conn in self.connections.items() if not conn.draining]
        candidates = fresh or list(self.connections)
        if not candidates:
            raise ConnectionResetError("no Socket Mode connection is open")
        return candidates[next(self._turn) % len(candidates)]

    async def request(self, envelope: Envelope) -> Any:
        """Send an envelope on one connection and wait for its ack; bound it with a timeout.

        Returns:
            The ack's ``payload``, or None when the ack had none.

        Raises:
            ConnectionResetError: No connection, or it closed before acking.
        """
        ws = self._pick()
        envelope_id = str(envelope["envelope_id"])
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = (ws, future)
        try:
            await ws.send_json(envelope)
            return await future
        finally:
            del self._pending[envelope_id]

    async def disconnect_all(self, reason: str = "refresh_requested") -> int:
        """Ask every open connection to go away; slack_sdk clients then reconnect.

        Returns:
            How many connections were asked.
        """
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": DEBUG_HOST}}
        asked = 0
        for ws, conn in list(self.connections.items()):
            conn.draining = True
            if not ws.closed:
                await ws.send_json(message)
                asked += 1
        return asked

    async def close(self) -> None:
        """Close every connection, as when Slack goes away."""
        for ws in list(self.connections):
            await ws.close(code=1001, message=b"server shutdown")

    def awaiting_acks(self, number: int) -> int:
        """How many envelopes sent on connection ``number`` wait for their acks now."""
        return sum(
            not future.done() and ws in self.connections and self.connections[ws].number == number
            for ws, future in self._pending.values()
        )

    def dump(self) -> dict[str, Any]:
        """Return the open connections (with the envelopes each has not acked yet) and the
        count ever opened, as JSON-ready data."""
        return {
            "opened": self.opened,
            "connections": [
                {
                    "number": conn.number,
                    "draining": conn.draining,
                    "awaiting_acks": self.awaiting_acks(conn.number),
                }
                for conn in self.connections.values()
            ],
        }
