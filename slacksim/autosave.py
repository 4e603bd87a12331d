"""Keeping a workspace in its state file: loaded at start, saved shortly after each change."""

from __future__ import annotations

import asyncio
import logging

from slacksim.persist import StateFile
from slacksim.state import Workspace

logger = logging.getLogger(__name__)

# How soon after a change the workspace is saved (see AutoSave.save).
SAVE_DELAY_S = 0.25


class AutoSave:
    """Loads ``workspace`` from ``state`` now, then saves it a moment after each change.

    Raises:
        SimStateError: The state file holds something that is not a saved workspace.
    """

    def __init__(self, workspace: Workspace, state: StateFile) -> None:
        self.workspace = workspace
        self.state = state
        self._handle: asyncio.TimerHandle | None = None
        self._unsaved = False
        state.load(workspace)
        workspace.on_change = self.changed

    def changed(self) -> None:
        """Note a change; saved a moment later, so that a burst of changes costs one write."""
        self._unsaved = True
        if self._handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # changed outside an event loop: save now
            self.save()
            return
        self._handle = loop.call_later(SAVE_DELAY_S, self.save)

    def save(self) -> None:
        """Write unsaved changes now.

        A failure is logged and the changes stay unsaved, to be tried again on the next change
        or the next call; the stand-in keeps serving.
        """
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._unsaved:
            return
        try:
            self.state.save(self.workspace)
        except OSError as err:
            logger.error("Slack stand-in: could not save to %s: %s", self.state.path, err)
            return
        self._unsaved = False
