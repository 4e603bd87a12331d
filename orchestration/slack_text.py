"""Slack text: outside values escaped, mentions and links we build, text cut to Slack's limits.

Pure functions shared by the bot, the slash commands and workflow code (which hands its texts
to Slack activities). Every value that comes from outside (titles, names, reasons, agent
output, ids read back from Temporal) goes through :func:`escape` before it joins mrkdwn, so
``<!channel>`` or ``<https://x|Approve here>`` typed by someone shows as those characters
and never pings or links. Only :func:`mention` and :func:`link` write ``<...>`` tokens.

Lengths are measured in UTF-16 code units, which is never less than Python's count of code
points: text cut here also fits a limit counted in characters (``slack_sdk`` counts code
points; Slack's clients are JavaScript).

Limits: https://docs.slack.dev/reference/block-kit/blocks,
https://docs.slack.dev/reference/block-kit/composition-objects/text-object,
https://docs.slack.dev/reference/block-kit/block-elements/button-element,
https://docs.slack.dev/reference/views/modal-views and
https://docs.slack.dev/reference/methods/chat.postMessage (text: "4,000 characters or fewer"
recommended; truncated after 40,000).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

SECTION_TEXT = 3000
FIELD_TEXT = 2000
TEXT_OBJECT = 3000  # any text object, e.g. a context element
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACCESSIBILITY_LABEL = 75
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
VIEW_TITLE = 24  # a modal's title, submit and close
PRIVATE_METADATA = 3000
INPUT_LABEL = 2000
INPUT_VALUE = 3000  # plain_text_input: max_length, and so its initial_value
PLACEHOLDER = 150
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MESSAGE_TEXT = 4000
ELLIPSIS = "…"

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
_ENTITIES = ("&amp;", "&lt;", "&gt;")
_URL_UNSAFE = {"<": "%3C", ">": "%3E", "|": "%7C", " ": "%20", "\n": "%0A", "\t": "%09"}
_JOINERS = frozenset({"\u200d", "\u20e3"})  # zero-width joiner, combining keycap


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_message(text: str) -> str:
    """Plain text as a Slack message: escaped, since it may quote anything, and cut to the
    length Slack recommends for a message."""
    return cut(escape(text), MESSAGE_TEXT)


def mention(user_id: str | None, fallback: str = "someone") -> str:
    """``<@U123>`` for Slack user ids; anything else (``cli:alice``) stays escaped text."""
    if not user_id:
        return fallback
    if _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape(user_id)


def link(url: str, label: str) -> str:
    """``<url|label>``: the label escaped; in the url, what could end the token early is
    percent-encoded (``&`` is escaped, so query strings keep working)."""
    target = "".join(_URL_UNSAFE.get(char, char) for char in url)
    return f"<{escape(target)}|{escape(label)}>"


def date(moment: datetime, fallback: str) -> str:
    """``<!date^1392734382^{date_short_pretty} {time}|fallback>``: Slack shows the moment in
    each reader's own time zone, and ``fallback`` (escaped) where it cannot
    (https://docs.slack.dev/messaging/formatting-message-text#date-formatting)."""
    seconds = int(moment.timestamp())
    return f"<!date^{seconds}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


def length(text: str) -> int:
    """Length in UTF-16 code units (an astral character such as an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """mrkdwn within ``limit``, marked with "…" when cut. Never cuts inside an escape
    (``&amp;``), a ``<...>`` token (mention or link), or a character and its combining
    marks; a cut code block (```) is closed again."""
    if length(text) <= limit:
        return text
    head = _head(text, limit - len(ELLIPSIS), mrkdwn=True)
    if head.count("```") % 2:
        head = _head(text, limit - len(ELLIPSIS) - 3, mrkdwn=True)
        if head.count("```") % 2:
            return head + ELLIPSIS + "```"
    return head + ELLIPSIS


def cut_plain(text: str, limit: int) -> str:
    """Plain text within ``limit``, marked with "…" when cut (never between a character and
    its combining marks)."""
    if length(text) <= limit:
        return text
    return _head(text, limit - len(ELLIPSIS), mrkdwn=False) + ELLIPSIS


def _head(text: str, budget: int, *, mrkdwn: bool) -> str:
    """The longest safe prefix of ``text`` within ``budget`` UTF-16 code units."""
    end, used = 0, 0
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            break
        end += 1
    while True:
        safe = _back_off(text, end, mrkdwn=mrkdwn)
        if safe == end:
            break
        end = safe
    head = text[:end]
    # A cut inside a run of backticks would leave half a code fence.
    return head.rstrip("`") if mrkdwn else head


def _back_off(text: str, end: int, *, mrkdwn: bool) -> int:
    """``end`` moved left past anything a cut there would break."""
    if end <= 0 or end >= len(text):
        return end
    if _binds(text[end - 1], text[end]):
        return end - 1
    if not mrkdwn:
        return end
    start = text.rfind("&", max(0, end - 4), end)
    if start != -1 and any(text.startswith(e, start) and start + len(e) > end for e in _ENTITIES):
        return start
    opened = text.rfind("<", 0, end)
    if opened != -1 and ">" not in text[opened:end]:
        return opened  # every raw "<" is a token we wrote: keep it whole or drop it
    return end


def _binds(before: str, after: str) -> bool:
    """True when ``after`` belongs to the same visible character as ``before``."""
    if unicodedata.category(after).startswith("M") or after in _JOINERS or before == "\u200d":
        return True
    code = ord(after)
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF:  # variation, skin tone
        return True
    return 0x1F1E6 <= code <= 0x1F1FF and 0x1F1E6 <= ord(before) <= 0x1F1FF  # a flag's pair
