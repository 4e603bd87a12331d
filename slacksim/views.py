"""Modal views and each user's view stack."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slacksim.errors import SlackError
from slacksim.seed import APP_ID, BOT_ID, TEAM_ID

# Slack allows a root view plus two pushed ones ("push_limit_reached" beyond that).
MAX_STACK = 3


@dataclass
class View:
    """An open modal as the user sees it."""

    id: str
    user: str
    spec: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        """Return the ``view`` object of ``views.open`` and of view payloads."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "type": self.spec.get("type", "modal"),
            "title": self.spec.get("title"),
            "submit": self.spec.get("submit"),
            "close": self.spec.get("close"),
            "blocks": self.spec.get("blocks", []),
            "private_metadata": self.spec.get("private_metadata", ""),
            "callback_id": self.spec.get("callback_id", ""),
            "external_id": self.spec.get("external_id", ""),
            "state": {"values": self.values},
            "hash": self.hash,
            "clear_on_close": bool(self.spec.get("clear_on_close", False)),
            "notify_on_close": bool(self.spec.get("notify_on_close", False)),
            "root_view_id": self.root_view_id,
            "previous_view_id": self.previous_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }


class ViewStore:
    """Every open view by id, in the order they were opened."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._ids = itertools.count(1)
        self.views: dict[str, View] = {}

    def _new(self, user: str, spec: dict[str, Any], root: str | None, prev: str | None) -> View:
        view_id = f"V0SIM{next(self._ids):06d}"
        view = View(view_id, user, spec, self._hash(), root or view_id, prev)
        self.views[view_id] = view
        return view

    def _hash(self) -> str:
        return f"{int(self._clock())}.{secrets.token_hex(4)}"

    def open(self, user: str, spec: dict[str, Any]) -> View:
        """Open a new root modal; a user has one modal stack, so an older one closes."""
        for view in self.stack(user):
            del self.views[view.id]
        return self._new(user, spec, None, None)

    def push(self, user: str, spec: dict[str, Any]) -> View:
        """Push a modal on top of the user's stack (or open one if none is open)."""
        stack = self.stack(user)
        if not stack:
            return self.open(user, spec)
        if len(stack) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        return self._new(user, spec, stack[-1].root_view_id, stack[-1].id)

    def get(self, view_id: str) -> View:
        """Find an open view."""
        if view_id not in self.views:
            raise SlackError("not_found")
        return self.views[view_id]

    def update(self, view_id: str, spec: dict[str, Any], hash_: str | None = None) -> View:
        """Replace a view's content; a stale ``hash`` means someone else updated it first."""
        view = self.get(view_id)
        if hash_ and hash_ != view.hash:
            raise SlackError("hash_conflict")
        view.spec, view.hash, view.values, view.errors = spec, self._hash(), {}, {}
        return view

    def stack(self, user: str) -> list[View]:
        """Return the user's open views, root first."""
        return [view for view in self.views.values() if view.user == user]

    def close(self, view_id: str) -> None:
        """Close one view (the top of its stack)."""
        self.views.pop(view_id, None)

    def clear(self, view_id: str) -> None:
        """Close every view in the stack that holds ``view_id``."""
        root = self.get(view_id).root_view_id
        for view in [v for v in self.views.values() if v.root_view_id == root]:
            del self.views[view.id]

    def dump(self) -> list[dict[str, Any]]:
        """Return every open view with its owner and recorded errors."""
        return [
            {"user": v.user, "errors": v.errors, "view": v.to_api()} for v in self.views.values()
        ]
