"""Where workflows send their posts to Slack: a task queue of its own, paced per channel by
the Temporal server.

Slack lets an app post about one message per second in a channel
(https://docs.slack.dev/apis/web-api/rate-limits). Every worker polls the same queues, so a
limit kept inside one worker would let N workers post N a second. Instead each activity that
posts (``chat.postMessage``) runs on ``<task queue>-slack`` with the channel as its fairness
key, and the server hands out at most ``CHATOPS_SLACK_POSTS_PER_SECOND`` tasks a second per
key, to all workers together (:mod:`orchestration.slack_rate` sets that limit). Runs started
before this routing keep posting on the main queue (``SLACK_QUEUE_PATCH``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from temporalio import workflow
from temporalio.common import Priority

SLACK_QUEUE_SUFFIX = "-slack"
SLACK_QUEUE_PATCH = "slack-posts-paced-per-channel"
# Temporal's limit on a fairness key (https://docs.temporal.io/develop/task-queue-priority-fairness).
FAIRNESS_KEY_BYTES = 64


def slack_task_queue(task_queue: str) -> str:
    """The activity task queue of the posts of workflows on ``task_queue``."""
    return f"{task_queue}{SLACK_QUEUE_SUFFIX}"


def channel_key(channel: str) -> str:
    """The fairness key of a channel as given (``C0123``, ``approvals``, ``#approvals``, a
    user id for a direct message): the same for the same spelling, at most 64 bytes."""
    key = channel.strip().lstrip("#").lower() or "-"
    if len(key.encode()) <= FAIRNESS_KEY_BYTES:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:48]


def post_options(channel: str) -> dict[str, Any]:
    """Activity options that send a post to ``channel`` through the paced queue; none (the
    workflow's own queue) in runs from before it (``SLACK_QUEUE_PATCH``)."""
    if not workflow.patched(SLACK_QUEUE_PATCH):
        return {}
    return {
        "task_queue": slack_task_queue(workflow.info().task_queue),
        "priority": Priority(fairness_key=channel_key(channel)),
    }
