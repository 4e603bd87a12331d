"""People's names for the terminal: ``<@U0APPROVE1>`` becomes ``@alex``, as Slack shows it.

Answers are written for Slack, where a mention is drawn as the person's name. A terminal has
no such drawing, so the names are looked up with ``users.info``
(https://docs.slack.dev/reference/methods/users.info) in the workspace the settings name (the
stand-in without one). Slack may be unreachable or the id unknown; then the id stays, so a
lookup never fails or delays a command by more than ``LOOKUP_WITHIN``.
"""

from __future__ import annotations

import asyncio
import logging
import re

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from commands.replies import plain
from orchestration.settings import Settings
from orchestration.slack_text import escape

log = logging.getLogger(__name__)

LOOKUP_WITHIN = 2.0  # seconds, for all of one answer's names together
MAX_LOOKUPS = 20  # distinct people named in one answer; the rest keep their ids
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,30})>")


def shown_name(user: dict[str, object]) -> str | None:
    """The name Slack draws for a user: the display name, else the real name, else the
    handle."""
    profile = user.get("profile")
    profile = profile if isinstance(profile, dict) else {}
    for name in (profile.get("display_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


async def _name_of(client: AsyncWebClient, user_id: str) -> str | None:
    try:
        answer = await client.users_info(user=user_id)
    except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as err:
        log.debug("no name for %s: %s", user_id, err)
        return None
    user = answer.get("user")
    return shown_name(user) if isinstance(user, dict) else None


async def names_for(settings: Settings, user_ids: list[str]) -> dict[str, str]:
    """The names found for ``user_ids`` within ``LOOKUP_WITHIN``; unknown ones are left out."""
    try:
        token = settings.bot_token()
    except ValueError:
        return {}
    client = AsyncWebClient(
        token=token, base_url=settings.effective_slack_api_url, timeout=int(LOOKUP_WITHIN)
    )
    wanted = list(dict.fromkeys(user_ids))[:MAX_LOOKUPS]
    lookups = [asyncio.ensure_future(_name_of(client, user_id)) for user_id in wanted]
    done, pending = await asyncio.wait(lookups, timeout=LOOKUP_WITHIN) if lookups else ((), ())
    for lookup in pending:
        lookup.cancel()
    found: dict[str, str] = {}
    for user_id, lookup in zip(wanted, lookups, strict=True):
        name = lookup.result() if lookup in done else None
        if name:
            found[user_id] = name
    return found


async def with_names(settings: Settings, text: str) -> str:
    """``text`` (Slack mrkdwn) with every mention of a known person as ``@name``; the ones
    not found stay mentions, which the terminal rendering shows as ``@U…``."""
    ids = _MENTION.findall(text)
    if not ids:
        return text
    names = await names_for(settings, ids)

    def named(match: re.Match[str]) -> str:
        name = names.get(match.group(1))
        return f"@{escape(name)}" if name else match.group(0)

    return _MENTION.sub(named, text)


async def for_terminal(settings: Settings, text: str) -> str:
    """Slack mrkdwn as a terminal shows it, people by name."""
    return plain(await with_names(settings, text))
