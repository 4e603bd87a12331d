"""Order domain services: payment, inventory, delivery, email.

These are local stand-ins with real state (a payment ledger, stock levels, an outbox of
emails on disk) so that compensation can be observed: a refund reverses a charge, a release
puts stock back. Every call is idempotent on the order id, so Temporal's retries are safe;
with a ledger file (:mod:`activities.ledger`, as the worker keeps in its data dir) payments
stay idempotent across a worker that crashed and was started again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.ledger import Ledger
from orchestration.models.order import (
    CancelDeliveryInput,
    DeliveryInput,
    DeliveryResult,
    EmailInput,
    EmailResult,
    Order,
    PaymentInput,
    PaymentResult,
    RefundInput,
    RefundResult,
    ReleaseInput,
    ReservationResult,
    ReserveInput,
)

# Countries the stand-in carrier serves; anything else is a permanent delivery failure.
CARRIER_COUNTRIES = frozenset({"US", "CA", "MX", "GB", "IE", "DE", "FR", "NL", "BE", "ES", "IT"})
DEFAULT_STOCK = 10_000
PAYMENT_LIMIT = Decimal("1000000")


def _ref(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()[:12].upper()
    return f"{prefix}-{digest}"


class OrderServices:
    """The order domain's side effects, as activities sharing one process-local state."""

    def __init__(
        self, outbox: Path, stock: dict[str, int] | None = None, ledger: Path | None = None
    ) -> None:
        self.outbox = outbox
        self.stock: dict[str, int] = dict(stock or {})
        # Payments: in memory, or read from and written to the ledger file.
        self.ledger = Ledger(ledger)
        self.charges: dict[str, PaymentResult] = self.ledger.charges
        self.refunds: dict[str, RefundResult] = self.ledger.refunds
        self.reservations: dict[str, dict[str, int]] = {}
        self.shipments: dict[str, DeliveryResult] = {}
        self.cancelled_shipments: dict[str, DeliveryResult] = {}

    def _available(self, sku: str) -> int:
        return self.stock.setdefault(sku, DEFAULT_STOCK)

    @activity.defn
    async def validate_order(self, order: Order) -> None:
        """Business rules beyond the model's shape."""
        if order.total > PAYMENT_LIMIT:
            raise ApplicationError(
                f"order total {order.total} exceeds the {PAYMENT_LIMIT} limit",
                type="InvalidOrder",
                non_retryable=True,
            )

    @activity.defn
    async def process_payment(self, payment: PaymentInput) -> PaymentResult:
        """Charge the customer once per order, whichever worker tries."""
        with self.ledger.locked():
            if payment.order_id in self.charges:
                return self.charges[payment.order_id]
            result = PaymentResult(
                transaction_id=_ref("TXN", payment.order_id), amount=payment.amount
            )
            self.ledger.charge(payment.order_id, result)
        activity.logger.info(
            "charged %s %s for %s", payment.amount, payment.currency, payment.order_id
        )
        return result

    @activity.defn
    async def refund_payment(self, refund: RefundInput) -> RefundResult:
        """Reverse the order's charge once; nothing to do when it was never charged."""
        with self.ledger.locked():
            charge = self.charges.get(refund.order_id)
            transaction = refund.transaction_id or (charge.transaction_id if charge else None)
            if transaction is None:
                return RefundResult(refund_id=None)
            if transaction in self.refunds:
                return self.refunds[transaction]
            result = RefundResult(refund_id=_ref("RFD", transaction))
            self.ledger.refund(refund.order_id, transaction, result)
        amount = refund.amount if refund.amount is not None else (charge and charge.amount)
        activity.logger.info("refunded %s for %s", amount, refund.order_id)
        return result

    @activity.defn
    async def reserve_inventory(self, reserve: ReserveInput) -> ReservationResult:
        """Hold stock for every line, or none of them."""
        reservation_id = _ref("RES", reserve.order_id)
        if reservation_id in self.reservations:
            return ReservationResult(reservation_id=reservation_id)
        short = [i.sku for i in reserve.items if self._available(i.sku) < i.quantity]
        if short:
            raise ApplicationError(
                f"out of stock: {', '.join(short)}", type="OutOfStock", non_retryable=True
            )
        for item in reserve.items:
            self.stock[item.sku] -= item.quantity
        self.reservations[reservation_id] = {i.sku: i.quantity for i in reserve.items}
        return ReservationResult(reservation_id=reservation_id)

    @activity.defn
    async def release_inventory(self, release: ReleaseInput) -> None:
        """Put held stock back (idempotent)."""
        reservation_id = release.reservation_id or _ref("RES", release.order_id)
        held = self.reservations.pop(reservation_id, None)
        for sku, quantity in (held or {}).items():
            self.stock[sku] = self._available(sku) + quantity

    @activity.defn
    async def arrange_delivery(self, delivery: DeliveryInput) -> DeliveryResult:
        """Book a shipment with the carrier for the destination country."""
        country = delivery.address.country
        if country not in CARRIER_COUNTRIES:
            raise ApplicationError(
                f"no carrier delivers to {country}", type="Undeliverable", non_retryable=True
            )
        booked = DeliveryResult(
            tracking_number=_ref("TRACK", delivery.order_id),
            carrier="Parcelnet",
            estimated_delivery=date.today() + timedelta(days=3),
        )
        self.shipments[delivery.order_id] = booked
        return booked

    @activity.defn
    async def cancel_delivery(self, cancel: CancelDeliveryInput) -> None:
        """Call off the order's shipment (idempotent; nothing to do if none was booked)."""
        booked = self.shipments.pop(cancel.order_id, None)
        if booked is not None:
            self.cancelled_shipments[cancel.order_id] = booked
            activity.logger.info("shipment %s cancelled", booked.tracking_number)

    @activity.defn
    async def send_confirmation_email(self, email: EmailInput) -> EmailResult:
        """Write the email to the outbox (one file per order, so a retry rewrites it)."""
        message = EmailMessage()
        message["To"] = email.to
        message["From"] = "orders@chatops.invalid"
        message["Subject"] = email.subject
        message_id = _ref("MSG", email.order_id)
        message["Message-ID"] = f"<{message_id}@chatops.invalid>"
        message.set_content(email.body)
        self.outbox.mkdir(parents=True, exist_ok=True)
        (self.outbox / f"{email.order_id}.eml").write_bytes(bytes(message))
        return EmailResult(message_id=message_id)

    def activities(self) -> list[Callable[..., Any]]:
        """Every activity this service registers with a worker."""
        return [
            self.validate_order,
            self.process_payment,
            self.refund_payment,
            self.reserve_inventory,
            self.release_inventory,
            self.arrange_delivery,
            self.cancel_delivery,
            self.send_confirmation_email,
        ]
