"""App Home: "Waiting for you", the approvals the viewer may decide, with the cards' buttons.

The list is read from visibility and the workflows' memo (as ``/workflow pending`` reads
it), so it is right even while no worker runs. Slack shows the view last published; it is
drawn again each time the person opens the tab and after each decision made from it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from temporalio.service import RPCError

from activities.cards import Block, decision_buttons, decision_value, parse_decision_value
from commands.replies import CommandContext
from commands.workflow.pending import Pending, Waiting, pending_approvals
from commands.workflow.task_failure import stuck_among, stuck_mark
from orchestration.durations import format_duration
from orchestration.models.approval import ApprovalState, ConfirmText
from orchestration.policy.deciders import may_decide
from orchestration.slack_text import CONFIRM_TEXT, SECTION_TEXT, cut, cut_plain, escape, mention
from orchestration.slack_text import link as link_to
from orchestration.wording import format_time, quorum_line, quoted_title

log = logging.getLogger(__name__)
# Slack allows 100 blocks in a Home view; an item takes three.
HOME_ITEMS = 25
HOME_ACTIONS_BLOCK = "home_actions"


def home_confirm(state: ApprovalState) -> ConfirmText:
    """The Home tab shows less than the card, so Approve there always asks first (plain
    text: the title is shown as typed)."""
    text = f"{cut_plain(state.asks, 200)} It goes ahead once enough people approve."
    return ConfirmText(title="Approve this request?", text=cut_plain(text, CONFIRM_TEXT))


def stuck_line(workflow_id: str, reason: str) -> str:
    """What a stuck request's item says: a decision waits for the fix (mrkdwn)."""
    return (
        f"{stuck_mark(reason)}: a decision is recorded, and applied once its workflow is "
        f"fixed (`/workflow status {escape(workflow_id)}`)"
    )


def _item_text(
    workflow_id: str, state: ApprovalState, now: datetime, link: str | None, stuck: str | None
) -> str:
    kind = state.kind.replace("_", " ")
    left = max(state.deadline - now, timedelta(0))
    lines = [
        f"*{quoted_title(state.title)}*",
        f"{escape(kind)} `{escape(workflow_id)}` · requested by {mention(state.requester)} "
        f"{format_duration(now - state.requested_at)} ago · deadline "
        f"{format_time(state.deadline)} (in {format_duration(left)})",
    ]
    progress = quorum_line(state)
    if progress:
        lines.append(progress)
    if state.escalated_at is not None:
        lines.append(f"Escalated at {format_time(state.escalated_at)}")
    if stuck:
        lines.append(stuck_line(workflow_id, stuck))
    if link:
        lines.append(link_to(link, "Open the card"))
    return cut("\n".join(lines), SECTION_TEXT)


