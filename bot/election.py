"""Which bot replica runs a periodic job's period: the one whose claim Temporal accepts.

A claim is the start of :class:`JobClaimWorkflow` with an id made of the task queue, the job
and the period's start. Temporal refuses a second start of an id (reuse is rejected while
the namespace keeps the closed run), so of any number of bots firing for one period, one
wins. Starting needs only the server: the claim holds while every worker is down.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from orchestration.models.jobs import JobClaimInput
from orchestration.workflows.job_claim import JobClaimWorkflow

log = logging.getLogger(__name__)
CLAIM_RPC_TIMEOUT = timedelta(seconds=5)
# A claim that no worker runs (one older than the bot, without the workflow) times out rather
# than waiting for ever; its id stays taken all the same.
CLAIM_RUNS_AT_MOST = timedelta(hours=1)
ME = f"{socket.gethostname()}:{os.getpid()}"


def claim_id(task_queue: str, job: str, period: datetime) -> str:
    """The claim's workflow id: one per task queue, job and period (UTC, to the second)."""
    return f"chatops-job-{task_queue}-{job}-{period.astimezone(UTC):%Y%m%dT%H%M%SZ}"


async def claim(temporal: Client, task_queue: str, job: str, period: datetime) -> bool:
    """True if this process won ``job``'s ``period``; False if another replica did, or if
    Temporal cannot be asked (then nobody's run is known, and skipping is the safe side:
    the job runs again next period)."""
    try:
        await temporal.start_workflow(
            JobClaimWorkflow.run,
            JobClaimInput(job=job, period=period, claimed_by=ME),
            id=claim_id(task_queue, job, period),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            execution_timeout=CLAIM_RUNS_AT_MOST,
            rpc_timeout=CLAIM_RPC_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        log.info("bot job %s for %s: run by another replica", job, period.isoformat())
        return False
    except RPCError as err:
        log.warning("bot job %s for %s skipped: no claim (%s)", job, period.isoformat(), err)
        return False
    return True


def interval_period(now: datetime, every: timedelta) -> datetime:
    """The start of the fixed-length period ``now`` falls in (periods count from the epoch,
    so every replica agrees on them whenever it started)."""
    seconds = every.total_seconds()
    start = (now.timestamp() // seconds) * seconds
    return datetime.fromtimestamp(start, UTC)
