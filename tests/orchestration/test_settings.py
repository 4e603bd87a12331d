"""Duration settings: human or ISO forms, plain seconds, bounded, refused naming the variable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from orchestration.settings import Settings

pytestmark = pytest.mark.unit

NOT_A_DURATION = "not a duration; use e.g. 90s, 30m, 2h, 1d, or seconds"


def problems(**env: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        Settings(**env)  # type: ignore[arg-type]
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in raised.value.errors()]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CHATOPS_AGENT_ACCEPT_TIMEOUT", "0", "must be between 1s and 1d"),
        ("CHATOPS_AGENT_ACCEPT_TIMEOUT", "-60", "must be between 1s and 1d"),
        ("CHATOPS_AGENT_ACCEPT_TIMEOUT", "999999w", "must be between 1s and 1d"),
        ("CHATOPS_AGENT_ACCEPT_TIMEOUT", "PT0S", "must be between 1s and 1d"),
        ("CHATOPS_AGENT_ACCEPT_TIMEOUT", "soon", NOT_A_DURATION),
        ("CHATOPS_SCRAPE_EVERY", "0", "must be between 1m and 366d"),
        ("CHATOPS_SCRAPE_EVERY", "-60", "must be between 1m and 366d"),
        ("CHATOPS_SCRAPE_EVERY", "999999w", "must be between 1m and 366d"),
        ("CHATOPS_SCRAPE_EVERY", "PT0S", "must be between 1m and 366d"),
        ("CHATOPS_SCRAPE_EVERY", "999999w" * 200, NOT_A_DURATION),
        ("CHATOPS_RECONCILE_EVERY", "0", "must be between 10s and 1d, or off"),
        ("CHATOPS_RECONCILE_EVERY", "-60", "must be between 10s and 1d, or off"),
        ("CHATOPS_RECONCILE_EVERY", "999999w", "must be between 10s and 1d, or off"),
        ("CHATOPS_RECONCILE_EVERY", "PT0S", "must be between 10s and 1d, or off"),
    ],
)
def test_duration_settings_are_bounded(variable: str, value: str, message: str) -> None:
    assert problems(**{variable: value}) == [(variable, message)]


def test_duration_settings_take_human_iso_and_seconds_forms() -> None:
    settings = Settings(
        CHATOPS_AGENT_ACCEPT_TIMEOUT="120",
        CHATOPS_SCRAPE_EVERY="PT30M",
        CHATOPS_RECONCILE_EVERY="1d",
    )
    assert (settings.agent_accept_timeout, settings.scrape_every, settings.reconcile_every) == (
        timedelta(minutes=2),
        timedelta(minutes=30),
        timedelta(days=1),
    )
    assert Settings(CHATOPS_SCRAPE_EVERY="366d").scrape_every == timedelta(days=366)


def test_a_short_webhook_secret_is_refused() -> None:
    assert problems(CHATOPS_WEBHOOK_SECRET="hunter2") == [
        (
            "CHATOPS_WEBHOOK_SECRET",
            "Value error, must be at least 16 characters (for example the output of: "
            "openssl rand -hex 32)",
        )
    ]
    assert Settings(CHATOPS_WEBHOOK_SECRET=" ").webhook_secret is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CHATOPS_TRACING", "jaeger", "must be one of: off, console, otlp"),
        ("CHATOPS_TRACING", "true", "must be one of: off, console, otlp"),
        ("CHATOPS_LOG_FORMAT", "yaml", "must be one of: text, json"),
    ],
)
def test_tracing_and_log_format_refuse_other_values(
    variable: str, value: str, message: str
) -> None:
    assert problems(**{variable: value}) == [(variable, message)]


def test_tracing_is_off_and_logs_are_text_unless_told() -> None:
    assert (Settings().tracing, Settings().log_format) == ("off", "text")
    told = Settings(CHATOPS_TRACING=" OTLP ", CHATOPS_LOG_FORMAT="Json")
    assert (told.tracing, told.log_format) == ("otlp", "json")
    blank = Settings(CHATOPS_TRACING="", CHATOPS_LOG_FORMAT=" ")
    assert (blank.tracing, blank.log_format) == ("off", "text")
