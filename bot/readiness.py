"""``GET /readyz``: whether the bot can do its work now, that is reach Temporal and Slack.

Temporal is asked a cheap RPC (``GetSystemInfo``, what connecting asks) with a short timeout
and no retries: the next probe is the retry. Slack is asked ``auth.test``, whose answer is
kept for a few seconds, so a probe every second does not become a call every second.
The answer names what is down with a short reason (a status or Slack's error code), never a
token, an address with credentials or a trace.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.service import RPCError

READYZ_PATH = "/readyz"
# Each check's budget; both run at once, so a probe with a 3 s timeout always gets an answer.
CHECK_TIMEOUT = 2.0
# How long an answer of Slack's auth.test is kept.
SLACK_ANSWER_KEPT = 5.0


@dataclass(frozen=True)
class Check:
    """One dependency's state: ``ok``, and a short word on why not."""

    ok: bool
    detail: str = "ok"


class Readiness:
    """The checks behind ``GET /readyz``, for one bot's Temporal client and Slack client."""

    def __init__(
        self,
        temporal: Client,
        slack: AsyncWebClient,
        *,
        timeout: float = CHECK_TIMEOUT,
        slack_kept: float = SLACK_ANSWER_KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._temporal, self._slack = temporal, slack
        self._timeout, self._slack_kept, self._clock = timeout, slack_kept, clock
        self._slack_answer: tuple[float, Check] | None = None
        self._slack_lock = asyncio.Lock()

    async def temporal(self) -> Check:
        """Whether Temporal answers ``GetSystemInfo`` within the timeout."""
        try:
            await asyncio.wait_for(
                self._temporal.workflow_service.get_system_info(
                    GetSystemInfoRequest(), retry=False, timeout=timedelta(seconds=self._timeout)
                ),
                self._timeout + 0.5,
            )
        except RPCError as err:
            return Check(False, err.status.name.lower())
        except TimeoutError:
            return Check(False, "timeout")
        except RuntimeError:  # a lazy client that cannot connect
            return Check(False, "unreachable")
        return Check(True)

    async def slack(self) -> Check:
        """Whether Slack answers ``auth.test`` with ok, asked at most every few seconds."""
        async with self._slack_lock:  # probes at once share one call
            kept = self._slack_answer
            if kept is not None and self._clock() - kept[0] < self._slack_kept:
                return kept[1]
            check = await self._ask_slack()
            self._slack_answer = (self._clock(), check)
            return check

    async def _ask_slack(self) -> Check:
        try:
            await asyncio.wait_for(self._slack.auth_test(), self._timeout)
        except SlackApiError as err:
            code = err.response.get("error") or f"http_{err.response.status_code}"
            return Check(False, str(code)[:64])
        except TimeoutError:
            return Check(False, "timeout")
        except aiohttp.ClientError:
            return Check(False, "unreachable")
        return Check(True)

    async def report(self) -> tuple[bool, dict[str, Any]]:
        """Whether everything is up, and the JSON body saying what is and is not."""
        temporal, slack = await asyncio.gather(self.temporal(), self.slack())
        checks = {"temporal": temporal, "slack": slack}
        down = [name for name, check in checks.items() if not check.ok]
        body = {"ready": not down, "down": down}
        return not down, body | {name: asdict(check) for name, check in checks.items()}

    async def handle(self, _: web.Request) -> web.Response:
        """``GET /readyz``: 200 when Temporal and Slack answer, else 503 naming what is down."""
        ready, body = await self.report()
        return web.json_response(body, status=200 if ready else 503)
