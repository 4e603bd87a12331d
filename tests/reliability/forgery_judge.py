"""Sending one forged request to the bot and judging the answer from what really came back:
the HTTP status and body, and the ephemerals and Home tabs the stand-in recorded for the person.

A refusal is *clear* when it says why: an HTTP 4xx whose body names the reason, or (for a
request Slack would deliver, answered 200) an ephemeral message, a Home-tab notice or a modal
error naming it. Whether anything changed is judged afterwards, from Temporal's state
(``forgery_stage``); here an HTTP 2xx to a request that should have been refused at the door
is itself an acceptance.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import aiohttp

from slacksim import SlackSim
from tests.reliability.forgery_payloads import Request

ANSWER_WITHIN = 5.0  # seconds for an ephemeral or Home tab to show after the ack
# What a listener that crashed says; never a reason.
GENERIC_FAILURE = "Sorry, something went wrong"


class Outcome(StrEnum):
    """What became of one forged request."""

    REFUSED = "refused"  # refused, saying why
    UNCLEAR = "unclear"  # refused, but nobody was told why (or not in words we can read)
    SERVER_ERROR = "server_error"  # a 5xx: never a refusal
    ACCEPTED = "accepted"  # let through a door it should not have passed


@dataclass(frozen=True)
class Variant:
    """One forged request: where it goes, with which headers, and how it must be refused.

    Attributes:
        family: signature, replay, authorization, webhook, socket_mode.
        request: The body (and what it asks, for notes).
        headers: Exactly the headers sent (signed, forged, or none).
        url: The bot's endpoint.
        expect: One of these must be in the refusal (the reason).
        at_door: Refused over HTTP (4xx) before anything reads it; else answered 200 and
            refused in Slack, to ``user``.
        user: Who is told in Slack (ephemeral, Home tab).
        idempotent: A 2xx saying one of ``expect`` is the refusal (a replayed webhook start
            answered ``already_started``: nothing new runs, as the state check confirms).
    """

    family: str
    request: Request
    headers: dict[str, str]
    url: str
    expect: tuple[str, ...]
    at_door: bool = True
    user: str | None = None
    idempotent: bool = False

    def key(self) -> tuple[str, bytes, tuple[tuple[str, str], ...]]:
        """What makes two variants the same request."""
        return self.url, self.request.body, tuple(sorted(self.headers.items()))


@dataclass
class Judged:
    """A variant and what came of it."""

    variant: Variant
    outcome: Outcome
    status: int
    said: str = ""


@dataclass
class Judge:
    """Posts variants over one HTTP session and reads the answers."""

    sim: SlackSim
    session: aiohttp.ClientSession
    results: list[Judged] = field(default_factory=list)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        async with self.session.post(url, data=body, headers=headers) as response:
            return response.status, await response.text()

    async def judge(self, variant: Variant) -> Judged:
        """Send ``variant`` and judge its answer."""
        seen = self.seen(variant.user)
        status, text = await self.post(variant.url, variant.request.body, variant.headers)
        if status >= 500:
            judged = Judged(variant, Outcome.SERVER_ERROR, status, text[:300])
        elif variant.at_door:
            judged = _at_door(variant, status, text)
        else:
            judged = await self._in_slack(variant, status, text, seen)
        self.results.append(judged)
        return judged

    async def _in_slack(
        self, variant: Variant, status: int, text: str, seen: tuple[int, int]
    ) -> Judged:
        if status != 200:
            return Judged(variant, Outcome.UNCLEAR, status, text[:300])
        deadline = time.monotonic() + ANSWER_WITHIN
        while True:
            said = readable(text) + "\n" + "\n".join(self.new_answers(variant.user, seen))
            if any(reason in said for reason in variant.expect):
                clear = GENERIC_FAILURE not in said
                return Judged(variant, Outcome.REFUSED if clear else Outcome.UNCLEAR, status, said)
            if time.monotonic() > deadline:
                return Judged(variant, Outcome.UNCLEAR, status, said.strip()[:300])
            await asyncio.sleep(0.01)

    def seen(self, user: str | None) -> tuple[int, int]:
        """How many ephemerals and Home tabs ``user`` has been shown so far."""
        if user is None:
            return 0, 0
        return len(self.sim.ephemerals(user)), len(self._homes(user))

    def _homes(self, user: str) -> list[Any]:
        return [c for c in self.sim.calls_to("views.publish") if c.params.get("user_id") == user]

    def new_answers(self, user: str | None, seen: tuple[int, int]) -> list[str]:
        """The texts of what ``user`` was shown since :meth:`seen` said ``seen``."""
        if user is None:
            return []
        ephemerals = [e.get("text", "") for e in self.sim.ephemerals(user)[seen[0] :]]
        homes = [
            json.dumps(c.params.get("view"), ensure_ascii=False)
            for c in self._homes(user)[seen[1] :]
        ]
        return [*ephemerals, *homes]

    def count(self, outcome: Outcome, families: Sequence[str] | None = None) -> int:
        """How many variants (of ``families``) came to ``outcome``."""
        return sum(
            1
            for j in self.results
            if j.outcome is outcome and (families is None or j.variant.family in families)
        )


def readable(text: str) -> str:
    """An HTTP answer's text; a JSON body with its strings unescaped."""
    try:
        return json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        return text


def _at_door(variant: Variant, status: int, text: str) -> Judged:
    said = readable(text)
    says_why = any(reason in said for reason in variant.expect)
    if 200 <= status < 300:
        refused = variant.idempotent and says_why
        return Judged(variant, Outcome.REFUSED if refused else Outcome.ACCEPTED, status, said)
    clear = 400 <= status < 500 and says_why
    if "Traceback" in said:
        clear = False
    return Judged(variant, Outcome.REFUSED if clear else Outcome.UNCLEAR, status, said[:300])
