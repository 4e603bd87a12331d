"""``chatops bot | worker | slack-sim`` refuse insecure Slack settings: one line, exit 1,
before opening a port or reaching Temporal."""

from __future__ import annotations

import pytest

from slacksim import DEFAULT_APP_TOKEN, DEFAULT_SIGNING_SECRET
from tests.cli.test_cli import chatops
from tests.helpers import isolated_env

CASES = {
    "bot: Socket Mode signed with the stand-in's secret": (
        "bot",
        {
            "SLACK_BOT_TOKEN": "xoxb-a-real-workspace",
            "SLACK_APP_TOKEN": "xapp-a-real-workspace",
            "SLACK_SIGNING_SECRET": DEFAULT_SIGNING_SECRET,
        },
        "error: SLACK_SIGNING_SECRET is the local stand-in's public value",
    ),
    "bot: the stand-in's secret on every interface": (
        "bot",
        {"CHATOPS_BOT_HOST": "0.0.0.0"},
        "error: CHATOPS_BOT_HOST=0.0.0.0 would let other machines reach /slack/events",
    ),
    "up: the stand-in's app token with a workspace": (
        "up",
        {"SLACK_BOT_TOKEN": "xoxb-a-real-workspace", "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN},
        "error: SLACK_APP_TOKEN is the local stand-in's public value",
    ),
    "worker: the stand-in's token sent away": (
        "worker",
        {"SLACK_API_URL": "https://slack.com/api/"},
        "error: SLACK_API_URL https://slack.com/api/ is not on this machine",
    ),
    "slack-sim: a workspace's credentials": (
        "slack-sim",
        {"SLACK_BOT_TOKEN": "xoxb-a-real-workspace", "SLACK_SIGNING_SECRET": "its-secret"},
        "error: SLACK_BOT_TOKEN is set: the stand-in is for running without a Slack workspace",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_insecure_settings_stop_start_up_with_one_line(case: str) -> None:
    role, settings, expected = CASES[case]
    env, _ = isolated_env()
    run = await chatops(role, env=env | settings)
    assert run.code == 1, run.err
    assert run.err.startswith(expected), run.err
    assert run.err.count("\n") == 1 and run.out == ""
    for value in settings.values():
        if value != "0.0.0.0" and not value.startswith("https://"):
            assert value not in run.err  # settings are named, secrets never printed
