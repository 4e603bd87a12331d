"""The stand-in's workspace in a JSON file, so that it keeps what Slack keeps across restarts.

Saved: every channel's messages (ts, threads, edits, metadata), each user's Home tab,
response_urls still in their lifetime, and the ts counter, so that new ts values stay above
the old ones; direct-message conversations are opened again for the messages saved in them.
Not saved: what a real Slack client loses too (ephemeral messages, open modals, trigger ids
of a few seconds), and what the seed defines and no API call changes (users, channels, user
groups). Writes are atomic (a temporary file, then a rename), so a crash
leaves the previous state whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slacksim.direct import reopen_im
from slacksim.grants import HOOK_TTL_S, Hook
from slacksim.message import Message
from slacksim.state import Workspace
from slacksim.views import View

log = logging.getLogger(__name__)

STATE_FILENAME = "slack-sim.json"
VERSION = 1
# Each channel keeps its newest threads in the file; older ones are gone after a restart.
MAX_SAVED_THREADS = 5_000
MAX_FILE_BYTES = 256 * 1024 * 1024

Ts = Annotated[str, Field(pattern=r"^\d{1,12}\.\d{6}$")]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class SimStateError(Exception):
    """The state file cannot be read; the message names it and says what to do."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SavedMessage(_Strict):
    channel: Id
    ts: Ts
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: Ts | None = None
    metadata: dict[str, Any] | None = None
    edits: int = Field(ge=0)
    edited_ts: Ts | None = None
    replies: list[Ts] = []
    user: Id
    # Shared files as their message shows them; their content is not saved.
    files: list[dict[str, Any]] = []


class SavedView(_Strict):
    id: Id
    user: Id
    spec: dict[str, Any]
    hash: str
    root_view_id: Id
    previous_view_id: Id | None = None
    values: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}


class SavedHook(_Strict):
    channel: Id
    user: Id
    message_ts: Ts | None
    created: float
    uses: int = Field(ge=0)


class SavedWorkspace(_Strict):
    version: Literal[1]
    last_ts_us: int = Field(ge=0)
    messages: list[SavedMessage]
    homes: list[SavedView]
    hooks: dict[str, SavedHook]


def snapshot(workspace: Workspace) -> dict[str, Any]:
    """The workspace's lasting state as JSON-ready data, newest threads only."""
    messages: list[dict[str, Any]] = []
    for stored in workspace.messages.values():
        threads = {m.ts for m in stored.values() if m.thread_ts in (None, m.ts)}
        kept = set(sorted(threads, key=_ts_key)[-MAX_SAVED_THREADS:])
        messages += [asdict(m) for m in stored.values() if (m.thread_ts or m.ts) in kept]
    now = workspace.clock()
    return {
        "version": VERSION,
        "last_ts_us": workspace.last_ts_us,
        "messages": messages,
        "homes": [asdict(home) for home in workspace.homes.values()],
        "hooks": {
            token: asdict(hook)
            for token, hook in workspace.hooks.items()
            if now - hook.created <= HOOK_TTL_S
        },
    }


def restore(workspace: Workspace, saved: SavedWorkspace) -> None:
    """Put saved state into a freshly seeded workspace."""
    skipped = 0
    for item in saved.messages:
        # A direct message's conversation is opened by the app, not seeded: open it again.
        if item.channel not in workspace.channels and not reopen_im(workspace, item.channel):
            skipped += 1
            continue
        message = Message(**item.model_dump())
        workspace.messages[item.channel][message.ts] = message
    for stored in workspace.messages.values():  # a thread lists only replies it has
        for message in stored.values():
            message.replies = [ts for ts in message.replies if ts in stored]
    if skipped:
        log.warning("%d saved message(s) were in channels the stand-in no longer has", skipped)
    for home in saved.homes:
        if home.user in workspace.users:
            workspace.homes[home.user] = View(**home.model_dump())
    workspace.hooks = {token: Hook(**hook.model_dump()) for token, hook in saved.hooks.items()}
    stamps = [saved.last_ts_us]
    for item in saved.messages:
        stamps += [_ts_key(item.ts), _ts_key(item.edited_ts or "0.000000")]
    workspace.last_ts_us = max(stamps)


def _ts_key(ts: str) -> int:
    seconds, _, micros = ts.partition(".")
    return int(seconds) * 1_000_000 + int(micros)


class StateFile:
    """Where a stand-in keeps its workspace between runs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, workspace: Workspace) -> bool:
        """Fill ``workspace`` from the file; False (and nothing changed) when there is none.

        Raises:
            SimStateError: the file cannot be read, is not JSON, or not a saved workspace.
        """
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES:
                raise self._error(f"is larger than {MAX_FILE_BYTES // 2**20} MiB")
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as err:
            raise self._error(f"cannot be read ({err.strerror or err})") from None
        try:
            saved = SavedWorkspace.model_validate(json.loads(raw))
        except json.JSONDecodeError as err:
            raise self._error(f"is not JSON ({err.msg} at line {err.lineno})") from None
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise self._error(f"is not a saved workspace ({where}: {first['msg']})") from None
        restore(workspace, saved)
        log.info("Slack stand-in: workspace loaded from %s", self.path)
        return True

    def save(self, workspace: Workspace) -> None:
        """Write the workspace atomically (a crash midway leaves the previous file).

        Raises:
            OSError: it could not be written.
        """
        text = json.dumps(snapshot(workspace), separators=(",", ":"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def _error(self, problem: str) -> SimStateError:
        return SimStateError(
            f"the Slack stand-in's saved workspace {self.path} {problem}; move it away (or "
            "delete it) to start with an empty workspace"
        )
