"""A message as the workspace stores it, and as the Web API and payloads show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slacksim.seed import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID

Blocks = list[dict[str, Any]]


@dataclass
class Message:
    """A message in a channel, posted by the bot unless ``user`` names a person."""

    channel: str
    ts: str
    text: str
    blocks: Blocks
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edits: int = 0
    edited_ts: str | None = None
    replies: list[str] = field(default_factory=list)
    user: str = BOT_USER_ID
    # Files shared with the message (files.completeUploadExternal), as the Web API shows them.
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def by_bot(self) -> bool:
        """True for the bot's own messages, the only ones it may update or delete."""
        return self.user == BOT_USER_ID

    def to_api(self, *, include_metadata: bool = True) -> dict[str, Any]:
        """Return the message as the Web API and payloads show it."""
        data: dict[str, Any] = {"type": "message", "user": self.user}
        if self.by_bot:
            data.update(bot_id=BOT_ID, app_id=APP_ID)
        data.update(team=TEAM_ID, ts=self.ts, text=self.text)
        if self.blocks:
            data["blocks"] = self.blocks
        if self.files:
            data.update(files=self.files, upload=True)
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.replies:
            data.update(reply_count=len(self.replies), latest_reply=self.replies[-1])
        if self.edited_ts:
            data["edited"] = {"user": self.user, "ts": self.edited_ts}
        if include_metadata and self.metadata:
            data["metadata"] = self.metadata
        return data
