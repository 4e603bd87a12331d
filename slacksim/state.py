"""Workspace state: channels, messages, ephemerals, views, home tabs, triggers, response_urls.

Methods here enforce Slack's state rules (existence, membership, single-use triggers) and raise
:class:`SlackError` with Slack's error code; input validation lives in ``slacksim.api``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slacksim.errors import SlackError
from slacksim.grants import Hook, Trigger
from slacksim.manifest import Manifest, load_manifest
from slacksim.message import Blocks, Message
from slacksim.seed import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Channel,
    User,
    UserGroup,
    seed_channels,
    seed_usergroups,
    seed_users,
)
from slacksim.views import View, ViewStore

if TYPE_CHECKING:
    from slacksim.files import SimFile

Clock = Callable[[], float]
EVENT_ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Where permalinks point until a running sim puts its own page there.
SLACK_WEB_URL = f"https://{TEAM_DOMAIN}.slack.com/"


class Workspace:
    """All mutable state of the simulated workspace, reseeded by :meth:`reset`.

    Args:
        clock: Wall clock (epoch seconds).
        manifest: The app manifest the Web API enforces; the project's ``manifest.yml`` when
            None. It is configuration, so :meth:`reset` keeps it.

    Attributes:
        web_url: Where permalinks point (ending in ``/``): Slack's address for the team, or
            the running sim's page. Configuration, kept by :meth:`reset`.
    """

    def __init__(self, clock: Clock = time.time, manifest: Manifest | None = None) -> None:
        self.clock = clock
        self.manifest = load_manifest() if manifest is None else manifest
        self.web_url = SLACK_WEB_URL
        # Called after every change that outlives a restart in Slack (see slacksim.persist).
        self.on_change: Callable[[], None] | None = None
        self.reset()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def reset(self) -> None:
        """Forget everything and reload the seed."""
        self.users: dict[str, User] = seed_users()
        self.channels: dict[str, Channel] = seed_channels()
        self.usergroups: dict[str, UserGroup] = seed_usergroups()
        self.messages: dict[str, dict[str, Message]] = {cid: {} for cid in self.channels}
        self.ephemerals: list[dict[str, Any]] = []
        self.views = ViewStore(self.clock)
        self.homes: dict[str, View] = {}
        self.triggers: dict[str, Trigger] = {}
        self.hooks: dict[str, Hook] = {}
        self.files: dict[str, SimFile] = {}
        self.last_ts_us = 0
        self._changed()

    def next_ts(self) -> str:
        """Return a fresh ``"<epoch>.<6 digits>"`` ts, strictly above every earlier one."""
        now_us = max(int(self.clock() * 1_000_000), self.last_ts_us + 1)
        self.last_ts_us = now_us
        return f"{now_us // 1_000_000}.{now_us % 1_000_000:06d}"

    def channel(self, ref: str, *, ids_only: bool = False) -> Channel:
        """Find a channel by id, or also by name (``#name`` or ``name``) unless ``ids_only``."""
        if ref in self.channels:
            return self.channels[ref]
        name = ref.removeprefix("#")
        # Direct messages have no name of their own: only their id finds them.
        by_name = [
            c for c in self.channels.values() if c.name == name and not ids_only and not c.is_im
        ]
        if by_name:
            return by_name[0]
        raise SlackError("channel_not_found")

    def add_channel(self, channel: Channel) -> Channel:
        """Add a conversation (a channel created in Slack, a direct message opened)."""
        self.channels[channel.id] = channel
        self.messages.setdefault(channel.id, {})
        return channel

    def user(self, user_id: str) -> User:
        """Find a user by id."""
        if user_id not in self.users:
            raise SlackError("user_not_found")
        return self.users[user_id]

    def usergroup(self, group_id: str) -> UserGroup:
        """Find a user group by id."""
        if group_id not in self.usergroups:
            raise SlackError("no_such_subteam")
        return self.usergroups[group_id]

    def message(self, channel_id: str, ts: str) -> Message:
        """Find a message, top-level or reply."""
        found = self.messages.get(channel_id, {}).get(ts)
        if found is None:
            raise SlackError("message_not_found")
        return found

    def permalink(self, channel_id: str, ts: str) -> str:
        """Return a message's permalink, shaped as Slack's: ``archives/<channel>/p<ts digits>``,
        plus ``thread_ts`` and ``cid`` for a reply."""
        message = self.message(channel_id, ts)
        link = f"{self.web_url}archives/{channel_id}/p{ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={channel_id}"
        return link

    def post(
        self,
        channel_id: str,
        text: str,
        blocks: Blocks,
        *,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        user: str = BOT_USER_ID,
    ) -> Message:
        """Store a new message (the bot's unless ``user`` says otherwise).

        A reply joins the thread of the message it names.
        """
        parent = None
        if thread_ts:
            try:
                parent = self.message(channel_id, thread_ts)
            except SlackError:
                raise SlackError("thread_not_found") from None
            # Replying to a reply lands in the same thread, as in Slack.
            parent = self.message(channel_id, parent.thread_ts or parent.ts)
        message = Message(channel_id, self.next_ts(), text, blocks, metadata=metadata, user=user)
        if parent is not None:
            message.thread_ts = parent.thread_ts = parent.ts
            parent.replies.append(message.ts)
        self.messages[channel_id][message.ts] = message
        self._changed()
        return message

    def update(self, channel_id: str, ts: str, text: str | None, blocks: Blocks | None) -> Message:
        """Replace a message's content; text without blocks drops the blocks, as Slack does."""
        message = self.message(channel_id, ts)
        message.text = text if text is not None else message.text
        message.blocks = blocks if blocks is not None else []
        message.edits += 1
        message.edited_ts = self.next_ts()
        self._changed()
        return message

    def delete(self, channel_id: str, ts: str) -> None:
        """Remove a message (and forget it as a reply of its parent)."""
        message = self.messages.get(channel_id, {}).pop(ts, None)
        if message is None:
            raise SlackError("message_not_found")
        parent = self.messages[channel_id].get(message.thread_ts or "")
        if parent is not None and ts in parent.replies:
            parent.replies.remove(ts)
        self._changed()

    def top_level(self, channel_id: str) -> list[Message]:
        """Return the channel's messages that are not replies, oldest first."""
        stored = self.messages.get(channel_id, {}).values()
        return [m for m in stored if m.thread_ts in (None, m.ts)]

    def replies(self, channel_id: str, ts: str) -> list[Message]:
        """Return the replies in the thread under ``ts``, oldest first."""
        parent = self.message(channel_id, ts)
        return [self.message(channel_id, reply) for reply in parent.replies]

    def post_ephemeral(
        self, channel_id: str, user_id: str, text: str, blocks: Blocks
    ) -> dict[str, Any]:
        """Store a message that only ``user_id`` sees; it never shows up in history."""
        if user_id not in self.channels[channel_id].members:
            raise SlackError("user_not_in_channel")
        ephemeral: dict[str, Any] = {
            "type": "message",
            "subtype": "ephemeral",
            "channel": channel_id,
            "user": user_id,
            "bot_id": BOT_ID,
            "ts": self.next_ts(),
            "text": text,
        }
        if blocks:
            ephemeral["blocks"] = blocks
        self.ephemerals.append(ephemeral)
        return ephemeral

    def new_trigger(self, user_id: str) -> str:
        """Register a fresh trigger_id for a user action."""
        trigger_id = f"{int(self.clock())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(user_id, self.clock())
        return trigger_id

    def exchange_trigger(self, trigger_id: str) -> str:
        """Use a trigger once and return its user; it must be known, unused and fresh."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        return trigger.exchange(self.clock())

    def new_event_id(self) -> str:
        """Return a fresh Events API ``event_id`` (``Ev`` and 10 characters, as Slack's)."""
        return "Ev" + "".join(secrets.choice(EVENT_ID_CHARS) for _ in range(10))

    def new_hook(self, channel_id: str, user_id: str, message_ts: str | None) -> str:
        """Register a response_url and return its token."""
        token = secrets.token_urlsafe(18)
        self.hooks[token] = Hook(channel_id, user_id, message_ts, self.clock())
        self._changed()
        return token

    def use_hook(self, token: str) -> Hook:
        """Count one use of a response_url, enforcing Slack's use limit and lifetime."""
        hook = self.hooks.get(token)
        if hook is None:
            raise SlackError("invalid_token")
        hook.use(self.clock())
        self._changed()
        return hook

    def publish_home(self, user_id: str, spec: dict[str, Any], hash_: str | None = None) -> View:
        """Set a user's Home tab; it keeps its view id, and a stale ``hash`` is refused."""
        self.user(user_id)
        current = self.homes.get(user_id)
        if current is not None and hash_ and hash_ != current.hash:
            raise SlackError("hash_conflict")
        view_id = current.id if current else f"V0HOME{secrets.token_hex(3).upper()}"
        view_hash = f"{int(self.clock())}.{secrets.token_hex(4)}"
        self.homes[user_id] = View(view_id, user_id, spec, view_hash, view_id)
        self._changed()
        return self.homes[user_id]

    def app_dm(self, user_id: str) -> str:
        """Return the id of the user's direct-message channel with the app (its Messages tab):
        stable per user, a ``D`` id as Slack's."""
        return "D" + self.user(user_id).id[1:]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """Return the Home tab last published for a user, or None."""
        home = self.homes.get(user_id)
        return None if home is None else home.to_api()

    def dump(self) -> dict[str, Any]:
        """Return the whole state as JSON-ready data (for ``GET /_sim/state``)."""
        return {
            "team_id": TEAM_ID,
            "users": [user.to_api() for user in self.users.values()],
            "channels": [channel.to_api() for channel in self.channels.values()],
            "usergroups": [vars(group) for group in self.usergroups.values()],
            "messages": {
                cid: [m.to_api() for m in stored.values()] for cid, stored in self.messages.items()
            },
            "ephemerals": self.ephemerals,
            "views": self.views.dump(),
            "home_views": {user: home.to_api() for user, home in self.homes.items()},
        }
