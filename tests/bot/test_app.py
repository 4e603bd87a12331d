"""The Bolt app as Slack reaches it: signed requests dispatched through ``build_app``, with a
Slack client that never leaves the process and a stand-in for Temporal."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.slack_response import SlackResponse

from activities.cards import APPROVE_ACTION
from bot.app import build_app
from slacksim import APPROVALS_CHANNEL_ID, APPROVER_ID, DEFAULT_SIGNING_SECRET
from tests.bot.listeners.fakes import FakeTemporal, OfflineSlack, approval_state
from tests.bot.listeners.payloads import click_body, interaction, signed_request

pytestmark = pytest.mark.unit


@pytest.fixture
def offline_slack(monkeypatch: pytest.MonkeyPatch) -> OfflineSlack:
    return OfflineSlack(monkeypatch)


def offline_app(temporal: FakeTemporal, slack: OfflineSlack) -> AsyncApp:
    return build_app(slack.client, DEFAULT_SIGNING_SECRET, temporal)  # type: ignore[arg-type]


async def test_a_signed_click_reaches_the_listener_and_is_signalled(
    offline_slack: OfflineSlack,
) -> None:
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    app = offline_app(temporal, offline_slack)

    body = interaction(click_body(APPROVER_ID, APPROVE_ACTION))
    response = await app.async_dispatch(signed_request(body, secret=DEFAULT_SIGNING_SECRET))

    assert response.status == 200
    assert [sent.arg.user_id for sent in handle.sent] == [APPROVER_ID]


@pytest.mark.parametrize(
    ("secret", "age"),
    [("not-the-secret", 0), (DEFAULT_SIGNING_SECRET, 6 * 60)],
    ids=["bad-signature", "stale-timestamp"],
)
async def test_forged_or_stale_requests_get_401_and_reach_no_listener(
    offline_slack: OfflineSlack, secret: str, age: int
) -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state())
    app = offline_app(temporal, offline_slack)

    body = interaction(click_body(APPROVER_ID, APPROVE_ACTION))
    request = signed_request(body, secret=secret, timestamp=int(time.time()) - age)
    response = await app.async_dispatch(request)

    assert response.status == 401
    assert temporal.events == [] and offline_slack.calls == []


async def test_an_unexpected_error_is_logged_and_the_person_told_nothing_changed(
    offline_slack: OfflineSlack, caplog: pytest.LogCaptureFixture
) -> None:
    temporal = FakeTemporal()
    temporal.waiting(approval_state()).errors["describe"] = RuntimeError("a bug")
    app = offline_app(temporal, offline_slack)

    body = interaction(click_body(APPROVER_ID, APPROVE_ACTION))
    response = await app.async_dispatch(signed_request(body, secret=DEFAULT_SIGNING_SECRET))

    assert response.status == 500
    assert "unhandled error in a Slack listener" in caplog.text
    [told] = [args for method, args in offline_slack.calls if method == "chat.postEphemeral"]
    assert (told["channel"], told["user"]) == (APPROVALS_CHANNEL_ID, APPROVER_ID)
    assert str(told["text"]).startswith("Sorry, something went wrong handling that; nothing")


async def test_a_click_slack_cannot_authorize_fails_instead_of_being_acked(
    offline_slack: OfflineSlack, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Bolt's own authorization would ack this click with 200 ("reinstall this app") and drop
    # it; Slack must show the person an error instead, and the next click must work.
    # OfflineSlack's answer, which it installed in place of every client's api_call.
    answer = cast(Callable[..., Awaitable[Any]], AsyncWebClient.api_call)
    failures = ["auth.test"]

    async def flaky(client: AsyncWebClient, api_method: str, **kwargs: Any) -> Any:
        if api_method in failures:
            failures.remove(api_method)
            response = {"ok": False, "error": "internal_error"}
            raise SlackApiError(
                "Slack is down",
                SlackResponse(
                    client=client,
                    http_verb="POST",
                    api_url=api_method,
                    req_args={},
                    data=response,
                    headers={},
                    status_code=503,
                ),
            )
        return await answer(api_method, **kwargs)

    monkeypatch.setattr(AsyncWebClient, "api_call", flaky)
    temporal = FakeTemporal()
    handle = temporal.waiting(approval_state())
    app = offline_app(temporal, offline_slack)
    body = interaction(click_body(APPROVER_ID, APPROVE_ACTION))

    refused = await app.async_dispatch(signed_request(body, secret=DEFAULT_SIGNING_SECRET))
    assert (refused.status, handle.sent) == (500, [])
    assert "Slack did not answer auth.test" in caplog.text
    assert "unhandled error" not in caplog.text

    for _ in range(2):
        answered = await app.async_dispatch(signed_request(body, secret=DEFAULT_SIGNING_SECRET))
        assert answered.status == 200
    assert [sent.arg.user_id for sent in handle.sent] == [APPROVER_ID, APPROVER_ID]
    # Asked again after the failure, then kept.
    assert [method for method, _ in offline_slack.calls].count("auth.test") == 1
