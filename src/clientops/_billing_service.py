"""The billing area (``ops.billing``): subscriptions, the monthly billing run, invoices
(issued, corrected, cancelled, sent again), bank statements and payments, reminders and
debtors, supplier bills, the accounting backend. The decisions are the pure functions of
:mod:`clientops.rules.billing`; this module reads, hands them values and stores what they
return, one unit of work at a time (helpers: :mod:`clientops._billing_helpers`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from clientops._billing import (
    BilledInvoice,
    Credit,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceStatus,
    Month,
    Payment,
    PaymentId,
    Subscription,
    SubscriptionId,
    SupplierBill,
    SupplierBillId,
    enter_into_payment_plan,
    mark_supplier_bill_paid,
    request_supplier_bill,
    set_payment_task,
)
from clientops._billing_helpers import (
    REPLANS,
    BillingRun,
    PaymentImport,
    add_invoices,
    billed_invoices,
    chunks,
    collector_paused,
    file_name,
    keep_number,
    numbers_taken,
    payers_of,
    payment_invoice,
    record_invoice,
    record_payment,
    requisites,
    statement_payment,
    take_numbers,
)
from clientops._checks import check_entry_points, positive_int
from clientops._clients_sync import list_page
from clientops._context import Context
from clientops._documents._billing import DebtorRow, DebtorsList, InvoiceRef, PaymentInvoice
from clientops._log import area_logger
from clientops._recording import again_if_raced, record_appeals_and_reactions
from clientops._sync import ListFilter, Page
from clientops.accounting import Accounting, FetchedPayments
from clientops.bank_statements import (
    BankStatement,
    StatementLimits,
    match_payments,
    payment_from_statement,
    read_bank_statement,
)
from clientops.documents import render_document
from clientops.errors import DuplicateError, FieldError, NotFoundError, ValidationError
from clientops.model import Appeal, ClientId, EmployeeId, Money, new_id
from clientops.ports import UnitOfWork, retention_repository
from clientops.rules.billing import (
    BillingPlan,
    Debtor,
    InvoiceCorrection,
    PaymentPlan,
    Reminders,
    allocate_payment,
    billing_date,
    cancel_invoice,
    correct_invoice,
    debtors,
    discounted_lines,
    duplicate_invoice,
    one_off_invoice,
    open_invoices,
    payment_plan,
    payments_from_matches,
    plan_from_billed,
    reminder_reactions,
)

__all__ = ["BillingRun", "BillingService", "PaymentImport"]


_log = area_logger("billing")


@check_entry_points
class BillingService:
    """Subscriptions, invoices, payments, reminders and debtors, supplier bills::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> from clientops.billing import Month
    >>> ops.billing.billing_date(Month(2025, 7))
    datetime.date(2025, 7, 15)
    >>> ops.billing.debtors()
    ()
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    @property
    def accounting(self) -> Accounting:
        """The accounting backend: given to :func:`~clientops.connect`, or opened by
        :meth:`open_accounting`. ConfigurationError when there is none."""
        return self._context.backends.accounting

    def open_accounting(self, name: str, /, **options: object) -> Accounting:
        """Open the accounting backend registered as ``name`` (``beancount``,
        ``bank_statements``…) through the plugin host; closed by ``ops.close()``. From then on
        issued invoices and received payments are recorded in it through the outbox
        (``ops.outbox.deliver``), at least once, each keyed by its id.
        ConfigurationError when a backend is already set."""
        return self._context.backends.open_accounting(self._context.host, name, dict(options))

    def add_subscription(self, subscription: Subscription) -> Subscription:
        """Store a new subscription (its client must exist)."""
        with self._context.storage.unit_of_work() as uow:
            uow.subscriptions.add(subscription)
        return subscription

    def update_subscription(self, subscription: Subscription) -> Subscription:
        """Store a changed subscription (a fee change added with its day, a pause, an end):
        what is already invoiced is never edited; the next billing plan shows invoices the
        change makes wrong as corrections."""
        with self._context.storage.unit_of_work() as uow:
            return uow.subscriptions.update(subscription)

    def subscription(self, subscription_id: SubscriptionId) -> Subscription:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.subscriptions.get(subscription_id)

    def subscriptions_of(self, client_id: ClientId) -> tuple[Subscription, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return uow.subscriptions.of_client(client_id)

    def billing_date(self, month: Month) -> date:
        """The day invoices for ``month`` are issued under the policy: ``billing_day``
        (the 15th), moved by its weekend rule when that is not a working day. A scheduler
        runs :meth:`run_billing` for ``month`` on this day (or any day before the next
        month's billing date)."""
        return billing_date(month, self._context.policy.billing, self._context.policy.calendar)

    def plan(self, month: Month, *, issue_date: date | None = None) -> BillingPlan:
        """What :meth:`run_billing` would do for ``month`` now; nothing is stored."""
        with collector_paused(), self._context.storage.unit_of_work() as uow:
            return self._plan(uow, month, issue_date)[0]

    def _plan(
        self, uow: UnitOfWork, month: Month, issue_date: date | None
    ) -> tuple[BillingPlan, dict[ClientId, str]]:
        """The plan, and the names of the clients it issues invoices to. The month's invoices
        are read without their lines (``uow.invoices.billed``); the cards only of the clients
        whose subscriptions have no invoice for the month yet (their names and INNs, in one
        read); whole invoices only for those the subscriptions no longer agree with."""
        billing = self._context.policy.billing
        calendar = self._context.policy.calendar
        subscriptions = uow.subscriptions.all()
        billed = billed_invoices(uow, month)
        has_one = {b.subscription_id for b in billed if b.status is not InvoiceStatus.CORRECTED}
        payers = payers_of(uow, {s.client_id for s in subscriptions if s.id not in has_one})
        day = issue_date or billing_date(month, billing, calendar)
        after = numbers_taken(self._context, uow, day.year, lock=False)
        terms = {t.client_id: t for t in retention_repository(uow).all_client_terms()}
        inns = {client_id: inn for client_id, (_, inn) in payers.items() if inn}
        rows: Sequence[BilledInvoice | Invoice] = billed
        for _ in range(2):
            plan, stale = plan_from_billed(
                month,
                subscriptions,
                rows,
                billing,
                calendar,
                issue_date=issue_date,
                numbers_after=after,
                payer_inns=inns,
                client_terms=terms,
            )
            if not stale:
                break
            # a correction is planned from the whole invoice: read those, plan again
            whole = {b.id: uow.invoices.get(b.id) for b in stale}
            rows = [whole.get(b.id, b) for b in billed]
        else:  # pragma: no cover - the second plan has every stale invoice whole
            raise AssertionError("billing plan: stale invoices after reading them whole")
        return plan, {client_id: name for client_id, (name, _) in payers.items()}

    def _billing_day(self, month: Month, issue_date: date | None, off_schedule: bool) -> date:
        """The issue date of a billing run for ``month`` started today: ``issue_date`` or
        today, never after today, and (unless ``off_schedule``) within the month's billing
        period, from its billing date up to the day before the next month's. The types are
        checked by :meth:`run` (check_entry_points)."""
        today = self._context.today()
        day = issue_date if issue_date is not None else today
        if day > today:
            raise ValidationError(
                [
                    FieldError(
                        "issue_date",
                        f"{day.isoformat()} is in the future (today is {today.isoformat()}): "
                        "invoices are dated on the day they are issued or before",
                    )
                ]
            )
        if off_schedule:
            return day
        opens = self.billing_date(month)
        closes = self.billing_date(month.next())
        if day < opens:
            why = f"invoices for {month} are issued from {opens.isoformat()}"
        elif day >= closes:
            why = (
                f"the billing period of {month} closed on {closes.isoformat()}, the billing "
                f"date of {month.next()}"
            )
        else:
            return day
        raise ValidationError(
            [
                FieldError(
                    "month",
                    f"{why}; the issue date would be {day.isoformat()}: pass "
                    "off_schedule=True to issue them anyway",
                )
            ]
        )

    def run(
        self,
        month: Month,
        *,
        issue_date: date | None = None,
        documents: Path | str | None = None,
        batch: int = 500,
        off_schedule: bool = False,
    ) -> BillingRun:
        """Issue the month's invoices: one per subscription billed in it, with a report of
        what was skipped and why.

        On schedule: today (``ops.context.today()``, the service clock) must lie in the
        month's billing period, from :meth:`billing_date` of ``month`` (the 15th, or the day
        the policy's weekend rule gives) up to the day before the billing date of the next
        month; the invoices are dated today (or ``issue_date``, which must lie in that period too).
        Before it, or once the period is closed, ValidationError (field ``month``) unless
        ``off_schedule=True``. An issue date after today is refused either way.

        Idempotent: a subscription whose invoice for the month exists is skipped, so a second
        run issues nothing. The invoices are stored ``batch`` at a time, each batch in one unit
        of work that also takes their numbers from the store's number sequence (locked until
        the batch commits: concurrent runs and :meth:`issue_invoice` never get one number
        twice, and a rolled-back batch leaves no gap). A run interrupted half way leaves whole
        batches, and the next run plans again and issues the rest, with the same ids and the
        next numbers. Two runs at once cannot issue one invoice twice (the store refuses a
        second id; the loser re-plans, a bounded number of times, then raises the
        DuplicateError naming the invoice or number it could not take). ``documents``: a
        folder to write each issued invoice's .docx into (``<number>.docx``), which needs
        ``policy.billing.supplier`` and ``bank``.
        """
        positive_int("batch", batch)
        day = self._billing_day(month, issue_date, off_schedule)
        folder = Path(documents) if documents is not None else None
        if folder is not None:
            requisites(
                self._context,
            )
        now = self._context.now()
        first_plan: BillingPlan | None = None
        issued: list[Invoice] = []
        names: dict[ClientId, str] = {}
        after = 0
        failure: DuplicateError | None = None
        with collector_paused():  # the plan and its invoices outlive every batch
            for _ in range(REPLANS):
                with self._context.storage.unit_of_work() as uow:
                    plan, plan_names = self._plan(uow, month, day)
                names.update(plan_names)
                first_plan = first_plan or plan
                try:
                    for part in chunks(plan.to_issue, batch):
                        with self._context.unit_of_work() as uow:
                            numbers = take_numbers(self._context, uow, day, len(part), after=after)
                            taken = [  # the planned invoice itself when its number is the one
                                i if i.number == n else attrs.evolve(i, number=n)
                                for i, n in zip(part, numbers, strict=True)
                            ]
                            add_invoices(uow, taken)
                            events = [
                                e for i in taken for e in record_invoice(self._context, uow, i, now)
                            ]
                            self._context.publish(events)
                        issued += taken
                except DuplicateError as exc:
                    if exc.kind not in ("invoice", "invoice number"):
                        raise
                    # another run issued some of them meanwhile, or a number the sequence did not
                    # know of is in the way: plan again from what is stored, past that number
                    failure = exc
                    _log.warning(
                        "run %s: another run issued meanwhile (%s); planned again", month, exc
                    )
                    if exc.kind == "invoice number" and isinstance(exc.key, str):
                        seq = self._context.policy.billing.number_sequence(exc.key, day.year)
                        after = max(after, seq or 0)
                    continue
                break
            else:
                assert failure is not None
                raise failure
        assert first_plan is not None
        written: list[Path] = []
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for invoice in issued:
                path = folder / f"{file_name(invoice.number)}.docx"
                path.write_bytes(
                    render_document(
                        payment_invoice(self._context, invoice, names[invoice.client_id]),
                        host=self._context.host,
                    )
                )
                written.append(path)
        return BillingRun(
            month=month, plan=first_plan, issued=tuple(issued), documents=tuple(written)
        )

    def invoice(self, invoice_id: InvoiceId) -> Invoice:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.invoices.get(invoice_id)

    def find_invoice(self, number: str) -> Invoice | None:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.invoices.find(number)

    def invoices_of(self, client_id: ClientId) -> tuple[Invoice, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return uow.invoices.of_client(client_id)

    def list_invoices(
        self, where: ListFilter | None = None, *, cursor: str | None = None, limit: int = 100
    ) -> Page[Invoice]:
        """A page of the invoices ``where`` keeps (its ``client_id``, ``manager_id``: the
        card's, ``status``), oldest first, with the cursor of the next (as ops.clients.list)."""
        return list_page(self._context, "invoices", where or ListFilter(), cursor, limit)

    def issue_invoice(
        self,
        client_id: ClientId,
        lines: Sequence[InvoiceLine],
        *,
        issue_date: date | None = None,
        number: str | None = None,
    ) -> Invoice:
        """Issue an invoice by hand, outside any subscription (equipment, a visit; a client
        without a subscription gets its invoices this way, never from a billing run):
        numbered in the same sequence (or ``number``), due and taxed by the policy. The
        client must exist; its INN is the buyer's. The client's special conditions valid on
        the invoice's date (``Retention.set_terms``) discount every line, and the line's name
        says so (:func:`clientops.rules.billing.discounted_lines`)."""
        now = self._context.now()
        day = issue_date or self._context.today()
        with self._context.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            terms = retention_repository(uow).client_terms(client.id)
            invoice = one_off_invoice(
                id=InvoiceId(f"inv-{new_id()}"),
                client_id=client.id,
                lines=discounted_lines(lines, terms, day),
                issue_date=day,
                existing=(),
                policy=self._context.policy.billing,
                calendar=self._context.policy.calendar,
                payer_inn=client.inn,
                number=number
                if number is not None
                else take_numbers(self._context, uow, day, 1)[0],
            )
            if number is not None:
                keep_number(self._context, uow, number)
            uow.invoices.add(invoice)
            events = record_invoice(self._context, uow, invoice, now)
            self._context.publish(events)
        return invoice

    def correct_invoice(
        self,
        invoice_id: InvoiceId,
        *,
        fee: Money | None = None,
        lines: Sequence[Any] | None = None,
        on: date | None = None,
    ) -> InvoiceCorrection:
        """Replace an issued invoice by a corrected one (a new invoice with its own number,
        ``corrects`` naming the original, which becomes ``corrected``); what was paid moves to
        the correction, any excess is kept as the client's credit. Never an edit."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            original = uow.invoices.get(invoice_id)
            day = on or self._context.today()
            existing = (*uow.invoices.of_client(original.client_id),)
            correction = correct_invoice(
                original,
                on=day,
                existing=existing,
                number=take_numbers(self._context, uow, day, 1)[0],
                policy=self._context.policy.billing,
                calendar=self._context.policy.calendar,
                lines=lines,
                fee=fee,
            )
            uow.invoices.update(correction.original)
            uow.invoices.add(correction.correction)
            if correction.credit is not None:
                uow.payments.add_credit(correction.credit)
            made = record_invoice(self._context, uow, correction.correction, now, reverses=original)
            self._context.publish(made)
        return correction

    def cancel_invoice(self, invoice_id: InvoiceId) -> Invoice:
        """Cancel an unpaid invoice (it stays, marked cancelled; a billing run does not issue
        it again by itself)."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            original = uow.invoices.get(invoice_id)
            cancelled = uow.invoices.update(cancel_invoice(original))
            events = record_invoice(self._context, uow, cancelled, now, reverses=original)
            self._context.publish(events)
        return cancelled

    def send_duplicate(
        self, invoice_id: InvoiceId, *, to: str = "", by: EmployeeId | None = None
    ) -> tuple[Invoice, bytes]:
        """Re-send a lost invoice: the sending is recorded on the invoice and the .docx comes
        back marked «ДУБЛИКАТ» (same number, date and amount)."""
        with self._context.storage.unit_of_work() as uow:
            invoice = uow.invoices.get(invoice_id)
            sent = duplicate_invoice(invoice, at=self._context.now(), to=to, by=by)
            stored = uow.invoices.update(sent)
            name = uow.clients.get(invoice.client_id).name
        document = attrs.evolve(payment_invoice(self._context, stored, name), duplicate=True)
        return stored, render_document(document, host=self._context.host)

    def invoice_document(self, invoice_id: InvoiceId) -> PaymentInvoice:
        """The printable invoice (:class:`~clientops.documents.PaymentInvoice`) of a stored
        invoice, with the company's details of ``policy.billing``."""
        requisites(
            self._context,
        )
        with self._context.storage.unit_of_work(readonly=True) as uow:
            invoice = uow.invoices.get(invoice_id)
            name = uow.clients.get(invoice.client_id).name
            replaced = uow.invoices.get(invoice.corrects) if invoice.corrects else None
        document = payment_invoice(self._context, invoice, name)
        if replaced is not None:
            document = attrs.evolve(
                document, replaces=InvoiceRef(replaced.number, replaced.issue_date)
            )
        return document

    def import_bank_statement(
        self, source: bytes | str | os.PathLike[str], *, limits: StatementLimits | None = None
    ) -> PaymentImport:
        """Import a 1C client-bank statement (``1CClientBankExchange``: a path or the file's
        bytes; anything else is refused with ValidationError naming ``source``, before anything
        is opened) and apply its incoming payments, all in one unit of work. ``limits`` bounds
        the file (:class:`~clientops.bank_statements.StatementLimits`).

        A malformed file raises the reader's ValidationError naming the line; nothing is
        stored. The same file imported again changes nothing (``already_imported``), and a
        payment seen in an earlier, overlapping statement is not counted twice (``repeated``).
        Each payment is matched to an open invoice by the invoice number in its purpose, then
        by the payer's INN and the exact amount; matched ones pay their client's invoices (a
        larger amount leaves visible credit); the rest are stored unmatched, for a person
        (:meth:`unmatched_payments`, :meth:`assign_payment`). Nothing is guessed.
        """
        statement = read_bank_statement(source, limits=limits)
        return self._import(statement.digest, statement)

    def fetch_payments(self, since: date) -> tuple[PaymentImport, ...]:
        """Fetch payments from the accounting backend (each batch once: a batch seen before
        is skipped whole) and apply them as :meth:`import_bank_statement` does."""
        batches: Sequence[FetchedPayments] = self.accounting.fetch_payments(since)
        return tuple(self._import(b.source, b) for b in batches)

    def _import(self, source: str, batch: BankStatement | FetchedPayments) -> PaymentImport:
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            if not uow.outbox.record_key(f"payments-{source}"):
                return PaymentImport(source=source, already_imported=True)
            invoices = uow.invoices.open()
            if isinstance(batch, BankStatement):
                incoming = tuple(batch.payments)
                by_key = None
            else:
                incoming = tuple(statement_payment(p) for p in batch.payments)
                by_key = {id(s): p for s, p in zip(incoming, batch.payments, strict=True)}
            result = match_payments(incoming, open_invoices(invoices))
            matched = payments_from_matches(result, statement_digest=source)
            if by_key is not None:  # fetched payments keep their own ids and sources
                matched = tuple(
                    attrs.evolve(
                        by_key[id(m.payment)],
                        client_id=p.client_id,
                        invoice_number=p.invoice_number,
                    )
                    for m, p in zip(result.matched, matched, strict=True)
                )
                unmatched = tuple(by_key[id(u.payment)] for u in result.unmatched)
            else:
                unmatched = tuple(
                    payment_from_statement(u.payment, statement_digest=source)
                    for u in result.unmatched
                )
            stored: list[Payment] = []
            repeated: list[Payment] = []
            allocations: list[Any] = []
            credits: list[Credit] = []
            events = []
            current = {i.id: i for i in invoices}
            for payment in (*matched, *unmatched):
                if uow.payments.find(payment.id) is not None:
                    repeated.append(payment)
                    continue
                uow.payments.add(payment)
                stored.append(payment)
                if payment.client_id is not None:
                    made, credit = self._allocate(uow, payment, current)
                    allocations += made
                    if credit is not None:
                        credits.append(credit)
                    events.append(record_payment(self._context, uow, payment, made, credit, now))
            self._context.publish(events)
        left = tuple(p for p in stored if p.client_id is None)
        return PaymentImport(
            source=source,
            payments=tuple(stored),
            unmatched=left,
            allocations=tuple(allocations),
            credits=tuple(credits),
            repeated=tuple(repeated),
            match=result,
        )

    def _allocate(
        self, uow: UnitOfWork, payment: Payment, current: dict[InvoiceId, Invoice]
    ) -> tuple[tuple[Any, ...], Credit | None]:
        assert payment.client_id is not None
        theirs = [i for i in current.values() if i.client_id == payment.client_id]
        if not theirs:
            theirs = [i for i in uow.invoices.of_client(payment.client_id) if i.status.open]
        result = allocate_payment(
            payment,
            theirs,
            self._context.policy.billing,
            allocations=uow.payments.allocations_of(payment.client_id),
        )
        for invoice in result.invoices:
            stored = uow.invoices.update(invoice)
            current[stored.id] = stored
        for allocation in result.allocations:
            uow.payments.add_allocation(allocation)
        if result.credit is not None:
            uow.payments.add_credit(result.credit)
        return result.allocations, result.credit

    def unmatched_payments(self) -> tuple[Payment, ...]:
        """Payments no client is named on yet: for a person to assign."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.payments.unmatched()

    def assign_payment(
        self, payment_id: PaymentId, client_id: ClientId, *, invoice_number: str | None = None
    ) -> Payment:
        """A person's decision on an unmatched payment: it is the client's (and pays
        ``invoice_number`` first, when named); it is then applied like a matched one."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            payment = uow.payments.find(payment_id)
            if payment is None:
                raise NotFoundError("payment", payment_id)
            if payment.client_id is not None:
                raise ValidationError(
                    [FieldError("client_id", f"payment {payment_id} is already applied")],
                    subject="payment",
                )
            uow.clients.get(client_id)
            assigned = uow.payments.update(
                attrs.evolve(payment, client_id=client_id, invoice_number=invoice_number)
            )
            made, credit = self._allocate(uow, assigned, {})
            matched = record_payment(self._context, uow, assigned, made, credit, now)
            self._context.publish((matched,))
        return assigned

    def payments_of(self, client_id: ClientId) -> tuple[Payment, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return uow.payments.of_client(client_id)

    def credits(self, client_id: ClientId | None = None) -> tuple[Credit, ...]:
        """The credits (overpayments kept) of one client, or of all."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.payments.credits(client_id)

    def reminders(self, day: date | None = None) -> Reminders:
        """Schedule the day's reminder calls: from the 20th, every working day, one call per
        client with an unpaid invoice, for the client's manager. Idempotent per client and
        day (a second call the same day schedules nothing new)."""
        day = day or self._context.today()
        now = self._context.now()
        return again_if_raced(lambda: self._remind(day, now))

    def _remind(self, day: date, now: datetime) -> Reminders:
        with self._context.unit_of_work() as uow:
            invoices = uow.invoices.open()
            clients = {i.client_id for i in invoices}
            managers = {c: uow.clients.get(c).manager_id for c in sorted(clients)}
            existing = [r for c in sorted(clients) for r in uow.appeals.reactions_of(c)]
            reminders = reminder_reactions(
                day,
                invoices,
                managers,
                self._context.policy.billing,
                self._context.policy.calendar,
                now=now,
                tz=self._context.policy.tz,
                existing=existing,
            )
            fresh: list[Appeal] = []  # the billing appeal is one per client and month: made once
            for appeal in reminders.appeals:
                try:
                    uow.appeals.get(appeal.id)
                except NotFoundError:
                    fresh.append(appeal)
            events = record_appeals_and_reactions(uow, fresh, reminders.reactions, now)
            self._context.publish(events)
        return reminders

    def debtors(self, day: date | None = None, *, overdue_only: bool = False) -> tuple[Debtor, ...]:
        """Every client with an unpaid invoice issued by ``day`` (today), largest debt first."""
        day = day or self._context.today()
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return debtors(
                day, uow.invoices.open(), credits=uow.payments.credits(), overdue_only=overdue_only
            )

    def debtors_list(self, day: date | None = None, *, compiled_by: str = "") -> DebtorsList:
        """The list of debtors for ``day`` as a document context (render it with
        :meth:`render_document`)."""
        day = day or self._context.today()
        found = self.debtors(day)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            rows = []
            for debtor in found:
                client = uow.clients.get(debtor.client_id)
                manager = staff.employee(client.manager_id) if client.manager_id else None
                rows.append(
                    DebtorRow(
                        client_name=client.name,
                        invoices=tuple(i.number for i in debtor.invoices),
                        owed=debtor.owed,
                        days_overdue=debtor.days_overdue,
                        manager=manager.full_name if manager else "",
                    )
                )
        return DebtorsList(date=day, rows=tuple(rows), compiled_by=compiled_by)

    def request_supplier_bill(
        self, supplier: str, purpose: str, *, expected_amount: Money | None = None, **extra: Any
    ) -> SupplierBill:
        """Ask a supplier for a bill (seed 002, process 10)."""
        bill = request_supplier_bill(
            SupplierBillId(new_id()),
            supplier=supplier,
            purpose=purpose,
            on=self._context.today(),
            expected_amount=expected_amount,
            **extra,
        )
        with self._context.storage.unit_of_work() as uow:
            uow.payments.add_supplier_bill(bill)
        return bill

    def enter_supplier_bill(
        self, bill_id: SupplierBillId, *, number: str, amount: Money, due_date: date
    ) -> SupplierBill:
        """The bill arrived: enter it into the payment plan."""
        return self._bill_step(
            bill_id,
            lambda b: enter_into_payment_plan(
                b, number=number, amount=amount, due_date=due_date, on=self._context.today()
            ),
        )

    def set_supplier_payment_task(self, bill_id: SupplierBillId, *, to: EmployeeId) -> SupplierBill:
        """Set the task to pay it (for the accountant ``to``)."""
        return self._bill_step(
            bill_id, lambda b: set_payment_task(b, assignee=to, on=self._context.today())
        )

    def mark_supplier_bill_paid(
        self, bill_id: SupplierBillId, *, on: date | None = None
    ) -> SupplierBill:
        """The payment went out: the bill is paid."""
        return self._bill_step(
            bill_id, lambda b: mark_supplier_bill_paid(b, on=on or self._context.today())
        )

    def _bill_step(self, bill_id: SupplierBillId, step: Any) -> SupplierBill:
        with self._context.storage.unit_of_work() as uow:
            return uow.payments.update_supplier_bill(step(uow.payments.get_supplier_bill(bill_id)))

    def payment_plan(self, day: date | None = None) -> PaymentPlan:
        """What is owed to whom and by when: the supplier bills in the payment plan."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return payment_plan(uow.payments.supplier_bills(), day=day or self._context.today())
