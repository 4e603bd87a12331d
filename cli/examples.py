"""Example orders for ``chatops start order --example NAME``, as in the order seed's starter,
and how every ``chatops start`` command picks its request: an example or a JSON file."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from cli.errors import CliError, load_json_model
from orchestration.models.order import Order

M = TypeVar("M", bound=BaseModel)

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


def fresh_example(model: type[M], examples: dict[str, dict[str, Any]], name: str, **base: Any) -> M:
    """Example ``name`` as a ``model``, over ``base`` (a fresh id, shared defaults)."""
    if name not in examples:
        raise CliError(f"no example {name!r}; choose one of: {', '.join(examples)}")
    return model.model_validate({**base, **examples[name]})


def pick_request(
    example: str | None,
    file: Path | None,
    requester: str | None,
    *,
    model: type[M],
    make_example: Callable[[str], M],
    noun: str,
) -> M:
    """The request a ``chatops start`` command names; ``--requester`` overrides its own."""
    if file is not None:
        request = load_json_model(file, model, noun)
    elif example is not None:
        request = make_example(example)
    else:
        raise CliError(
            f"say which {noun}: --example NAME or --file {noun.split()[-1].upper()}.json"
        )
    if requester:
        request = request.model_copy(update={"requested_by": requester})
    return request
