"""Payments stay idempotent across a worker that crashed: the ledger on disk is read back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from activities.ledger import Ledger, charges_by_order, read_entries
from activities.orders import OrderServices
from orchestration.models.order import PaymentInput, PaymentResult, RefundInput

pytestmark = pytest.mark.unit
RESULT = PaymentResult(transaction_id="TXN-1", amount=Decimal("5.00"))


def payment(order_id: str, amount: str = "1899.97") -> PaymentInput:
    return PaymentInput(
        order_id=order_id, amount=Decimal(amount), currency="USD", customer_email="a@example.com"
    )


async def test_a_payment_retried_after_a_crash_finds_the_charge(tmp_path: Path) -> None:
    ledger = tmp_path / "payments.jsonl"
    env = ActivityEnvironment()
    first = await env.run(OrderServices(tmp_path, ledger=ledger).process_payment, payment("O-1"))
    # The worker that charged is gone; Temporal retries the payment on a new one.
    again = OrderServices(tmp_path, ledger=ledger)
    assert again.charges["O-1"] == first
    retried = await env.run(again.process_payment, payment("O-1"))
    assert retried == first
    assert charges_by_order(ledger) == {"O-1": [Decimal("1899.97")]}


async def test_a_refund_is_kept_and_the_order_no_longer_charged(tmp_path: Path) -> None:
    ledger = tmp_path / "payments.jsonl"
    env = ActivityEnvironment()
    charged = await env.run(OrderServices(tmp_path, ledger=ledger).process_payment, payment("O-2"))
    refund = RefundInput(order_id="O-2", transaction_id=charged.transaction_id)
    refunded = await env.run(OrderServices(tmp_path, ledger=ledger).refund_payment, refund)
    later = OrderServices(tmp_path, ledger=ledger)
    assert later.charges == {}
    assert later.refunds == {charged.transaction_id: refunded}
    assert await env.run(later.refund_payment, refund) == refunded
    assert [entry.event for entry in read_entries(ledger)] == ["charge", "refund"]
    # A refund does not erase what was charged: the ledger still shows the money moved once.
    assert charges_by_order(ledger) == {"O-2": [Decimal("1899.97")]}


def test_a_line_cut_short_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ledger = tmp_path / "payments.jsonl"
    Ledger(ledger).charge("O-3", RESULT)
    with ledger.open("a") as out:
        out.write('{"event": "charge", "order_id": "O-4", "transac')
    assert list(Ledger(ledger).charges) == ["O-3"]
    assert "line 2 is not a ledger entry; skipped" in caplog.text


def test_without_a_file_nothing_is_written(tmp_path: Path) -> None:
    services = OrderServices(tmp_path)
    services.ledger.charge("O-5", RESULT)
    assert services.charges["O-5"] == RESULT
    assert list(tmp_path.iterdir()) == []


async def test_two_workers_on_one_ledger_charge_an_order_once(tmp_path: Path) -> None:
    ledger = tmp_path / "payments.jsonl"
    env = ActivityEnvironment()
    # Two workers running side by side, both started before either charged anything.
    first, second = OrderServices(tmp_path, ledger=ledger), OrderServices(tmp_path, ledger=ledger)
    charged = await env.run(first.process_payment, payment("O-6"))
    # The first dies before Temporal hears of the charge; the payment is retried on the second.
    retried = await env.run(second.process_payment, payment("O-6"))
    assert retried == charged
    refund = RefundInput(order_id="O-6", transaction_id=charged.transaction_id)
    refunded = await env.run(second.refund_payment, refund)
    assert await env.run(first.refund_payment, refund) == refunded
    assert charges_by_order(ledger) == {"O-6": [Decimal("1899.97")]}
    assert [entry.event for entry in read_entries(ledger)] == ["charge", "refund"]
