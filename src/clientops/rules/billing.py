"""Billing and collection as pure functions: data in, decisions out (seed 002, processes 2, 8, 10).

Nothing here stores, sends or reads the clock. The shell reads subscriptions, invoices and
payments, calls these functions with the :class:`~clientops.billing.BillingPolicy` and the
:class:`~clientops.workdays.WorkCalendar`, and records what they return.

* :func:`billing_date` — the day a month's invoices are issued (the 15th, or the working day
  the policy's :class:`~clientops.billing.WeekendRule` picks).
* :func:`plan_billing` — the invoices to issue for a month, one per subscription billed that
  month, and every subscription skipped with the reason. Idempotent: invoices already issued
  for the month are passed in and never planned again, and numbers are only handed out to
  the invoices still to issue, so a run interrupted half way and planned again issues the
  rest under the numbers the first plan gave them.
* :func:`one_off_invoice`, :func:`correct_invoice`, :func:`cancel_invoice`,
  :func:`duplicate_invoice` — the other ways an invoice is made or changed; never a silent edit.
* :func:`allocate_payment` — a payment spread over the client's open invoices (the one it names
  first, then the oldest), the rest kept as the client's :class:`~clientops.billing.Credit`.
  :func:`payments_from_matches` turns the output of :mod:`clientops.bank_statements` into
  payments (one by one: :func:`~clientops.bank_statements.payment_from_statement`);
  :func:`open_invoice` turns an invoice into the :class:`~clientops.bank_statements.OpenInvoice`
  matching needs.
* :func:`reminder_reactions` — from the 20th, every working day, one reminder call per client
  with an unpaid invoice. :func:`debtors` — who owes what on a day.
* :func:`payment_plan` — the supplier bills: what is owed to whom and by when.

Example: November 2026, the 15th is a Sunday, so invoices are issued on Friday the 13th::

    >>> from datetime import date
    >>> from clientops.billing import BillingPolicy, Month, Subscription, SubscriptionId
    >>> from clientops.model import ClientId, Money
    >>> from clientops.workdays import russian_calendar
    >>> policy, calendar = BillingPolicy(), russian_calendar()
    >>> november = Month.parse("2026-11")
    >>> billing_date(november, policy, calendar)
    datetime.date(2026, 11, 13)
    >>> subs = [
    ...     Subscription(SubscriptionId("s1"), ClientId("c1"), Money("12000"), date(2026, 1, 1)),
    ...     Subscription(SubscriptionId("s2"), ClientId("c2"), Money("3000"), date(2026, 11, 16)),
    ...     Subscription(SubscriptionId("s3"), ClientId("c3"), Money("5000"), date(2027, 1, 1)),
    ... ]
    >>> plan = plan_billing(november, subs, [], policy, calendar)
    >>> [(i.number, i.lines[0].name, str(i.total)) for i in plan.to_issue]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('2026-00001', 'Абонентское обслуживание за ноябрь 2026 г.', '12000.00 RUB'),
     ('2026-00002', 'Абонентское обслуживание за ноябрь 2026 г. (с 16 по 30 ноября)',
      '1500.00 RUB')]
    >>> [(s.subscription_id, s.reason.value) for s in plan.skipped]
    [('s3', 'not_active')]
    >>> names = {"c1": "ООО «Ромашка»", "c2": "ИП Смирнов", "c3": "АО «Вектор»"}
    >>> print(plan.report(names).replace("\\xa0", " "))
    Счета за ноябрь 2026 г.: выставить 2 счёта на 13 500,00 руб. от 13.11.2026, пропущено 1.
    № 2026-00001: ООО «Ромашка», 12 000,00 руб.
    № 2026-00002: ИП Смирнов, 1 500,00 руб.
    АО «Вектор»: подписка начинается 01.01.2027
    >>> again = plan_billing(november, subs, plan.to_issue, policy, calendar)
    >>> again.to_issue, [s.reason.value for s in again.skipped]
    ((), ['already_issued', 'already_issued', 'not_active'])
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from clientops._billing import (
    Allocation,
    BilledInvoice,
    BillingPolicy,
    Credit,
    DuplicateSent,
    Invoice,
    InvoiceId,
    InvoiceLine,
    InvoiceStatus,
    Month,
    OwedInvoice,
    Payment,
    PaymentTerms,
    ProRating,
    Subscription,
    SubscriptionId,
    SupplierBill,
    SupplierBillStatus,
    WeekendRule,
    lines_total,
)
from clientops._formats import count_text, money_text, month_text, number_text
from clientops._retention import ClientTerms
from clientops._text import format_date, format_money, template_names
from clientops.bank_statements import (
    MatchResult,
    OpenInvoice,
    invoice_number_key,
    payment_from_statement,
)
from clientops.errors import DuplicateError, FieldError, TransitionError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    ClientId,
    EmployeeId,
    Money,
    Reaction,
    ReactionId,
    ReactionKind,
)
from clientops.workdays import (
    WorkCalendar,
    add_working_days,
    next_working_day,
    previous_working_day,
)

__all__ = [
    "INVOICE_ACTIONS",
    "AllocationBatch",
    "AllocationResult",
    "BillingPlan",
    "Debtor",
    "InvoiceCorrection",
    "PaymentPlan",
    "PaymentPlanRow",
    "PlannedCorrection",
    "ReminderCall",
    "Reminders",
    "Skip",
    "SkipReason",
    "allocate_payment",
    "allocate_payments",
    "billing_appeal_id",
    "billing_date",
    "cancel_invoice",
    "correct_invoice",
    "debtors",
    "discounted_lines",
    "due_date",
    "duplicate_invoice",
    "invoice_id_for",
    "next_invoice_numbers",
    "one_off_invoice",
    "open_invoice",
    "open_invoices",
    "payment_plan",
    "payments_from_matches",
    "plan_billing",
    "plan_from_billed",
    "reminder_calls",
    "reminder_reaction_id",
    "reminder_reactions",
    "subscription_lines",
]

T = TypeVar("T")
_S = InvoiceStatus

#: What may be done to an invoice at which status.
INVOICE_ACTIONS: dict[str, tuple[InvoiceStatus, ...]] = {
    "allocate_payment": (_S.ISSUED, _S.PARTLY_PAID),
    "correct": (_S.ISSUED, _S.PARTLY_PAID, _S.PAID),
    "cancel": (_S.ISSUED,),
    "send_duplicate": (_S.ISSUED, _S.PARTLY_PAID, _S.PAID),
}


# --------------------------------------------------------------------------- input checks


def _fail(subject: str, path: str, message: str) -> ValidationError:
    return ValidationError([FieldError(path, message)], subject=subject)


def _expect(value: object, kind: type | tuple[type, ...], path: str, subject: str) -> None:
    if not isinstance(value, kind):
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _fail(subject, path, f"must be a {name}, got {type(value).__name__}")


def _day(value: object, path: str, subject: str) -> None:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _fail(subject, path, f"must be a date, got {value!r}")


def _aware(value: object, path: str, subject: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise _fail(subject, path, f"must be a timezone-aware datetime, got {value!r}")


def _items(values: Iterable[T], kind: type[T], path: str, subject: str) -> list[T]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise _fail(subject, path, f"must be an iterable of {kind.__name__}")
    items = list(values)
    bad = [
        FieldError(f"{path}[{i}]", f"must be a {kind.__name__}, got {type(item).__name__}")
        for i, item in enumerate(items)
        if not isinstance(item, kind)
    ]
    if bad:
        raise ValidationError(bad, subject=subject)
    return items


def _invoices(values: Iterable[Invoice], path: str, subject: str) -> list[Invoice]:
    return _items(values, Invoice, path, subject)


def _context(policy: object, calendar: object, subject: str) -> None:
    _expect(policy, BillingPolicy, "policy", subject)
    if not isinstance(calendar, WorkCalendar):
        raise _fail(subject, "calendar", f"must be a WorkCalendar, got {type(calendar).__name__}")


def _zone(tz: tzinfo | str, subject: str) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise _fail(subject, "tz", f"unknown time zone {tz!r}") from None


def _refuse(invoice: Invoice, action: str, reason: str = "") -> TransitionError:
    return TransitionError(
        f"invoice {invoice.number}",
        current=invoice.status.value,
        attempted=action,
        allowed=[a for a, sources in INVOICE_ACTIONS.items() if invoice.status in sources],
        reason=reason,
    )


def _rub(money: Money) -> str:
    return format_money(money)


def _month(month: Month) -> str:
    """``ноябрь 2026 г.``: a month in a sentence."""
    return f"{month_text(month.first_day)}\u00a0г."


# --------------------------------------------------------------------------- dates


def billing_date(month: Month, policy: BillingPolicy, calendar: WorkCalendar) -> date:
    """The day invoices for ``month`` are issued: ``policy.billing_day`` (the 15th), or, when it
    is not a working day of ``calendar``, the previous working day, the next one, or the day
    itself, as ``policy.weekend_rule`` says.

    >>> from clientops.workdays import russian_calendar
    >>> billing_date(Month(2025, 6), BillingPolicy(), russian_calendar())  # 12–15 June off
    datetime.date(2025, 6, 11)
    """
    _expect(month, Month, "month", "billing date")
    _context(policy, calendar, "billing date")
    day = month.day(policy.billing_day)
    if policy.weekend_rule is WeekendRule.PREVIOUS_WORKING_DAY:
        found = previous_working_day(calendar, day)
    elif policy.weekend_rule is WeekendRule.NEXT_WORKING_DAY:
        found = next_working_day(calendar, day)
    else:
        found = day
    return found


def due_date(issue_date: date, policy: BillingPolicy, calendar: WorkCalendar) -> date:
    """The day an invoice issued on ``issue_date`` is to be paid by: ``policy.payment_days``
    calendar days later, moved to the next working day when that is a day off (Civil Code
    art. 193), or that many working days later (``PaymentTerms.WORKING_DAYS``).

    >>> from clientops.workdays import russian_calendar
    >>> due_date(date(2026, 11, 13), BillingPolicy(), russian_calendar())
    datetime.date(2026, 11, 18)
    """
    _day(issue_date, "issue_date", "due date")
    _context(policy, calendar, "due date")
    if policy.payment_terms is PaymentTerms.WORKING_DAYS:
        if policy.payment_days == 0:
            return issue_date
        return add_working_days(calendar, issue_date, policy.payment_days)
    return next_working_day(calendar, issue_date + timedelta(days=policy.payment_days))


# --------------------------------------------------------------------------- numbers and ids


def invoice_id_for(subscription_id: SubscriptionId, month: Month) -> InvoiceId:
    """The id of the invoice of a subscription for a month: the same on every run, so a store
    keyed by it cannot hold two.

    >>> invoice_id_for(SubscriptionId("s1"), Month(2026, 11))
    'inv-s1-2026-11'
    """
    return InvoiceId(f"inv-{subscription_id}-{month}")


def next_invoice_numbers(
    existing: Iterable[Invoice],
    issue_date: date,
    policy: BillingPolicy,
    count: int = 1,
    *,
    taken_numbers: Iterable[str] = (),
    after: int = 0,
) -> tuple[str, ...]:
    """The next ``count`` invoice numbers of the year of ``issue_date``: after the highest
    sequence number among ``existing`` invoices of that year and ``taken_numbers`` (numbers of
    stored invoices not passed whole: a store's
    :meth:`~clientops.ports.InvoicesRepository.numbers`) written by ``policy.number_format``
    (hand-written numbers do not count but are never repeated), and after ``after`` (the
    last sequence number the store's sequence of the year has handed out).

    >>> next_invoice_numbers([], date(2026, 11, 13), BillingPolicy(), 2)
    ('2026-00001', '2026-00002')
    """
    invoices = _invoices(existing, "existing", "invoice numbers")
    _day(issue_date, "issue_date", "invoice numbers")
    _expect(policy, BillingPolicy, "policy", "invoice numbers")
    if type(count) is not int or count < 0:
        raise _fail("invoice numbers", "count", f"must be a non-negative int, got {count!r}")
    year = issue_date.year
    written = [i.number for i in invoices]
    for number in taken_numbers:
        if not isinstance(number, str):
            raise _fail("invoice numbers", "taken_numbers", f"expected strings, got {number!r}")
        written.append(number)
    taken = {invoice_number_key(n) for n in written}
    seqs = [policy.number_sequence(n, year) for n in written]
    seq = max((s for s in seqs if s is not None), default=0)
    if type(after) is not int or after < 0:
        raise _fail("invoice numbers", "after", f"must be a non-negative int, got {after!r}")
    seq = max(seq, after)
    numbers: list[str] = []
    while len(numbers) < count:
        seq += 1
        number = policy.format_number(seq, issue_date)
        if invoice_number_key(number) not in taken:
            numbers.append(number)
    return tuple(numbers)


# --------------------------------------------------------------------------- planning


class SkipReason(enum.Enum):
    """Why :func:`plan_billing` issues nothing for a subscription. The values are stable."""

    NOT_ACTIVE = "not_active"  #: the subscription does not cover a day of the month
    PAUSED = "paused"  #: paused for every day of the month it covers
    ZERO_AMOUNT = "zero_amount"  #: the fee (or its pro-rated part) is zero
    ALREADY_ISSUED = "already_issued"  #: the month's invoice exists (and is right)
    CANCELLED = "cancelled"  #: the month's invoice was cancelled; not issued again by itself
    NEEDS_CORRECTION = "needs_correction"  #: the month's invoice exists with another amount


@attrs.frozen
class Skip:
    """A subscription :func:`plan_billing` issues nothing for: the ``reason`` and a sentence
    in Russian for a person; ``invoice_number`` names the month's invoice when there is one."""

    subscription_id: SubscriptionId
    client_id: ClientId
    reason: SkipReason
    message: str
    invoice_number: str | None = None


@attrs.frozen
class PlannedCorrection:
    """An invoice already issued for the month whose amount the subscription no longer gives
    (a fee changed retroactively, a pause or end date entered late): ``lines`` are what it
    should bill (empty: nothing is due any more, cancel it). Pass them to
    :func:`correct_invoice` (or :func:`cancel_invoice`); the plan never edits an invoice."""

    original: Invoice
    lines: tuple[InvoiceLine, ...]
    expected: Money


@attrs.frozen
class BillingPlan:
    """What a billing run for ``month`` is to do: issue ``to_issue`` (dated ``issue_date``,
    due ``due_date``), nothing for ``skipped`` (with the reasons), and bring ``corrections``
    to a person."""

    month: Month
    issue_date: date
    due_date: date
    to_issue: tuple[Invoice, ...]
    skipped: tuple[Skip, ...]
    corrections: tuple[PlannedCorrection, ...] = ()

    @property
    def total(self) -> Money:
        """The sum of the invoices to issue."""
        return sum((i.total for i in self.to_issue), Money(0))

    def report(self, names: Mapping[ClientId, str] | None = None) -> str:
        """For a person, in Russian: what is issued, and every subscription skipped and why;
        each client by its name in ``names`` (client id → the card's name), never by an id
        (a client ``names`` does not give is left out of its line).
        """
        if names is not None and not isinstance(names, Mapping):
            raise _fail("billing plan", "names", "must be a mapping of client id to name")
        names = names or {}
        lines = [
            f"Счета за {_month(self.month)}: выставить "
            f"{count_text(len(self.to_issue), 'счёт', 'счёта', 'счетов')} на "
            f"{money_text(self.total)} от {format_date(self.issue_date)}, "
            f"пропущено {number_text(len(self.skipped))}."
        ]
        for i in self.to_issue:
            name = names.get(i.client_id)
            who = f"{name}, " if name else ""
            lines.append(f"№\u00a0{i.number}: {who}{money_text(i.total)}")
        for s in self.skipped:
            name = names.get(s.client_id)
            lines.append(f"{name}: {s.message}" if name else f"Пропущено: {s.message}")
        return "\n".join(lines)


def _billed_span(subscription: Subscription, month: Month) -> tuple[int, date, date, bool] | None:
    """The days of ``month`` a subscription bills (it runs and is not paused): how many, the
    first, the last, and whether they are contiguous; ``None`` when there are none. Without a
    pause in the month they are the days it runs, computed from its start and end; with one,
    counted day by day."""
    first, last = month.first_day, month.last_day
    start = subscription.start if subscription.start > first else first
    end = subscription.end if subscription.end is not None and subscription.end < last else last
    if start > end:
        return None
    if not any(p.start <= end and start <= p.end for p in subscription.pauses):
        return (end - start).days + 1, start, end, True
    days = [
        d
        for d in (start + timedelta(days=n) for n in range((end - start).days + 1))
        if not subscription.paused(d)
    ]
    if not days:
        return None
    return len(days), days[0], days[-1], (days[-1] - days[0]).days + 1 == len(days)


def _charge(
    subscription: Subscription,
    month: Month,
    policy: BillingPolicy,
    fee_day: date,
    month_words: str | None = None,
) -> tuple[tuple[InvoiceLine, ...], SkipReason | None, str]:
    """The lines a subscription bills for a month (at the fee in force on ``fee_day``, the
    month's billing date), or the reason it bills nothing (``month_words``: ``_month(month)``,
    when the caller has it)."""
    return _charge_span(
        subscription, _billed_span(subscription, month), month, policy, fee_day, month_words
    )


def _charge_span(
    subscription: Subscription,
    span: tuple[int, date, date, bool] | None,
    month: Month,
    policy: BillingPolicy,
    fee_day: date,
    month_words: str | None = None,
) -> tuple[tuple[InvoiceLine, ...], SkipReason | None, str]:
    """:func:`_charge` with the subscription's :func:`_billed_span` already known."""
    if span is None:
        first, last = month.first_day, month.last_day
        if subscription.start > last or (subscription.end is not None and subscription.end < first):
            if subscription.start > last:
                why = f"подписка начинается {format_date(subscription.start)}"
            else:
                end = subscription.end or subscription.start
                why = f"подписка закончилась {format_date(end)}"
            return (), SkipReason.NOT_ACTIVE, why
        return (
            (),
            SkipReason.PAUSED,
            f"подписка приостановлена на весь {month_words or _month(month)}",
        )
    count, from_day, to_day, contiguous = span
    fee = subscription.fee_on(fee_day)
    whole = count == month.days or policy.pro_rating is ProRating.FULL_MONTH
    amount = fee if whole else Money(fee.amount * count / month.days, fee.currency)
    amount = amount.rounded()
    if amount.amount <= 0:
        return (), SkipReason.ZERO_AMOUNT, f"сумма за {month_words or _month(month)} равна нулю"
    texts = policy.texts
    template = texts.line if whole else texts.partial_line if contiguous else texts.interrupted_line
    name = template.format(
        service=subscription.service,
        month=policy.month_name(month),
        month_genitive=policy.month_name(month, genitive=True),
        year=month.year,
        from_day=from_day.day,
        to_day=to_day.day,
        days=count,
        month_days=month.days,
        client=subscription.client_id,
        invoices="",
        amount=_rub(amount),
        count=1,
    )
    return (InvoiceLine(name, subscription.unit, 1, amount),), None, ""


def subscription_lines(
    subscription: Subscription, month: Month, policy: BillingPolicy, calendar: WorkCalendar
) -> tuple[InvoiceLine, ...]:
    """The invoice lines a subscription bills for a month (empty when it bills nothing): one
    line, the fee in force on the month's :func:`billing_date`, pro-rated by calendar days when
    the subscription covers only part of the month (``policy.pro_rating``)."""
    _expect(subscription, Subscription, "subscription", "subscription lines")
    _expect(month, Month, "month", "subscription lines")
    _context(policy, calendar, "subscription lines")
    return _charge(subscription, month, policy, billing_date(month, policy, calendar))[0]


def _net_total(lines: tuple[InvoiceLine, ...], invoice: Invoice | BilledInvoice) -> Money:
    """What ``invoice`` would come to with ``lines`` (its VAT rate kept)."""
    return lines_total(lines, invoice.vat_rate, vat_included=invoice.vat_included)


def plan_billing(
    month: Month,
    subscriptions: Iterable[Subscription],
    existing_invoices: Iterable[Invoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    *,
    issue_date: date | None = None,
    payer_inns: Mapping[ClientId, str] | None = None,
    taken_numbers: Iterable[str] = (),
    numbers_after: int = 0,
    client_terms: Mapping[ClientId, ClientTerms] | None = None,
) -> BillingPlan:
    """The invoices to issue for ``month``: one per subscription billed in it, in the order of
    (client, subscription), numbered after the highest number of the year among
    ``existing_invoices``.

    A subscription is billed for the days of the month it covers (``start`` … ``end``) and is
    not paused; it is skipped when there are none (``NOT_ACTIVE``, ``PAUSED``), when the amount
    is zero, or when ``existing_invoices`` hold its invoice for the month (by subscription and
    period: ``ALREADY_ISSUED``, ``CANCELLED``). The fee is the one in force on the month's
    billing date, so a fee changed later in the month applies from the next month; when the
    existing invoice no longer matches what the subscription gives (a change dated back), the
    plan lists it in ``corrections`` (``NEEDS_CORRECTION``) for :func:`correct_invoice` and
    changes nothing. A client without a subscription gets no invoice here: see
    :func:`one_off_invoice`.

    ``issue_date`` defaults to :func:`billing_date`; the VAT rate is the one in force on it.
    ``payer_inns`` gives the buyer's INN by client when the subscription does not.
    ``taken_numbers``: numbers of the year's invoices not among ``existing_invoices`` (a store
    passes the month's invoices and the year's numbers), counted for the next number;
    ``numbers_after``: the last sequence number the store's sequence has handed out.
    ``client_terms``: the clients' special conditions by client id; a discount valid on the
    month's billing date is taken off every line, and the line says so
    (:func:`discounted_lines`), in the plan and in the check of an issued invoice alike.
    """
    subject = "billing plan"
    _expect(month, Month, "month", subject)
    subs = _items(subscriptions, Subscription, "subscriptions", subject)
    invoices = _invoices(existing_invoices, "existing_invoices", subject)
    plan, stale = _plan_billing(
        month,
        subs,
        invoices,
        policy,
        calendar,
        issue_date=issue_date,
        payer_inns=payer_inns,
        taken_numbers=taken_numbers,
        numbers_after=numbers_after,
        client_terms=client_terms,
    )
    assert not stale  # only billed rows can be stale
    return plan


def plan_from_billed(
    month: Month,
    subscriptions: Iterable[Subscription],
    billed: Iterable[BilledInvoice | Invoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    *,
    issue_date: date | None = None,
    payer_inns: Mapping[ClientId, str] | None = None,
    taken_numbers: Iterable[str] = (),
    numbers_after: int = 0,
    client_terms: Mapping[ClientId, ClientTerms] | None = None,
) -> tuple[BillingPlan, tuple[BilledInvoice, ...]]:
    """:func:`plan_billing` from the month's invoices as a store reads them without their
    lines (:class:`~clientops.billing.BilledInvoice`, whole invoices allowed among them): the
    plan, and the billed invoices whose total the subscription no longer gives. When there
    are any, the plan leaves them out of its ``corrections`` (a correction holds the whole
    invoice): plan again with those given whole. ``taken_numbers`` should hold the numbers of
    the year's other invoices, as for :func:`plan_billing`."""
    subject = "billing plan"
    _expect(month, Month, "month", subject)
    subs = _items(subscriptions, Subscription, "subscriptions", subject)
    if isinstance(billed, (str, bytes)) or not isinstance(billed, Iterable):
        raise _fail(subject, "billed", "must be an iterable of BilledInvoice")
    rows = list(billed)
    bad = [
        FieldError(f"billed[{i}]", f"must be a BilledInvoice, got {type(row).__name__}")
        for i, row in enumerate(rows)
        if not isinstance(row, (BilledInvoice, Invoice))
    ]
    if bad:
        raise ValidationError(bad, subject=subject)
    return _plan_billing(
        month,
        subs,
        rows,
        policy,
        calendar,
        issue_date=issue_date,
        payer_inns=payer_inns,
        taken_numbers=taken_numbers,
        numbers_after=numbers_after,
        client_terms=client_terms,
    )


def _plan_billing(
    month: Month,
    subs: list[Subscription],
    invoices: Sequence[Invoice | BilledInvoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    *,
    issue_date: date | None,
    payer_inns: Mapping[ClientId, str] | None,
    taken_numbers: Iterable[str],
    numbers_after: int,
    client_terms: Mapping[ClientId, ClientTerms] | None,
) -> tuple[BillingPlan, tuple[BilledInvoice, ...]]:
    subject = "billing plan"
    _context(policy, calendar, subject)
    if issue_date is None:
        issue_date = billing_date(month, policy, calendar)
    _day(issue_date, "issue_date", subject)
    if payer_inns is not None and not isinstance(payer_inns, Mapping):
        raise _fail(subject, "payer_inns", "must be a mapping of client id to INN")
    inns = dict(payer_inns or {})
    if client_terms is not None and not isinstance(client_terms, Mapping):
        raise _fail(subject, "client_terms", "must be a mapping of client id to ClientTerms")
    terms = dict(client_terms or {})
    seen: set[str] = set()
    for i, sub in enumerate(subs):
        if sub.id in seen:
            raise _fail(subject, f"subscriptions[{i}].id", f"{sub.id!r} is given twice")
        seen.add(sub.id)
    due = due_date(issue_date, policy, calendar)
    vat_rate = policy.vat_rate_on(issue_date)
    of_month: dict[str, list[Invoice | BilledInvoice]] = {}
    for invoice in invoices:
        if invoice.subscription_id is not None and (
            isinstance(invoice, BilledInvoice) or invoice.period == month
        ):
            of_month.setdefault(invoice.subscription_id, []).append(invoice)

    planned: list[tuple[Subscription, tuple[InvoiceLine, ...]]] = []
    skipped: list[Skip] = []
    corrections: list[PlannedCorrection] = []
    stale: list[BilledInvoice] = []
    fee_day = billing_date(month, policy, calendar)
    month_words = _month(month)
    days_text: dict[date, str] = {}
    # subscriptions alike (the same billed days, fee, service and unit; the same client too
    # when a line's text names it) bill the same lines: each made once, and its total once
    texts = policy.texts
    by_client = "{client" in texts.line + texts.partial_line + texts.interrupted_line
    charges: dict[tuple[object, ...], tuple[tuple[InvoiceLine, ...], SkipReason | None, str]] = {}
    totals: dict[tuple[object, ...], Money] = {}
    for sub in sorted(subs, key=lambda s: (s.client_id, s.id)):
        span = _billed_span(sub, month)
        shared = span is not None
        if span is None:
            lines, reason, why = _charge_span(sub, span, month, policy, fee_day, month_words)
        else:
            key = (
                span,
                sub.fee_on(fee_day),
                sub.service,
                sub.unit,
                sub.client_id if by_client else None,
            )
            charge = charges.get(key)
            if charge is None:
                charge = charges[key] = _charge_span(sub, span, month, policy, fee_day, month_words)
            lines, reason, why = charge
        if lines and sub.client_id in terms:
            lines = discounted_lines(lines, terms[sub.client_id], fee_day)
            shared = False
        issued = [i for i in of_month.get(sub.id, ()) if i.status is not _S.CORRECTED]
        if issued:
            current = max(issued, key=lambda i: (i.issue_date, i.id))
            if current.status is _S.CANCELLED:
                skipped.append(
                    Skip(
                        sub.id,
                        sub.client_id,
                        SkipReason.CANCELLED,
                        f"счёт №\u00a0{current.number} за {month_words} аннулирован; новый "
                        "не выставляется автоматически",
                        current.number,
                    )
                )
                continue
            if not lines:
                expected = Money(0)
            elif shared:  # the lines are kept in ``charges``: their id stays theirs
                total_key = (id(lines), current.vat_rate, current.vat_included)
                known = totals.get(total_key)
                if known is None:
                    known = totals[total_key] = _net_total(lines, current)
                expected = known
            else:
                expected = _net_total(lines, current)
            if expected != current.total:
                if isinstance(current, BilledInvoice):
                    stale.append(current)
                else:
                    corrections.append(PlannedCorrection(current, lines, expected))
                skipped.append(
                    Skip(
                        sub.id,
                        sub.client_id,
                        SkipReason.NEEDS_CORRECTION,
                        f"счёт №\u00a0{current.number} выставлен на {money_text(current.total)}, "
                        f"а по подписке причитается {money_text(expected)}: нужен исправленный "
                        "счёт",
                        current.number,
                    )
                )
                continue
            day_text = days_text.get(current.issue_date)
            if day_text is None:
                day_text = days_text[current.issue_date] = format_date(current.issue_date)
            skipped.append(
                Skip(
                    sub.id,
                    sub.client_id,
                    SkipReason.ALREADY_ISSUED,
                    f"счёт за {month_words} уже выставлен: №\u00a0{current.number} от {day_text}",
                    current.number,
                )
            )
            continue
        if reason is not None:
            skipped.append(Skip(sub.id, sub.client_id, reason, why))
            continue
        planned.append((sub, lines))

    numbers: tuple[str, ...] = ()
    if planned:  # the year's numbers are read only when there is something to number
        written = [i.number for i in invoices if isinstance(i, BilledInvoice)]
        numbers = next_invoice_numbers(
            [i for i in invoices if isinstance(i, Invoice)],
            issue_date,
            policy,
            len(planned),
            taken_numbers=(*written, *taken_numbers),
            after=numbers_after,
        )
    to_issue = tuple(
        Invoice(
            id=invoice_id_for(sub.id, month),
            number=number,
            client_id=sub.client_id,
            period=month,
            issue_date=issue_date,
            due_date=due,
            lines=lines,
            vat_rate=vat_rate,
            vat_included=policy.vat_included,
            subscription_id=sub.id,
            payer_inn=sub.payer_inn or inns.get(sub.client_id),
        )
        for (sub, lines), number in zip(planned, numbers, strict=True)
    )
    plan = BillingPlan(month, issue_date, due, to_issue, tuple(skipped), tuple(corrections))
    return plan, tuple(stale)


def one_off_invoice(
    *,
    id: InvoiceId,
    client_id: ClientId,
    lines: Iterable[InvoiceLine],
    issue_date: date,
    existing: Iterable[Invoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    period: Month | None = None,
    payer_inn: str | None = None,
    number: str | None = None,
    taken_numbers: Iterable[str] = (),
) -> Invoice:
    """An invoice made by hand, outside any subscription (equipment, a visit, a client
    without a subscription): numbered in the same sequence (or ``number``), due and taxed by
    the policy. ``period`` defaults to the month of ``issue_date``. An ``id`` or ``number``
    already among ``existing`` raises :class:`~clientops.errors.DuplicateError`."""
    subject = "one-off invoice"
    invoices = _invoices(existing, "existing", subject)
    _day(issue_date, "issue_date", subject)
    _context(policy, calendar, subject)
    line_items = tuple(_items(lines, InvoiceLine, "lines", subject))
    if any(i.id == id for i in invoices):
        raise DuplicateError("invoice", id)
    if number is None:
        number = next_invoice_numbers(invoices, issue_date, policy, taken_numbers=taken_numbers)[0]
    elif isinstance(number, str):
        holder = next(
            (i for i in invoices if invoice_number_key(i.number) == invoice_number_key(number)),
            None,
        )
        if holder is not None:
            raise DuplicateError("invoice number", number, holder.id)
    return Invoice(
        id=id,
        number=number,
        client_id=client_id,
        period=period if period is not None else Month.of(issue_date),
        issue_date=issue_date,
        due_date=due_date(issue_date, policy, calendar),
        lines=line_items,
        vat_rate=policy.vat_rate_on(issue_date),
        vat_included=policy.vat_included,
        payer_inn=payer_inn,
    )


# --------------------------------------------------------------------------- changes


@attrs.frozen
class InvoiceCorrection:
    """The result of :func:`correct_invoice`: the ``original`` marked corrected, the
    ``correction`` that replaces it, and the ``credit`` left when the client had already paid
    more than the corrected total (``None`` otherwise)."""

    original: Invoice
    correction: Invoice
    credit: Credit | None = None


def _status_for(paid: Money, total: Money) -> InvoiceStatus:
    if paid.amount == 0:
        return _S.ISSUED
    return _S.PAID if paid == total else _S.PARTLY_PAID


def correct_invoice(
    invoice: Invoice,
    *,
    on: date,
    existing: Iterable[Invoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    lines: Iterable[InvoiceLine] | None = None,
    fee: Money | None = None,
    number: str | None = None,
    taken_numbers: Iterable[str] = (),
) -> InvoiceCorrection:
    """A corrected invoice replacing ``invoice`` (issued, partly paid or paid), issued ``on``:
    the new ``lines``, or the one line of the invoice at the new ``fee``. Never an edit: the
    correction is a new invoice with its own number (the next one, or ``number``), id
    ``<original id>-corr``, the same client, subscription, period and VAT rate, and
    ``corrects`` naming the original; the original becomes ``CORRECTED``. What was paid on the
    original is carried to the correction; what exceeds its total is the client's credit.

    A fee changed in the middle of a month applies from the next month (the fee in force on
    the billing date bills the month); correct the month's invoice only when the change is
    meant to count for it. A correction that changes nothing raises ValidationError.
    """
    subject = "invoice correction"
    _expect(invoice, Invoice, "invoice", subject)
    _day(on, "on", subject)
    invoices = _invoices(existing, "existing", subject)
    _context(policy, calendar, subject)
    if invoice.status not in INVOICE_ACTIONS["correct"]:
        raise _refuse(invoice, "correct", "only an issued or paid invoice can be corrected")
    if (lines is None) == (fee is None):
        raise _fail(subject, "lines", "give either the new lines or the new fee")
    if fee is not None:
        _expect(fee, Money, "fee", subject)
        if len(invoice.lines) != 1:
            raise _fail(subject, "fee", "the invoice has several lines: give the new lines")
        old = invoice.lines[0]
        if fee.amount <= 0:
            raise _fail(subject, "fee", f"must be positive, got {fee}")
        new_lines: tuple[InvoiceLine, ...] = (InvoiceLine(old.name, old.unit, 1, fee.rounded()),)
    else:
        assert lines is not None
        new_lines = tuple(_items(lines, InvoiceLine, "lines", subject))
        if not new_lines:
            raise _fail(subject, "lines", "at least one line; to drop the invoice, cancel it")
    if new_lines == invoice.lines:
        raise _fail(subject, "lines", "the same as the invoice's: nothing to correct")
    if on < invoice.issue_date:
        raise _fail(subject, "on", f"{on} is before the invoice's issue date {invoice.issue_date}")
    new_id = InvoiceId(f"{invoice.id}-corr")
    if any(i.id == new_id for i in invoices):
        raise DuplicateError("invoice", new_id)
    if number is None:
        number = next_invoice_numbers(
            [*invoices, invoice], on, policy, taken_numbers=taken_numbers
        )[0]
    draft = attrs.evolve(
        invoice,
        id=new_id,
        number=number,
        issue_date=on,
        due_date=due_date(on, policy, calendar),
        lines=new_lines,
        status=_S.ISSUED,
        paid=Money(0, invoice.currency),
        corrects=invoice.id,
        corrects_number=invoice.number,
        corrected_by=None,
        duplicates=(),
        version=0,
    )
    total = draft.total
    carried = invoice.paid if invoice.paid <= total else total
    correction = attrs.evolve(draft, paid=carried, status=_status_for(carried, total))
    credit = None
    if invoice.paid.amount > total.amount:
        credit = Credit(
            client_id=invoice.client_id,
            amount=invoice.paid - total,
            date=on,
            invoice_id=invoice.id,
            note=f"Переплата по счёту № {invoice.number} после исправления счётом № {number}",
        )
    original = attrs.evolve(invoice, status=_S.CORRECTED, corrected_by=new_id)
    return InvoiceCorrection(original, correction, credit)


def cancel_invoice(invoice: Invoice) -> Invoice:
    """``invoice`` cancelled (аннулирован). Only an invoice nothing was paid on can be:
    a paid one is corrected instead (:func:`correct_invoice`)."""
    _expect(invoice, Invoice, "invoice", "invoice cancellation")
    if invoice.status not in INVOICE_ACTIONS["cancel"]:
        raise _refuse(invoice, "cancel", "payments were allocated to it or it is closed")
    return attrs.evolve(invoice, status=_S.CANCELLED)


def duplicate_invoice(
    invoice: Invoice, *, at: datetime, to: str = "", by: EmployeeId | None = None
) -> Invoice:
    """``invoice`` with one more duplicate recorded as sent ``at`` (to ``to``, by ``by``):
    the same number, date and amount, printed with the mark «Дубликат»
    (``policy.texts.duplicate_mark``). A cancelled or corrected invoice has no duplicate: send
    its correction."""
    _expect(invoice, Invoice, "invoice", "duplicate")
    _aware(at, "at", "duplicate")
    if invoice.status not in INVOICE_ACTIONS["send_duplicate"]:
        reason = (
            f"it was replaced by {invoice.corrected_by}" if invoice.corrected_by else "cancelled"
        )
        raise _refuse(invoice, "send_duplicate", reason)
    sent = DuplicateSent(at=at, to=to, by=by)
    return attrs.evolve(invoice, duplicates=(*invoice.duplicates, sent))


# --------------------------------------------------------------------------- payments


def open_invoice(invoice: Invoice) -> OpenInvoice:
    """The invoice as :func:`clientops.bank_statements.match_payments` sees it: its number,
    client, buyer's INN, what is still due and its issue date. Only an open invoice (issued or
    partly paid) has one; another raises ValidationError naming ``status``."""
    _expect(invoice, Invoice, "invoice", "open invoice")
    if not invoice.is_open:
        raise _fail("open invoice", "status", f"invoice {invoice.number} is {invoice.status.value}")
    return OpenInvoice(
        number=invoice.number,
        client_id=invoice.client_id,
        payer_inn=invoice.payer_inn,
        amount_due=invoice.outstanding,
        issued_on=invoice.issue_date,
    )


def open_invoices(invoices: Iterable[Invoice]) -> tuple[OpenInvoice, ...]:
    """:func:`open_invoice` of every open invoice among ``invoices``; the others are left out."""
    return tuple(
        open_invoice(i) for i in _invoices(invoices, "invoices", "open invoices") if i.is_open
    )


def payments_from_matches(result: MatchResult, *, statement_digest: str) -> tuple[Payment, ...]:
    """The matched payments of :func:`~clientops.bank_statements.match_payments`, each with the
    client and number of the invoice it was matched to. Unmatched and skipped payments are
    left out: a person decides them (and makes the payment with ``client_id`` set)."""
    _expect(result, MatchResult, "result", "payments")
    return tuple(
        payment_from_statement(
            m.payment,
            statement_digest=statement_digest,
            client_id=m.invoice.client_id,
            invoice_number=m.invoice.number,
        )
        for m in result.matched
    )


@attrs.frozen
class AllocationResult:
    """What a payment did: ``allocations`` (one per invoice it paid, in order), ``invoices``
    (those invoices afterwards, with ``paid`` and ``status`` updated) and the ``credit`` kept
    for the client when it paid more than it owed (``None`` otherwise)."""

    payment: Payment
    allocations: tuple[Allocation, ...]
    invoices: tuple[Invoice, ...]
    credit: Credit | None = None

    @property
    def allocated(self) -> Money:
        return sum((a.amount for a in self.allocations), Money(0, self.payment.amount.currency))


def _oldest_first(invoice: Invoice | OwedInvoice) -> tuple[date, date, str, str]:
    return (invoice.issue_date, invoice.due_date, invoice_number_key(invoice.number), invoice.id)


def allocate_payment(
    payment: Payment,
    invoices: Iterable[Invoice],
    policy: BillingPolicy,
    *,
    allocations: Iterable[Allocation] = (),
) -> AllocationResult:
    """Apply ``payment`` to the open invoices of its client among ``invoices``: first the
    invoice it names (``payment.invoice_number``), then the others oldest first (issue date,
    due date, number); each gets what it still owes until the money runs out. An invoice paid
    in full becomes ``PAID``, one paid in part ``PARTLY_PAID``. What remains when every
    open invoice is paid is the client's :class:`~clientops.billing.Credit`, kept and visible.
    With ``policy.overpayment_to_other_invoices`` off, a payment naming an invoice pays that
    one only and keeps the rest as credit.

    The client is ``payment.client_id``, else the client of the invoice it names; a payment
    with neither raises ValidationError (match it first). A payment already in
    ``allocations`` raises :class:`~clientops.errors.DuplicateError`, so it is never counted
    twice (a payment kept whole as credit leaves no allocation: the shell also keys the
    payments it records by their id). Money is conserved: the allocations and the credit add
    up to the payment.
    """
    subject = "payment allocation"
    _expect(payment, Payment, "payment", subject)
    all_invoices = _invoices(invoices, "invoices", subject)
    _expect(policy, BillingPolicy, "policy", subject)
    done = [
        a
        for a in _items(allocations, Allocation, "allocations", subject)
        if a.payment_id == payment.id
    ]
    if done:
        raise DuplicateError("payment allocation", payment.id, done[0].invoice_number)
    open_ = [i for i in all_invoices if i.is_open]
    named: Invoice | None = None
    if payment.invoice_number is not None:
        key = invoice_number_key(payment.invoice_number)
        candidates = [i for i in open_ if invoice_number_key(i.number) == key]
        if payment.client_id is not None:
            candidates = [i for i in candidates if i.client_id == payment.client_id]
        if len(candidates) > 1:
            raise _fail(
                subject,
                "invoice_number",
                f"{payment.invoice_number!r} names several open invoices: "
                + ", ".join(i.id for i in candidates),
            )
        named = candidates[0] if candidates else None
    client = payment.client_id or (named.client_id if named else None)
    if client is None:
        raise _fail(
            subject,
            "client_id",
            "the payment's client is not known and it names no open invoice: match it first",
        )
    if named is not None and not policy.overpayment_to_other_invoices:
        queue = [named]
    else:
        rest = sorted(
            (i for i in open_ if i.client_id == client and i is not named), key=_oldest_first
        )
        queue = ([named] if named else []) + rest
    for invoice in queue:
        if invoice.currency != payment.amount.currency:
            raise _fail(
                subject,
                "amount",
                f"the payment is in {payment.amount.currency}, invoice {invoice.number} in "
                f"{invoice.currency}",
            )
    left = payment.amount
    made: list[Allocation] = []
    changed: list[Invoice] = []
    for invoice in queue:
        if left.amount <= 0:
            break
        owed = invoice.outstanding
        applied = left if left <= owed else owed
        if applied.amount <= 0:
            continue
        paid = invoice.paid + applied
        changed.append(attrs.evolve(invoice, paid=paid, status=_status_for(paid, invoice.total)))
        made.append(
            Allocation(
                payment_id=payment.id,
                invoice_id=invoice.id,
                invoice_number=invoice.number,
                client_id=client,
                amount=applied,
                date=payment.date,
            )
        )
        left = left - applied
    credit = None
    if left.amount > 0:
        credit = Credit(
            client_id=client,
            amount=left,
            date=payment.date,
            payment_id=payment.id,
            note="Переплата: аванс клиента" if made else "Оплата без открытых счетов: аванс",
        )
    return AllocationResult(payment, tuple(made), tuple(changed), credit)


@attrs.frozen
class AllocationBatch:
    """:func:`allocate_payments` of several payments: each one's result, and ``invoices`` as
    they stand after all of them (every invoice given, in the order given)."""

    results: tuple[AllocationResult, ...]
    invoices: tuple[Invoice, ...]

    @property
    def allocations(self) -> tuple[Allocation, ...]:
        return tuple(a for r in self.results for a in r.allocations)

    @property
    def credits(self) -> tuple[Credit, ...]:
        return tuple(r.credit for r in self.results if r.credit is not None)


def allocate_payments(
    payments: Iterable[Payment],
    invoices: Iterable[Invoice],
    policy: BillingPolicy,
    *,
    allocations: Iterable[Allocation] = (),
) -> AllocationBatch:
    """:func:`allocate_payment` of each payment in turn (in date order, then as given), each
    seeing the invoices as the ones before it left them. A payment id given twice, or
    already in ``allocations``, raises :class:`~clientops.errors.DuplicateError`."""
    subject = "payment allocation"
    pays = _items(payments, Payment, "payments", subject)
    state = _invoices(invoices, "invoices", subject)
    _expect(policy, BillingPolicy, "policy", subject)
    done: dict[str, list[Allocation]] = {}
    for allocation in _items(allocations, Allocation, "allocations", subject):
        done.setdefault(allocation.payment_id, []).append(allocation)
    # each payment sees only its client's invoices and those of the number it names
    by_client: dict[str, list[int]] = {}
    by_number: dict[str, list[int]] = {}
    for n, invoice in enumerate(state):
        by_client.setdefault(invoice.client_id, []).append(n)
        by_number.setdefault(invoice_number_key(invoice.number), []).append(n)
    ids: set[str] = set()
    for payment in pays:
        if payment.id in ids:
            raise DuplicateError("payment", payment.id)
        ids.add(payment.id)
    results: list[AllocationResult] = []
    for payment in sorted(pays, key=lambda p: p.date):
        seen = by_client.get(payment.client_id, []) if payment.client_id else []
        if payment.invoice_number is not None:
            named = by_number.get(invoice_number_key(payment.invoice_number), [])
            seen = sorted({*seen, *named})
        result = allocate_payment(
            payment, [state[n] for n in seen], policy, allocations=done.get(payment.id, ())
        )
        for changed in result.invoices:
            where = next(n for n in seen if state[n].id == changed.id)
            state[where] = changed
        done.setdefault(payment.id, []).extend(result.allocations)
        results.append(result)
    return AllocationBatch(tuple(results), tuple(state))


# --------------------------------------------------------------------------- collection


def billing_appeal_id(client_id: ClientId, month: Month) -> AppealId:
    """The client's billing appeal of a month, which its reminder calls belong to.

    >>> billing_appeal_id(ClientId("c1"), Month(2026, 11))
    'billing-c1-2026-11'
    """
    return AppealId(f"billing-{client_id}-{month}")


def reminder_reaction_id(client_id: ClientId, day: date) -> ReactionId:
    """The id of a client's reminder call of a day: one per client and day, on every run.

    >>> reminder_reaction_id(ClientId("c1"), date(2026, 11, 20))
    'billing-reminder-c1-2026-11-20'
    """
    return ReactionId(f"{REMINDER_ID_PREFIX}{client_id}-{day.isoformat()}")


#: The start of every reminder call's id.
REMINDER_ID_PREFIX = "billing-reminder-"


@attrs.frozen
class Reminders:
    """The reminder calls of ``day``: the ``appeals`` they belong to (one per client and
    month, ids from :func:`billing_appeal_id`: create those that do not exist yet) and the
    ``reactions`` (one per client)."""

    day: date
    appeals: tuple[Appeal, ...]
    reactions: tuple[Reaction, ...]


def _reminded_from(invoice: Invoice | OwedInvoice, policy: BillingPolicy) -> date:
    return max(invoice.period.day(policy.reminder_day), invoice.due_date)


@attrs.frozen
class ReminderCall:
    """A reminder call due on a day, before it is a reaction: the client, the reaction's id
    (:func:`reminder_reaction_id`), its topic and its appeal's topic in the policy's words, when
    it is due, and the client's open invoices it is about (oldest first)."""

    client_id: ClientId
    id: ReactionId
    topic: str
    appeal_topic: str
    due_at: datetime
    invoices: tuple[OwedInvoice, ...]


def reminder_calls(
    day: date,
    invoices: Iterable[Invoice | OwedInvoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    *,
    tz: tzinfo | str = "Europe/Moscow",
) -> tuple[ReminderCall, ...]:
    """The reminder calls due on ``day``, by client: on a working day of ``calendar``, one per
    client with an open (issued or partly paid) invoice whose reminders have started — from
    ``policy.reminder_day`` (the 20th) of the invoice's month, and not before its due date —
    at ``policy.reminder_time`` local time (``tz``). None on a day off. What
    :func:`reminder_reactions` turns into reactions, and what the agenda lists. The invoices
    are whole :class:`~clientops.billing.Invoice` records or the
    :class:`~clientops.billing.OwedInvoice` rows a store reads for the agenda."""
    subject = "reminders"
    _day(day, "day", subject)
    if isinstance(invoices, (str, bytes)) or not isinstance(invoices, Iterable):
        raise _fail(subject, "invoices", "must be an iterable of Invoice or OwedInvoice")
    given = list(invoices)
    bad = [
        FieldError(
            f"invoices[{n}]", f"must be an Invoice or OwedInvoice, got {type(item).__name__}"
        )
        for n, item in enumerate(given)
        if not isinstance(item, (Invoice, OwedInvoice))
    ]
    if bad:
        raise ValidationError(bad, subject=subject)
    _context(policy, calendar, subject)
    zone = _zone(tz, subject)
    rows = [
        item if isinstance(item, OwedInvoice) else OwedInvoice.of(item)
        for item in given
        if isinstance(item, OwedInvoice) or item.is_open
    ]
    return _reminder_calls(day, rows, policy, calendar, zone)


def _reminder_calls(
    day: date,
    invoices: Iterable[OwedInvoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    zone: tzinfo,
) -> tuple[ReminderCall, ...]:
    """:func:`reminder_calls` on checked open invoices."""
    return tuple(
        ReminderCall(client, rid, topic, appeal_topic, due_at, owed)
        for client, rid, topic, appeal_topic, due_at, owed in reminder_rows(
            day, invoices, policy, calendar, zone
        )
    )


def reminder_rows(
    day: date,
    invoices: Iterable[OwedInvoice],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    zone: tzinfo,
) -> Iterator[tuple[ClientId, ReactionId, str, str, datetime, tuple[OwedInvoice, ...]]]:
    """The reminder calls of :func:`reminder_calls` as plain tuples (client, reaction id,
    topic, appeal topic, due moment, invoices), by client: what the agenda reads for
    thousands of clients at once. The invoices are trusted: typed and open (a store's
    :meth:`~clientops.ports.AgendaQueries.open_invoices_managed_by` rows)."""
    if not calendar.is_working_day(day):
        return
    started: dict[tuple[date, int, int], bool] = {}
    # a client's invoice, or its list when it has several (rare)
    by_client: dict[ClientId, OwedInvoice | list[OwedInvoice]] = {}
    for invoice in invoices:
        if invoice.issue_date > day:
            continue
        period = invoice.period
        key = (invoice.due_date, period.year, period.month)  # not the Month: hashed in Python
        begun = started.get(key)
        if begun is None:
            begun = started[key] = _reminded_from(invoice, policy) <= day
        if not begun:
            continue
        client = invoice.client_id
        held = by_client.get(client)
        if held is None:
            by_client[client] = invoice
        elif isinstance(held, list):
            held.append(invoice)
        else:
            by_client[client] = [held, invoice]
    month = Month.of(day)
    texts = policy.texts
    due_at = datetime.combine(day, policy.reminder_time, tzinfo=zone)
    fill: dict[str, object] = {
        "service": "",
        "month": policy.month_name(month),
        "month_genitive": policy.month_name(month, genitive=True),
        "year": month.year,
        "from_day": "",
        "to_day": "",
        "days": "",
        "month_days": month.days,
    }
    dates: dict[date, str] = {}
    amounts: dict[Decimal, str] = {}  # the few amounts a month's invoices owe, as text
    # the appeal's topic is the month's unless the policy's words name the client's facts
    appeal_topic = None
    if not template_names(texts.appeal_topic) & {"client", "invoices", "amount", "count"}:
        appeal_topic = texts.appeal_topic.format_map(fill)
    ids = f"{REMINDER_ID_PREFIX}{{}}-{day.isoformat()}"
    for client in sorted(by_client):
        held = by_client[client]
        owed = (held,) if isinstance(held, OwedInvoice) else tuple(sorted(held, key=_oldest_first))
        amount = owed[0].outstanding
        for later in owed[1:]:
            amount += later.outstanding
        words = ""
        for i in owed:
            issued = dates.get(i.issue_date)
            if issued is None:
                issued = dates[i.issue_date] = format_date(i.issue_date)
            words += f"{', ' if words else ''}счёт № {i.number} от {issued}"
        fill["client"] = client
        fill["invoices"] = words
        text = amounts.get(amount.amount)
        if text is None:
            text = amounts[amount.amount] = _rub(amount)
        fill["amount"] = text
        fill["count"] = len(owed)
        yield (
            client,
            ReactionId(ids.format(client)),  # reminder_reaction_id(client, day)
            texts.reminder_topic.format_map(fill),
            appeal_topic or texts.appeal_topic.format_map(fill),
            due_at,
            owed,
        )


def reminder_reactions(
    day: date,
    invoices: Iterable[Invoice],
    managers: Mapping[ClientId, EmployeeId | None],
    policy: BillingPolicy,
    calendar: WorkCalendar,
    *,
    now: datetime,
    tz: tzinfo | str = "Europe/Moscow",
    existing: Iterable[Reaction] = (),
) -> Reminders:
    """The reminder calls for ``day`` (:func:`reminder_calls`) as reactions: one outgoing
    call per client, for the client's manager (``managers``; the policy's department when
    none), on the client's billing appeal of the month. None on a day off, none for a paid,
    cancelled or corrected invoice. Ids are deterministic (:func:`reminder_reaction_id`), and a
    reaction already among ``existing`` is not made again.
    """
    subject = "reminders"
    if not isinstance(managers, Mapping):
        raise _fail(subject, "managers", "must be a mapping of client id to employee id")
    _aware(now, "now", subject)
    known = {r.id for r in _items(existing, Reaction, "existing", subject)}
    calls = reminder_calls(day, invoices, policy, calendar, tz=tz)
    month = Month.of(day)
    appeals: list[Appeal] = []
    reactions: list[Reaction] = []
    for call in calls:
        if call.id in known:
            continue
        appeal = Appeal(
            id=billing_appeal_id(call.client_id, month),
            client_id=call.client_id,
            topic=call.appeal_topic,
            department_id=policy.department,
            created_at=now,
            type=AppealType.BILLING,
        )
        appeals.append(appeal)
        reactions.append(
            Reaction(
                id=call.id,
                appeal_id=appeal.id,
                client_id=call.client_id,
                kind=ReactionKind.OUTGOING_CALL,
                topic=call.topic,
                due_at=call.due_at,
                created_at=now,
                department_id=policy.department,
                employee_id=managers.get(call.client_id),
            )
        )
    return Reminders(day, tuple(appeals), tuple(reactions))


@attrs.frozen
class Debtor:
    """A client who owes money on a day: its open ``invoices`` (oldest first), what it
    ``owed`` on them and how much of it is ``overdue`` (past the due date), the most
    ``days_overdue`` among them (0: none is past due yet) and the ``credit`` it holds
    (overpayments not applied yet)."""

    client_id: ClientId
    invoices: tuple[Invoice, ...]
    owed: Money
    overdue: Money
    days_overdue: int
    credit: Money


def debtors(
    day: date,
    invoices: Iterable[Invoice],
    *,
    credits: Iterable[Credit] = (),
    overdue_only: bool = False,
) -> tuple[Debtor, ...]:
    """The debtors of ``day``: every client with an open invoice issued by then (only those
    past due with ``overdue_only``), with what it owes and how many days its oldest debt is
    overdue, sorted by the amount owed (largest first), then days overdue, then client.

    Invoices carry what was paid on them (:func:`allocate_payment` keeps it), so payments are
    not needed here; ``credits`` show next to the debt what the client holds unapplied.
    """
    subject = "debtors"
    _day(day, "day", subject)
    all_invoices = _invoices(invoices, "invoices", subject)
    held = _items(credits, Credit, "credits", subject)
    if not isinstance(overdue_only, bool):
        raise _fail(subject, "overdue_only", "must be True or False")
    by_client: dict[ClientId, list[Invoice]] = {}
    for invoice in all_invoices:
        if not invoice.is_open or invoice.issue_date > day:
            continue
        if overdue_only and invoice.days_overdue(day) == 0:
            continue
        by_client.setdefault(invoice.client_id, []).append(invoice)
    found = []
    for client, owed in by_client.items():
        owed.sort(key=_oldest_first)
        currency = owed[0].currency
        credit = sum(
            (c.amount for c in held if c.client_id == client and c.date <= day),
            Money(0, currency),
        )
        found.append(
            Debtor(
                client_id=client,
                invoices=tuple(owed),
                owed=sum((i.outstanding for i in owed), Money(0, currency)),
                overdue=sum(
                    (i.outstanding for i in owed if i.days_overdue(day) > 0), Money(0, currency)
                ),
                days_overdue=max(i.days_overdue(day) for i in owed),
                credit=credit,
            )
        )
    found.sort(key=lambda d: (-d.owed.amount, -d.days_overdue, d.client_id))
    return tuple(found)


# --------------------------------------------------------------------------- supplier bills


@attrs.frozen
class PaymentPlanRow:
    """A supplier bill to pay: the bill, its status, and how many days are left until it is
    due (negative: overdue by that many)."""

    bill: SupplierBill
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@attrs.frozen
class PaymentPlan:
    """What is owed to whom and by when (план-факт, the plan side), on ``day``.

    ``rows`` are the bills entered into the plan and not paid yet, by due date; ``by_supplier``
    sums them per supplier; ``awaiting`` are the bills requested and not received yet (their
    amount, if known, only expected); ``paid`` the bills already paid (the fact side)."""

    day: date
    rows: tuple[PaymentPlanRow, ...]
    by_supplier: tuple[tuple[str, Money], ...]
    awaiting: tuple[SupplierBill, ...]
    paid: tuple[SupplierBill, ...]

    @property
    def total(self) -> Money:
        return sum((s for _, s in self.by_supplier), Money(0))

    @property
    def overdue(self) -> tuple[PaymentPlanRow, ...]:
        return tuple(r for r in self.rows if r.overdue)


def payment_plan(bills: Iterable[SupplierBill], *, day: date) -> PaymentPlan:
    """The payment plan of ``bills`` on ``day``: what is owed to whom and by when.
    Cancelled bills are left out."""
    subject = "payment plan"
    items = _items(bills, SupplierBill, "bills", subject)
    _day(day, "day", subject)
    planned = [
        b for b in items if b.status in (SupplierBillStatus.PLANNED, SupplierBillStatus.TASK_SET)
    ]
    planned.sort(key=lambda b: (b.due_date or date.max, b.supplier, b.id))
    rows = tuple(PaymentPlanRow(b, ((b.due_date or day) - day).days) for b in planned)
    sums: dict[str, Money] = {}
    for b in planned:
        assert b.amount is not None
        sums[b.supplier] = sums[b.supplier] + b.amount if b.supplier in sums else b.amount
    awaiting = tuple(
        sorted(
            (b for b in items if b.status is SupplierBillStatus.REQUESTED),
            key=lambda b: (b.requested_on, b.supplier, b.id),
        )
    )
    paid = tuple(
        sorted(
            (b for b in items if b.status is SupplierBillStatus.PAID),
            key=lambda b: (b.paid_on or date.min, b.supplier, b.id),
        )
    )
    return PaymentPlan(day, rows, tuple(sorted(sums.items())), awaiting, paid)


def discounted_lines(
    lines: Iterable[InvoiceLine], terms: ClientTerms | None, day: date
) -> tuple[InvoiceLine, ...]:
    """``lines`` with the discount of the client's special conditions ``terms`` when they are
    valid on ``day`` (the invoice's date): each line's price less the discount, rounded to
    kopecks half up, and its name saying so; as they are otherwise (no terms, a zero
    discount, outside their validity)::

        >>> from datetime import UTC, datetime
        >>> from decimal import Decimal
        >>> vip = ClientTerms("c1", Decimal("0.05"), date(2025, 1, 1), date(2025, 12, 31),
        ...                   by="anna", at=datetime(2025, 1, 1, tzinfo=UTC))
        >>> line = InvoiceLine("Турникет", "шт", Decimal(2), Money("100000"))
        >>> (found,) = discounted_lines([line], vip, date(2025, 6, 23))
        >>> print(found.name.replace("\xa0", " "))
        Турникет (скидка 5 % по особым условиям клиента)
        >>> found.price.amount, found.amount.amount
        (Decimal('95000.00'), Decimal('190000.00'))
        >>> discounted_lines([line], vip, date(2026, 1, 1)) == (line,)
        True
    """
    items = tuple(lines)
    if terms is None or not terms.discount or not terms.valid_on(day):
        return items
    return tuple(
        attrs.evolve(
            line,
            name=f"{line.name} ({terms.words()})",
            price=(line.price * (1 - terms.discount)).rounded(),
        )
        for line in items
    )
