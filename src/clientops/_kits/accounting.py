"""The accounting kit: what every accounting backend must do (re-exported by
:mod:`clientops.testing`).

A backend *records* (a ledger: :class:`AccountingContract`) or *supplies* payments (a bank
statement source: :class:`PaymentSourceContract`), or both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from clientops._billing import (
    Allocation,
    Invoice,
    InvoiceId,
    InvoiceLine,
    Month,
    Payment,
    PaymentId,
)
from clientops.accounting import (
    Accounting,
    AccountingError,
    FetchedPayments,
    InvoiceRecord,
    PaymentRecord,
)
from clientops.model import ClientId, Money

__all__ = ["AccountingContract", "PaymentSourceContract"]

_numbers = count(1)


def _names(error: AccountingError, backend: Accounting, operation: str) -> None:
    assert (error.backend, error.operation) == (backend.name, operation), (
        f"the error names {error.backend!r}/{error.operation!r}, not {backend.name!r}/{operation!r}"
    )


class AccountingContract:
    """The contract of a backend that records what clientops issued and received (a
    double-entry ledger, an accounting system): every invoice and payment recorded once
    however often it is delivered (the outbox delivers at least once), in this process and
    after a reopen; nothing recorded in a period whose books are closed; a closed backend
    refusing; every refusal an :class:`~clientops.accounting.AccountingError` naming the
    backend and the operation.

    Subclass it and provide:

    - the ``accounting`` fixture: a fresh, empty backend whose books are closed through
      :attr:`closed_through` (the cut-off: nothing dated on or before it may be recorded);
    - :meth:`records_held`: the ids of the invoices and payments the backend holds, one per
      record it holds (an id recorded twice is there twice), read from what it wrote;
    - :meth:`reopen` (optional): the same backend opened again over the same data, for a
      backend that keeps it.
    """

    #: The last day of the closed periods.
    closed_through: date = date(2025, 5, 31)
    #: The day the kit's open-period invoices are issued.
    issue_date: date = date(2025, 6, 13)

    @pytest.fixture
    def accounting(self) -> Accounting:  # pragma: no cover - always overridden
        raise NotImplementedError(
            "provide an `accounting` fixture: an empty backend closed through closed_through"
        )

    def records_held(self, accounting: Accounting) -> Sequence[str]:  # pragma: no cover
        raise NotImplementedError("return the ids of the records the backend holds")

    def reopen(self, accounting: Accounting) -> Accounting | None:
        """The backend opened again over the same data; ``None``: it keeps nothing."""
        return None

    # ------------------------------------------------------------------ records
    def invoice(self, *, issued: date | None = None) -> Invoice:
        """An invoice of 12 000 RUB, VAT 20 % included, issued on ``issued``."""
        day = issued or self.issue_date
        return Invoice(
            id=InvoiceId(f"kit-inv-{next(_numbers)}"),
            number=f"KIT-{next(_numbers):05d}",
            client_id=ClientId("kit-client-1"),
            period=Month(day.year, day.month),
            issue_date=day,
            due_date=day + timedelta(days=5),
            lines=(InvoiceLine("Абонентское обслуживание", "мес.", 1, Money("12000")),),
            vat_rate=Decimal(20),
        )

    def invoice_record(self, invoice: Invoice) -> InvoiceRecord:
        return InvoiceRecord(invoice=invoice, client_name="ООО «Ромашка»")

    def payment_record(self, invoice: Invoice, *, paid: date | None = None) -> PaymentRecord:
        """The whole of ``invoice`` paid on ``paid`` (a week after its issue)."""
        day = paid or invoice.issue_date + timedelta(days=7)
        payment = Payment(
            id=PaymentId(f"kit-pay-{next(_numbers)}"),
            date=day,
            amount=invoice.total,
            payer_inn="7701234567",
            payer_name="ООО «Ромашка»",
            purpose=f"Оплата по счёту № {invoice.number}",
            client_id=invoice.client_id,
        )
        allocation = Allocation(
            payment_id=payment.id,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            client_id=invoice.client_id,
            amount=invoice.total,
            date=day,
        )
        return PaymentRecord(
            payment=payment, allocations=(allocation,), client_name="ООО «Ромашка»"
        )

    # ------------------------------------------------------------------ the contract
    def test_it_is_an_accounting(self, accounting: Accounting) -> None:
        assert isinstance(accounting, Accounting)
        assert isinstance(accounting.name, str)
        assert accounting.name

    def test_an_invoice_delivered_twice_is_recorded_once(self, accounting: Accounting) -> None:
        record = self.invoice_record(self.invoice())
        accounting.record_invoice(record)
        accounting.record_invoice(record)
        assert list(self.records_held(accounting)).count(record.invoice.id) == 1

    def test_a_payment_delivered_twice_is_recorded_once(self, accounting: Accounting) -> None:
        invoice = self.invoice()
        accounting.record_invoice(self.invoice_record(invoice))
        record = self.payment_record(invoice)
        accounting.record_payment(record)
        accounting.record_payment(record)
        held = list(self.records_held(accounting))
        assert held.count(record.payment.id) == 1
        assert held.count(invoice.id) == 1

    def test_records_delivered_again_after_a_reopen_are_not_recorded_again(
        self, accounting: Accounting
    ) -> None:
        invoice = self.invoice()
        payment = self.payment_record(invoice)
        accounting.record_invoice(self.invoice_record(invoice))
        accounting.record_payment(payment)
        accounting.close()
        again = self.reopen(accounting)
        if again is None:  # a backend that keeps nothing has nothing to keep once
            return
        try:
            again.record_invoice(self.invoice_record(invoice))
            again.record_payment(payment)
            held = list(self.records_held(again))
            assert held.count(invoice.id) == 1
            assert held.count(payment.payment.id) == 1
        finally:
            again.close()

    def test_an_invoice_in_a_closed_period_is_refused(self, accounting: Accounting) -> None:
        late = self.invoice(issued=self.closed_through - timedelta(days=10))
        before = list(self.records_held(accounting))
        with pytest.raises(AccountingError) as caught:
            accounting.record_invoice(self.invoice_record(late))
        _names(caught.value, accounting, "record_invoice")
        assert list(self.records_held(accounting)) == before
        on_time = self.invoice(issued=self.closed_through + timedelta(days=1))
        accounting.record_invoice(self.invoice_record(on_time))  # the next day is open
        assert list(self.records_held(accounting)).count(on_time.id) == 1

    def test_a_payment_in_a_closed_period_is_refused(self, accounting: Accounting) -> None:
        invoice = self.invoice(issued=self.closed_through + timedelta(days=1))
        accounting.record_invoice(self.invoice_record(invoice))
        before = list(self.records_held(accounting))
        record = self.payment_record(invoice, paid=self.closed_through)
        with pytest.raises(AccountingError) as caught:
            accounting.record_payment(record)
        _names(caught.value, accounting, "record_payment")
        assert list(self.records_held(accounting)) == before

    def test_a_closed_backend_refuses_and_closes_once(self, accounting: Accounting) -> None:
        accounting.close()
        accounting.close()
        with pytest.raises(AccountingError) as caught:
            accounting.record_invoice(self.invoice_record(self.invoice()))
        _names(caught.value, accounting, "record_invoice")


class PaymentSourceContract:
    """The contract of a backend that supplies payments (a folder of bank statements, a
    bank's API): every payment received on or after ``since`` fetched, with the same id
    and the same batch ``source`` every time it is fetched (so the service counts it once);
    a broken source refused whole; a closed backend refusing; every refusal an
    :class:`~clientops.accounting.AccountingError` naming the backend and the operation.

    Subclass it and provide:

    - the ``accounting`` fixture: a fresh backend with nothing to supply yet;
    - :meth:`supply`: make the backend's source hold these payments (write a statement
      file, load the bank's stand-in…), each as ``(day, amount, payer INN, purpose)``;
    - :meth:`break_source`: make its source unreadable (a file cut short…).
    """

    #: What the source holds for the kit: two payments, a week apart.
    payments: tuple[tuple[date, Money, str, str], ...] = (
        (date(2025, 6, 13), Money("12000.00"), "7707083893", "Оплата по счёту № KIT-1"),
        (date(2025, 6, 20), Money("1500.50"), "550112345626", "Оплата по счёту № KIT-2"),
    )

    @pytest.fixture
    def accounting(self) -> Accounting:  # pragma: no cover - always overridden
        raise NotImplementedError("provide an `accounting` fixture: a backend supplying none")

    def supply(
        self, accounting: Accounting, payments: Sequence[tuple[date, Money, str, str]]
    ) -> None:  # pragma: no cover - always overridden
        raise NotImplementedError("make the backend's source hold these payments")

    def break_source(self, accounting: Accounting) -> None:  # pragma: no cover - overridden
        raise NotImplementedError("make the backend's source unreadable")

    @staticmethod
    def _fetched(batches: Sequence[FetchedPayments]) -> list[Payment]:
        return [p for batch in batches for p in batch.payments]

    def test_supplied_payments_are_fetched(self, accounting: Accounting) -> None:
        self.supply(accounting, self.payments)
        batches = accounting.fetch_payments(self.payments[0][0] - timedelta(days=30))
        assert all(isinstance(b, FetchedPayments) and b.source for b in batches)
        assert len({b.source for b in batches}) == len(batches), "one source per batch"
        fetched = sorted(self._fetched(batches), key=lambda p: p.date)
        got: list[tuple[Any, ...]] = [(p.date, p.amount, p.payer_inn) for p in fetched]
        assert got == [(day, amount, inn) for day, amount, inn, _ in self.payments]
        assert len({p.id for p in fetched}) == len(fetched)

    def test_fetching_again_gives_the_same_batches_and_ids(self, accounting: Accounting) -> None:
        self.supply(accounting, self.payments)
        since = self.payments[0][0]
        first = accounting.fetch_payments(since)
        again = accounting.fetch_payments(since)
        assert [b.source for b in again] == [b.source for b in first]
        assert [p.id for p in self._fetched(again)] == [p.id for p in self._fetched(first)]

    def test_since_leaves_earlier_payments_out_and_keeps_the_ids(
        self, accounting: Accounting
    ) -> None:
        self.supply(accounting, self.payments)
        everything = self._fetched(accounting.fetch_payments(self.payments[0][0]))
        later = self._fetched(accounting.fetch_payments(self.payments[1][0]))
        assert [p.date for p in later] == [self.payments[1][0]]
        assert later[0].id in {p.id for p in everything}

    def test_a_broken_source_is_refused_whole(self, accounting: Accounting) -> None:
        self.supply(accounting, self.payments)
        self.break_source(accounting)
        with pytest.raises(AccountingError) as caught:
            accounting.fetch_payments(self.payments[0][0])
        _names(caught.value, accounting, "fetch_payments")

    def test_a_closed_backend_refuses_and_closes_once(self, accounting: Accounting) -> None:
        accounting.close()
        accounting.close()
        with pytest.raises(AccountingError) as caught:
            accounting.fetch_payments(self.payments[0][0])
        _names(caught.value, accounting, "fetch_payments")
