"""Counting every failed Slack Web API call the bot makes, whoever makes it.

Bolt builds a new ``AsyncWebClient`` for each request, copying the bot's client's retry
handlers, and ``slack_sdk`` shows every answer (and every connection error) to those
handlers before deciding on a retry. A handler that never asks for a retry therefore sees
each attempt of each call: Bolt's, the listeners', and the bot's own jobs'.
https://docs.slack.dev/tools/python-slack-sdk/web#retryhandler
"""

from __future__ import annotations

from urllib.parse import urlsplit

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import async_default_handlers
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.metrics import record_slack_api_error


def api_method(url: str) -> str:
    """The Web API method a request's URL names (``.../api/chat.update`` -> ``chat.update``)."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def failure_code(response: HttpResponse | None, error: Exception | None) -> str | None:
    """Slack's error code for a failed attempt (``unreachable`` when no answer came), or None
    when the call succeeded."""
    if error is not None:
        return "unreachable"
    if response is None:
        return None
    body = response.body if isinstance(response.body, dict) else {}
    if response.status_code == 429:
        return "ratelimited"
    if response.status_code >= 400 or body.get("ok") is False:
        return str(body.get("error") or f"http_{response.status_code}")
    return None


class SlackErrorCounter(AsyncRetryHandler):
    """A retry handler that retries nothing, and counts each failed attempt by method and
    Slack's error code (``chatops_slack_api_errors_total``). Put it first: handlers after it
    still decide on retries."""

    def __init__(self) -> None:
        super().__init__(max_retry_count=0)

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        code = failure_code(response, error)
        if code is not None:
            record_slack_api_error(api_method(request.url), code)
        return False


def counting_web_client(token: str, base_url: str) -> AsyncWebClient:
    """A Web API client whose failed calls are counted, with slack_sdk's default retries
    (a connection error is tried again) after the counter."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[SlackErrorCounter(), *async_default_handlers()],
    )
