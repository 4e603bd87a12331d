"""Notes from workflow code to Slack (notices, thread replies, ephemerals) that may fail.

A note is told through an activity like any Slack call, but a request must not fail because
Slack was down when it had something to say: a note that cannot be delivered is logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from orchestration.failures import activity_failure_message
from orchestration.slack_queue import post_options

with workflow.unsafe.imports_passed_through():
    from activities.slack import SlackActivities
    from orchestration.models.approval import NoticeInput
    from orchestration.slack_text import MESSAGE_TEXT, cut, plain_message

NoteT = TypeVar("NoteT")


@dataclass(frozen=True)
class NoteDelivery:
    """How long one note's activity may take, how long it is tried, and how it is retried."""

    timeout: timedelta
    window: timedelta
    retry: RetryPolicy


async def send_note(
    method: Callable[[Any, NoteT], Awaitable[Any]],
    note: NoteT,
    delivery: NoteDelivery,
    what: str = "note",
    *,
    paced_in: str | None = None,
) -> str | None:
    """Send ``note`` through the activity ``method``; None once delivered, else why not
    (logged as ``<what> not delivered``). A note that posts a message names its channel in
    ``paced_in``: it goes through the queue paced per channel (``orchestration.slack_queue``)."""
    try:
        await workflow.execute_activity_method(
            method,
            note,
            start_to_close_timeout=delivery.timeout,
            schedule_to_close_timeout=delivery.window,
            retry_policy=delivery.retry,
            **({} if paced_in is None else post_options(paced_in)),
        )
    except ActivityError as err:
        message = activity_failure_message(err)
        workflow.logger.warning("%s not delivered: %s", what, message)
        return message
    return None


async def post_notice(
    channel: str, text: str, delivery: NoteDelivery, what: str = "notice"
) -> str | None:
    """A plain-text notice in ``channel`` (escaped on the way: it may quote outside values);
    None once delivered, else why not (see :func:`send_note`)."""
    return await post_mrkdwn_notice(channel, plain_message(text), delivery, what)


async def post_mrkdwn_notice(
    channel: str, text: str, delivery: NoteDelivery, what: str = "notice"
) -> str | None:
    """A notice already written as mrkdwn: every outside value in it went through
    :func:`~orchestration.slack_text.escape`, and mentions were built with
    :func:`~orchestration.slack_text.mention`. Cut to Slack's message length on the way."""
    notice = NoticeInput(channel=channel, text=cut(text, MESSAGE_TEXT))
    return await send_note(SlackActivities.post_notice, notice, delivery, what, paced_in=channel)
