"""Acme books: a JSON-lines journal, one line per invoice and payment, keyed; the books can
be closed through a day (the cut-off)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from clientops.accounting import AccountingError, FetchedPayments, InvoiceRecord, PaymentRecord

NAME = "acme_books"


class AcmeBooks:
    name = NAME

    def __init__(self, *, path: str | os.PathLike[str], closed_through: date | None = None) -> None:
        self.path = Path(path)
        self.closed_through = closed_through
        self._closed = False
        self._lock = threading.Lock()

    def journal_keys(self) -> list[str]:
        """The key of every line of the journal, in order."""
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["key"] for line in lines if line.strip()]

    def _append(self, operation: str, key: str, day: date, amount: str) -> None:
        with self._lock:
            if self._closed:
                raise AccountingError(NAME, operation, "the books are closed")
            if key in self.journal_keys():
                return
            if self.closed_through is not None and day <= self.closed_through:
                raise AccountingError(
                    NAME, operation, f"{key} is dated {day}, the books are closed through it"
                )
            line = json.dumps({"key": key, "date": day.isoformat(), "amount": amount})
            with self.path.open("a", encoding="utf-8") as journal:
                journal.write(line + "\n")

    def record_invoice(self, record: InvoiceRecord) -> None:
        invoice = record.invoice
        self._append(
            "record_invoice", f"invoice:{invoice.id}", invoice.issue_date, str(invoice.total)
        )

    def record_payment(self, record: PaymentRecord) -> None:
        payment = record.payment
        self._append("record_payment", f"payment:{payment.id}", payment.date, str(payment.amount))

    def fetch_payments(self, since: date) -> Sequence[FetchedPayments]:
        return ()

    def close(self) -> None:
        self._closed = True
