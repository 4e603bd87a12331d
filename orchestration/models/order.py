"""Models of an order: the validated input, each step's activity payloads, status and result."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints, field_validator

from orchestration.models.approval import ApprovalPolicy, ApprovalState
from orchestration.policy.match import PolicyDecision

OrderId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Customer(BaseModel):
    """Who the order is for."""

    name: NonBlank
    email: EmailStr


class Address(BaseModel):
    """Where the order ships."""

    line1: NonBlank
    line2: str = ""
    city: NonBlank
    region: str = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = Field(
        description="ISO 3166-1 alpha-2 code, e.g. US"
    )


class OrderItem(BaseModel):
    """One line of an order."""

    sku: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")]
    name: NonBlank
    quantity: int = Field(gt=0, le=1000)
    unit_price: Money

    @property
    def subtotal(self) -> Decimal:
        """Quantity times unit price."""
        return self.unit_price * self.quantity


class Order(BaseModel):
    """An order as a customer placed it."""

    order_id: OrderId
    customer: Customer
    shipping_address: Address
    items: list[OrderItem] = Field(min_length=1, max_length=100)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
    requested_by: str | None = Field(
        default=None, description="Slack user id of whoever placed the order, if known"
    )

    @field_validator("items")
    @classmethod
    def _unique_skus(cls, items: list[OrderItem]) -> list[OrderItem]:
        skus = [item.sku for item in items]
        if len(skus) != len(set(skus)):
            raise ValueError("each SKU may appear only once; combine the quantities")
        return items

    @property
    def total(self) -> Decimal:
        """Sum of all lines."""
        return sum((item.subtotal for item in self.items), Decimal("0"))

    @property
    def workflow_id(self) -> str:
        """The order's workflow id: a business key."""
        return order_workflow_id(self.order_id)


def order_workflow_id(order_id: str) -> str:
    """``ORD-002`` -> ``order-ORD-002``."""
    return f"order-{order_id}"


class OrderPolicy(BaseModel):
    """When an order needs a human, and who that is; fixed when the order starts.

    With ``use_policy_file`` (the default) the policy file decides by amount, and ``approval``
    only gives the channel, links and search attributes; without it, orders above
    ``approval_threshold`` need one approval from ``approval.approvers``.
    """

    use_policy_file: bool = True
    approval_threshold: Decimal = Decimal("1000")
    confirm_above: Decimal = Decimal("10000")
    approval: ApprovalPolicy = Field(default_factory=ApprovalPolicy)


class OrderAmendment(BaseModel):
    """The ``amend`` signal: new items for an order that is still waiting for approval."""

    items: list[OrderItem] = Field(min_length=1, max_length=100)
    amended_by: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=2000)


class AmendmentRecord(BaseModel):
    """One amendment, applied or refused: the order's audit trail of changes."""

    at: datetime
    amended_by: str
    reason: str
    total: Decimal
    applied: bool
    refusal: str | None = None


class OrderInput(BaseModel):
    """Input of ``OrderWorkflow``."""

    order: Order
    policy: OrderPolicy = Field(default_factory=OrderPolicy)
    requester_label: str = "chatops"


class OrderStep(StrEnum):
    """Where an order is; the last four are terminal."""

    RECEIVED = "received"
    VALIDATING = "validating"
    AWAITING_APPROVAL = "awaiting_approval"
    CHARGING_PAYMENT = "charging_payment"
    RESERVING_INVENTORY = "reserving_inventory"
    ARRANGING_DELIVERY = "arranging_delivery"
    SENDING_CONFIRMATION = "sending_confirmation"
    COMPENSATING = "compensating"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class PaymentInput(BaseModel):
    """Charge the customer for an order; the order id is the idempotency key."""

    order_id: str
    amount: Decimal
    currency: str
    customer_email: str


class PaymentResult(BaseModel):
    """A successful charge."""

    transaction_id: str
    amount: Decimal


class RefundInput(BaseModel):
    """Give a charge back: the given transaction, or (None) whatever the order was charged,
    if anything; so it can be registered before the charge is known."""

    order_id: str
    transaction_id: str | None = None
    amount: Decimal | None = None


class RefundResult(BaseModel):
    """A refund; ``refund_id`` None when nothing had been charged."""

    refund_id: str | None


class ReserveInput(BaseModel):
    """Hold stock for an order."""

    order_id: str
    items: list[OrderItem]


class ReservationResult(BaseModel):
    """Stock held."""

    reservation_id: str


class ReleaseInput(BaseModel):
    """Give held stock back: the given reservation, or (None) whatever the order holds."""

    order_id: str
    reservation_id: str | None = None


class DeliveryInput(BaseModel):
    """Book a shipment."""

    order_id: str
    address: Address
    items: list[OrderItem]


class DeliveryResult(BaseModel):
    """A booked shipment."""

    tracking_number: str
    carrier: str
    estimated_delivery: date


class CancelDeliveryInput(BaseModel):
    """Call off an order's shipment, if one was booked."""

    order_id: str


class EmailInput(BaseModel):
    """A confirmation email."""

    order_id: str
    to: str
    subject: str
    body: str


class EmailResult(BaseModel):
    """A sent email."""

    message_id: str


class OrderStatus(BaseModel):
    """The ``status`` query's answer; also kept in memo for ``describe()``."""

    order_id: str
    step: OrderStep = OrderStep.RECEIVED
    total: Decimal
    currency: str
    needs_approval: bool = False
    transaction_id: str | None = None
    reservation_id: str | None = None
    tracking_number: str | None = None
    failure_reason: str | None = None
    # The confirmation e-mail failed; the order (paid and shipped) completed all the same.
    email_error: str | None = None
    compensations: list[str] = Field(default_factory=list)
    policy: PolicyDecision | None = None
    amendments: list[AmendmentRecord] = Field(default_factory=list)


class OrderResult(BaseModel):
    """How an order ended."""

    order_id: str
    step: OrderStep
    message: str
    transaction_id: str | None = None
    reservation_id: str | None = None
    delivery: DeliveryResult | None = None
    approval: ApprovalState | None = None
