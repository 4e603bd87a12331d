"""What a person uses: a Slack-like web page, and the JSON actions and state behind it.

``GET /`` serves the page (``slacksim/web/``), as do permalinks
(``GET /archives/<channel>/p<ts digits>``, which it scrolls to). It reads
``GET /_sim/ui/state`` for one user's view of one channel and of the app's Home tab, follows
``GET /_sim/ui/events`` (Server-Sent Events) for changes, and acts through
``POST /_sim/act/{click,submit,close,slash,home,click_home}``, which end-to-end tests in other
processes use too. Every action answers the :class:`~slacksim.delivery.Delivery` as JSON;
unknown users, channels, messages, buttons, views and Home views answer 404, malformed bodies
400, always as ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from slacksim.errors import SlackError
from slacksim.seed import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    BOT_NAME,
    BOT_USER_ID,
    OPERATOR_ID,
    OUTSIDER_ID,
    REQUESTER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
)
from slacksim.ui_events import ChangeTracker, change_middleware, stream_events
from slacksim.user_actions import HOME_TABS

if TYPE_CHECKING:
    from slacksim.delivery import Delivery
    from slacksim.server import SlackSim

WEB_DIR = Path(str(resources.files("slacksim") / "web"))
# The page's assets, in the order index.html loads them: the only files served, so no path
# from a request reaches the disk.
SCRIPTS = ("page", "dates", "text", "blocks", "messages", "home", "modals", "app")
STYLES = ("layout", "messages", "views")
ASSETS = {
    **{f"{name}.js": "text/javascript" for name in SCRIPTS},
    **{f"{name}.css": "text/css" for name in STYLES},
}
NO_CACHE = {"Cache-Control": "no-cache"}
# The page loads nothing from other hosts, and the browser holds it to that.
PAGE_HEADERS = {
    **NO_CACHE,
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
}
# What the user switcher says about each seeded person.
TITLES = {
    REQUESTER_ID: "requester",
    APPROVER_ID: "approver",
    APPROVER2_ID: "approver",
    OUTSIDER_ID: "outsider",
    OPERATOR_ID: "operator",
}
JsonHandler = Callable[[dict[str, Any]], Awaitable[web.Response]]


class BadRequest(Exception):
    """The body of an action is not what the contract says (answered 400)."""


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise BadRequest(f"{key!r} must be a non-empty string")
    return value


def _values(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    values = body.get("values", {})
    if not isinstance(values, dict) or not all(
        isinstance(by_action, dict) and all(isinstance(v, str) for v in by_action.values())
        for by_action in values.values()
    ):
        raise BadRequest("'values' must look like {block_id: {action_id: text}}")
    return values


def close_view(sim: SlackSim, user_id: str, view_id: str) -> None:
    """Close a modal as its Cancel button does: a pushed view goes back, a root view closes.

    Slack would also send ``view_closed`` to apps that asked with ``notify_on_close``; the sim
    has no payload builder for that yet, so nothing is delivered.

    Raises:
        LookupError: Unknown user or view, or a view of another user.
    """
    try:
        sim.workspace.user(user_id)
        view = sim.workspace.views.get(view_id)
    except SlackError as exc:
        raise LookupError(f"no user {user_id} or open view {view_id} ({exc.error})") from None
    if view.user != user_id:
        raise LookupError(f"view {view_id} is open for {view.user}, not {user_id}")
    if view.previous_view_id is None:
        sim.workspace.views.clear(view_id)
    else:
        sim.workspace.views.close(view_id)


def page_state(sim: SlackSim, user_ref: str | None, channel_ref: str | None) -> dict[str, Any]:
    """One user's view of one channel, as the page draws it (without ``version``).

    Raises:
        LookupError: Unknown user or channel.
    """
    ws = sim.workspace
    users = [user.to_api() for user in ws.users.values()]
    people = [u["id"] for u in users if not u["is_bot"]]
    user_id = user_ref or next((p for p in (REQUESTER_ID, *people) if p in people), "")
    try:
        ws.user(user_id)
        channel = ws.channel(channel_ref or APPROVALS_CHANNEL_ID)
    except SlackError as exc:
        raise LookupError(f"no user {user_id} or channel {channel_ref} ({exc.error})") from None
    if channel.is_im and user_id not in channel.members:
        raise LookupError(f"{user_id} cannot see the direct messages {channel.id}")
    messages = [
        {**message, "replies": sim.thread(channel.id, message["ts"])}
        for message in sim.messages(channel.id)
    ]
    return {
        "team": {"id": TEAM_ID, "name": TEAM_NAME, "domain": TEAM_DOMAIN},
        "bot": {"id": BOT_USER_ID, "name": BOT_NAME},
        "users": [
            {
                "id": u["id"],
                "name": u["name"],
                "real_name": u["real_name"],
                "title": TITLES.get(u["id"], "bot" if u["is_bot"] else ""),
                "is_bot": u["is_bot"],
            }
            for u in users
        ],
        # Channels, and this person's direct messages with the app (named after it).
        "channels": [
            {"id": c.id, "name": BOT_NAME if c.is_im else c.name}
            for c in ws.channels.values()
            if not c.is_im or user_id in c.members
        ],
        "channel": channel.id,
        "user": user_id,
        "messages": messages,
        "ephemerals": [e for e in sim.ephemerals(user_id) if e.get("channel") == channel.id],
        "views": sim.open_views(user_id),
        "home": {"enabled": ws.manifest.home_tab_enabled, "view": sim.home_view(user_id)},
    }


class UiHandlers:
    """The page, its assets, its state and the actions, bound to one sim."""

    def __init__(self, sim: SlackSim, tracker: ChangeTracker) -> None:
        self.sim = sim
        self.tracker = tracker

    async def index(self, request: web.Request) -> web.FileResponse:
        """``GET /``: the page."""
        return web.FileResponse(WEB_DIR / "index.html", headers=PAGE_HEADERS)

    async def asset(self, request: web.Request) -> web.StreamResponse:
        """``GET /ui/{name}``: the page's scripts and style sheets."""
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        return web.FileResponse(WEB_DIR / name, headers={**NO_CACHE, "Content-Type": ASSETS[name]})

    async def state(self, request: web.Request) -> web.Response:
        """``GET /_sim/ui/state?user=U…&channel=C…``."""
        try:
            state = page_state(self.sim, request.query.get("user"), request.query.get("channel"))
        except LookupError as exc:
            return _error(404, str(exc))
        return web.json_response({"version": self.tracker.refresh(), **state})

    async def events(self, request: web.Request) -> web.StreamResponse:
        """``GET /_sim/ui/events``: Server-Sent Events, one per workspace change."""
        return await stream_events(self.tracker, request)

    async def click(self, body: dict[str, Any]) -> web.Response:
        """``POST /_sim/act/click``: a user clicks a button on a message."""
        confirm = body.get("confirm", True)
        if not isinstance(confirm, bool):
            raise BadRequest("'confirm' must be true or false")
        delivered = self.sim.click(
            _text(body, "user"),
            _text(body, "channel"),
            _text(body, "ts"),
            _text(body, "action_id"),
            confirm=confirm,
        )
        return _delivery(await delivered)

    async def submit(self, body: dict[str, Any]) -> web.Response:
        """``POST /_sim/act/submit``: a user submits their open modal."""
        user, view_id, values = _text(body, "user"), _text(body, "view_id"), _values(body)
        return _delivery(await self.sim.submit_view(user, view_id, values))

    async def close(self, body: dict[str, Any]) -> web.Response:
        """``POST /_sim/act/close``: a user cancels their open modal."""
        close_view(self.sim, _text(body, "user"), _text(body, "view_id"))
        return web.json_response({"ok": True})

    async def slash(self, body: dict[str, Any]) -> web.Response:
        """``POST /_sim/act/slash``: a user runs a slash command in a channel."""
        command = _text(body, "command")
        if not command.startswith("/") or len(command.split()) != 1:
            raise BadRequest("'command' must be one word starting with '/', like '/workflow'")
        user, channel = _text(body, "user"), _text(body, "channel")
        text = _text(body, "text", required=False)
        return _delivery(await self.sim.slash(user, channel, command, text))

    async def home(self, body: dict[str, Any]) -> web.Response:
        """``POST /_sim/act/home``: a user opens the app's Home (``tab``: home or messages)."""
        tab = _text(body, "tab", required=False) or "home"
        if tab not in HOME_TABS:
            raise BadRequest(f"'tab' must be one of {', '.join(HOME_TABS)}")
        return _delivery(await self.sim.open_home(_text(body, "user"), tab))

    async def click_home(self, body: dict[str, Any]) -> web.Response:
        """``POST /_sim/act/click_home``: a user clicks a button in their Home tab; ``value``
        picks among buttons sharing the action_id."""
        confirm = body.get("confirm", True)
        if not isinstance(confirm, bool):
            raise BadRequest("'confirm' must be true or false")
        value = body.get("value")
        if value is not None and not isinstance(value, str):
            raise BadRequest("'value' must be a string")
        delivered = self.sim.click_home(
            _text(body, "user"), _text(body, "action_id"), value=value, confirm=confirm
        )
        return _delivery(await delivered)


