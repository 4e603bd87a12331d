"""``chatops up --demo``: a few example requests waiting for approval as soon as the stack is
up, with deadlines long enough to look around before they expire."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from cli.examples import example_order
from cli.orders import start_order
from cli.tickets import example_ticket, start_ticket
from orchestration.client import connect
from orchestration.durations import format_duration
from orchestration.policy.file import load_policy
from orchestration.settings import Settings
from orchestration.starts import ui_url

DEMO_EXAMPLES = ("large", "huge", "undeliverable")
DEMO_TICKET = "no-agents"
# Shorter approval deadlines are raised to this in a demo run: long enough to read the docs
# and come back before the requests expire.
DEMO_DEADLINE = timedelta(hours=1)
DEMO_POLICY_FILENAME = "demo-policy.yml"
DEMO_POLICY_NOTE = (
    f"(the demo's copy: approval deadlines of at least {format_duration(DEMO_DEADLINE)})"
)


async def start_demo(settings: Settings) -> str:
    """Start three example orders and a ticket that escalates; returns the banner's line."""
    client = await connect(settings)
    link = ui_url(settings)
    orders = [
        await start_order(client, settings, example_order(name), ui_url=link)
        for name in DEMO_EXAMPLES
    ]
    ticket = await start_ticket(client, settings, example_ticket(DEMO_TICKET), ui_url=link)
    return demo_line(orders, ticket)


def demo_line(orders: list[str], ticket: str) -> str:
    """What the demo started, each request called what it is."""
    return (
        "Demo requests waiting for approval (orders, then a ticket asking to be escalated): "
        + ", ".join([*orders, ticket])
    )


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
