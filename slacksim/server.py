"""The simulator: the Web API and inspection endpoints over aiohttp, plus user actions.

The bot talks to it unchanged through ``AsyncWebClient(base_url=sim.api_url)``, and may also
connect over Socket Mode; tests drive users through :meth:`SlackSim.click`,
:meth:`SlackSim.submit_view`, :meth:`SlackSim.slash`, :meth:`SlackSim.open_home` and
:meth:`SlackSim.click_home`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

from slacksim.autosave import AutoSave
from slacksim.delivery import Deliverer, Delivery
from slacksim.faults import Faults
from slacksim.guard import guard_middleware
from slacksim.inspection import SimInspection
from slacksim.manifest import Manifest
from slacksim.persist import StateFile
from slacksim.post_limits import PostLimits
from slacksim.routes import CallRecord, add_routes
from slacksim.seed import DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET
from slacksim.socket_mode import SocketModeHub
from slacksim.state import Clock, Workspace
from slacksim.ui import add_ui_routes
from slacksim.user_actions import UserActions

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"


class SlackSim(SimInspection):
    """A stateful stand-in for one Slack workspace and its users' clients.

    Args:
        bot_token: The only bot token the Web API accepts.
        signing_secret: Secret used to sign HTTP deliveries to the bot.
        bot_url: Where HTTP deliveries go, e.g. ``http://127.0.0.1:3000/slack/events``.
        app_token: The only app-level token ``apps.connections.open`` accepts.
        clock: Wall clock (epoch seconds) for ts values, triggers and signatures;
            tests inject a fake one to expire triggers without sleeping.
        state_path: A file that keeps the workspace across restarts (see
            :mod:`slacksim.persist`), loaded now and saved shortly after each change and on
            :meth:`stop`; None keeps it in memory only.

    Raises:
        SimStateError: ``state_path`` holds something that is not a saved workspace.
    """

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        signing_secret: str = DEFAULT_SIGNING_SECRET,
        bot_url: str | None = None,
        clock: Clock = time.time,
        app_token: str = DEFAULT_APP_TOKEN,
        manifest: Manifest | None = None,
        state_path: Path | None = None,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        # The app manifest to enforce; None reads the project's manifest.yml.
        self.workspace = Workspace(clock, manifest)
        self._autosave = None
        if state_path is not None:
            self._autosave = AutoSave(self.workspace, StateFile(state_path))
        self.faults = Faults()
        self.post_limits = PostLimits()
        self.calls: list[CallRecord] = []
        self.socket_mode = SocketModeHub(self.link_url)
        self.delivery = Deliverer(self.workspace, signing_secret, self.socket_mode, bot_url)
        self.actions = UserActions(self.workspace, self.delivery, self.hook_url)
        self.host = DEFAULT_HOST
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def bot_url(self) -> str | None:
        """Where user actions are delivered."""
        return self.delivery.bot_url

    @bot_url.setter
    def bot_url(self, url: str | None) -> None:
        self.delivery.bot_url = url

    @property
    def base_url(self) -> str:
        """``http://<host>:<port>/`` of the running sim."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``; the trailing slash matters."""
        return f"{self.base_url}api/"

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery to the bot so far, oldest first."""
        return self.delivery.log

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode connections are open; with any, user actions go there."""
        return len(self.socket_mode.connections)

    def hook_url(self, token: str) -> str:
        """Return the response_url for a hook token."""
        return f"{self.base_url}hooks/{token}"

    def link_url(self, ticket: str) -> str:
        """Return the Socket Mode websocket URL for a ticket."""
        return f"ws{self.base_url.removeprefix('http')}link/?ticket={ticket}"

    def make_app(self) -> web.Application:
        """Build the aiohttp application: the Web API, hooks, ``/_sim`` and the web page."""
        # The guard comes first, so nothing else sees a request it refuses.
        app = web.Application(middlewares=[guard_middleware(self)])
        add_routes(app, self)
        add_ui_routes(app, self)
        return app

    async def start(self, host: str = DEFAULT_HOST, port: int = 0) -> None:
        """Start serving; ``port=0`` picks a free port, then found in :attr:`port`."""
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.host, self.port = host, int(self._runner.addresses[0][1])
        # Permalinks open the sim's own page (routed in ui.py), as Slack's open Slack.
        self.workspace.web_url = self.base_url
        logger.info("slacksim listening on %s", self.base_url)

    async def stop(self) -> None:
        """Stop serving: close Socket Mode connections and the delivery session, and save the
        workspace if it has changes not yet saved."""
        await self.socket_mode.close()
        await self.delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.save()

    def reset(self) -> None:
        """Reseed the workspace, forget calls, deliveries and faults, and turn the post limit
        off (the saved workspace is reset too, at once)."""
        self.workspace.reset()
        self.calls.clear()
        self.delivery.log.clear()
        self.faults.clear()
        self.faults.applied.clear()
        self.post_limits.reset()
        self.save()

    def save(self) -> None:
        """Write unsaved changes of the workspace to its state file now, if it has one.

        A failure is logged and the changes stay unsaved, to be tried again on the next change
        or at :meth:`stop`; the stand-in keeps serving.
        """
        if self._autosave is not None:
            self._autosave.save()

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
        """Click a button on a stored message (see :meth:`UserActions.click`)."""
        return await self.actions.click(
            user_id, channel, ts, action_id, confirm=confirm, as_shown=as_shown
        )

    async def submit_view(
        self, user_id: str, view_id: str, values: dict[str, dict[str, str]]
    ) -> Delivery:
        """Submit an open modal (see :meth:`UserActions.submit_view`)."""
        return await self.actions.submit_view(user_id, view_id, values)

    async def slash(self, user_id: str, channel_id: str, command: str, text: str) -> Delivery:
        """Run a slash command (see :meth:`UserActions.slash`)."""
        return await self.actions.slash(user_id, channel_id, command, text)

    async def open_home(self, user_id: str, tab: str = "home") -> Delivery:
        """Open the app's Home tab as a user (see :meth:`UserActions.open_home`)."""
        return await self.actions.open_home(user_id, tab)

    async def click_home(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        confirm: bool = True,
        as_shown: list[dict[str, Any]] | None = None,
    ) -> Delivery:
        """Click a button in a user's Home tab (see :meth:`UserActions.click_home`)."""
        return await self.actions.click_home(
            user_id, action_id, value=value, confirm=confirm, as_shown=as_shown
        )

    async def disconnect_all(self, reason: str = "refresh_requested") -> int:
        """Send ``disconnect`` on every Socket Mode connection (see :class:`SocketModeHub`)."""
        return await self.socket_mode.disconnect_all(reason)

    async def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> Delivery:
        """POST raw signed bytes to the bot over HTTP (see :meth:`Deliverer.post_signed`)."""
        return await self.delivery.post_signed(
            body, content_type, timestamp=timestamp, secret=secret
        )

    async def redeliver(self, earlier: Delivery, *, retry_num: int | None = None) -> Delivery:
        """Deliver an earlier request's exact bytes again (see :meth:`Deliverer.redeliver`)."""
        return await self.delivery.redeliver(earlier, retry_num=retry_num)


