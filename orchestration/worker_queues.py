"""A chatops worker polls two task queues: the workflows' own, and beside it the Slack queue
whose posts the server paces per channel (:mod:`orchestration.slack_queue`). Every worker
serves both, so posts go on while any worker runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from temporalio.worker import Worker

from orchestration.slack_queue import slack_task_queue


class ChatopsWorker:
    """The worker of a task queue and the worker of its Slack queue, run together.

    Use it as Temporal's ``Worker``: ``async with`` runs both until the block ends, then
    shuts both down gracefully.
    """

    def __init__(self, main: Worker, slack: Worker) -> None:
        self.main = main
        self.slack = slack
        self._stack: contextlib.AsyncExitStack | None = None

    @classmethod
    def slack_worker_for(
        cls, main: Worker, posts: Sequence[Callable[..., Any]], **options: Any
    ) -> ChatopsWorker:
        """``main`` with a worker of its Slack queue running the posting activities ``posts``
        (on the same client)."""
        queue = slack_task_queue(main.task_queue)
        return cls(main, Worker(main.client, task_queue=queue, activities=list(posts), **options))

    @property
    def task_queue(self) -> str:
        """The workflows' task queue."""
        return self.main.task_queue

    async def run(self) -> None:
        """Run both workers until :meth:`shutdown` (or until one fails, which stops both)."""
        try:
            await asyncio.gather(self.main.run(), self.slack.run())
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        """Stop polling and wait for the activities running to finish (both workers)."""
        await asyncio.gather(
            *(worker.shutdown() for worker in (self.main, self.slack) if worker.is_running)
        )

    async def __aenter__(self) -> ChatopsWorker:
        stack = contextlib.AsyncExitStack()
        try:
            await stack.enter_async_context(self.slack)
            await stack.enter_async_context(self.main)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.__aexit__(*exc_info)
