"""The accounting port: where issued invoices and received payments go, and where payments
come from.

clientops decides what to invoice and how a payment pays the invoices (:mod:`clientops.rules.
billing`); an accounting backend *records* it — a double-entry ledger, an accounting system —
and may *supply* payments (a bank statement, a bank's API). Adapters implement
:class:`Accounting` and are registered by name through the ``clientops_register_accounting``
hook. Built in:

- ``beancount``: a plain-text double-entry ledger (:mod:`clientops.adapters.beancount`) that
  the real ``bean-check`` validates;
- ``bank_statements``: 1C client-bank exchange files in a folder
  (:mod:`clientops.adapters.bank_statement_folder`), the payments side only.

Every write is **idempotent**: the service may send the same invoice or payment again after
a crash (it records what it sent in the outbox and delivers at least once), so an adapter
keys each record by its id and does nothing for one it already holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol, runtime_checkable

import attrs

from clientops._billing import Allocation, Credit, Invoice, Payment
from clientops.errors import BackendError

__all__ = [
    "Accounting",
    "AccountingError",
    "AccountingFactory",
    "FetchedPayments",
    "InvoiceRecord",
    "PaymentRecord",
]


class AccountingError(BackendError):
    """An accounting backend failed or refused (``backend``, ``operation``:
    ``record_invoice``, ``record_payment``, ``fetch_payments``)."""


@attrs.frozen(kw_only=True)
class InvoiceRecord:
    """An invoice to record, with what a ledger needs besides the invoice itself: the
    client's name (the payee of the entry) and, for a correction or a cancellation, the
    invoice it reverses (``reverses``: the original, whose entry is to be undone)."""

    invoice: Invoice
    client_name: str
    reverses: Invoice | None = None


@attrs.frozen(kw_only=True)
class PaymentRecord:
    """A received payment to record: the payment, how it was allocated to invoices, and the
    part kept as the client's credit (an overpayment), with the client's name."""

    payment: Payment
    allocations: tuple[Allocation, ...] = ()
    credit: Credit | None = None
    client_name: str = ""


@attrs.frozen(kw_only=True)
class FetchedPayments:
    """What :meth:`Accounting.fetch_payments` found: the payments, and a ``source`` key per
    batch (a statement file's digest) so that a batch seen before is skipped whole."""

    source: str
    payments: tuple[Payment, ...] = ()
    #: Lines a person must look at (a payment without a payer INN, an outgoing one…).
    notes: tuple[str, ...] = ()


@runtime_checkable
class Accounting(Protocol):
    """An accounting backend, as clientops uses it. ``name`` says which one it is."""

    name: str

    def record_invoice(self, record: InvoiceRecord) -> None:
        """Record an issued invoice (a correction: also undo ``record.reverses``; a
        cancellation: ``record.invoice`` has status ``cancelled`` and is undone). Doing it
        twice for the same invoice id and status records it once."""

    def record_payment(self, record: PaymentRecord) -> None:
        """Record a received payment and its allocation. Doing it twice for the same payment
        id records it once."""

    def fetch_payments(self, since: date) -> Sequence[FetchedPayments]:
        """Payments received on or after ``since``, in batches (``()`` for a backend that
        supplies none)."""

    def close(self) -> None:
        """Release files and connections. Idempotent."""


#: What an accounting plugin registers under a name: builds a backend from keyword options.
AccountingFactory = Callable[..., Accounting]
