"""Which Slack settings the bot refuses to start with, and which secret is in force."""

from __future__ import annotations

import os

import pytest

from cli.standin import STAND_IN
from orchestration.settings import Settings
from orchestration.slack_trust import bot_problem, is_loopback, slack_api_problem

pytestmark = pytest.mark.unit

STANDIN_APP_TOKEN = STAND_IN.app_token
STANDIN_BOT_TOKEN = STAND_IN.bot_token
STANDIN_SIGNING_SECRET = STAND_IN.signing_secret

REAL = {"SLACK_BOT_TOKEN": "xoxb-real", "SLACK_SIGNING_SECRET": "real-signing-secret"}
SOCKET = {"SLACK_BOT_TOKEN": "xoxb-real", "SLACK_APP_TOKEN": "xapp-real"}


@pytest.fixture(autouse=True)
def no_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "CHATOPS_")):
            monkeypatch.delenv(name)


def settings(**env: str) -> Settings:
    return Settings.model_validate(env).with_stand_in(STAND_IN)


REFUSED = {
    "real token, HTTP mode, no secret": ({"SLACK_BOT_TOKEN": "xoxb-real"}, "SLACK_SIGNING_SECRET"),
    "real token, HTTP mode, blank secret": (
        {"SLACK_BOT_TOKEN": "xoxb-real", "SLACK_SIGNING_SECRET": " "},
        "SLACK_SIGNING_SECRET is not",
    ),
    "real token with the stand-in's secret": (
        REAL | {"SLACK_SIGNING_SECRET": STANDIN_SIGNING_SECRET},
        "SLACK_SIGNING_SECRET is the local stand-in's public value",
    ),
    "Socket Mode with the stand-in's secret": (
        SOCKET | {"SLACK_SIGNING_SECRET": STANDIN_SIGNING_SECRET},
        "SLACK_SIGNING_SECRET is the local stand-in's public value",
    ),
    "the stand-in's token as a workspace's": (
        REAL | {"SLACK_BOT_TOKEN": STANDIN_BOT_TOKEN},
        "SLACK_BOT_TOKEN is the local stand-in's public value",
    ),
    "the stand-in's app token with a workspace": (
        SOCKET | {"SLACK_APP_TOKEN": STANDIN_APP_TOKEN},
        "SLACK_APP_TOKEN is the local stand-in's public value",
    ),
    "public secret on every interface": ({"CHATOPS_BOT_HOST": "0.0.0.0"}, "CHATOPS_BOT_HOST"),
    "public secret on a LAN address": ({"CHATOPS_BOT_HOST": "192.168.1.5"}, "CHATOPS_BOT_HOST"),
    "public secret on IPv6 everywhere": ({"CHATOPS_BOT_HOST": "::"}, "CHATOPS_BOT_HOST"),
    "public secret on a host name": ({"CHATOPS_BOT_HOST": "bot.example"}, "CHATOPS_BOT_HOST"),
    "public secret set by hand, on every interface": (
        {"CHATOPS_BOT_HOST": "0.0.0.0", "SLACK_SIGNING_SECRET": STANDIN_SIGNING_SECRET},
        "CHATOPS_BOT_HOST",
    ),
    "stand-in token to Slack": (
        {"SLACK_API_URL": "https://slack.com/api/"},
        "the stand-in's public token would be sent there",
    ),
    "stand-in token to another machine": (
        {"SLACK_API_URL": "http://10.1.2.3:3001/api/", "SLACK_APP_TOKEN": STANDIN_APP_TOKEN},
        "the stand-in's public token would be sent there",
    ),
    "real token in clear text": (
        REAL | {"SLACK_API_URL": "http://slack.example/api/"},
        "not https",
    ),
    "webhook keyed with a public value": (
        {"CHATOPS_WEBHOOK_SECRET": STANDIN_SIGNING_SECRET},
        "CHATOPS_WEBHOOK_SECRET is one of the stand-in's public values",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_insecure_combinations_are_refused_in_one_line(case: str) -> None:
    env, expected = REFUSED[case]
    problem = bot_problem(settings(**env))
    assert problem is not None and expected in problem
    assert "\n" not in problem
    for value in (STANDIN_BOT_TOKEN, STANDIN_SIGNING_SECRET, "real-signing-secret", "xoxb-real"):
        assert value not in problem  # names the setting, never its value


ALLOWED = {
    "the stand-in, defaults": {},
    "the stand-in on localhost": {"CHATOPS_BOT_HOST": "localhost"},
    "the stand-in on IPv6 loopback": {"CHATOPS_BOT_HOST": "::1"},
    "the stand-in on another loopback address": {"CHATOPS_BOT_HOST": "127.0.0.2"},
    "the stand-in in Socket Mode": {
        "SLACK_APP_TOKEN": STANDIN_APP_TOKEN,
        "SLACK_API_URL": "http://127.0.0.1:3001/api/",
    },
    # No /slack/events is served, so the public secret opens nothing.
    "the stand-in in Socket Mode, every interface": {
        "SLACK_APP_TOKEN": STANDIN_APP_TOKEN,
        "CHATOPS_BOT_HOST": "0.0.0.0",
    },
    "a workspace in HTTP mode behind a proxy": REAL | {"CHATOPS_BOT_HOST": "0.0.0.0"},
    "a workspace in Socket Mode without a secret": SOCKET,
    "a workspace through a local proxy": REAL | {"SLACK_API_URL": "http://[::1]:8080/api/"},
    "a webhook with its own key": {"CHATOPS_WEBHOOK_SECRET": "a-key-of-our-own"},
}


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_safe_combinations_start(case: str) -> None:
    assert bot_problem(settings(**ALLOWED[case])) is None


def test_the_worker_checks_only_where_the_token_goes() -> None:
    assert slack_api_problem(settings(CHATOPS_BOT_HOST="0.0.0.0")) is None
    problem = slack_api_problem(settings(SLACK_API_URL="https://slack.com/api/"))
    assert problem is not None and problem.startswith("SLACK_API_URL https://slack.com/api/")


def test_the_stand_ins_secret_is_in_force_only_without_a_workspace() -> None:
    standin = settings()
    assert (standin.bot_token(), standin.signing_secret()) == (
        STANDIN_BOT_TOKEN,
        STANDIN_SIGNING_SECRET,
    )
    assert standin.events_signing_secret() == STANDIN_SIGNING_SECRET

    socket = settings(**SOCKET)
    assert (socket.bot_token(), socket.signing_secret(), socket.events_signing_secret()) == (
        "xoxb-real",
        None,
        None,
    )
    own = settings(**SOCKET, SLACK_SIGNING_SECRET="own-secret")
    assert own.events_signing_secret() == "own-secret"
    standin_socket = settings(SLACK_APP_TOKEN=STANDIN_APP_TOKEN)
    assert standin_socket.signing_secret() == STANDIN_SIGNING_SECRET
    assert standin_socket.events_signing_secret() is None
    # A blank value is no value: not an empty HMAC key, not a workspace.
    blank = settings(SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="")
    assert (blank.uses_real_slack, blank.signing_secret()) == (False, STANDIN_SIGNING_SECRET)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        (None, False),
        ("10.0.0.1", False),
        ("localhost.example", False),
    ],
)
def test_loopback_hosts(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback
