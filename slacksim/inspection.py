"""Reading the sim back: messages, threads, ephemerals, views, calls and the whole state, as
the Web API shows them (for tests and the ``/_sim`` endpoints)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from slacksim.delivery import Deliverer
from slacksim.errors import SlackError
from slacksim.faults import Faults
from slacksim.routes import CallRecord
from slacksim.socket_mode import SocketModeHub
from slacksim.state import Workspace


class SimInspection:
    """Read-only views of a sim's state, mixed into :class:`~slacksim.server.SlackSim`."""

    workspace: Workspace
    calls: list[CallRecord]
    delivery: Deliverer
    faults: Faults
    socket_mode: SocketModeHub

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """Return the user's Home tab as last published, or None."""
        return self.workspace.home_view(user_id)

    def messages(self, channel_id: str) -> list[dict[str, Any]]:
        """Return the channel's top-level messages, oldest first, metadata included."""
        return [m.to_api() for m in self.workspace.top_level(channel_id)]

    def message(self, channel_id: str, ts: str) -> dict[str, Any]:
        """Return one message.

        Raises:
            LookupError: No such message.
        """
        found = self.workspace.messages.get(channel_id, {}).get(ts)
        if found is None:
            raise LookupError(f"no message {ts} in {channel_id}")
        return found.to_api()

    def thread(self, channel_id: str, ts: str) -> list[dict[str, Any]]:
        """Return the replies under the message ``ts``, oldest first.

        Raises:
            LookupError: No such message.
        """
        try:
            replies = self.workspace.replies(channel_id, ts)
        except SlackError:
            raise LookupError(f"no message {ts} in {channel_id}") from None
        return [m.to_api() for m in replies]

    def file_content(self, file_id: str) -> bytes:
        """Return the bytes uploaded for a file.

        Raises:
            LookupError: No such file, or nothing uploaded for it yet.
        """
        file = self.workspace.files.get(file_id)
        if file is None or file.content is None:
            raise LookupError(f"no uploaded file {file_id}")
        return bytes(file.content)

    def ephemerals(self, user_id: str) -> list[dict[str, Any]]:
        """Return the ephemeral messages shown to a user, oldest first."""
        return [e for e in self.workspace.ephemerals if e["user"] == user_id]

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """Return the user's open views, root first, with their recorded field errors."""
        return [
            {**view.to_api(), "errors": dict(view.errors)}
            for view in self.workspace.views.stack(user_id)
        ]

    def calls_to(self, method: str) -> list[CallRecord]:
        """Return every logged call of a Web API method (``response_url`` for hooks)."""
        return [call for call in self.calls if call.method == method]

    def dump(self) -> dict[str, Any]:
        """Return the state, calls, deliveries, faults and sockets as JSON-ready data."""
        return {
            **self.workspace.dump(),
            "calls": [asdict(call) for call in self.calls],
            "deliveries": [delivery.to_json() for delivery in self.delivery.log],
            "faults": self.faults.pending(),
            "socket_mode": self.socket_mode.dump(),
        }
