"""What a command answers, who asked, and where it runs: shared by Slack and the terminal."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from temporalio.client import Client

from orchestration.models.scrape import ScrapeInput
from orchestration.slack_text import cut

if TYPE_CHECKING:
    from commands.flow.common import FlowStarts

MAX_REPLY_CHARS = 3900  # Slack shows about 4,000 characters of a message's text


# A user group's members, by the group's id (raises GroupsUnavailable when Slack cannot say).
GroupMembers = Callable[[str], Awaitable[Sequence[str]]]


class GroupsUnavailable(Exception):
    """Slack could not say who is in a user group (the message says why, for the asker)."""


@dataclass(frozen=True)
class Invoker:
    """Who runs a command: a Slack user (operator or not), or a person at a terminal."""

    user_id: str
    is_operator: bool
    from_terminal: bool = False
    channel: str | None = None  # where the command was typed: later notices go there
    # The members of a Slack user group (S...), asked of Slack; None: groups name nobody.
    groups: GroupMembers | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CommandSettings:
    """What commands need from the deployment's settings."""

    operators: tuple[str, ...] = ()
    task_queue: str = "chatops"
    ui_url: str | None = None
    scrape: ScrapeInput | None = None  # what new scrape schedules fetch
    # Workflows keep search attributes (CHATOPS_SEARCH_ATTRIBUTES): the pending lists read
    # the index they keep instead of every memo.
    search_attributes: bool = True
    flows: FlowStarts | None = None  # where flows are and how they start (/flow)


@dataclass(frozen=True)
class CommandContext:
    """A Temporal client and the deployment's command settings."""

    client: Client
    settings: CommandSettings = field(default_factory=CommandSettings)

    @property
    def ui_url(self) -> str | None:
        """The Temporal UI, for links."""
        return self.settings.ui_url


@dataclass(frozen=True)
class ReplyFile:
    """A file that comes with a reply: Slack shares it with the person who asked; a terminal
    prints its content."""

    name: str
    title: str
    content: str


@dataclass
class Reply:
    """The answer (mrkdwn) for the person who asked; ``announce`` goes to the channel, so a
    change is confirmed where everyone sees who made it and why; ``blocks`` for buttons;
    ``file`` for an answer that is a document (an audit export); ``announce_channel``: where
    the announcement goes instead of the channel the command came from; ``outcome``: a code
    from a small fixed set, counted by the bot (a flow start's)."""

    text: str
    announce: str | None = None
    blocks: list[dict[str, Any]] | None = None
    ok: bool = True
    file: ReplyFile | None = None
    announce_channel: str | None = None
    outcome: str | None = None


def refused(text: str) -> Reply:
    """A command that could not run; nothing was changed."""
    return Reply(text=text, ok=False)


def clip(text: str, limit: int = MAX_REPLY_CHARS) -> str:
    """Keep a reply within what Slack shows, saying that something was cut: at a line's
    end, or (one long line) where no escape or mention is split."""
    if len(text) <= limit:
        return text
    head = text[: limit - 20]
    if "\n" not in head:
        return cut(text, limit)
    return head.rsplit("\n", 1)[0] + "\n… (cut short)"


_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_BOLD = re.compile(r"\*(\S(?:[^*\n]*\S)?)\*")


def plain(text: str) -> str:
    """mrkdwn for a terminal: ``<@U1>`` -> ``@U1``, links as ``label (url)``, no bold."""
    text = _LINK.sub(r"\2 (\1)", text)
    text = _MENTION.sub(r"@\1", text)
    text = _BOLD.sub(r"\1", text).replace("`", "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def workflow_link(context: CommandContext, workflow_id: str) -> str | None:
    """The Temporal UI page of a workflow, when a UI is known."""
    if not context.ui_url:
        return None
    namespace = context.client.namespace
    return f"{context.ui_url.rstrip('/')}/namespaces/{namespace}/workflows/{workflow_id}"
