"""Polling for a condition with a deadline, never a fixed sleep: the tests and the benchmarks
wait for the stack's processes and their effects this way."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")
DEFAULT_TIMEOUT = 20.0


@overload
async def assert_eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    *,
    within: float = ...,
    interval: float = ...,
    what: str = ...,
) -> T: ...


@overload
async def assert_eventually(
    probe: Callable[[], T],
    check: Callable[[T], bool],
    *,
    within: float = ...,
    interval: float = ...,
    what: str = ...,
) -> T: ...


async def assert_eventually(
    probe: Callable[[], Any],
    check: Callable[[T], bool],
    *,
    within: float = DEFAULT_TIMEOUT,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll ``probe`` (sync or async) until ``check`` holds; fail with the last value otherwise."""
    deadline = time.monotonic() + within
    last: Any = None
    while True:
        value = probe()
        last = await value if inspect.isawaitable(value) else value
        if check(last):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within}s; last value: {last!r}")
        await asyncio.sleep(interval)
