"""Slack's request signature, checked before a request reaches Bolt.

Bolt checks it too, but reads the timestamp with a bare ``int()`` (an empty or non-numeric
``X-Slack-Request-Timestamp`` raised and answered 500 with a trace) and parses the body
before verifying it (an unsigned body that is not JSON raised the same way). Here every
unverifiable request gets one reason, so the caller answers 401 and logs it once.
Scheme: https://api.slack.com/authentication/verifying-requests-from-slack
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from slack_sdk.signature import Clock, SignatureVerifier

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
# Slack's tolerance, as in slack_sdk's SignatureVerifier.is_valid.
MAX_SKEW_S = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class SlackRequestVerifier:
    """Checks ``X-Slack-Signature`` and ``X-Slack-Request-Timestamp`` over the raw body."""

    def __init__(self, signing_secret: str, clock: Clock | None = None) -> None:
        self._clock = clock or Clock()
        self._verifier = SignatureVerifier(signing_secret, self._clock)

    def problem(self, headers: Mapping[str, str], body: bytes) -> str | None:
        """Why the request cannot be trusted, or None when Slack signed exactly this body
        within the last five minutes. Reasons quote no header values."""
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "")
        if not timestamp:
            return f"no {TIMESTAMP_HEADER}"
        if not signature:
            return f"no {SIGNATURE_HEADER}"
        if not _TIMESTAMP.fullmatch(timestamp):
            return f"{TIMESTAMP_HEADER} is not unix seconds"
        skew = self._clock.now() - int(timestamp)
        if abs(skew) > MAX_SKEW_S:
            return f"{TIMESTAMP_HEADER} is {abs(skew):.0f}s off (more than {MAX_SKEW_S}s)"
        if not _SIGNATURE.fullmatch(signature):
            return f"{SIGNATURE_HEADER} is not v0= and 64 hex digits"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return "the body is not UTF-8"
        if not self._verifier.is_valid(text, timestamp, signature):
            return f"{SIGNATURE_HEADER} does not match the body"
        return None
