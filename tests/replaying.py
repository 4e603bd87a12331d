"""Replaying recorded histories against today's workflow code (the determinism guard).

``tests/orchestration/test_replay.py`` replays each history as its own test; the
``determinism`` reliability scenario replays them all at once and counts what they cover.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path

from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Interceptor, Replayer, WorkflowReplayResult

from orchestration.worker import WORKFLOWS, sandbox_runner
from tests.recording import HISTORIES


def recorded(directory: Path = HISTORIES) -> list[Path]:
    """Every recorded history, by name."""
    return sorted(directory.glob("*.json"))


def load_history(path: Path) -> WorkflowHistory:
    """``<scenario>[.<workflow id>].json``: the id matters where child ids derive from it."""
    workflow_id = path.stem.partition(".")[2] or path.stem
    return WorkflowHistory.from_json(workflow_id, json.loads(path.read_text()))


def registered_types() -> list[str]:
    """The workflow type names the worker registers (``RequestApproval``, ...)."""
    definitions = [workflow._Definition.must_from_class(cls) for cls in WORKFLOWS]
    return [definition.name or definition.cls.__name__ for definition in definitions]


def replayer(interceptors: Sequence[Interceptor] = ()) -> Replayer:
    """A replayer of every chatops workflow, as the worker runs them (same converter and
    sandbox, and ``interceptors`` as a worker's client would give them), but with the
    workflows' shared logic sandboxed too: the sandbox's restrictions check it on every
    recorded path."""
    return Replayer(
        workflows=list(WORKFLOWS),
        data_converter=pydantic_data_converter,
        workflow_runner=sandbox_runner(strict=True),
        interceptors=interceptors,
    )


async def replay(path: Path) -> WorkflowReplayResult:
    """Replay one recorded history; its ``replay_failure`` is None when it replays."""
    return await replayer().replay_workflow(load_history(path), raise_on_replay_failure=False)


async def replay_all(
    histories: Iterable[WorkflowHistory], interceptors: Sequence[Interceptor] = ()
) -> AsyncIterator[WorkflowReplayResult]:
    """Replay many histories on one replayer (much faster than one each), in order."""

    async def each() -> AsyncIterator[WorkflowHistory]:
        for history in histories:
            yield history

    async with replayer(interceptors).workflow_replay_iterator(each()) as results:
        async for result in results:
            yield result
