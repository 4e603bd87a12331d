"""The error every simulated Slack rule raises."""

from __future__ import annotations


class SlackError(Exception):
    """A Slack error code, answered as ``{"ok": false, "error": code}``.

    Args:
        error: Slack's error code, such as ``channel_not_found``.
        *messages: Details for ``response_metadata.messages``, as Slack gives for
            ``invalid_blocks`` and ``invalid_arguments``.
    """

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)
