"""The approval request of an order: what its card shows and asks."""

from __future__ import annotations

from temporalio import workflow

from orchestration.workflows.order_steps import money

with workflow.unsafe.imports_passed_through():
    from orchestration.models.approval import (
        ApprovalPolicy,
        ApprovalRequest,
        CardField,
        ConfirmText,
    )
    from orchestration.models.order import Order, OrderInput
    from orchestration.policy.match import PolicyDecision
    from orchestration.request_names import order_request_name


def order_approval_request(
    input: OrderInput,
    order: Order,
    approval: ApprovalPolicy,
    decision: PolicyDecision | None,
) -> ApprovalRequest:
    """The request for ``order`` (as it is now), asked under ``approval``; ``decision`` is the
    policy file's, when one was made."""
    policy = input.policy
    total = money(order.total, order.currency)
    address = order.shipping_address
    items = ", ".join(f"{i.quantity} x {i.name}" for i in order.items[:5])
    if len(order.items) > 5:
        items += f" and {len(order.items) - 5} more"
    confirm = None
    if order.total > policy.confirm_above:
        confirm = ConfirmText(
            title=f"Approve {total}?"[:100],
            text=f"Charge {order.customer.name} {total} for order {order.order_id}?"[:300],
        )
    name = order_request_name(order.order_id, total)
    return ApprovalRequest(
        kind="order",
        subject_id=order.order_id,
        title=name.title,
        question=name.question,
        fields=[
            CardField(label="Customer", value=f"{order.customer.name} ({order.customer.email})"),
            CardField(label="Amount", value=total),
            CardField(label="Items", value=items),
            CardField(label="Ship to", value=f"{address.city}, {address.country}"),
        ],
        requester=order.requested_by,
        requester_label=input.requester_label,
        expiry_effect="auto-cancels",
        confirm=confirm,
        policy=approval,
        policy_rule=decision.rule if decision else None,
        policy_version=decision.version if decision else None,
    )
