"""Example orders for ``chatops start order --example NAME``, as in the order seed's starter."""

from __future__ import annotations

import uuid
from typing import Any

from orchestration.models.order import Order

_CUSTOMER = {"name": "Alice Smith", "email": "alice@example.com"}
_ADDRESS = {
    "line1": "123 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "small": {
        "items": [
            {
                "sku": "BOOK-042",
                "name": "Temporal in Practice",
                "quantity": 1,
                "unit_price": "39.99",
            },
            {"sku": "MUG-007", "name": "Durable Mug", "quantity": 2, "unit_price": "24.98"},
        ],
    },
    "large": {
        "items": [
            {"sku": "LAPTOP-15", "name": "Laptop 15in", "quantity": 1, "unit_price": "1599.99"},
            {"sku": "DOCK-USB4", "name": "USB4 Dock", "quantity": 1, "unit_price": "299.98"},
        ],
    },
    "huge": {
        "items": [
            {"sku": "SERVER-2U", "name": "Rack Server 2U", "quantity": 2, "unit_price": "6250.00"},
        ],
    },
    "undeliverable": {
        "items": [
            {"sku": "TENT-POLAR", "name": "Polar Tent", "quantity": 1, "unit_price": "1249.00"},
        ],
        "shipping_address": {
            "line1": "Station Road 1",
            "city": "McMurdo Station",
            "country": "AQ",
        },
    },
}


def example_order(name: str, requested_by: str | None = None) -> Order:
    """A fresh example order (new order id each time, so examples can be run repeatedly)."""
    spec = EXAMPLES[name]
    return Order.model_validate(
        {
            "order_id": f"ORD-{uuid.uuid4().hex[:8].upper()}",
            "customer": _CUSTOMER,
            "shipping_address": spec.get("shipping_address", _ADDRESS),
            "items": spec["items"],
            "requested_by": requested_by,
        }
    )
