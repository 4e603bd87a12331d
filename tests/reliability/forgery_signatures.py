"""The signature family of the forgery scenario: requests that would decide, cancel or pause
if believed (an approver's Approve on a card or the Home tab, an operator's ``/workflow cancel``
and ``/schedule pause``, a reject modal), sent without a signature, with a wrong one, a stale
or future timestamp, a malformed header, or a body changed after signing.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import replace

from activities.cards import APPROVE_ACTION
from bot.modals import REJECT_VIEW
from slacksim import (
    APPROVALS_CHANNEL_ID,
    APPROVER2_ID,
    APPROVER_ID,
    DEFAULT_SIGNING_SECRET,
    OPERATOR_ID,
    OUTSIDER_ID,
)
from tests.reliability.forgery_judge import Variant
from tests.reliability.forgery_payloads import Request, signed_headers, slack_signature
from tests.reliability.forgery_variants import Draw, Reasons

MAX_SKEW = 300  # Slack's five minutes


def dangerous_request(draw: Draw) -> tuple[Request, str | None]:
    """A request that would change something if its signature were believed."""
    forger, t = draw.forger, draw.targets.waiting
    kind = draw.rng.randrange(5)
    if kind == 0:
        return forger.click(APPROVER_ID, t.card_ts, APPROVE_ACTION, t.value()), APPROVER_ID
    if kind == 1:
        return forger.slash(OPERATOR_ID, "/workflow", f"cancel {t.workflow_id} forged"), None
    if kind == 2:
        text = f"pause {draw.targets.schedule_id} forged"
        return forger.slash(OPERATOR_ID, "/schedule", text), None
    if kind == 3:
        metadata = {"workflow_id": t.workflow_id, "request_id": "1"}
        metadata["channel"] = APPROVALS_CHANNEL_ID
        return forger.submission(APPROVER_ID, REJECT_VIEW, metadata, {"reason": "forged"}), None
    return forger.click(APPROVER_ID, t.card_ts, APPROVE_ACTION, t.value(), on_home=True), None


# A mutation: the request as sent, its headers, and the reasons one of which it is refused with.
Forged = tuple[Request, dict[str, str], Reasons]
Mutation = Callable[[Draw, Request], Forged]


def _now() -> int:
    return int(time.time())


def no_headers(draw: Draw, r: Request) -> Forged:
    return r, {"Content-Type": r.content_type}, ("no X-Slack-Request-Timestamp",)


def no_signature(draw: Draw, r: Request) -> Forged:
    headers = signed_headers(r, DEFAULT_SIGNING_SECRET)
    del headers["X-Slack-Signature"]
    return r, headers, ("no X-Slack-Signature",)


def no_timestamp(draw: Draw, r: Request) -> Forged:
    headers = signed_headers(r, DEFAULT_SIGNING_SECRET)
    del headers["X-Slack-Request-Timestamp"]
    return r, headers, ("no X-Slack-Request-Timestamp",)


def wrong_secret(draw: Draw, r: Request) -> Forged:
    secret = secrets.token_hex(draw.rng.randint(4, 32))
    return r, signed_headers(r, secret), ("does not match the body",)


def stale(draw: Draw, r: Request) -> Forged:
    age = draw.rng.choice([MAX_SKEW + 2, 3600, 86_400, 10**7]) + draw.rng.randint(0, 10**5)
    sign = -1 if draw.rng.random() < 0.2 else 1  # some from the future
    headers = signed_headers(r, DEFAULT_SIGNING_SECRET, _now() - sign * age)
    return r, headers, (f"(more than {MAX_SKEW}s)",)


def tampered(draw: Draw, r: Request) -> Forged:
    headers = signed_headers(r, DEFAULT_SIGNING_SECRET)
    body = r.body
    swaps = [
        (OUTSIDER_ID.encode(), APPROVER2_ID.encode()),
        (b"forged", b"FORGED"),
        (draw.targets.waiting.workflow_id.encode(), draw.targets.quorum.workflow_id.encode()),
    ]
    for old, new in swaps:
        if old in body:
            body = body.replace(old, new)
            break
    else:
        body = body + draw.pick([b"&x=1", b" ", b"%20", b"&user_id=U0APPROVE1"])
    return replace(r, body=body), headers, ("does not match the body",)


def other_moment(draw: Draw, r: Request) -> Forged:
    headers = signed_headers(r, DEFAULT_SIGNING_SECRET)
    moved = int(headers["X-Slack-Request-Timestamp"]) - draw.rng.randint(1, MAX_SKEW - 5)
    headers["X-Slack-Request-Timestamp"] = str(moved)
    return r, headers, ("does not match the body",)


def malformed(draw: Draw, r: Request) -> Forged:
    headers = signed_headers(r, DEFAULT_SIGNING_SECRET)
    good = headers["X-Slack-Signature"].removeprefix("v0=")
    length = draw.rng.choice([0, 1, 63, 65, 128])
    headers["X-Slack-Signature"] = draw.pick(
        [
            "v0=" + good.upper(),
            "v1=" + good,
            "sha256=" + good,
            good,
            "v0=" + secrets.token_hex(64)[:length],
            "v0=" + good[:-1] + "g",
        ]
    )
    return r, headers, ("is not v0= and 64 hex digits",)


def odd_timestamp(draw: Draw, r: Request) -> Forged:
    stamp = draw.pick(["yesterday", "-5", "1e9", f"{_now()}.5", "9" * 20, "0x10", f" {_now()}x"])
    headers = signed_headers(r, DEFAULT_SIGNING_SECRET)
    headers["X-Slack-Request-Timestamp"] = stamp
    headers["X-Slack-Signature"] = slack_signature(DEFAULT_SIGNING_SECRET, stamp, r.body)
    return r, headers, ("is not unix seconds",)


SIGNATURE_MUTATIONS: tuple[Mutation, ...] = (
    no_headers,
    no_signature,
    no_timestamp,
    wrong_secret,
    stale,
    tampered,
    other_moment,
    malformed,
    odd_timestamp,
)


def signature_variant(draw: Draw) -> Variant:
    """A dangerous request with its signature forged one way or another."""
    request, _ = dangerous_request(draw)
    mutation = draw.pick(SIGNATURE_MUTATIONS)
    request, headers, expect = mutation(draw, request)
    what = f"{mutation.__name__}: {request.what}"
    return Variant("signature", replace(request, what=what), headers, draw.url, expect)
