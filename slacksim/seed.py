"""The seeded workspace: fixed ids that the bot, tests and demos can import."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

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
ENGINEERING_CHANNEL_ID = "C0ENGINEER"
ENGINEERING_CHANNEL_NAME = "engineering"

APPROVERS_GROUP_ID = "S0APPROVER"
APPROVERS_GROUP_HANDLE = "approvers"

DEFAULT_BOT_TOKEN = "xoxb-chatops-standin"
# The app-level token for Socket Mode; only apps.connections.open accepts it.
DEFAULT_APP_TOKEN = "xapp-chatops-standin"
DEFAULT_SIGNING_SECRET = "chatops-standin-signing-secret"
# Slack still sends the deprecated verification token in payloads; Bolt ignores it.
VERIFICATION_TOKEN = "chatops-standin-verification-token"
# Every bot scope the sim knows; granted when no manifest is found (see slacksim.manifest).
BOT_SCOPES = (
    "chat:write",
    "chat:write.public",
    "commands",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "users:read",
    "usergroups:read",
    "im:write",
    "im:history",
    "files:write",
)
# users.info shows when a profile last changed; any fixed past epoch will do.
UPDATED = 1_700_000_000
AVATAR_SIZES = (24, 32, 48, 72, 192, 512)


class Zone(NamedTuple):
    """A user's time zone as ``users.info`` shows it."""

    tz: str
    label: str
    offset: int


# Slack's default zone, which bot users keep.
PACIFIC = Zone("America/Los_Angeles", "Pacific Standard Time", -28800)
BERLIN = Zone("Europe/Berlin", "Central European Time", 3600)
NEW_YORK = Zone("America/New_York", "Eastern Standard Time", -18000)


@dataclass
class User:
    """A workspace member as ``users.info`` describes it.

    ``zone`` has a fixed offset (no daylight saving): the sim has no calendar.
    """

    id: str
    name: str
    real_name: str
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_admin: bool = False
    display_name: str = ""
    zone: Zone = PACIFIC

    def to_api(self, *, with_email: bool = False) -> dict[str, Any]:
        """Return the ``user`` object of ``users.info``; ``profile.email`` needs a scope."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.zone.tz,
            "tz_label": self.zone.label,
            "tz_offset": self.zone.offset,
            "profile": self._profile(with_email),
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": UPDATED,
            "is_email_confirmed": not self.is_bot,
        }

    def _profile(self, with_email: bool) -> dict[str, Any]:
        first, _, last = self.real_name.partition(" ")
        profile: dict[str, Any] = {
            "title": "",
            "phone": "",
            "skype": "",
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "status_text": "",
            "status_emoji": "",
            "status_expiration": 0,
            "avatar_hash": f"g{self.id[-6:].lower()}",
            "first_name": first,
            "last_name": last,
            "team": TEAM_ID,
        }
        for size in AVATAR_SIZES:
            profile[f"image_{size}"] = f"https://a.slack-edge.com/avatars/{self.id}_{size}.png"
        if self.is_bot:
            profile.update(bot_id=BOT_ID, api_app_id=APP_ID, always_active=True)
        elif with_email:
            profile["email"] = f"{self.name}@{TEAM_DOMAIN}.example.com"
        return profile


@dataclass
class Channel:
    """A conversation with its members; the bot's membership decides ``is_member``.

    Every seeded channel has a ``C`` id: Slack marks those ``is_channel`` even when private
    (only private channels from before 2021, with ``G`` ids, are ``is_group``).
    """

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    is_private: bool = False
    is_archived: bool = False
    created: int = 1_700_000_000
    topic: str = ""
    purpose: str = ""
    # The person of a direct-message conversation with the app (a ``D`` id); None otherwise.
    im_user: str | None = None

    @property
    def is_im(self) -> bool:
        """True for a direct-message conversation between the app and one person."""
        return self.im_user is not None

    def to_api(self, *, include_num_members: bool = True) -> dict[str, Any]:
        """Return the ``channel`` object of ``conversations.info`` and ``.list``."""
        if self.im_user is not None:
            return self._im_to_api()
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.id.startswith("G"),
            "is_group": self.id.startswith("G"),
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == GENERAL_CHANNEL_NAME,
            "is_member": BOT_USER_ID in self.members,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "shared_team_ids": [TEAM_ID],
            "context_team_id": TEAM_ID,
            "parent_conversation": None,
            "unlinked": 0,
            "created": self.created,
            "updated": self.created * 1000,
            "creator": OPERATOR_ID,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if include_num_members:
            data["num_members"] = len(self.members)
        return data

    def _im_to_api(self) -> dict[str, Any]:
        """An IM as Slack shows it: no name, topic or members, but the person it is with."""
        return {
            "id": self.id,
            "created": self.created,
            "is_im": True,
            "is_archived": False,
            "is_org_shared": False,
            "context_team_id": TEAM_ID,
            "updated": self.created * 1000,
            "user": self.im_user,
            "is_user_deleted": False,
            "is_open": True,
            "priority": 0,
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
        User(
            REQUESTER_ID, "riley.requester", "Riley Requester", display_name="riley", zone=NEW_YORK
        ),
        User(APPROVER_ID, "alex.approver", "Alex Approver", display_name="alex", zone=BERLIN),
        User(APPROVER2_ID, "sam.approver", "Sam Approver", display_name="sam"),
        User(OUTSIDER_ID, "olive.outsider", "Olive Outsider", display_name="olive"),
        User(OPERATOR_ID, "ola.operator", "Ola Operator", display_name="ola", is_admin=True),
    ]
    return {user.id: user for user in users}


def seed_channels() -> dict[str, Channel]:
    """Return the seeded channels by id; every seeded user and the bot is in each."""
    everyone = set(seed_users())
    channels = [
        Channel(
            APPROVALS_CHANNEL_ID,
            APPROVALS_CHANNEL_NAME,
            set(everyone),
            purpose="Approval requests from chatops",
        ),
        Channel(GENERAL_CHANNEL_ID, GENERAL_CHANNEL_NAME, set(everyone), topic="Company-wide"),
        Channel(
            ENGINEERING_CHANNEL_ID,
            ENGINEERING_CHANNEL_NAME,
            set(everyone),
            purpose="Escalations from support",
        ),
    ]
    return {channel.id: channel for channel in channels}


def seed_usergroups() -> dict[str, UserGroup]:
    """Return the seeded user groups by id."""
    group = UserGroup(APPROVERS_GROUP_ID, APPROVERS_GROUP_HANDLE, [APPROVER_ID, APPROVER2_ID])
    return {group.id: group}
