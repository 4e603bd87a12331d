"""Hostile text, and a check that none of it became a live mention, ping or link in Slack.

Every value a person or another system can choose is set to :data:`HOSTILE` (or contains
it); :func:`injected` then walks what the bot posted and lists every ``<...>`` token in
mrkdwn that the hostile text could have produced. Plain-text objects (headers, buttons,
inputs) are not parsed by Slack, so they may show the characters as typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

FORGED_USER = "U0FORGED1"
EVIL_HOST = "evil.example"
HOSTILE = (
    f"<!channel> <!here> <https://{EVIL_HOST}|Approve here> <@{FORGED_USER}> "
    "<#C0GENERAL1> <!subteam^S0APPROVER> &amp; *bold* _it_ `code` ```fence``` > quote"
)
# The same text short enough for fields with a length limit (names, subjects, targets).
HOSTILE_SHORT = f"<!channel> <https://{EVIL_HOST}|Approve here> <@{FORGED_USER}> &amp;"
HOSTILE_ESCAPED_PART = "&lt;!channel&gt;"

_TOKEN = re.compile(r"<([^<>]*)>")
_EVIL_LINK = re.compile(rf"https?://{re.escape(EVIL_HOST)}", re.IGNORECASE)
# The date tokens cards write themselves (orchestration.slack_text.date): a moment and a
# fallback, never text from outside.
_OUR_DATE = re.compile(r"!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9: -]+UTC")


def bad_tokens(mrkdwn: str) -> list[str]:
    """The tokens in ``mrkdwn`` that hostile input could have made: special mentions
    (``<!...>``), channel links, the forged user's mention, links to the evil host."""
    bad = []
    for token in _TOKEN.findall(mrkdwn):
        if _OUR_DATE.fullmatch(token):
            continue
        if token.startswith(("!", "#", f"@{FORGED_USER}")) or _EVIL_LINK.match(token):
            bad.append(f"<{token}>")
    return bad


def mrkdwn_texts(payload: Any, *, top_level_text: bool = True) -> Iterator[str]:
    """Every string Slack reads as mrkdwn in a message, view or API call's parameters:
    a message's ``text`` and every ``{"type": "mrkdwn"}`` text object."""
    if isinstance(payload, dict):
        is_mrkdwn = top_level_text or payload.get("type") == "mrkdwn"
        if is_mrkdwn and isinstance(payload.get("text"), str):
            yield payload["text"]
        for key, value in payload.items():
            if key in ("blocks", "view", "attachments") and isinstance(value, str):
                value = json.loads(value)  # form-encoded callers send these as JSON text
            if isinstance(value, dict | list):
                yield from mrkdwn_texts(value, top_level_text=False)
    elif isinstance(payload, list):
        for item in payload:
            yield from mrkdwn_texts(item, top_level_text=False)


def injected(payloads: Iterable[Any]) -> list[str]:
    """Every bad token in the mrkdwn of ``payloads`` (messages, views, call parameters)."""
    return [
        token
        for payload in payloads
        for text in mrkdwn_texts(payload)
        for token in bad_tokens(text)
    ]
