"""The bot's metrics, recorded as a click, a refusal or a failed Slack call happens: each
sample asserted by its value, as the change it shows (the registry is the process's)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import generate_latest
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from activities.cards import APPROVE_ACTION, REJECT_ACTION
from bot.app import build_app
from bot.metrics import REGISTRY, record_request
from bot.slack_errors import SlackErrorCounter
from orchestration.metrics import kind_label, slack_label
from orchestration.models.approval import ApprovalState
from slacksim import APPROVER_ID, DEFAULT_SIGNING_SECRET, OUTSIDER_ID
from tests.bot.listeners.fakes import NOW, FakeTemporal, OfflineSlack, approval_state
from tests.bot.listeners.payloads import click_body, interaction, signed_request
from tests.prometheus import Samples, key, moved, samples

pytestmark = pytest.mark.unit
# The decision-wait buckets a 42 s wait falls in.
WAIT_BUCKETS_FROM_60 = (
    *("60.0", "300.0", "900.0", "1800.0", "3600.0", "10800.0", "28800.0"),
    *("86400.0", "259200.0", "604800.0", "+Inf"),
)


def page() -> Samples:
    return samples(generate_latest(REGISTRY).decode())


async def click_moves(
    slack: OfflineSlack, state: ApprovalState, click: dict[str, Any]
) -> tuple[int, dict[tuple[str, frozenset[tuple[str, str]]], float]]:
    """Dispatch a signed ``click`` on a request in ``state``: the status, and what moved."""
    temporal = FakeTemporal()
    temporal.waiting(state)
    app = build_app(slack.client, DEFAULT_SIGNING_SECRET, temporal)  # type: ignore[arg-type]
    request = signed_request(interaction(click), secret=DEFAULT_SIGNING_SECRET)
    before = page()
    response = await app.async_dispatch(request)
    return response.status, moved(before, page())


@pytest.fixture
def offline_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[OfflineSlack]:
    yield OfflineSlack(monkeypatch)


async def test_a_click_counts_its_decision_and_how_long_the_request_waited(
    offline_slack: OfflineSlack,
) -> None:
    waiting_since = NOW - timedelta(minutes=5)
    clicked_at = f"{(waiting_since + timedelta(seconds=42)).timestamp():.6f}"
    body = click_body(APPROVER_ID, APPROVE_ACTION, action_ts=clicked_at)
    state = approval_state(requested_at=waiting_since)
    status, changes = await click_moves(offline_slack, state, body)

    assert status == 200
    assert changes == {
        key("chatops_decisions_total", kind="order", verdict="approve", outcome="accepted"): 1,
        key("chatops_decision_wait_seconds_count", kind="order"): 1,
        key("chatops_decision_wait_seconds_sum", kind="order"): pytest.approx(42.0),
        **{
            key("chatops_decision_wait_seconds_bucket", kind="order", le=le): 1
            for le in WAIT_BUCKETS_FROM_60
        },
    }


async def test_a_refused_click_counts_its_reason_and_no_wait(offline_slack: OfflineSlack) -> None:
    body = click_body(OUTSIDER_ID, REJECT_ACTION)
    status, changes = await click_moves(offline_slack, approval_state(), body)

    assert status == 200
    assert changes == {
        key("chatops_decisions_total", kind="order", verdict="reject", outcome="refused"): 1,
        key("chatops_decision_refusals_total", reason="not_an_approver"): 1,
    }


def test_requests_are_counted_by_payload_type_and_status() -> None:
    before = page()
    record_request("block_actions", 200, 0.02)
    record_request("a type Slack never sends", 400, 0.001)
    record_request(None, 401, 0.001)
    changes = moved(before, page())
    assert changes[key("chatops_slack_requests_total", type="block_actions", status="200")] == 1
    assert changes[key("chatops_slack_requests_total", type="other", status="400")] == 1
    assert changes[key("chatops_slack_requests_total", type="other", status="401")] == 1
    assert changes[key("chatops_slack_request_seconds_count", type="block_actions")] == 1
    assert changes[key("chatops_slack_request_seconds_count", type="other")] == 2
    assert changes[key("chatops_slack_request_seconds_bucket", type="block_actions", le="0.025")]


@pytest.mark.parametrize(
    ("status", "body", "error", "counted"),
    [
        (200, {"ok": True}, None, None),
        (200, {"ok": False, "error": "channel_not_found"}, None, "channel_not_found"),
        (429, {"ok": False, "error": "ratelimited"}, None, "ratelimited"),
        (503, None, None, "http_503"),
        (200, {"ok": False, "error": "<html>a proxy's page</html>"}, None, "other"),
        (None, None, ConnectionResetError(), "unreachable"),
    ],
)
async def test_every_failed_slack_call_is_counted_by_method_and_error(
    status: int | None, body: dict | None, error: Exception | None, counted: str | None
) -> None:
    request = HttpRequest(method="POST", url="http://slack.test/api/chat.update", headers={})
    response = None if status is None else HttpResponse(status_code=status, headers={}, body=body)
    before = page()
    retried = await SlackErrorCounter().can_retry_async(
        state=RetryState(), request=request, response=response, error=error
    )
    changes = moved(before, page())
    assert retried is False
    expected = (
        {}
        if counted is None
        else {key("chatops_slack_api_errors_total", method="chat.update", error=counted): 1}
    )
    assert changes == expected


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        *[("order", "order"), ("ticket", "ticket"), ("agent task", "agent_task")],
        *[("agent_task", "agent_task"), ("deploy", "request"), ("U0123 says hi", "request")],
    ],
)
def test_kinds_are_a_fixed_set_of_labels(kind: str, label: str) -> None:
    assert kind_label(kind) == label


@pytest.mark.parametrize(
    ("word", "label"),
    [
        *[("chat.update", "chat.update"), ("invalid_auth", "invalid_auth"), ("x" * 49, "other")],
        *[("Bad Gateway", "other"), ("", "other")],
    ],
)
def test_slack_words_outside_the_shape_of_one_become_other(word: str, label: str) -> None:
    assert slack_label(word) == label
