"""``chatops start order``: start an order from an example or a file, and say what happens next."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from temporalio.client import Client

from cli.errors import CliError, load_json_model
from cli.examples import EXAMPLES, example_order
from cli.outlook import policy_outlook
from orchestration.models.order import Order, OrderInput, OrderPolicy
from orchestration.policy.match import PolicyRequest
from orchestration.settings import Settings
from orchestration.starts import approval_policy, requester_in_force, start_request
from orchestration.workflows.order import OrderWorkflow, money


async def start_order(
    client: Client,
    settings: Settings,
    order: Order,
    *,
    ui_url: str | None = None,
) -> str:
    """Start an OrderWorkflow; returns its workflow id."""
    order = order.model_copy(
        update={"requested_by": requester_in_force(settings, order.requested_by)}
    )
    workflow_input = OrderInput(
        order=order,
        policy=OrderPolicy(
            confirm_above=settings.confirm_above,
            approval=approval_policy(settings, ui_url),
        ),
        requester_label=f"chatops CLI ({getpass.getuser()})",
    )
    started = await start_request(
        client,
        settings,
        OrderWorkflow.run,
        workflow_input,
        workflow_id=order.workflow_id,
        kind="order",
        noun="order",
    )
    if started.already_started:
        raise CliError(
            f"order {order.order_id} already exists (workflow {order.workflow_id}); "
            "use a new order_id"
        )
    return started.workflow_id


def pick_order(example: str | None, file: Path | None, requester: str | None) -> Order:
    """The order named on the command line."""
    if file is not None:
        order = load_json_model(file, Order, "order")
    elif example is not None:
        if example not in EXAMPLES:
            raise CliError(f"no example {example!r}; choose one of: {', '.join(EXAMPLES)}")
        order = example_order(example)
    else:
        raise CliError("say which order: --example NAME or --file ORDER.json")
    if requester:
        order = order.model_copy(update={"requested_by": requester})
    return order


async def cmd_start_order(
    client: Client, settings: Settings, order: Order, ui_url: str | None
) -> None:
    """Start the order, print its workflow id (stdout) and what happens next (stderr)."""
    outlook = policy_outlook(
        settings, PolicyRequest(kind="order", amount=order.total), "it is being processed"
    )
    workflow_id = await start_order(client, settings, order, ui_url=ui_url)
    total = money(order.total, order.currency)
    print(workflow_id)
    print(f"Order {order.order_id} ({total}): {outlook}.", file=sys.stderr)
