"""Test helpers: unique ids, polling with a deadline, workers wired to a Slack stand-in.

Polling and free ports come from :mod:`benchmarks.polling` and :mod:`benchmarks.processes`,
which the benchmarks share."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowHandle

from activities.agents import AgentRunner
from activities.flow_http import FlowHttp
from activities.orders import OrderServices
from activities.policy import PolicyEngine
from activities.slack import new_slack_client
from benchmarks.polling import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from benchmarks.polling import assert_eventually as assert_eventually
from benchmarks.processes import PORT_SETTINGS as PORT_SETTINGS
from benchmarks.processes import REPO_POLICY as REPO_POLICY
from benchmarks.processes import free_port as free_port
from benchmarks.processes import isolated_env as isolated_env
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalPolicy, DecisionInput, DecisionSource, Verdict
from orchestration.models.order import Order, OrderInput, OrderPolicy
from orchestration.worker import ChatopsWorker, build_worker

T = TypeVar("T")
# Another team's namespace on the session's dev server, for Nexus calls into the stack's.
CALLER_NAMESPACE = "chatops-caller"
# Where the pending lists' tests seed waiting requests: their totals are the namespace's.
PENDING_NAMESPACE = "chatops-pending"


def unique(prefix: str) -> str:
    """A fresh id, so tests never share task queues or workflow ids."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def decide(
    handle: WorkflowHandle[Any, Any],
    verdict: Verdict,
    user_id: str,
    *,
    reason: str = "",
    source: DecisionSource = DecisionSource.CLI,
    click_key: str | None = None,
    request_id: str | None = None,
    decided_at: datetime | None = None,
) -> DecisionInput:
    """Send the ``decide`` signal straight to a workflow, as ``chatops approve|reject`` does
    (``source``: the terminal, unless told otherwise), skipping the bot's checks; the decision
    sent."""
    decision = DecisionInput(
        verdict=verdict,
        user_id=user_id,
        reason=reason,
        source=source,
        click_key=click_key or unique("click"),
        request_id=request_id,
        decided_at=decided_at,
    )
    await handle.signal(ApprovableWorkflow.decide, decision)
    return decision


def new_worker(
    client: Client,
    task_queue: str,
    api_url: str,
    outbox: Path,
    *,
    token: str = "xoxb-chatops-standin",
    services: OrderServices | None = None,
    extra_activities: list[Callable[..., Any]] | None = None,
    slack_timeout: int = 15,
    agents: AgentRunner | None = None,
    policy: PolicyEngine | None = None,
    flow_http: FlowHttp | None = None,
) -> ChatopsWorker:
    """A real chatops worker whose Slack calls go to ``api_url`` (the repository's policy
    file unless ``policy`` is given; flows' http steps reach what ``flow_http`` allows)."""
    slack = new_slack_client(token, api_url, timeout=slack_timeout)
    return build_worker(
        client,
        task_queue,
        slack,
        services or OrderServices(outbox=outbox),
        extra_activities=extra_activities or [],
        policy=policy or PolicyEngine(REPO_POLICY),
        agents=agents,
        flow_http=flow_http,
    )


def order_input(
    order: Order,
    *,
    approvers: list[str],
    channel: str = "approvals",
    timeout: float = 300,
    reminder_before: float = 60,
    threshold: str = "1000",
    confirm_above: str = "10000",
    approvals_required: int = 1,
) -> OrderInput:
    """An OrderInput with an explicit policy (not the policy file)."""
    return OrderInput(
        order=order,
        policy=OrderPolicy(
            use_policy_file=False,
            approval_threshold=Decimal(threshold),
            confirm_above=Decimal(confirm_above),
            approval=ApprovalPolicy(
                approvers=approvers,
                channel=channel,
                timeout=timedelta(seconds=timeout),
                reminder_before=timedelta(seconds=reminder_before),
                approvals_required=approvals_required,
            ),
        ),
        requester_label="tests",
    )
