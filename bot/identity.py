"""Who the bot is in Slack (``auth.test``), for Bolt's authorize step: asked until Slack
answers, then kept.

Bolt's own single-workspace authorization asks ``auth.test`` on the first request, and when
Slack fails that call (a rate limit, an outage) it acknowledges the request with HTTP 200 and
a "reinstall this app" text: a click would be acknowledged and dropped. Here a failed
``auth.test`` fails the request instead (HTTP 500, no ack), so Slack shows the person an
error and nothing is acknowledged that was not done; the next request asks again.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

log = logging.getLogger(__name__)


class SlackIdentityUnavailable(Exception):
    """Slack did not answer ``auth.test``; the request is failed, not acknowledged."""


class BotIdentity:
    """The bot's ``auth.test`` answer, asked on the first request that needs it and kept once
    Slack gave it; :attr:`authorize` is Bolt's ``authorize`` function."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._answer: AsyncSlackResponse | None = None

        # A plain function: Bolt passes arguments by the names a function declares.
        async def authorize(user_id: str | None) -> AuthorizeResult:
            return await self.result(user_id)

        self.authorize = authorize

    async def result(self, user_id: str | None) -> AuthorizeResult:
        """The bot's token and ids for a request from ``user_id``.

        Raises:
            SlackIdentityUnavailable: Slack failed ``auth.test``; Bolt answers HTTP 500.
        """
        answer = await self._identity()
        scopes = answer.headers.get("x-oauth-scopes") if answer.headers else None
        return AuthorizeResult(
            enterprise_id=answer.get("enterprise_id"),
            team_id=answer.get("team_id"),
            bot_id=answer.get("bot_id"),
            bot_user_id=answer.get("user_id"),
            bot_token=self._client.token,
            bot_scopes=scopes,
            user_id=user_id,
        )

    async def _identity(self) -> AsyncSlackResponse:
        if self._answer is None:
            try:
                self._answer = await self._client.auth_test()
            except (SlackApiError, aiohttp.ClientError, TimeoutError) as err:
                log.warning("Slack did not answer auth.test; the request fails: %s", err)
                raise SlackIdentityUnavailable(str(err)) from None
        return self._answer


def without_token(client: AsyncWebClient) -> AsyncWebClient:
    """A client like ``client`` with no token, for Bolt: each request's client gets the token
    from :meth:`BotIdentity.authorize` (Bolt ignores an app token given with ``authorize``,
    with a warning)."""
    return AsyncWebClient(
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        session=client.session,
        trust_env_in_session=client.trust_env_in_session,
        headers=client.headers,
        logger=client.logger,
        retry_handlers=None if client.retry_handlers is None else list(client.retry_handlers),
    )