@asynccontextmanager
async def running_sim(
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    bot_token: str = DEFAULT_BOT_TOKEN,
    signing_secret: str = DEFAULT_SIGNING_SECRET,
    bot_url: str | None = None,
    clock: Clock = time.time,
    app_token: str = DEFAULT_APP_TOKEN,
    manifest: Manifest | None = None,
    state_path: Path | None = None,
) -> AsyncIterator[SlackSim]:
    """Run a :class:`SlackSim` for the duration of the ``async with`` block (in memory only,
    unless ``state_path`` names its state file)."""
    sim = SlackSim(
        bot_token=bot_token,
        signing_secret=signing_secret,
        bot_url=bot_url,
        clock=clock,
        app_token=app_token,
        manifest=manifest,
        state_path=state_path,
    )
    await sim.start(host, port)
    try:
        yield sim
    finally:
        await sim.stop()


async def serve_forever(
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    bot_token: str = DEFAULT_BOT_TOKEN,
    signing_secret: str = DEFAULT_SIGNING_SECRET,
    bot_url: str | None = None,
    app_token: str = DEFAULT_APP_TOKEN,
    stop: asyncio.Event,
) -> None:
    """Serve until ``stop`` is set; for a CLI entry point."""
    async with running_sim(
        host,
        port,
        bot_token=bot_token,
        signing_secret=signing_secret,
        bot_url=bot_url,
        app_token=app_token,
    ) as sim:
        logger.info("slacksim Web API at %s, delivering to %s", sim.api_url, sim.bot_url)
        await stop.wait()
