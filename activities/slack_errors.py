"""Slack's failures in Temporal's terms: which are worth retrying (and when), which are
permanent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from temporalio.exceptions import ApplicationError

# Errors that may pass if the same call is tried again; every other Slack error is permanent
# (a bad token, an unknown channel, a message that is gone...), so it fails at once instead of
# holding a workflow on retries that can never succeed. HTTP 429 and 5xx are retried too.
# https://api.slack.com/web#evaluating_responses
TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)


class SlackCallError(ApplicationError):
    """A Slack call that failed, with Slack's error code."""

    def __init__(self, message: str, code: str, **kwargs: Any) -> None:
        super().__init__(message, code, **kwargs)
        self.code = code


def retry_after_seconds(value: object) -> int:
    """Slack's ``Retry-After`` in whole seconds, bounded; 1 when it is not a number."""
    try:
        return min(max(int(str(value).strip()), 1), 3600)
    except ValueError:
        return 1


def is_transient(status: int, code: str) -> bool:
    """Whether a Slack failure may pass if tried again: rate limits, server errors and the
    error codes Slack documents as temporary."""
    return status == 429 or status >= 500 or code in TRANSIENT_ERRORS


def to_application_error(method: str, err: SlackApiError) -> SlackCallError:
    """Map a Slack API error onto Temporal's retry semantics."""
    response = err.response
    status = response.status_code
    code = str(response.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        raw = headers.get("retry-after", "1")
        delay = retry_after_seconds(raw[0] if isinstance(raw, list) else raw)
        return SlackCallError(
            f"Slack rate-limited {method}; retrying after {delay}s",
            code,
            type="SlackRateLimited",
            next_retry_delay=timedelta(seconds=delay),
        )
    if is_transient(status, code):
        return SlackCallError(f"Slack {method} failed: {code}", code, type="SlackError")
    return SlackCallError(
        f"Slack refused {method}: {code}", code, type="SlackPermanentError", non_retryable=True
    )
