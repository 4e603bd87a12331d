"""``chatops amend ORDER_WORKFLOW_ID --file ITEMS.json``: change an order that waits for
approval. Its card is marked superseded and a new card asks again (see OrderWorkflow.amend)."""

from __future__ import annotations

import asyncio
import getpass
import time
from pathlib import Path

from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from cli.errors import CliError, load_json_model
from orchestration.decisions import DecisionRefused, TemporalUnreachable, describe_workflow
from orchestration.models.order import OrderAmendment, OrderItem, OrderStatus
from orchestration.workflows.order import STATUS_MEMO_KEY, OrderWorkflow, money

CONFIRM_WAIT = 5.0


class AmendedItems(BaseModel):
    """An amendment file: the order's new items (they replace all the old ones)."""

    items: list[OrderItem] = Field(min_length=1, max_length=100)


async def order_status(client: Client, workflow_id: str) -> OrderStatus:
    """The status an order last published (works with no worker running)."""
    try:
        description = await describe_workflow(client, workflow_id)
    except (DecisionRefused, TemporalUnreachable) as err:
        raise CliError(str(err)) from None
    raw = await description.memo_value(STATUS_MEMO_KEY, None)
    if raw is None or not workflow_id.startswith("order-"):
        raise CliError(f"{workflow_id} is not an order")
    status = OrderStatus.model_validate(raw)
    if description.status != WorkflowExecutionStatus.RUNNING:
        raise CliError(f"{workflow_id} has ended ({status.step.value}); it cannot be amended")
    return status


async def cmd_amend(
    client: Client, workflow_id: str, file: Path, reason: str, as_user: str | None
) -> None:
    """Signal the amendment to a running order and report what became of it: applied, or
    refused with the workflow's reason (then exit 1)."""
    items = load_json_model(file, AmendedItems, "amendment").items
    amendment = OrderAmendment(
        items=items, amended_by=as_user or f"cli:{getpass.getuser()}", reason=reason
    )
    # The workflow decides (and records) whether the order can still change: a step that
    # looks amendable here may already have a decision the card does not show yet.
    status = await order_status(client, workflow_id)
    before = len(status.amendments)
    handle = client.get_workflow_handle(workflow_id)
    try:
        await handle.signal(OrderWorkflow.amend, amendment)
    except RPCError as err:
        raise CliError(
            f"could not reach Temporal ({err.status.name}); nothing was changed"
        ) from None
    deadline = time.monotonic() + CONFIRM_WAIT
    while time.monotonic() < deadline:
        status = await order_status(client, workflow_id)
        if len(status.amendments) > before:
            record = status.amendments[before]
            if not record.applied:
                raise CliError(f"{workflow_id}: amendment refused: {record.refusal}")
            total = money(record.total, status.currency)
            print(f"{workflow_id}: amended to {total}; a new card asks for approval again.")
            return
        await asyncio.sleep(0.2)
    print(f"{workflow_id}: amendment sent; it applies as soon as a worker picks it up.")
