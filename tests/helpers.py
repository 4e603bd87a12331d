"""Test helpers: unique ids, polling with a deadline, workers wired to a Slack stand-in."""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, overload

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from activities.agents import AgentRunner
from activities.orders import OrderServices
from activities.policy import PolicyEngine
from activities.slack import new_slack_client
from orchestration.approval import ApprovableWorkflow
from orchestration.models.approval import ApprovalPolicy, DecisionInput, DecisionSource, Verdict
from orchestration.models.order import Order, OrderInput, OrderPolicy
from orchestration.worker import build_worker

T = TypeVar("T")
DEFAULT_TIMEOUT = 20.0
REPO_POLICY = Path(__file__).resolve().parent.parent / "policy.yml"
# Another team's namespace on the session's dev server, for Nexus calls into the stack's.
CALLER_NAMESPACE = "chatops-caller"
# Where the pending lists' tests seed waiting requests: their totals are the namespace's.
PENDING_NAMESPACE = "chatops-pending"


# Below Linux's ephemeral range (32768-60999), so a port handed out here cannot be taken in the
# meantime by a server that binds port 0 (the dev server picks its HTTP and metrics ports so).
_PORTS = random.Random()
_PORT_RANGE = (20000, 32000)


def free_port() -> int:
    """A port free on 127.0.0.1 a moment ago, outside the range the OS hands out itself."""
    while True:
        port = _PORTS.randint(*_PORT_RANGE)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


PORT_SETTINGS = (
    "CHATOPS_TEMPORAL_PORT",
    "CHATOPS_TEMPORAL_UI_PORT",
    "CHATOPS_BOT_PORT",
    "CHATOPS_SLACK_SIM_PORT",
)


def isolated_env() -> tuple[dict[str, str], dict[str, int]]:
    """This process's environment minus chatops', Slack's and Temporal's settings, with free
    ports for every chatops listener; for running ``chatops`` as a child process."""
    owned = ("SLACK_", "CHATOPS_", "TEMPORAL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(owned)}
    ports = {name: free_port() for name in PORT_SETTINGS}
    env.update({name: str(port) for name, port in ports.items()})
    return env, ports


def unique(prefix: str) -> str:
    """A fresh id, so tests never share task queues or workflow ids."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@overload
async def assert_eventually(
    probe: Callable[[], Awaitable[T]],
    check: Callable[[T], bool],
    *,
    within: float = ...,
    interval: float = ...,
    what: str = ...,
) -> T: ...


@overload
async def assert_eventually(
    probe: Callable[[], T],
    check: Callable[[T], bool],
    *,
    within: float = ...,
    interval: float = ...,
    what: str = ...,
) -> T: ...


async def assert_eventually(
    probe: Callable[[], Any],
    check: Callable[[T], bool],
    *,
    within: float = DEFAULT_TIMEOUT,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll ``probe`` (sync or async) until ``check`` holds; fail with the last value otherwise."""
    deadline = time.monotonic() + within
    last: Any = None
    while True:
        value = probe()
        last = await value if inspect.isawaitable(value) else value
        if check(last):
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within}s; last value: {last!r}")
        await asyncio.sleep(interval)


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
) -> Worker:
    """A real chatops worker whose Slack calls go to ``api_url``."""
    slack = new_slack_client(token, api_url, timeout=slack_timeout)
    return build_worker(
        client,
        task_queue,
        slack,
        services or OrderServices(outbox=outbox),
        extra_activities=extra_activities or [],
        policy=PolicyEngine(REPO_POLICY),
        agents=agents,
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
