"""``POST /slack/events`` over real HTTP: every request it cannot verify gets 401 saying why,
and one log line.

Before, an empty or non-numeric ``X-Slack-Request-Timestamp`` (and an unsigned body that is
not JSON) raised inside Bolt and answered 500 with a trace.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from slack_sdk.signature import SignatureVerifier

from bot.app import EVENTS_PATH, build_web_app
from bot.verify import MAX_SKEW_S
from slacksim import DEFAULT_SIGNING_SECRET
from tests.stack import Stack, bot_app, serve

FORM = "application/x-www-form-urlencoded"
BODY = urlencode(
    {
        "command": "/workflow",
        "text": "help",
        "user_id": "U0OPERATOR",
        "channel_id": "C0APPROVAL",
        "team_id": "T0CHATOPS",
    }
).encode()


def signed(body: bytes, stamp: int, secret: str = DEFAULT_SIGNING_SECRET) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(stamp), body=body)
    return {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": signature or "",
    }


def raw_signature(body: bytes, stamp: str, secret: str = DEFAULT_SIGNING_SECRET) -> str:
    base = b"v0:" + stamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@pytest_asyncio.fixture
async def events_url(stack: Stack) -> AsyncIterator[str]:
    web_app = build_web_app(bot_app(stack.client, stack.sim), signing_secret=DEFAULT_SIGNING_SECRET)
    runner, port = await serve(web_app)
    try:
        yield f"http://127.0.0.1:{port}{EVENTS_PATH}"
    finally:
        await runner.cleanup()


def unverifiable() -> dict[str, tuple[bytes, dict[str, str]]]:
    now = int(time.time())
    good = signed(BODY, now)
    not_utf8 = b"payload=\xff\xfe"
    return {
        "no headers": (BODY, {"Content-Type": FORM}),
        "empty signature": (BODY, good | {"X-Slack-Signature": ""}),
        "empty timestamp": (BODY, good | {"X-Slack-Request-Timestamp": ""}),
        "no timestamp": (
            BODY,
            {"Content-Type": FORM, "X-Slack-Signature": good["X-Slack-Signature"]},
        ),
        "word timestamp": (BODY, good | {"X-Slack-Request-Timestamp": "yesterday"}),
        "fractional timestamp": (BODY, good | {"X-Slack-Request-Timestamp": f"{now}.5"}),
        "signed word timestamp": (
            BODY,
            good
            | {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": raw_signature(BODY, "abc")},
        ),
        "huge timestamp": (BODY, good | {"X-Slack-Request-Timestamp": "9" * 40}),
        "stale": (BODY, signed(BODY, now - MAX_SKEW_S - 5)),
        "from the future": (BODY, signed(BODY, now + MAX_SKEW_S + 5)),
        "malformed signature": (BODY, good | {"X-Slack-Signature": "v0=not-hex"}),
        "other version": (BODY, good | {"X-Slack-Signature": "v1=" + "0" * 64}),
        "wrong secret": (BODY, signed(BODY, now, "not-the-secret")),
        "other body": (BODY + b"&x=1", good),
        "not utf-8": (
            not_utf8,
            good | {"X-Slack-Signature": raw_signature(not_utf8, str(now))},
        ),
        "unsigned broken json": (b'{"type": ', {"Content-Type": "application/json"}),
    }


def records_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("case", sorted(unverifiable()))
async def test_unverifiable_requests_get_401_and_one_log_line(
    events_url: str, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, headers = unverifiable()[case]
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    async with (
        aiohttp.ClientSession() as session,
        session.post(events_url, data=body, headers=headers) as response,
    ):
        status, answer = response.status, await response.text()

    refusal = json.loads(answer)
    assert (status, refusal["error"], set(refusal)) == (401, "invalid request", {"error", "reason"})
    assert refusal["reason"] in records_text(caplog)  # the log line says the same
    records = [r for r in caplog.records if not r.name.startswith(("asyncio", "aiohttp.client"))]
    assert [(r.name, r.levelno, r.exc_info) for r in records] == [
        ("bot.app", logging.WARNING, None)
    ], [r.getMessage() for r in records]
    assert "refused a request to /slack/events" in records[0].getMessage()
    assert DEFAULT_SIGNING_SECRET not in caplog.text


async def test_a_signed_request_still_reaches_the_app(events_url: str) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    headers = signed(body, int(time.time())) | {"Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(events_url, data=body, headers=headers) as response,
    ):
        assert (response.status, await response.json()) == (200, {"challenge": "c-123"})
