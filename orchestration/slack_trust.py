"""Combinations of Slack settings that would let someone act as a Slack user, refused at start.

The stand-in's bot token, app token and signing secret are in this repository, so anyone can
sign a click with them. They may only be in force while the stand-in itself is in use (no
``SLACK_BOT_TOKEN``) and only reachable from this machine. Each check returns one line saying
what is wrong and what to set instead; the command line prints it and exits.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import SecretStr

from orchestration.settings import Settings


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a name or an address, IPv6 with or without brackets) is this machine
    only; an empty host means every interface, and other names may resolve anywhere."""
    if not host:
        return False
    name = host.strip().strip("[]").lower().removesuffix(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def workspace_problem(settings: Settings) -> str | None:
    """With a workspace (``SLACK_BOT_TOKEN``): no public stand-in value may stand in for a
    credential of the app's own."""
    stand_in = settings.stand_in
    if not settings.uses_real_slack or stand_in is None:
        return None
    for name, value, public in (
        ("SLACK_BOT_TOKEN", _secret(settings.slack_bot_token), stand_in.bot_token),
        ("SLACK_SIGNING_SECRET", _secret(settings.slack_signing_secret), stand_in.signing_secret),
        ("SLACK_APP_TOKEN", _secret(settings.slack_app_token), stand_in.app_token),
    ):
        if value == public:
            return (
                f"{name} is the local stand-in's public value, which anyone can use; set your "
                f"Slack app's own, or unset SLACK_BOT_TOKEN to run against the stand-in"
            )
    return None


def api_url_problem(settings: Settings) -> str | None:
    """Where the bot token is sent: the stand-in's token only to this machine, a real token
    only over https unless it stays on this machine."""
    url = settings.effective_slack_api_url
    parts = urlsplit(url)
    local = is_loopback(parts.hostname)
    if not settings.uses_real_slack and not local:
        return (
            f"SLACK_API_URL {url} is not on this machine but no SLACK_BOT_TOKEN is set: the "
            "stand-in's public token would be sent there; set SLACK_BOT_TOKEN (and "
            "SLACK_SIGNING_SECRET or SLACK_APP_TOKEN), or point SLACK_API_URL at the stand-in"
        )
    if settings.uses_real_slack and not local and parts.scheme != "https":
        return (
            f"SLACK_API_URL {url} is not https: the bot token would travel unencrypted; use "
            "https (or an address on this machine)"
        )
    return None


def events_problem(settings: Settings) -> str | None:
    """Who may reach ``POST /slack/events``, and with which secret."""
    if (
        settings.uses_real_slack
        and settings.slack_app_token is None
        and settings.slack_signing_secret is None
    ):
        return (
            "SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: HTTP mode needs the "
            "app's signing secret (or set SLACK_APP_TOKEN for Socket Mode)"
        )
    stand_in = settings.stand_in
    secret = settings.events_signing_secret()
    public = stand_in is not None and secret == stand_in.signing_secret
    if public and not is_loopback(settings.bot_host):
        return (
            f"CHATOPS_BOT_HOST={settings.bot_host} would let other machines reach "
            "/slack/events, which trusts the stand-in's public signing secret; keep "
            "CHATOPS_BOT_HOST on 127.0.0.1, or set a real app's SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET"
        )
    return None


def webhook_problem(settings: Settings) -> str | None:
    """The webhook's key must not be a value published in this repository."""
    stand_in = settings.stand_in
    if stand_in is not None and _secret(settings.webhook_secret) in stand_in.public_values:
        return (
            "CHATOPS_WEBHOOK_SECRET is one of the stand-in's public values, which anyone can "
            "sign with; choose a secret of your own"
        )
    return None


def slack_api_problem(settings: Settings) -> str | None:
    """The first problem with how a process talks to Slack's Web API (worker and bot)."""
    return workspace_problem(settings) or api_url_problem(settings)


def bot_problem(settings: Settings) -> str | None:
    """The first insecure combination of the bot's settings, as one line, or None."""
    return slack_api_problem(settings) or events_problem(settings) or webhook_problem(settings)
