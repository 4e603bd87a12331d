"""The payment stand-in's ledger: every charge and refund, one JSON line each, on disk.

A worker that is killed and started again reads it back, so a payment Temporal retries after
the crash finds the charge the dead worker made instead of charging the order a second time;
it is also the record of what money moved (``CHATOPS_DATA_DIR/payments.jsonl``). Workers
sharing a data dir share the file, as they would share a payment provider: each check and the
charge or refund that follows it happen under the file's lock, after reading what the others
wrote since (:meth:`Ledger.locked`).
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
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
    # How far into the file this process has read.
    _read_to: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        with self.locked():
            pass

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the file's lock, caught up with what other processes wrote: a check of
        :attr:`charges` and the charge it leads to are one step for every worker sharing the
        file (Temporal may run a payment again on one worker while another charged it)."""
        if self.path is None:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("ab") as held:
            fcntl.flock(held.fileno(), fcntl.LOCK_EX)
            try:
                self._catch_up()
                yield
            finally:
                fcntl.flock(held.fileno(), fcntl.LOCK_UN)

    def _catch_up(self) -> None:
        if self.path is None:
            return
        with self.path.open("rb") as file:
            file.seek(self._read_to)
            new = file.read()
        self._read_to += len(new)
        for entry in parse_entries(new.decode("utf-8", errors="replace"), self.path):
            self._apply(entry)

    def charge(self, order_id: str, result: PaymentResult) -> None:
        """Record a charge; written before it counts, so a crash right after it loses nothing.
        (Read back at the next catch-up too, which changes nothing: entries apply in order.)"""
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
            with self.path.open("ab") as out:
                out.write((entry.model_dump_json() + "\n").encode())
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
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return parse_entries(text, path)


def parse_entries(text: str, path: Path) -> list[LedgerEntry]:
    """The entries in ``text``, lines of the ledger at ``path`` (named in warnings)."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
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
