"""What the bot's webhooks (``POST /hooks/agent-tasks``, ``POST /hooks/flows``) share: the
signature, the timestamp, the bounded JSON body, and how a start is answered.

The caller proves it knows ``CHATOPS_WEBHOOK_SECRET`` by signing the moment and the raw body
with it: ``X-Chatops-Timestamp: <unix seconds>`` and ``X-Chatops-Signature: sha256=<hex>``,
the HMAC-SHA256 of ``"<timestamp>." + body``. A signature more than five minutes from the
bot's clock is refused, so a captured request is good for five minutes at most; within them
the business key a start carries makes a replay start nothing (``200`` with
``already_started``). The secret itself never travels, so bearer tokens are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from pydantic import SecretStr, ValidationError

from orchestration.decisions import TemporalUnreachable

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Chatops-Signature"
TIMESTAMP_HEADER = "X-Chatops-Timestamp"
SIGNATURE_PREFIX = "sha256="
MAX_SKEW_S = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
MAX_BODY = 64 * 1024


class Refusal(Exception):
    """A request a hook answers with an error status and a JSON body, never a trace."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": message, **extra}

    def response(self) -> web.Response:
        """The refusal as a JSON response."""
        headers = {"WWW-Authenticate": SIGNATURE_HEADER} if self.status == 401 else None
        return web.json_response(self.body, status=self.status, headers=headers)


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Chatops-Signature`` value for ``body`` sent with ``X-Chatops-Timestamp``."""
    signed = timestamp.encode() + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret, signed, hashlib.sha256).hexdigest()


def _same(given: str, expected: str) -> bool:
    # Header values may hold any character; compare_digest on str accepts ASCII only.
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def check_timestamp(headers: Mapping[str, str], now: float) -> str:
    """The request's ``X-Chatops-Timestamp``, refused (401) when absent, not unix seconds,
    or more than :data:`MAX_SKEW_S` from ``now`` either way."""
    stamp = headers.get(TIMESTAMP_HEADER, "").strip()
    if not stamp:
        raise Refusal(
            401,
            f"{SIGNATURE_HEADER} needs {TIMESTAMP_HEADER}: the unix time in seconds, signed "
            'as "<timestamp>.<body>"',
        )
    if not _TIMESTAMP.fullmatch(stamp):
        raise Refusal(401, f"{TIMESTAMP_HEADER} must be the unix time in whole seconds")
    skew = now - int(stamp)
    if abs(skew) > MAX_SKEW_S:
        when = "old" if skew > 0 else "ahead of the bot's clock"
        raise Refusal(
            401,
            f"{TIMESTAMP_HEADER} is {abs(skew):.0f}s {when}; signatures are accepted for "
            f"{MAX_SKEW_S}s: sign each request as you send it, and check the clock",
        )
    return stamp


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The raw body, refused with 413 once it passes ``limit`` bytes (declared or sent)."""
    too_large = Refusal(413, f"the body is larger than {limit} bytes")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.content.iter_chunked(16 * 1024):
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def json_body(request: web.Request, body: bytes, what: str) -> object:
    """The body as JSON; 415 when not sent as JSON, 400 when it does not parse."""
    if request.content_type != "application/json" and not request.content_type.endswith("+json"):
        raise Refusal(415, f"send the {what} as JSON (Content-Type: application/json)")
    try:
        return json.loads(body)
    except json.JSONDecodeError as err:
        raise Refusal(
            400, f"the body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    except (ValueError, RecursionError):  # not UTF-8, or nested too deep to parse
        raise Refusal(400, "the body is not valid JSON") from None


def field_problems(err: ValidationError) -> list[dict[str, str]]:
    """Every field a model refused, as ``{"field", "message"}``."""
    return [
        {
            "field": ".".join(str(part) for part in problem["loc"]) or "(top level)",
            "message": problem["msg"],
        }
        for problem in err.errors()
    ]


@dataclass(frozen=True)
class SignedRequests:
    """Checks a hook's requests against ``secret`` (None: the hook is disabled, 503);
    ``clock`` gives the time signatures are checked against."""

    name: str
    secret: SecretStr | None
    clock: Callable[[], float] = field(default=time.time, repr=False)

    async def body(self, request: web.Request) -> bytes:
        """The raw body of a request signed with the secret; a refusal otherwise."""
        if self.secret is None:
            raise Refusal(
                503, f"the {self.name} is disabled: set CHATOPS_WEBHOOK_SECRET to enable it"
            )
        try:
            stamp = self._signed_at(request)
            body = await read_body(request)
            expected = signature(self.secret.get_secret_value().encode(), stamp, body)
            if not _same(request.headers[SIGNATURE_HEADER], expected):
                raise Refusal(
                    401,
                    'wrong signature: send sha256= and the HMAC-SHA256 of "<timestamp>.<body>" '
                    "keyed with the shared secret",
                )
        except Refusal as refusal:
            if refusal.status == 401:
                log.warning("%s: refused a request: %s", self.name, refusal)
            raise
        return body

    def _signed_at(self, request: web.Request) -> str:
        if SIGNATURE_HEADER not in request.headers:
            if "Authorization" in request.headers:
                raise Refusal(
                    401,
                    f"bearer tokens are not accepted (the secret would travel in the request); "
                    f"sign it with {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}",
                )
            raise Refusal(
                401,
                f"sign the request: {TIMESTAMP_HEADER} (unix seconds) and {SIGNATURE_HEADER} "
                '(sha256= and the HMAC-SHA256 of "<timestamp>.<body>")',
            )
        return check_timestamp(request.headers, self.clock())


class Started(Protocol):
    """What a start returns: the workflow's id, and whether it had started already."""

    @property
    def workflow_id(self) -> str: ...

    @property
    def already_started(self) -> bool: ...


async def answer_start(name: str, start: Callable[[], Awaitable[Started]]) -> web.Response:
    """Run ``start`` and answer: 202 with the new workflow's id, 200 with
    ``already_started`` for a replay, the refusal it raised, or 503 when Temporal did not
    answer."""
    try:
        started = await start()
    except Refusal as refusal:
        return refusal.response()
    except TemporalUnreachable as err:
        log.warning("%s: %s", name, err)
        return Refusal(503, f"{err}; try again shortly").response()
    if started.already_started:
        log.info("%s: %s already started", name, started.workflow_id)
        return web.json_response(
            {"workflow_id": started.workflow_id, "already_started": True}, status=200
        )
    log.info("%s: started %s", name, started.workflow_id)
    return web.json_response({"workflow_id": started.workflow_id}, status=202)
