"""Socket Mode that stops as the HTTP server does: no new envelopes, then the ones in hand
finished and acked, then the connection closed.

Bolt's handler closes its websocket at once, so an envelope being handled when the bot stops
loses its ack (the decision may be in Temporal, but Slack shows the person an error). Slack
has no message by which a connection asks for no more envelopes: they keep coming until it
closes. So while draining, envelopes that arrive are left alone, unacked; when the
connection closes, Slack counts them failed, the person sees an error and clicks again
(Slack then sends the click on another open connection), and Slack retries an event.
See https://api.slack.com/apis/socket-mode.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger(__name__)


class DrainingSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler with :meth:`drain` in place of closing at once.

    Attributes:
        handled: Envelopes handed to the app (each acked unless the app refused it).
        left_unacked: Envelopes that arrived while draining and were not taken.
    """

    def __init__(self, app: AsyncApp, app_token: str) -> None:
        super().__init__(app, app_token)
        self.handled = 0
        self.left_unacked = 0
        self._in_hand = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._draining = False

    @property
    def in_hand(self) -> int:
        """Envelopes being handled now (not acked yet)."""
        return self._in_hand

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        """Hand the envelope to the app and ack it, unless draining."""
        if self._draining:
            self.left_unacked += 1
            log.info("stopping: a %s envelope left unacked for Slack to send again", req.type)
            return
        self._in_hand += 1
        self._idle.clear()
        try:
            await super().handle(client, req)  # type: ignore[arg-type]
        finally:
            self.handled += 1
            self._in_hand -= 1
            if self._in_hand == 0:
                self._idle.set()

    async def drain(self, within: float) -> None:
        """Take no new envelopes, wait up to ``within`` seconds for those in hand to be
        acked, then close the connection (what is still in hand then goes unacked)."""
        self._draining = True
        if self._in_hand:
            log.info("bot stopping: finishing %d Socket Mode envelope(s) in hand", self._in_hand)
        try:
            await asyncio.wait_for(self._idle.wait(), within)
        except TimeoutError:
            log.warning(
                "%d Socket Mode envelope(s) still in hand after %.0f s; closing without them",
                self._in_hand,
                within,
            )
        await self.close_async()
        log.info(
            "Socket Mode closed: %d envelope(s) handled, %d left unacked while stopping",
            self.handled,
            self.left_unacked,
        )