def _text_section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context_line(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _summary(found: Pending | None, now: datetime) -> list[Block]:
    """How many requests wait for the viewer (nothing when they could not be listed)."""
    if found is None:
        return []
    if not found.total:
        return [
            _text_section(
                "Nothing is waiting for you. Requests you may decide show up here "
                "and as cards in the approvals channel."
            )
        ]
    count = f"{found.total} request" + ("s" if found.total != 1 else "")
    return [_context_line(f"{count} you may decide, oldest first · as of {format_time(now)}")]


def _item(
    index: int,
    workflow_id: str,
    state: ApprovalState,
    now: datetime,
    link: str | None,
    stuck: str | None = None,
) -> list[Block]:
    """One request: a divider, what it is, and the card's buttons."""
    buttons = decision_buttons(
        workflow_id,
        state,
        state.title,
        home_confirm(state),
        block_id=f"{HOME_ACTIONS_BLOCK}_{index}",
    )
    return [
        {"type": "divider"},
        _text_section(_item_text(workflow_id, state, now, link, stuck)),
        buttons,
    ]


def home_view(
    found: Pending | None,
    now: datetime,
    *,
    notice: str | None = None,
    links: dict[str, str] | None = None,
    stuck: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The Home view for one person: ``found`` holds only what they may decide (None: it
    could not be listed, and ``notice`` says why); ``stuck``: why those whose workflow task
    keeps failing are stuck, by workflow id."""
    links, stuck = links or {}, stuck or {}
    shown = (found.oldest if found is not None else [])[:HOME_ITEMS]
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Waiting for you"}},
    ]
    if notice:
        blocks.append(_text_section(cut(notice, SECTION_TEXT)))
    blocks.extend(_summary(found, now))
    for index, (workflow_id, state) in enumerate(shown):
        link = links.get(request_key(workflow_id, state))
        blocks.extend(_item(index, workflow_id, state, now, link, stuck.get(workflow_id)))
    if found is not None and found.total > len(shown):
        more = found.total - len(shown)
        blocks.append(_context_line(f"… and {more} more: `/workflow pending` lists them all."))
    return {"type": "home", "blocks": blocks}


def request_key(workflow_id: str, state: ApprovalState) -> str:
    """Which request of which workflow (request ids count up within one workflow)."""
    return decision_value(workflow_id, state.request_id)


async def card_links(client: AsyncWebClient, waiting: list[Waiting]) -> dict[str, str]:
    """Permalinks of the cards, by :func:`request_key`; a card Slack cannot link to is left
    out."""

    async def link(workflow_id: str, state: ApprovalState) -> tuple[str, str | None]:
        key = request_key(workflow_id, state)
        if not state.channel or not state.message_ts:
            return key, None
        try:
            answer = await client.chat_getPermalink(
                channel=state.channel, message_ts=state.message_ts
            )
        except SlackApiError as err:
            log.info("no permalink for %s: %s", key, err.response.get("error"))
            return key, None
        return key, str(answer.get("permalink") or "") or None

    found = await asyncio.gather(*(link(wid, state) for wid, state in waiting[:HOME_ITEMS]))
    return {key: url for key, url in found if url}


async def waiting_for(
    context: CommandContext, user_id: str, decided: Collection[str] = (), keep: int = HOME_ITEMS
) -> Pending:
    """The approvals ``user_id`` may decide now, oldest first; ``decided`` (request keys)
    are left out. The index names who may decide each request; :func:`may_decide` still
    judges every request read, and decides alone where the index cannot."""

    def theirs(workflow_id: str, state: ApprovalState) -> bool:
        return may_decide(state, user_id) and request_key(workflow_id, state) not in decided

    just_decided = {parse_decision_value(key)[0] for key in decided}
    return await pending_approvals(
        context, keep=keep, accept=theirs, decider=user_id, recheck=just_decided
    )


async def publish_home(
    client: AsyncWebClient,
    context: CommandContext,
    user_id: str,
    *,
    notice: str | None = None,
    decided: Collection[str] = (),
) -> None:
    """Draw ``user_id``'s Home tab; ``decided`` lists requests (by :func:`request_key`) they
    just decided, left out because the workflow may not have applied the decision yet."""
    found: Pending | None = None
    links: dict[str, str] = {}
    stuck: dict[str, str] = {}
    try:
        found = await waiting_for(context, user_id, decided)
        shown = [workflow_id for workflow_id, _ in found.oldest[:HOME_ITEMS]]
        stuck = await stuck_among(context.client, shown)
    except RPCError as err:
        problem = (
            f"Could not reach Temporal ({err.status.name}) to list your approvals; open this "
            "tab again in a moment."
        )
        notice = f"{notice}\n{problem}" if notice else problem
    else:
        links = await card_links(client, found.oldest)
    view = home_view(found, datetime.now(UTC), notice=notice, links=links, stuck=stuck)
    try:
        await client.views_publish(user_id=user_id, view=view)
    except SlackApiError as err:
        log.warning("could not publish the Home tab of %s: %s", user_id, err.response.get("error"))
