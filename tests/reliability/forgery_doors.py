"""The other doors: the agent-task webhook, replays of requests that were once valid, and the
bot in Socket Mode, where ``/slack/events`` is served only with the app's own signing secret.

- *webhook*: new tasks posted without credentials, with a bearer token, signed with a wrong
  or an old (rotated) secret, at a stale or future moment, with a malformed header, or over
  another body; and a signed start replayed (answered ``already_started``, nothing new runs)
  or replayed late (refused).
- *replay*: valid Slack requests captured as sent (an approval, a quorum's first approval, a
  rejection from its modal) sent again: as they were, re-signed, re-signed late, with the
  timestamp moved, or with the body edited.
- *socket_mode*: dangerous requests posted to the HTTP port of a bot in Socket Mode: without a
  signing secret (a real workspace, or the stand-in, whose secret is public) there is no
  route; with the app's own secret, only that secret's fresh signatures pass.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from pydantic import SecretStr

from bot.app import EVENTS_PATH
from bot.hooks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from bot.main import run_bot
from cli.standin import STAND_IN
from orchestration.settings import Settings
from slacksim import DEFAULT_APP_TOKEN, DEFAULT_SIGNING_SECRET, OPERATOR_ID, running_sim
from slacksim.delivery import JSON
from tests.helpers import assert_eventually, free_port, unique
from tests.reliability.forgery_judge import Variant
from tests.reliability.forgery_payloads import Request, signed_headers, slack_signature
from tests.reliability.forgery_signatures import MAX_SKEW, dangerous_request
from tests.reliability.forgery_variants import Draw

WEBHOOK_SECRET = "forgery-webhook-secret-" + secrets.token_hex(8)
OLD_WEBHOOK_SECRET = "forgery-webhook-secret-rotated-away"
WRONG = ("wrong signature",)


def webhook_settings(task_queue: str) -> Settings:
    """The bot's settings for the webhook: this queue, this secret, the stand-in."""
    return Settings(
        task_queue=task_queue, webhook_secret=SecretStr(WEBHOOK_SECRET), slack_bot_token=None
    ).with_stand_in(STAND_IN)


def hook_signature(secret: str, stamp: str, body: bytes) -> str:
    message = stamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def hook_headers(
    body: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if at is None else at)
    return {
        "Content-Type": JSON,
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: hook_signature(secret, stamp, body),
    }


def new_task(draw: Draw, task_id: str | None = None) -> tuple[str, bytes]:
    """A task that would run (or ask for approval) if its request were believed."""
    task_id = task_id or unique("FORGED")
    tool, action, target = draw.pick(
        [("search", "read", "docs"), ("kubectl", "scale", "prod-web"), ("shell", "run", "box")]
    )
    task = {"task_id": task_id, "agent": "ops-bot", "tool": tool, "action": action}
    task["target"] = target
    return task_id, json.dumps(task).encode()


def webhook_forgery(draw: Draw, hook_url: str) -> tuple[Variant, str]:
    """A new task with its credentials forged; the variant and the task id it must not start."""
    task_id, body = new_task(draw)
    now, rng = int(time.time()), draw.rng
    good = hook_headers(body)
    age = rng.randint(MAX_SKEW + 1, 10**7)
    _, other = new_task(draw)
    cases: list[tuple[str, bytes, dict[str, str], tuple[str, ...]]] = [
        ("no credentials", body, {"Content-Type": JSON}, ("sign the request",)),
        (
            "bearer token",
            body,
            {"Content-Type": JSON, "Authorization": f"Bearer {draw.pick([WEBHOOK_SECRET, 'x'])}"},
            ("bearer tokens are not accepted",),
        ),
        ("wrong secret", body, hook_headers(body, secrets.token_hex(rng.randint(4, 32))), WRONG),
        ("old secret", body, hook_headers(body, OLD_WEBHOOK_SECRET), WRONG),
        ("stale", body, hook_headers(body, at=now - age), ("s old; signatures are accepted",)),
        ("future", body, hook_headers(body, at=now + age), ("ahead of the bot's clock",)),
        ("other body", body, hook_headers(other), WRONG),
        ("edited after signing", body.replace(b'"ops-bot"', b'"evil-bot"'), good, WRONG),
        ("bare hex", body, good | {SIGNATURE_HEADER: good[SIGNATURE_HEADER][7:]}, WRONG),
        ("upper-case", body, good | {SIGNATURE_HEADER: good[SIGNATURE_HEADER].upper()}, WRONG),
        ("moved time", body, good | {TIMESTAMP_HEADER: str(now - rng.randint(1, 299))}, WRONG),
        (
            "no timestamp",
            body,
            {k: v for k, v in good.items() if k != TIMESTAMP_HEADER},
            ("needs X-Chatops-Timestamp",),
        ),
        (
            "odd timestamp",
            body,
            good | {TIMESTAMP_HEADER: draw.pick([f"{now}.0", "-1", "soon", "9" * 20])},
            ("must be the unix time in whole seconds",),
        ),
    ]
    what, sent, headers, expect = draw.pick(cases)
    request = Request(sent, JSON, f"webhook {what}: task {task_id}")
    return Variant("webhook", request, headers, hook_url, expect), task_id


