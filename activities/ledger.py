"""The payment stand-in's ledger: every charge and refund, one JSON line each, on disk.

A worker that is killed and started again reads it back, so a payment Temporal retries after
the crash finds the charge the dead worker made instead of charging the order a second time;
it is also the record of what money moved (``CHATOPS_DATA_DIR/payments.jsonl``).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from orchestration.models.order import PaymentResult, RefundResult

log = logging.getLogger(__name__)

LEDGER_FILENAME = "payments.jsonl"


class LedgerEntry(BaseModel):
    """One line of the ledger: a charge of an order, or the refund of its transaction."""

    event: Literal["charge", "refund"]
    order_id: str
    transaction_id: str
    amount: Decimal | None = None
    refund_id: str | None = None


@dataclass
class Ledger:
    """Charges by order id and refunds by transaction id, kept in ``path`` when one is given
    (None: in memory only)."""

    path: Path | None = None
    charges: dict[str, PaymentResult] = field(default_factory=dict)
    refunds: dict[str, RefundResult] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for entry in read_entries(self.path) if self.path is not None else []:
            self._apply(entry)

    def charge(self, order_id: str, result: PaymentResult) -> None:
        """Record a charge; written before it counts, so a crash right after it loses nothing."""
        self._record(
            LedgerEntry(
                event="charge",
                order_id=order_id,
                transaction_id=result.transaction_id,
                amount=result.amount,
            )
        )

    def refund(self, order_id: str, transaction_id: str, result: RefundResult) -> None:
        """Record the refund of ``transaction_id``: the order is no longer charged."""
        self._record(
            LedgerEntry(
                event="refund",
                order_id=order_id,
                transaction_id=transaction_id,
                refund_id=result.refund_id,
            )
        )

    def _record(self, entry: LedgerEntry) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(entry.model_dump_json() + "\n")
                out.flush()
                os.fsync(out.fileno())
        self._apply(entry)

    def _apply(self, entry: LedgerEntry) -> None:
        if entry.event == "charge":
            amount = entry.amount if entry.amount is not None else Decimal(0)
            self.charges[entry.order_id] = PaymentResult(
                transaction_id=entry.transaction_id, amount=amount
            )
        else:
            self.charges.pop(entry.order_id, None)
            self.refunds[entry.transaction_id] = RefundResult(refund_id=entry.refund_id)


def read_entries(path: Path) -> list[LedgerEntry]:
    """The ledger's entries, oldest first; none when there is no file yet. A line that is not
    an entry (cut short when the machine lost power mid-write) is skipped with a warning."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for number, line in enumerate(lines, start=1):
        try:
            entries.append(LedgerEntry.model_validate_json(line))
        except ValidationError:
            log.warning("%s line %d is not a ledger entry; skipped", path, number)
    return entries


def charges_by_order(path: Path) -> dict[str, list[Decimal]]:
    """Every charge the ledger at ``path`` recorded, by order id (a refund does not erase it)."""
    found: dict[str, list[Decimal]] = {}
    for entry in read_entries(path):
        if entry.event == "charge":
            found.setdefault(entry.order_id, []).append(entry.amount or Decimal(0))
    return found
