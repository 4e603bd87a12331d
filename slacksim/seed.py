"""The seeded workspace: fixed ids that the bot, tests and demos can import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0CHATOPS"
TEAM_DOMAIN = "chatops-local"
TEAM_NAME = "ChatOps Local"
APP_ID = "A0CHATOPS"
BOT_USER_ID = "U0CHATBOT"
BOT_ID = "B0CHATBOT"
BOT_NAME = "chatops"

REQUESTER_ID = "U0REQUEST1"
APPROVER_ID = "U0APPROVE1"
APPROVER2_ID = "U0APPROVE2"
OUTSIDER_ID = "U0OUTSIDE1"
OPERATOR_ID = "U0OPERATR1"

APPROVALS_CHANNEL_ID = "C0APPROVAL"
APPROVALS_CHANNEL_NAME = "approvals"
GENERAL_CHANNEL_ID = "C0GENERAL1"
GENERAL_CHANNEL_NAME = "general"

APPROVERS_GROUP_ID = "S0APPROVER"
APPROVERS_GROUP_HANDLE = "approvers"

DEFAULT_BOT_TOKEN = "xoxb-chatops-standin"
# The app-level token for Socket Mode; only apps.connections.open accepts it.
DEFAULT_APP_TOKEN = "xapp-chatops-standin"
DEFAULT_SIGNING_SECRET = "chatops-standin-signing-secret"
# Slack still sends the deprecated verification token in payloads; Bolt ignores it.
VERIFICATION_TOKEN = "chatops-standin-verification-token"
# Sent as the x-oauth-scopes header, as Slack does on every Web API answer.
BOT_SCOPES = (
    "chat:write",
    "commands",
    "channels:read",
    "channels:history",
    "users:read",
    "usergroups:read",
)


@dataclass
class User:
    """A workspace member as ``users.info`` describes it."""

    id: str
    name: str
    real_name: str
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False

    def to_api(self) -> dict[str, Any]:
        """Return the ``user`` object of ``users.info``."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": False,
            "tz": "UTC",
            "profile": {
                "real_name": self.real_name,
                "display_name": self.real_name.split()[0],
                "team": TEAM_ID,
            },
        }


@dataclass
class Channel:
    """A conversation with its members; the bot's membership decides ``is_member``."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    is_archived: bool = False
    created: int = 1_700_000_000

    def to_api(self) -> dict[str, Any]:
        """Return the ``channel`` object of ``conversations.info``."""
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == GENERAL_CHANNEL_NAME,
            "is_member": BOT_USER_ID in self.members,
            "created": self.created,
            "creator": OPERATOR_ID,
            "num_members": len(self.members),
            "context_team_id": TEAM_ID,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class UserGroup:
    """A user group (``S...``) and its members."""

    id: str
    handle: str
    users: list[str]


def seed_users() -> dict[str, User]:
    """Return the seeded users, the bot included, by id."""
    users = [
        User(BOT_USER_ID, BOT_NAME, "ChatOps", is_bot=True),
        User(REQUESTER_ID, "riley.requester", "Riley Requester"),
        User(APPROVER_ID, "alex.approver", "Alex Approver"),
        User(APPROVER2_ID, "sam.approver", "Sam Approver"),
        User(OUTSIDER_ID, "olive.outsider", "Olive Outsider"),
        User(OPERATOR_ID, "ola.operator", "Ola Operator"),
    ]
    return {user.id: user for user in users}


def seed_channels() -> dict[str, Channel]:
    """Return the seeded channels by id; every seeded user and the bot is in both."""
    everyone = set(seed_users())
    channels = [
        Channel(APPROVALS_CHANNEL_ID, APPROVALS_CHANNEL_NAME, set(everyone)),
        Channel(GENERAL_CHANNEL_ID, GENERAL_CHANNEL_NAME, set(everyone)),
    ]
    return {channel.id: channel for channel in channels}


def seed_usergroups() -> dict[str, UserGroup]:
    """Return the seeded user groups by id."""
    group = UserGroup(APPROVERS_GROUP_ID, APPROVERS_GROUP_HANDLE, [APPROVER_ID, APPROVER2_ID])
    return {group.id: group}