@dataclass(frozen=True)
class Capture:
    """A valid request as it was sent, and how its replay must be answered in Slack."""

    request: Request
    headers: dict[str, str]
    user: str
    expect: tuple[str, ...]


def slack_replay(draw: Draw, capture: Capture) -> Variant:
    """``capture`` sent again, as captured or changed; refused in Slack or at the door."""
    r, rng = capture.request, draw.rng
    signed_at = int(capture.headers["X-Slack-Request-Timestamp"])
    kind = rng.randrange(5)
    if kind == 0:  # as captured, within its five minutes: the gate has the decision already
        return _replayed(draw, capture, "as sent", r, capture.headers)
    if kind == 1:  # re-signed now, as Slack would retry it
        return _replayed(draw, capture, "re-signed", r, signed_headers(r, DEFAULT_SIGNING_SECRET))
    if kind == 2:  # captured long ago
        late = signed_headers(r, DEFAULT_SIGNING_SECRET, signed_at - rng.randint(MAX_SKEW, 10**6))
        return _refused(draw, "late", r, late, (f"(more than {MAX_SKEW}s)",))
    if kind == 3:  # the old signature under a new timestamp
        moved = capture.headers | {"X-Slack-Request-Timestamp": str(int(time.time()))}
        if moved == capture.headers:
            moved["X-Slack-Request-Timestamp"] = str(signed_at + 1)
        return _refused(draw, "moved timestamp", r, moved, ("does not match the body",))
    edited = replace(r, body=r.body.replace(b"U0APPROVE", b"U0APPROVX", 1) + b"&again=1")
    return _refused(draw, "edited", edited, capture.headers, ("does not match the body",))


def _replayed(
    draw: Draw, capture: Capture, how: str, r: Request, headers: dict[str, str]
) -> Variant:
    request = replace(r, what=f"replay ({how}) of {r.what}", click_key=None)
    return Variant(
        "replay", request, headers, draw.url, capture.expect, at_door=False, user=capture.user
    )


def _refused(
    draw: Draw, how: str, r: Request, headers: dict[str, str], expect: tuple[str, ...]
) -> Variant:
    request = replace(r, what=f"replay ({how}) of {r.what}", click_key=None)
    return Variant("replay", request, headers, draw.url, expect)


def webhook_replay(draw: Draw, hook_url: str, body: bytes, headers: dict[str, str]) -> Variant:
    """A signed start sent again: within its five minutes it starts nothing new; late, it is
    refused."""
    request = Request(body, JSON, "webhook replay of a started task")
    if draw.rng.random() < 0.5:
        return Variant(
            "replay", request, dict(headers), hook_url, ("already_started",), idempotent=True
        )
    late = int(headers[TIMESTAMP_HEADER]) - draw.rng.randint(MAX_SKEW + 1, 10**6)
    return Variant(
        "replay", request, hook_headers(body, at=late), hook_url, ("s old; signatures are",)
    )


