"""The Bolt app as Slack reaches it: signed requests dispatched through ``build_app``, with a
Slack client that never leaves the process and a stand-in for Temporal."""

from __future__ import annotations

import time

import pytest
from slack_bolt.async_app import AsyncApp

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
