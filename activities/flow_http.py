"""A flow's ``http`` step: one call to an allowed URL.

The URL is checked against the allow-list again here, after the flow rendered it, and
redirects are not followed (a redirect could lead outside the list). Temporal owns retries:
an answer that may change (a 5xx, 408, 429, an unreachable host, a timeout) raises a retryable
error; any other unexpected status is final. The step's retries and timeout come from the
flow file, as the activity's retry policy and start-to-close timeout.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import aiohttp
from temporalio import activity
from temporalio.exceptions import ApplicationError

from orchestration.flows.urls import UrlError, UrlPrefix, check_url, resolved
from orchestration.models.flow_http import MAX_ANSWER_BYTES, HttpAnswer, HttpCall

USER_AGENT = "chatops-flow/1"
# Statuses that may pass by themselves: the call is tried again.
TRANSIENT_STATUSES = frozenset({408, 425, 429})
MAX_RETRY_AFTER = 300


class FlowHttp:
    """Calls the URLs a flow's ``http`` steps name, within ``allowed``."""

    def __init__(self, allowed: Sequence[UrlPrefix], base: str | None = None) -> None:
        self._allowed = list(allowed)
        self._base = base

    @activity.defn(name="flow_http")
    async def flow_http(self, call: HttpCall) -> HttpAnswer:
        """Make the call; the answer when its status is expected.

        Raises:
            ApplicationError: the URL is not allowed (final), the status is not expected
                (final unless it may pass by itself), or the host could not be reached.
        """
        try:
            url = resolved(call.url, self._base)
            check_url(url, self._allowed)
        except UrlError as err:
            raise ApplicationError(str(err), type="UrlNotAllowed", non_retryable=True) from None
        timeout = aiohttp.ClientTimeout(total=call.timeout_seconds)
        headers = {"User-Agent": USER_AGENT, **call.headers}
        body = None if call.body is None else json.dumps(call.body)
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(
                    call.method, url, data=body, headers=headers, allow_redirects=False
                ) as response,
            ):
                raw = await response.content.read(MAX_ANSWER_BYTES)
                status = response.status
                answer = HttpAnswer(status=status, body=_decoded(raw, response), ok=status < 300)
                retry_after = response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as err:
            raise ApplicationError(
                f"step {call.step}: {call.method} {call.url} failed: {type(err).__name__}",
                type="HttpUnreachable",
            ) from None
        if _expected(answer.status, call.expect):
            return answer
        raise _unexpected(call, answer, retry_after)


def _expected(status: int, expect: list[int]) -> bool:
    return status in expect if expect else 200 <= status < 300


def _decoded(raw: bytes, response: aiohttp.ClientResponse) -> Any:
    """The body as JSON when it says it is JSON and parses; else as text (lossy UTF-8)."""
    text = raw.decode(response.charset or "utf-8", "replace")
    if response.content_type == "application/json":
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def _unexpected(call: HttpCall, answer: HttpAnswer, retry_after: str | None) -> ApplicationError:
    wanted = ", ".join(str(code) for code in call.expect) or "2xx"
    message = (
        f"step {call.step}: {call.method} {call.url} answered HTTP {answer.status}; "
        f"expected {wanted}"
    )
    transient = answer.status >= 500 or answer.status in TRANSIENT_STATUSES
    delay = _retry_delay(retry_after) if transient else None
    return ApplicationError(
        message,
        answer.status,
        type="HttpStatus",
        non_retryable=not transient,
        next_retry_delay=delay,
    )


def _retry_delay(value: str | None) -> timedelta | None:
    """A ``Retry-After`` in seconds, bounded; None when absent or not a number."""
    if value is None or not value.strip().isdigit():
        return None
    return timedelta(seconds=min(max(int(value), 1), MAX_RETRY_AFTER))