# Socket Mode -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SocketBot:
    """A bot in Socket Mode: its ``/slack/events`` URL, and the secret it verifies with (None:
    the route is not served)."""

    name: str
    url: str
    secret: str | None


@asynccontextmanager
async def socket_mode_bot(client: Any, name: str, own_secret: bool) -> AsyncIterator[SocketBot]:
    """A bot connected over Socket Mode to a workspace of its own (a stand-in with private
    credentials), with or without the app's signing secret; ``name`` ``stand-in``: the
    stand-in's public credentials, as ``chatops up`` uses them."""
    secret = secrets.token_hex(16)
    if name == "stand-in":
        sim_cm = running_sim()
        values: dict[str, Any] = {"SLACK_APP_TOKEN": DEFAULT_APP_TOKEN}
    else:
        token, app_token = f"xoxb-{secrets.token_hex(8)}", f"xapp-{secrets.token_hex(8)}"
        sim_cm = running_sim(bot_token=token, app_token=app_token, signing_secret=secret)
        values = {"SLACK_BOT_TOKEN": token, "SLACK_APP_TOKEN": app_token}
        if own_secret:
            values["SLACK_SIGNING_SECRET"] = secret
    async with sim_cm as workspace:
        port = free_port()
        values |= {
            "SLACK_API_URL": workspace.api_url,
            "CHATOPS_BOT_PORT": port,
            "CHATOPS_OPERATORS": OPERATOR_ID,
            "CHATOPS_RECONCILE_EVERY": "off",
        }
        settings = Settings.model_validate(values)
        if name == "stand-in":
            settings = settings.with_stand_in(STAND_IN)
        stop = asyncio.Event()
        bot = asyncio.create_task(run_bot(settings, client, stop))
        try:
            await assert_eventually(
                lambda: workspace.socket_connections, lambda n: n >= 1, what=f"{name} socket"
            )
            url = f"http://127.0.0.1:{port}{EVENTS_PATH}"
            yield SocketBot(name, url, secret if own_secret else None)
        finally:
            stop.set()
            await asyncio.wait_for(bot, 30)


def socket_forgery(draw: Draw, bot: SocketBot) -> Variant:
    """A dangerous request posted to a Socket Mode bot's HTTP port, signed with anything but
    a fresh signature of its own secret."""
    request, _ = dangerous_request(draw)
    now = int(time.time())
    public = signed_headers(request, DEFAULT_SIGNING_SECRET)
    choices: list[tuple[str, Request, dict[str, str], tuple[str, ...]]] = [
        ("the stand-in's public secret", request, public, ()),
        ("no signature", request, {"Content-Type": request.content_type}, ()),
        ("a random secret", request, signed_headers(request, secrets.token_hex(8)), ()),
    ]
    if bot.secret is not None:
        late = signed_headers(request, bot.secret, now - draw.rng.randint(MAX_SKEW + 1, 10**6))
        edited = replace(request, body=request.body + b"&x=1")
        choices += [
            ("its own secret, late", request, late, (f"(more than {MAX_SKEW}s)",)),
            ("its own secret, edited", edited, signed_headers(request, bot.secret), ()),
        ]
    how, sent, headers, expect = draw.pick(choices)
    if bot.secret is None:
        expect = ("Not Found",)  # no route: aiohttp's 404
    elif how == "no signature":
        expect = ("no X-Slack-Request-Timestamp",)
    elif not expect:
        expect = ("does not match the body",)
    sent = replace(sent, what=f"{bot.name} bot, {how}: {request.what}")
    return Variant("socket_mode", sent, headers, bot.url, expect)


def url_verification(bot: SocketBot) -> tuple[bytes, dict[str, str]]:
    """Slack's URL check signed with the bot's own secret: the route is live and the secret
    is the one it verifies with (the control that shows the forgeries were judged by it)."""
    assert bot.secret is not None
    body = json.dumps({"type": "url_verification", "challenge": "c-1", "token": "t"}).encode()
    stamp = str(int(time.time()))
    return body, {
        "Content-Type": JSON,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(bot.secret, stamp, body),
    }
