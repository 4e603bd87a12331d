"""Steps with compensations, for workflows that move money and goods (a saga).

A step's compensation is registered *before* the step runs and must be idempotent (it undoes
whatever the step managed to do, or nothing). A step is never abandoned half-way: when the
workflow is cancelled while a step runs, the step is left to finish, and then everything done
so far is undone, newest first. Compensations themselves run to completion even if the
workflow is cancelled meanwhile.

Workflow code: deterministic, no I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

Undo = Callable[[], Awaitable[object]]


class Saga:
    """The compensations of the steps started so far, and how to run steps and undo them."""

    def __init__(self, timeout: timedelta, undo_retry: RetryPolicy) -> None:
        self._timeout = timeout
        self._undo_retry = undo_retry
        self._compensations: list[tuple[str, Undo]] = []
        self.cancel_requested = False

    def register(self, name: str, undo: Undo) -> None:
        """Remember how to undo the step about to run."""
        self._compensations.append((name, undo))

    def forget(self) -> None:
        """Everything succeeded: nothing is to be undone any more."""
        self._compensations.clear()

    @property
    def pending(self) -> bool:
        """Whether anything would be undone."""
        return bool(self._compensations)

    async def run_step(
        self, method: Callable[..., Awaitable[Any]], arg: object, retry: RetryPolicy
    ) -> Any:
        """Run one step's activity; a cancellation waits for the step to end, then re-raises
        (the caller undoes it with the rest).

        Raises:
            ActivityError: the step failed.
            asyncio.CancelledError: the workflow was cancelled while the step ran.
        """
        handle = workflow.start_activity_method(
            method, arg, start_to_close_timeout=self._timeout, retry_policy=retry
        )
        try:
            return await asyncio.shield(handle)
        except asyncio.CancelledError:
            self.cancel_requested = True
            with contextlib.suppress(ActivityError):
                await handle
            raise

    async def undo(self, method: Callable[..., Awaitable[Any]], arg: object) -> object:
        """Run one compensation's activity to completion, even through a cancellation."""
        handle = workflow.start_activity_method(
            method, arg, start_to_close_timeout=self._timeout, retry_policy=self._undo_retry
        )
        try:
            return await asyncio.shield(handle)
        except asyncio.CancelledError:
            self.cancel_requested = True
            return await handle

    async def compensate(self, done: list[str]) -> None:
        """Undo every registered step, newest first, appending each name to ``done`` once it
        is undone (a compensation is dropped only after it succeeded)."""
        while self._compensations:
            name, undo = self._compensations[-1]
            await undo()
            self._compensations.pop()
            done.append(name)
