"""The app manifest as Slack enforces it: granted scopes, slash commands, event subscriptions,
App Home, transport.

The sim reads the project's ``manifest.yml`` (installed with this package; the repository's
root copy is the same file, for creating the Slack app) so that a Web API call without its scope, an
undeclared slash command, an event the app does not subscribe to or a Home tab the manifest
leaves off fails in tests as it would in Slack (see
https://docs.slack.dev/reference/app-manifest and https://api.slack.com/scopes).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from slacksim.seed import BOT_SCOPES

logger = logging.getLogger(__name__)

# pip installs packages as plain files, so the resource is a path of its own.
DEFAULT_MANIFEST_PATH = Path(str(resources.files("slacksim") / "manifest.yml"))

# Web API method -> the bot scopes that allow it (any one suffices; none: no scope needed).
# apps.connections.open is not here: it takes the app-level token (connections:write), which
# the token check in routes.py already enforces.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "api.test": (),
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.getPermalink": (),
    "conversations.list": ("channels:read", "groups:read"),
    "conversations.info": ("channels:read", "groups:read"),
    # Each kind of conversation has its own scope; the handler checks the IM one.
    "conversations.history": ("channels:history", "groups:history", "im:history"),
    # A 1:1 direct message needs im:write (checked by the handler); the others open or
    # resume other kinds of conversation.
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "users.info": ("users:read",),
    "usergroups.users.list": ("usergroups:read",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),
}
# Lets chat.postMessage post in a public channel the bot was never invited to.
PUBLIC_POST_SCOPE = "chat:write.public"
# Adds ``profile.email`` to users.info answers.
EMAIL_SCOPE = "users:read.email"


@dataclass(frozen=True)
class Manifest:
    """What the sim enforces from an app manifest; the defaults grant everything.

    Attributes:
        bot_scopes: ``oauth_config.scopes.bot``, in manifest order.
        slash_commands: ``features.slash_commands[].command``; None accepts any command
            (no manifest was found).
        bot_events: ``settings.event_subscriptions.bot_events``; None allows every event
            (no manifest was found).
        home_tab_enabled: ``features.app_home.home_tab_enabled``.
        messages_tab_enabled: ``features.app_home.messages_tab_enabled``.
        interactivity_enabled: ``settings.interactivity.is_enabled``.
        socket_mode_enabled: ``settings.socket_mode_enabled``.
        path: The file it came from, or None for the grant-everything default.
    """

    bot_scopes: tuple[str, ...] = BOT_SCOPES
    slash_commands: frozenset[str] | None = None
    bot_events: frozenset[str] | None = None
    home_tab_enabled: bool = True
    messages_tab_enabled: bool = True
    interactivity_enabled: bool = True
    socket_mode_enabled: bool = False
    path: Path | None = None

    @property
    def scope_header(self) -> str:
        """The ``x-oauth-scopes`` header value: the granted bot scopes, comma-separated."""
        return ",".join(self.bot_scopes)

    def grants(self, scope: str) -> bool:
        """True when the bot token holds ``scope``."""
        return scope in self.bot_scopes

    def declares(self, command: str) -> bool:
        """True when the slash command is declared (always, without a manifest)."""
        return self.slash_commands is None or command in self.slash_commands

    def subscribes(self, event_type: str) -> bool:
        """True when the app subscribes to the bot event (always, without a manifest)."""
        return self.bot_events is None or event_type in self.bot_events

    def refusal(self, method: str) -> dict[str, Any] | None:
        """Slack's ``missing_scope`` answer when ``method`` needs a scope not granted, else None.

        Raises:
            KeyError: ``method`` is not in :data:`METHOD_SCOPES`.
        """
        needed = METHOD_SCOPES[method]
        if not needed or any(self.grants(scope) for scope in needed):
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": ",".join(needed),
            "provided": self.scope_header,
        }

    def extended(
        self,
        *,
        scopes: tuple[str, ...] = (),
        commands: tuple[str, ...] = (),
        events: tuple[str, ...] = (),
    ) -> Manifest:
        """Return a copy that also grants ``scopes``, declares ``commands`` and subscribes to
        ``events``."""
        added = tuple(scope for scope in scopes if scope not in self.bot_scopes)
        declared = None if self.slash_commands is None else self.slash_commands | set(commands)
        subscribed = None if self.bot_events is None else self.bot_events | set(events)
        return dataclasses.replace(
            self,
            bot_scopes=self.bot_scopes + added,
            slash_commands=declared,
            bot_events=subscribed,
        )


def load_manifest(path: Path | None = None) -> Manifest:
    """Read a manifest file; without one, grant every scope and command (and log that).

    Args:
        path: The YAML file; :data:`DEFAULT_MANIFEST_PATH` (the project's) when None.

    Raises:
        ValueError: The file is not a manifest the sim can read.
    """
    path = DEFAULT_MANIFEST_PATH if path is None else path
    if not path.is_file():
        logger.warning("no app manifest at %s; granting every scope and slash command", path)
        return Manifest()
    return parse_manifest(yaml.safe_load(path.read_text()), path)


def parse_manifest(raw: Any, path: Path | None = None) -> Manifest:
    """Build a :class:`Manifest` from a parsed manifest document.

    Raises:
        ValueError: A section has the wrong shape.
    """
    if not isinstance(raw, dict):
        raise ValueError("manifest: the document must be a mapping")
    features, settings = _section(raw, "features"), _section(raw, "settings")
    scopes = _section(_section(raw, "oauth_config"), "scopes").get("bot") or []
    if not isinstance(scopes, list):
        raise ValueError("manifest: oauth_config.scopes.bot must be a list")
    app_home = _section(features, "app_home")
    return Manifest(
        bot_scopes=tuple(str(scope) for scope in scopes),
        slash_commands=_commands(features.get("slash_commands") or []),
        bot_events=_events(_section(settings, "event_subscriptions").get("bot_events") or []),
        home_tab_enabled=app_home.get("home_tab_enabled") is True,
        messages_tab_enabled=app_home.get("messages_tab_enabled") is True,
        interactivity_enabled=_section(settings, "interactivity").get("is_enabled") is True,
        socket_mode_enabled=settings.get("socket_mode_enabled") is True,
        path=path,
    )


def _commands(items: Any) -> frozenset[str]:
    if not isinstance(items, list):
        raise ValueError("manifest: features.slash_commands must be a list")
    commands = [item.get("command") if isinstance(item, dict) else None for item in items]
    if not all(isinstance(command, str) for command in commands):
        raise ValueError("manifest: every slash command needs a command string")
    return frozenset(str(command) for command in commands)


def _events(items: Any) -> frozenset[str]:
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ValueError("manifest: settings.event_subscriptions.bot_events must list names")
    return frozenset(items)


def _section(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"manifest: {key} must be a mapping")
    return value
