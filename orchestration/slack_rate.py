"""The Temporal server's limit on the Slack queue: posts a second per channel, for every
worker together.

Workflows send each post to ``<task queue>-slack`` with its channel as the fairness key
(:mod:`orchestration.slack_queue`). The server then hands out at most the fairness-key limit
of tasks a second per key, whichever worker polls
(https://docs.temporal.io/develop/task-queue-priority-fairness). The limit lives in the task
queue's configuration (``UpdateTaskQueueConfig``), so setting it is idempotent and any worker
may do it; a server that refuses (an older one, or a namespace the worker may not configure)
is logged with the command an operator must run instead.
"""

from __future__ import annotations

import logging
import math

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import RateLimit, TaskQueue
from temporalio.api.workflowservice.v1 import (
    DescribeTaskQueueRequest,
    UpdateTaskQueueConfigRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError

from orchestration.slack_queue import slack_task_queue

log = logging.getLogger(__name__)

ACTIVITY_QUEUE = TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY
REASON = "chatops: Slack allows about one message a second per channel"
IDENTITY = "chatops worker"


def operator_command(namespace: str, task_queue: str, per_second: float) -> str:
    """The ``temporal`` CLI command that sets the limit :func:`ensure_slack_rate` sets."""
    return (
        f"temporal task-queue config set --namespace {namespace} "
        f"--task-queue {slack_task_queue(task_queue)} --task-queue-type activity "
        f"--fairness-key-rps-limit-default {per_second:g} "
        f'--fairness-key-rps-limit-reason "{REASON}"'
    )


async def configured_rate(client: Client, task_queue: str) -> float | None:
    """The per-channel limit the Slack queue of ``task_queue`` has now; None when unset."""
    described = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=slack_task_queue(task_queue)),
            task_queue_type=ACTIVITY_QUEUE,
            report_config=True,
        )
    )
    config = described.config
    if not config.HasField("fairness_keys_rate_limit_default"):
        return None
    limit = config.fairness_keys_rate_limit_default
    return float(limit.rate_limit.requests_per_second) if limit.HasField("rate_limit") else None


async def set_slack_rate(client: Client, task_queue: str, per_second: float | None) -> None:
    """Set the Slack queue's limit to ``per_second`` posts a second per channel (None:
    unset it, so posts are not paced)."""
    update = UpdateTaskQueueConfigRequest.RateLimitUpdate(reason=REASON)
    if per_second is not None:
        update.rate_limit.CopyFrom(RateLimit(requests_per_second=per_second))
    await client.workflow_service.update_task_queue_config(
        UpdateTaskQueueConfigRequest(
            namespace=client.namespace,
            identity=IDENTITY,
            task_queue=slack_task_queue(task_queue),
            task_queue_type=ACTIVITY_QUEUE,
            update_fairness_key_rate_limit_default=update,
        )
    )


async def ensure_slack_rate(client: Client, task_queue: str, per_second: float) -> bool:
    """Make the Slack queue of ``task_queue`` pace posts at ``per_second`` a channel (0:
    leave it as it is). True once it does; False, logged with the operator's command, when
    the server refused."""
    if per_second <= 0:
        log.info("CHATOPS_SLACK_POSTS_PER_SECOND is 0: the Slack queue's limits are left as set")
        return True
    queue = slack_task_queue(task_queue)
    try:
        current = await configured_rate(client, task_queue)
        if current is not None and math.isclose(current, per_second, rel_tol=1e-6):
            return True
        await set_slack_rate(client, task_queue, per_second)
    except RPCError as err:
        log.error(
            "could not set the Slack queue %r to %g posts a second per channel (%s); posts "
            "from several workers may exceed Slack's limit (then they wait for Retry-After). "
            "An operator can set it with:\n  %s",
            queue,
            per_second,
            err,
            operator_command(client.namespace, task_queue, per_second),
        )
        return False
    log.info("Slack queue %r: at most %g posts a second per channel", queue, per_second)
    return True
