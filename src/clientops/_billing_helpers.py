"""The billing service's helpers: its reports (:class:`BillingRun`, :class:`PaymentImport`),
the invoice numbers taken from the store's sequence, the accounting records sent through the
outbox, and the printable invoice. Used by :mod:`clientops._billing_service` and the outbox."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from clientops._billing import (
    Allocation,
    BankDetails,
    BilledInvoice,
    Credit,
    Invoice,
    InvoiceCancelled,
    InvoiceCorrected,
    InvoiceIssued,
    InvoiceParty,
    Month,
    Payment,
    PaymentMatched,
)
from clientops._context import Context
from clientops._documents._billing import InvoiceRef, PaymentInvoice
from clientops._formats import money_text, month_text
from clientops._outbox import OutboxMessage
from clientops.accounting import (
    InvoiceRecord,
    PaymentRecord,
)
from clientops.bank_statements import (
    MatchResult,
    PaymentDirection,
    StatementParty,
    StatementPayment,
)
from clientops.errors import (
    FieldError,
    ValidationError,
)
from clientops.events import Event
from clientops.model import ClientId, Money
from clientops.ports import UnitOfWork
from clientops.rules.billing import (
    BillingPlan,
    SkipReason,
)
from clientops.serialization import structure, unstructure

#: Outbox topics of the accounting backend (delivered by ``ops.outbox.deliver``).
ACCOUNTING_INVOICE_TOPIC = "clientops.accounting.invoice"
ACCOUNTING_PAYMENT_TOPIC = "clientops.accounting.payment"
ACCOUNTING_TOPICS = (ACCOUNTING_INVOICE_TOPIC, ACCOUNTING_PAYMENT_TOPIC)


def invoice_issued(invoice: Invoice, now: datetime) -> InvoiceIssued:
    return InvoiceIssued(
        invoice.id, invoice.number, invoice.client_id, invoice.total, invoice.due_date, now
    )


def invoice_corrected(
    original: Invoice, correction: Invoice, now: datetime
) -> tuple[InvoiceCorrected, InvoiceIssued]:
    """The events of ``original`` replaced by ``correction``."""
    return (
        InvoiceCorrected(
            original.id,
            original.number,
            original.client_id,
            correction.id,
            correction.number,
            now,
        ),
        invoice_issued(correction, now),
    )


def invoice_cancelled(invoice: Invoice, now: datetime) -> InvoiceCancelled:
    return InvoiceCancelled(invoice.id, invoice.number, invoice.client_id, now)


def payment_matched(
    payment: Payment, allocations: Sequence[Allocation], credit: Credit | None, now: datetime
) -> PaymentMatched:
    assert payment.client_id is not None
    return PaymentMatched(
        payment.id,
        payment.client_id,
        payment.amount,
        tuple(a.invoice_number for a in allocations),
        credit.amount if credit is not None else None,
        now,
    )


@attrs.frozen
class BillingRun:
    """What :meth:`BillingService.run` did for ``month``: the ``plan`` it worked from,
    the invoices it ``issued`` now, the ones ``already_issued`` (by an earlier or an
    interrupted run: skipped, never issued twice), the other ``plan.skipped`` subscriptions
    with their reasons, the ``plan.corrections`` for a person, and the invoice documents
    written (``documents``, when a folder was given)."""

    month: Month
    plan: BillingPlan
    issued: tuple[Invoice, ...]
    documents: tuple[Path, ...] = ()

    @property
    def already_issued(self) -> int:
        return sum(1 for s in self.plan.skipped if s.reason is SkipReason.ALREADY_ISSUED)

    def summary(self) -> str:
        """One line in Russian: issued, already issued, skipped, corrections."""
        return (
            f"Счета за {month_text(self.month.first_day)}\u00a0г.: "
            f"выставлено {len(self.issued)} на "
            f"{money_text(sum((i.total for i in self.issued), Money('0.00')))}, "
            f"уже были {self.already_issued}, "
            f"пропущено {len(self.plan.skipped) - self.already_issued}, "
            f"к исправлению {len(self.plan.corrections)}."
        )


@attrs.frozen
class PaymentImport:
    """What :meth:`BillingService.import_bank_statement` (or :meth:`BillingService.fetch_payments`)
    did with one batch of payments: ``source`` (the statement's digest), the ``payments``
    stored (matched or not), the ``matched`` ones with their allocations, the ``unmatched``
    ones waiting for a person, the ``credits`` kept, and ``already_imported`` when the same
    batch was imported before (nothing stored then). ``match`` is the matcher's verdict on
    each document of a statement, with its reasons."""

    source: str
    payments: tuple[Payment, ...] = ()
    unmatched: tuple[Payment, ...] = ()
    allocations: tuple[Any, ...] = ()
    credits: tuple[Credit, ...] = ()
    repeated: tuple[Payment, ...] = ()
    already_imported: bool = False
    match: MatchResult | None = None

    def summary(self) -> str:
        if self.already_imported:
            return "Выписка уже загружена: ничего не добавлено."
        return (
            f"Платежей: {len(self.payments)}, разнесено: "
            f"{len(self.payments) - len(self.unmatched)}, не опознано: {len(self.unmatched)}, "
            f"переплата: {len(self.credits)}."
        )


#: How many times :meth:`BillingService.run` plans again after another writer took an
#: invoice or number it planned, before it gives up with that DuplicateError.
REPLANS = 8


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's automatic garbage collection while a billing run plans and stores its
    invoices, and restore it after (also on an error; left alone when the application has it
    off), as ``ops.agenda.for_everyone`` does. The run loads every subscription and makes an
    invoice for each, all outliving the plan, none cyclic garbage: with collection on, each
    growth of the heap by a quarter walks every tracked object of the process again, so the
    run grew faster than its size. Pausing changes only when, not what, is collected."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def chunks(items: Sequence[Invoice], size: int) -> Iterator[Sequence[Invoice]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def statement_payment(payment: Payment) -> StatementPayment:
    """A fetched payment as the matcher reads a statement's document."""
    source = payment.source
    return StatementPayment(
        number=(source.number if source and source.number else payment.id),
        date=payment.date,
        amount=payment.amount,
        direction=PaymentDirection.INCOMING,
        payer=StatementParty(account="", inn=payment.payer_inn, name=payment.payer_name or None),
        recipient=StatementParty(account=""),
        purpose=payment.purpose,
        received_on=payment.date,
    )


def record_invoice(
    context: Context,
    uow: UnitOfWork,
    invoice: Invoice,
    now: datetime,
    *,
    reverses: Invoice | None = None,
) -> tuple[Event, ...]:
    """Send ``invoice`` (and the entry it undoes: the original of a correction, the
    invoice itself before a cancellation) to the accounting backend through the outbox,
    as it is now: a later change of the invoice is a record of its own. Returns the events
    that say what happened (to publish after the commit): the invoice issued, the original
    corrected by it, or the invoice cancelled."""
    events: tuple[Event, ...]
    if reverses is None:
        events = (invoice_issued(invoice, now),)
    elif reverses.id == invoice.id:
        events = (invoice_cancelled(invoice, now),)
    else:
        events = invoice_corrected(reverses, invoice, now)
    if context.backends.has_accounting:
        record = InvoiceRecord(
            invoice=invoice,
            client_name=uow.clients.get(invoice.client_id).name,
            reverses=reverses,
        )
        uow.outbox.enqueue(
            OutboxMessage.new(
                ACCOUNTING_INVOICE_TOPIC,
                {"record": unstructure(record)},
                now=now,
                key=f"accounting-invoice-{invoice.id}-{invoice.status.value}",
            )
        )
    return events


def record_payment(
    context: Context,
    uow: UnitOfWork,
    payment: Payment,
    allocations: Sequence[Allocation],
    credit: Credit | None,
    now: datetime,
) -> PaymentMatched:
    """Send a payment applied to a client, with its allocations and credit, to the
    accounting backend through the outbox. Returns the event that says so (to publish
    after the commit)."""
    assert payment.client_id is not None
    if context.backends.has_accounting:
        record = PaymentRecord(
            payment=payment,
            allocations=tuple(allocations),
            credit=credit,
            client_name=uow.clients.get(payment.client_id).name,
        )
        uow.outbox.enqueue(
            OutboxMessage.new(
                ACCOUNTING_PAYMENT_TOPIC,
                {"record": unstructure(record)},
                now=now,
                key=f"accounting-payment-{payment.id}",
            )
        )
    return payment_matched(payment, allocations, credit, now)


def deliver_accounting(context: Context, message: OutboxMessage) -> None:
    """Deliver one accounting outbox message to the backend (raises on failure)."""
    backend = context.backends.accounting
    data = message.data()["record"]
    if message.topic == ACCOUNTING_INVOICE_TOPIC:
        backend.record_invoice(structure(data, InvoiceRecord))
    else:
        backend.record_payment(structure(data, PaymentRecord))


def numbers_taken(context: Context, uow: UnitOfWork, year: int, *, lock: bool) -> int:
    """The last sequence number of ``year`` taken in the policy's number format: the
    store's sequence, seeded on its first use from the stored invoices' numbers (whatever
    their issue dates), so a hand-written number of the format is never handed out."""
    policy = context.policy.billing
    last = uow.invoices.sequence(policy.number_scope(year), lock=lock)
    if last is None:
        last = policy.highest_sequence(uow.invoices.numbers_from(policy.number_prefix(year)), year)
    return last


def take_numbers(
    context: Context, uow: UnitOfWork, issue_date: date, count: int, *, after: int = 0
) -> tuple[str, ...]:
    """The next ``count`` invoice numbers of the year of ``issue_date`` (after ``after``
    at least), taken from the store's sequence under its lock, in ``uow``: rolled back
    with it, never handed out twice, no gaps."""
    policy = context.policy.billing
    last = max(numbers_taken(context, uow, issue_date.year, lock=True), after)
    uow.invoices.set_sequence(policy.number_scope(issue_date.year), last + count)
    return tuple(policy.format_number(last + i, issue_date) for i in range(1, count + 1))


def keep_number(context: Context, uow: UnitOfWork, number: str) -> None:
    """A number given by hand: when it is one of the policy's format, the sequence of its
    year moves past it, so the sequence never hands it out again."""
    policy = context.policy.billing
    parsed = policy.parse_number(number)
    if parsed is None:
        return
    year, seq = parsed
    if seq > numbers_taken(context, uow, year, lock=True):
        uow.invoices.set_sequence(policy.number_scope(year), seq)


def billed_invoices(uow: UnitOfWork, month: Month) -> tuple[BilledInvoice, ...]:
    """``uow.invoices.billed(month)``; from ``for_period`` on a store written before it."""
    billed = getattr(uow.invoices, "billed", None)
    if billed is not None:
        found: tuple[BilledInvoice, ...] = billed(month)
        return found
    return tuple(BilledInvoice.of(i) for i in uow.invoices.for_period(month) if i.subscription_id)


def add_invoices(uow: UnitOfWork, invoices: Sequence[Invoice]) -> None:
    """``uow.invoices.add_many(invoices)``; one by one on a store written before it."""
    add_many = getattr(uow.invoices, "add_many", None)
    if add_many is not None:
        add_many(invoices)
        return
    for invoice in invoices:
        uow.invoices.add(invoice)


def payers_of(
    uow: UnitOfWork, client_ids: Iterable[ClientId]
) -> Mapping[ClientId, tuple[str, str | None]]:
    """``uow.subscriptions.payers(client_ids)``; from the cards one by one on a store
    written before it."""
    payers = getattr(uow.subscriptions, "payers", None)
    if payers is not None:
        found: Mapping[ClientId, tuple[str, str | None]] = payers(client_ids)
        return found
    cards = (uow.clients.get(c) for c in sorted(set(client_ids)))
    return {card.id: (card.name, card.inn) for card in cards}


def requisites(context: Context) -> tuple[InvoiceParty, BankDetails]:
    """The company's details printed on invoices, or ValidationError naming the missing."""
    billing = context.policy.billing
    if billing.supplier is not None and billing.bank is not None:
        return billing.supplier, billing.bank
    missing = [
        FieldError(f"billing.{name}", "the company's details are needed on invoices")
        for name in ("supplier", "bank")
        if getattr(billing, name) is None
    ]
    raise ValidationError(missing, subject="billing policy")


def payment_invoice(context: Context, invoice: Invoice, client_name: str) -> PaymentInvoice:
    billing = context.policy.billing
    supplier, bank = requisites(context)
    inn = invoice.payer_inn
    if inn is None:
        raise ValidationError(
            [FieldError("payer_inn", f"invoice {invoice.number}: the buyer's INN is unknown")],
            subject="invoice document",
        )
    return PaymentInvoice(
        number=invoice.number,
        date=invoice.issue_date,
        supplier=supplier,
        bank=bank,
        buyer=InvoiceParty(name=client_name, inn=inn),
        lines=invoice.lines,
        due_date=invoice.due_date,
        vat_rate=invoice.vat_rate,
        vat_included=invoice.vat_included,
        duplicate=False,
        replaces=(InvoiceRef(invoice.corrects_number) if invoice.corrects_number else None),
        head=billing.head,
        accountant=billing.accountant,
    )


def file_name(number: str) -> str:
    """A file name for an invoice number (``2026-00001``; other characters replaced)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in number)
    return safe or hashlib.sha256(number.encode()).hexdigest()[:12]
