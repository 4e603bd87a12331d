"""manifest.yml is a valid Slack app manifest for exactly what the code uses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent

# Web API methods -> the bot scopes they need (any one of the listed sets suffices).
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.delete": {"chat:write"},
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.open": {"im:write", "mpim:write", "channels:manage", "groups:write"},
    "usergroups.users.list": {"usergroups:read"},
    "users.info": {"users:read"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "views.open": set(),
    "views.publish": set(),
    "chat.getPermalink": set(),
    "auth.test": set(),
}
Url = Annotated[str, StringConstraints(pattern=r"^https?://", max_length=3000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisplayInformation(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=35)]
    description: Annotated[str, StringConstraints(max_length=140)] | None = None
    long_description: Annotated[str, StringConstraints(min_length=175, max_length=4000)] | None = (
        None
    )
    background_color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None


class BotUser(Strict):
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    always_online: bool = False


class SlashCommand(Strict):
    command: Annotated[str, StringConstraints(pattern=r"^/[a-z0-9_-]{1,31}$")]
    url: Url | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    usage_hint: Annotated[str, StringConstraints(max_length=1000)] | None = None
    should_escape: bool = False


class AppHome(Strict):
    home_tab_enabled: bool = False
    messages_tab_enabled: bool = False
    messages_tab_read_only_enabled: bool = False


class Features(Strict):
    app_home: AppHome | None = None
    bot_user: BotUser
    slash_commands: list[SlashCommand] = Field(default_factory=list, max_length=50)


class Scopes(Strict):
    bot: list[str] = Field(max_length=255)


class OAuthConfig(Strict):
    scopes: Scopes


class Interactivity(Strict):
    is_enabled: bool
    request_url: Url | None = None


class EventSubscriptions(Strict):
    request_url: Url | None = None
    bot_events: list[str] = Field(default_factory=list, max_length=100)


class AppSettings(Strict):
    event_subscriptions: EventSubscriptions | None = None
    interactivity: Interactivity
    org_deploy_enabled: bool = False
    socket_mode_enabled: bool = False
    token_rotation_enabled: bool = False


class Manifest(Strict):
    metadata: dict[str, int] = Field(alias="_metadata")
    display_information: DisplayInformation
    features: Features
    oauth_config: OAuthConfig
    settings: AppSettings


def load() -> Manifest:
    raw: Any = yaml.safe_load((ROOT / "manifest.yml").read_text())
    return Manifest.model_validate(raw)


# Families of Slack's Web API (https://api.slack.com/methods): a Temporal client's
# ``client.start_workflow(`` is not ``start.workflow``.
SLACK_FAMILIES = {
    "admin",
    "api",
    "apps",
    "auth",
    "bookmarks",
    "bots",
    "calls",
    "chat",
    "conversations",
    "dnd",
    "emoji",
    "files",
    "pins",
    "reactions",
    "reminders",
    "search",
    "stars",
    "team",
    "usergroups",
    "users",
    "views",
}


def methods_called() -> set[str]:
    """Every Web API method the bot, the activities and the command line call."""
    found: set[str] = set()
    sources = [*ROOT.glob("activities/*.py"), *ROOT.glob("bot/**/*.py"), *ROOT.glob("cli/*.py")]
    for path in sources:
        text = path.read_text()
        found |= set(re.findall(r"\.call(?:_get)?\(\s*\"([a-z]+\.[a-zA-Z.]+)\"", text))
        if "client.files_upload_v2(" in text:  # slack_sdk's upload: these two, and a POST
            found |= {"files.getUploadURLExternal", "files.completeUploadExternal"}
        for group, method in re.findall(r"client\.([a-z]+)_([a-zA-Z]+)\(", text):
            if group in SLACK_FAMILIES and (group, method) != ("api", "call"):
                found.add(f"{group}.{method}")
    return found


def test_manifest_is_valid() -> None:
    manifest = load()
    assert manifest.metadata["major_version"] == 1
    assert manifest.settings.interactivity.is_enabled is True
    assert manifest.settings.interactivity.request_url is not None
    assert manifest.settings.interactivity.request_url.endswith("/slack/events")


def test_every_called_method_is_known_and_its_scope_granted() -> None:
    scopes = set(load().oauth_config.scopes.bot)
    called = methods_called()
    assert {"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open"} <= called
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods to METHOD_SCOPES: {unknown}"
    for method in called:
        needed = METHOD_SCOPES[method]
        assert not needed or needed & scopes, f"{method} needs one of {needed}"


def test_no_scope_is_granted_that_nothing_uses() -> None:
    scopes = set(load().oauth_config.scopes.bot)
    used = set().union(*(METHOD_SCOPES[m] for m in methods_called()))
    used.add("chat:write.public")  # lets chat.postMessage reach public channels uninvited
    if registered_commands():
        used.add("commands")
    assert scopes <= used, f"unused scopes: {scopes - used}"


def registered_commands() -> set[str]:
    """Every slash command the bot registers a listener for."""
    found: set[str] = set()
    for path in ROOT.glob("bot/**/*.py"):
        found |= set(re.findall(r"\.command\(\s*\"(/[a-z0-9_-]+)\"", path.read_text()))
    return found


def test_declared_commands_are_exactly_the_handled_ones() -> None:
    manifest = load()
    declared = {c.command for c in manifest.features.slash_commands}
    assert declared == registered_commands() == {"/workflow", "/schedule", "/flow"}
    assert "commands" in manifest.oauth_config.scopes.bot
    for command in manifest.features.slash_commands:
        assert command.url is not None and command.url.endswith("/slack/events")
        assert command.should_escape is False  # ids arrive as typed


def registered_events() -> set[str]:
    """Every Events API event the bot registers a listener for."""
    found: set[str] = set()
    for path in ROOT.glob("bot/**/*.py"):
        found |= set(re.findall(r"\.event\(\s*\"([a-z_]+)\"", path.read_text()))
    return found


def test_subscribed_events_are_exactly_the_handled_ones_and_home_is_on() -> None:
    manifest = load()
    events = manifest.settings.event_subscriptions
    assert events is not None and events.request_url is not None
    assert events.request_url.endswith("/slack/events")
    assert set(events.bot_events) == registered_events() == {"app_home_opened"}
    assert manifest.features.app_home is not None
    assert manifest.features.app_home.home_tab_enabled is True
