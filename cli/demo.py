"""``chatops up --demo``: a few example requests waiting for approval as soon as the stack is
up, with deadlines long enough to look around before they expire, and the two example flows
(a refund large enough to wait for finance, a production change)."""

from __future__ import annotations

import getpass
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from temporalio.client import Client

from cli.examples import example_order
from cli.orders import start_order
from cli.tickets import example_ticket, start_ticket
from commands.flow.common import Starter
from orchestration.client import connect
from orchestration.durations import format_duration
from orchestration.flow_starts import FlowStartRefused, InputValue, start_flow
from orchestration.policy.file import load_policy
from orchestration.settings import Settings
from orchestration.starts import ui_url

log = logging.getLogger(__name__)

DEMO_EXAMPLES = ("large", "huge", "undeliverable")
# The example flows (flows/), and what they are started with: the refund is above the 5000
# that makes it wait for finance's approval.
DEMO_FLOWS: dict[str, dict[str, InputValue]] = {
    "refund": {"order_id": "ORD-DEMO-1", "amount": 7500, "customer": "Ada Lovelace"},
    "production-change": {
        "change_id": "CHG-DEMO-1",
        "summary": "Raise the web tier's worker count to 8",
        "service": "web",
    },
}
DEMO_TICKET = "no-agents"
# Shorter approval deadlines are raised to this in a demo run: long enough to read the docs
# and come back before the requests expire.
DEMO_DEADLINE = timedelta(hours=1)
DEMO_POLICY_FILENAME = "demo-policy.yml"
DEMO_POLICY_NOTE = (
    f"(the demo's copy: approval deadlines of at least {format_duration(DEMO_DEADLINE)})"
)


async def start_demo(settings: Settings, start: Starter = start_flow) -> str:
    """Start three example orders, a ticket that escalates and the example flows; returns
    the banner's line."""
    client = await connect(settings)
    link = ui_url(settings)
    orders = [
        await start_order(client, settings, example_order(name), ui_url=link)
        for name in DEMO_EXAMPLES
    ]
    ticket = await start_ticket(client, settings, example_ticket(DEMO_TICKET), ui_url=link)
    flows = await start_demo_flows(client, settings, start)
    return demo_line(orders, ticket, flows)


async def start_demo_flows(client: Client, settings: Settings, start: Starter) -> list[str]:
    """Start each of :data:`DEMO_FLOWS` with ``start``; their workflow ids. One that cannot
    start is logged in one line, and the demo goes on without it."""
    started = []
    for name, inputs in DEMO_FLOWS.items():
        try:
            flow = await start(
                client,
                settings,
                name,
                inputs,
                started_by=f"cli:{getpass.getuser()}",
                ui_url=ui_url(settings),
            )
        except (FlowStartRefused, NotImplementedError) as err:
            log.warning("demo: the example flow %s was not started: %s", name, err or "not built")
            continue
        started.append(flow.workflow_id)
    return started


def demo_line(orders: list[str], ticket: str, flows: list[str] | None = None) -> str:
    """What the demo started, each request called what it is."""
    line = (
        "Demo requests waiting for approval (orders, then a ticket asking to be escalated): "
        + ", ".join([*orders, ticket])
    )
    if flows:
        line += "; example flows (a refund waiting for finance, a production change): "
        line += ", ".join(flows)
    return line


def with_demo_policy(settings: Settings) -> Settings:
    """``settings`` under the demo's copy of their policy file (:func:`demo_policy`)."""
    demo_file = demo_policy(settings.policy_file, settings.data_dir)
    return settings.model_copy(update={"policy_file": demo_file})


def demo_policy(policy_file: Path, data_dir: Path) -> Path:
    """The policy at ``policy_file`` with every approval deadline under
    :data:`DEMO_DEADLINE` raised to it, written into ``data_dir``; everything else as written.

    Raises:
        PolicyError: The policy file is not valid.
    """
    policy, _ = load_policy(policy_file)
    raw: dict[str, Any] = yaml.safe_load(policy_file.read_text(encoding="utf-8"))
    for rule, written in zip(policy.rules, raw["rules"], strict=True):
        need = rule.require_approval
        if need is not None and need.deadline < DEMO_DEADLINE:
            written["require_approval"]["deadline"] = format_duration(DEMO_DEADLINE)
    target = data_dir / DEMO_POLICY_FILENAME
    header = (
        f"# {policy_file} for chatops up --demo: approval deadlines of at least "
        f"{format_duration(DEMO_DEADLINE)}. Written at every demo start; edit the original.\n"
    )
    target.write_text(header + yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return target