def _delivery(delivery: Delivery) -> web.Response:
    return web.json_response(delivery.to_json())


def json_action(handler: JsonHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Wrap an action: read a JSON object, map contract errors to 400, 404 and 503."""

    async def act(request: web.Request) -> web.Response:
        # The Content-Type is already JSON: slacksim.guard refuses anything else.
        try:
            body = await request.json()
        except json.JSONDecodeError as exc:
            return _error(400, f"invalid JSON: {exc}")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        try:
            return await handler(body)
        except BadRequest as exc:
            return _error(400, str(exc))
        except LookupError as exc:
            return _error(404, str(exc))
        except RuntimeError as exc:
            # No bot_url and no Socket Mode connection: nowhere to deliver to.
            return _error(503, str(exc))

    return act


def add_ui_routes(app: web.Application, sim: SlackSim) -> None:
    """Serve the page and the action API on ``app``, and track workspace changes."""
    tracker = ChangeTracker(lambda: sim.workspace.dump())
    handlers = UiHandlers(sim, tracker)
    app.middlewares.append(change_middleware(tracker))
    app.on_shutdown.append(tracker.close)
    app.router.add_get("/", handlers.index)
    # Permalinks (chat.getPermalink) open the page at a channel and message.
    app.router.add_get("/archives/{channel}", handlers.index)
    app.router.add_get("/archives/{channel}/{message}", handlers.index)
    app.router.add_get("/ui/{name}", handlers.asset)
    app.router.add_get("/_sim/ui/state", handlers.state)
    app.router.add_get("/_sim/ui/events", handlers.events)
    app.router.add_post("/_sim/act/click", json_action(handlers.click))
    app.router.add_post("/_sim/act/submit", json_action(handlers.submit))
    app.router.add_post("/_sim/act/close", json_action(handlers.close))
    app.router.add_post("/_sim/act/slash", json_action(handlers.slash))
    app.router.add_post("/_sim/act/home", json_action(handlers.home))
    app.router.add_post("/_sim/act/click_home", json_action(handlers.click_home))
