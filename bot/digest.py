"""The digest of pending approvals, posted to the approvals channel on a schedule.

Read from visibility and the workflows' memo (as ``/workflow pending`` reads it): oldest
first, with how long each has waited, its deadline, who may decide and a link to its card.
Nothing is posted when nothing is waiting.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from temporalio.client import Client

from activities.cards import Block, Message
from bot.home import card_links, request_key, stuck_line
from bot.slack_client import BotSlackClient
from commands.replies import CommandContext, CommandSettings
from commands.workflow.pending import Pending, pending_approvals
from commands.workflow.task_failure import MARK, stuck_among, stuck_count
from orchestration.durations import format_duration
from orchestration.slack_text import SECTION_TEXT, cut, cut_plain, escape, link, mention
from orchestration.wording import format_time, quorum_line, quoted_title

log = logging.getLogger(__name__)
DIGEST_ITEMS = 20
TITLE_IN_LINK = 300


def card_link(url: str, title: str) -> str:
    """A link to a card, labelled with its title (escaped, and cut when very long)."""
    return link(url, cut_plain(title, TITLE_IN_LINK))


def digest_message(
    found: Pending,
    now: datetime,
    links: dict[str, str],
    stuck: dict[str, str] | None = None,
    stuck_total: int = 0,
) -> Message:
    """The digest for ``found`` (not empty); ``stuck``: why those of its requests whose
    workflow task keeps failing are stuck, by workflow id; ``stuck_total``: how many
    workflows are stuck in all."""
    stuck = stuck or {}
    waiting = found.oldest
    count = f"{found.total} approval" + ("s" if found.total != 1 else "")
    oldest = format_duration(now - waiting[0][1].requested_at)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Approvals digest: {count}"}},
    ]
    for workflow_id, state in waiting[:DIGEST_ITEMS]:
        url = links.get(request_key(workflow_id, state))
        title = card_link(url, state.title) if url else quoted_title(state.title)
        left = max(state.deadline - now, timedelta(0))
        approvers = ", ".join(mention(a) for a in state.approvers) or "nobody configured"
        line = (
            f"*{title}* (`{escape(workflow_id)}`)\nwaiting "
            f"{format_duration(now - state.requested_at)} · deadline "
            f"{format_time(state.deadline)} (in {format_duration(left)}) · {approvers}"
        )
        progress = quorum_line(state)
        if progress:
            line += f" · {progress}"
        if workflow_id in stuck:
            line += "\n" + stuck_line(workflow_id, stuck[workflow_id])
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": cut(line, SECTION_TEXT)}}
        )
    footer = "Decide on each card, or in the app's Home tab. `/workflow pending` lists them."
    shown = len(waiting[:DIGEST_ITEMS])
    if found.total > shown:
        footer = f"… and {found.total - shown} more. " + footer
    if stuck_total:
        footer += (
            f"\n{MARK} {stuck_total} workflow"
            + ("s are" if stuck_total != 1 else " is")
            + " stuck (the workflow task keeps failing): `/workflow stuck` lists them."
        )
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return Message(text=f"{count} waiting; the oldest for {oldest}.", blocks=blocks)


async def post_digest(
    slack: BotSlackClient, temporal: Client, channel: str, *, search_attributes: bool = True
) -> str | None:
    """Post the digest in ``channel``; returns the message's ts, or None when nothing waits.
    ``search_attributes``: workflows keep them, so the index answers (else every memo is read).

    Raises:
        bot.slack_client.SlackCallFailed: Slack refused the post, or could not be reached.
        temporalio.service.RPCError: Temporal did not answer.
    """
    context = CommandContext(temporal, CommandSettings(search_attributes=search_attributes))
    found = await pending_approvals(context, keep=DIGEST_ITEMS)
    if not found.total:
        log.info("digest: nothing is waiting for approval; nothing posted")
        return None
    links = await card_links(slack.client, found.oldest)
    shown = [workflow_id for workflow_id, _ in found.oldest[:DIGEST_ITEMS]]
    stuck = await stuck_among(temporal, shown)
    message = digest_message(found, datetime.now(UTC), links, stuck, await stuck_count(temporal))
    ts = await slack.post_message(await slack.channel_id(channel), message)
    log.info("digest of %d pending approval(s) posted", found.total)
    return ts
