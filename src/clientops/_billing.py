"""Subscriptions, invoices, payments and supplier bills: the data of billing and its policy.

The client department issues an invoice for every subscription on the 15th of each month
(seed 002, process 8), corrects it when the fee changes, re-sends it as a duplicate when the
client lost it, follows who paid (process 2), and keeps the supplier bills it must pay in the
payment plan (process 10). This module holds the *values*: frozen attrs records, a
:class:`BillingPolicy` with every number and Russian phrase of the process, and the few
transitions of a supplier bill. The decisions (what to issue this month, how a payment is
allocated, who gets a reminder call) are the pure functions of :mod:`clientops.rules.billing`.

Money is :class:`~clientops.model.Money` (``Decimal``, never a float); VAT rates are
percentages (``Decimal("22")``), ``None`` meaning «Без НДС». Every record checks itself and
raises :class:`~clientops.errors.ValidationError` naming each bad field.

Example::

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> from clientops.model import ClientId, Money
    >>> month = Month.parse("2026-11")
    >>> str(month), month.first_day, month.last_day, month.days
    ('2026-11', datetime.date(2026, 11, 1), datetime.date(2026, 11, 30), 30)
    >>> sub = Subscription(SubscriptionId("s1"), ClientId("c1"), Money("12000"), date(2025, 3, 10))
    >>> sub.fee_on(date(2026, 11, 15)), sub.active_days(month)
    (Money(amount=Decimal('12000'), currency='RUB'), 30)
    >>> policy = BillingPolicy()
    >>> policy.vat_rate_on(date(2025, 12, 31)), policy.vat_rate_on(date(2026, 1, 1))
    (Decimal('20'), Decimal('22'))
    >>> policy.month_name(month), policy.month_name(month, genitive=True)
    ('ноябрь', 'ноября')
    >>> vat_amounts(Money("12000"), Decimal(22), included=True)
    (Money(amount=Decimal('9836.07'), currency='RUB'), Money(amount=Decimal('2163.93'), \
currency='RUB'), Money(amount=Decimal('12000.00'), currency='RUB'))
"""

from __future__ import annotations

import calendar
import enum
import functools
import re
import string
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, NewType

import attrs

from clientops._checks import raise_errors as _raise
from clientops._fields import (
    CENT,
    check_digits,
    check_kpp,
    check_positive,
    check_required,
    check_rub_price,
    check_text,
    checked,
    to_quantity,
    validate_fields,
)
from clientops._text import template_validator
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.events import Event
from clientops.model import ClientId, DepartmentId, EmployeeId, Money

__all__ = [
    "MONTHS_GENITIVE",
    "MONTHS_NOMINATIVE",
    "SUPPLIER_BILL_TRANSITIONS",
    "Allocation",
    "BankDetails",
    "BillingPolicy",
    "BillingTexts",
    "Credit",
    "DuplicateSent",
    "FeeChange",
    "Invoice",
    "InvoiceCancelled",
    "InvoiceCorrected",
    "InvoiceId",
    "InvoiceIssued",
    "InvoiceLine",
    "InvoiceParty",
    "InvoiceStatus",
    "Month",
    "OwedInvoice",
    "Pause",
    "Payment",
    "PaymentId",
    "PaymentMatched",
    "PaymentSource",
    "PaymentTerms",
    "ProRating",
    "Subscription",
    "SubscriptionId",
    "SupplierBill",
    "SupplierBillId",
    "SupplierBillStatus",
    "VatRate",
    "WeekendRule",
    "cancel_supplier_bill",
    "enter_into_payment_plan",
    "mark_supplier_bill_paid",
    "request_supplier_bill",
    "set_payment_task",
    "vat_amounts",
]

SubscriptionId = NewType("SubscriptionId", str)
InvoiceId = NewType("InvoiceId", str)
PaymentId = NewType("PaymentId", str)
SupplierBillId = NewType("SupplierBillId", str)

_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

#: The months in the nominative case, lower-case (``январь`` … ``декабрь``): «за ноябрь 2026 г.».
MONTHS_NOMINATIVE: tuple[str, ...] = (
    *("январь", "февраль", "март", "апрель", "май", "июнь"),
    *("июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь"),
)
#: The months in the genitive case (``января`` … ``декабря``): «с 10 по 30 ноября».
MONTHS_GENITIVE: tuple[str, ...] = (
    *("января", "февраля", "марта", "апреля", "мая", "июня"),
    *("июля", "августа", "сентября", "октября", "ноября", "декабря"),
)


# --------------------------------------------------------------------------- checks


def _text(errors: list[FieldError], path: str, value: object, *, required: bool = True) -> None:
    if not isinstance(value, str):
        errors.append(FieldError(path, f"must be a string, got {type(value).__name__}"))
    elif required and not value.strip():
        errors.append(FieldError(path, "required"))


def _optional_text(errors: list[FieldError], path: str, value: object) -> None:
    if value is not None:
        _text(errors, path, value)


def _day(errors: list[FieldError], path: str, value: object) -> bool:
    if isinstance(value, datetime) or not isinstance(value, date):
        errors.append(FieldError(path, f"must be a date, got {value!r}"))
        return False
    return True


def _optional_day(errors: list[FieldError], path: str, value: object) -> bool:
    return value is None or _day(errors, path, value)


def _moment(errors: list[FieldError], path: str, value: object) -> None:
    if not isinstance(value, datetime):
        errors.append(FieldError(path, f"must be a datetime, got {value!r}"))
    elif value.tzinfo is None or value.utcoffset() is None:
        errors.append(FieldError(path, f"must be timezone-aware, got {value!r}"))


def _money(errors: list[FieldError], path: str, value: object, *, positive: bool = False) -> bool:
    if not isinstance(value, Money):
        errors.append(FieldError(path, f"must be Money, got {value!r}"))
        return False
    if value.amount < 0 or (positive and value.amount == 0):
        errors.append(
            FieldError(path, f"must be {'positive' if positive else '>= 0'}, got {value}")
        )
        return False
    if value.amount != value.amount.quantize(_CENT):
        errors.append(FieldError(path, f"{value.amount} has a fraction of a kopeck"))
        return False
    return True


def _version(errors: list[FieldError], value: object) -> None:
    if type(value) is not int or value < 0:
        errors.append(FieldError("version", f"must be a non-negative int, got {value!r}"))


def _flag(errors: list[FieldError], path: str, value: object) -> None:
    if not isinstance(value, bool):
        errors.append(FieldError(path, "must be True or False"))


def _tuple(errors: list[FieldError], path: str, value: object, kind: type) -> bool:
    if not isinstance(value, tuple):
        errors.append(FieldError(path, f"must be a tuple, got {type(value).__name__}"))
        return False
    bad = [
        FieldError(f"{path}[{i}]", f"must be a {kind.__name__}")
        for i, item in enumerate(value)
        if not isinstance(item, kind)
    ]
    errors.extend(bad)
    return not bad


_INN = re.compile(r"^\d{10}(\d{2})?$")


def _inn(errors: list[FieldError], path: str, value: object) -> None:
    if value is not None and (not isinstance(value, str) or not _INN.match(value)):
        errors.append(FieldError(path, f"{value!r} is not an INN (10 or 12 digits)"))


def _vat_rate_errors(path: str, value: object) -> list[FieldError]:
    if value is None:
        return []
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < _HUNDRED:
        return [
            FieldError(path, f"must be a Decimal percentage in [0, 100) or None, got {value!r}")
        ]
    return []


def vat_amounts(
    subtotal: Money, rate: Decimal | None, *, included: bool
) -> tuple[Money, Money | None, Money]:
    """``(net, vat, total)`` of an amount at a VAT ``rate`` (a percentage; ``None``: no VAT).

    ``included``: ``subtotal`` already includes VAT (the usual Russian price), the VAT is
    ``subtotal × rate / (100 + rate)``; else VAT is added on top, ``subtotal × rate / 100``.
    The VAT is rounded half-up to kopecks once, on the whole amount (as a счёт на оплату
    prints it), and the other two follow from it, so ``net + vat == total`` always.

    >>> vat_amounts(Money("1000"), Decimal(20), included=False)
    (Money(amount=Decimal('1000.00'), currency='RUB'), Money(amount=Decimal('200.00'), \
currency='RUB'), Money(amount=Decimal('1200.00'), currency='RUB'))
    >>> vat_amounts(Money("1000"), None, included=True)[1] is None
    True
    """
    errors = _vat_rate_errors("rate", rate)
    if not isinstance(subtotal, Money):
        errors.append(FieldError("subtotal", f"must be Money, got {subtotal!r}"))
    _raise(errors, "VAT")
    amount = subtotal.amount.quantize(_CENT, ROUND_HALF_UP)
    cur = subtotal.currency
    if rate is None:
        return Money(amount, cur), None, Money(amount, cur)
    if included:
        vat = (amount * rate / (_HUNDRED + rate)).quantize(_CENT, ROUND_HALF_UP)
        return Money(amount - vat, cur), Money(vat, cur), Money(amount, cur)
    vat = (amount * rate / _HUNDRED).quantize(_CENT, ROUND_HALF_UP)
    return Money(amount, cur), Money(vat, cur), Money(amount + vat, cur)


# --------------------------------------------------------------------------- the month


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@attrs.frozen(order=True)
class Month:
    """A calendar month, the period an invoice bills: ``Month(2026, 11)``, written
    ``"2026-11"`` (:meth:`parse` reads it back).

    >>> Month.parse("2026-12").next(), Month(2026, 1).previous(), Month.of(date(2026, 2, 27))
    (Month(year=2027, month=1), Month(year=2025, month=12), Month(year=2026, month=2))
    """

    year: int
    month: int

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if type(self.year) is not int or not 1 <= self.year <= 9999:
            errors.append(FieldError("year", f"must be an int in 1..9999, got {self.year!r}"))
        if type(self.month) is not int or not 1 <= self.month <= 12:
            errors.append(FieldError("month", f"must be an int in 1..12, got {self.month!r}"))
        _raise(errors, "month")

    @classmethod
    def parse(cls, text: str) -> Month:
        """``"2026-11"`` → ``Month(2026, 11)``; anything else raises ValidationError."""
        match = _MONTH.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValidationError(
                [FieldError("month", f"{text!r} is not a month written YYYY-MM")], subject="month"
            )
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month ``day`` falls in."""
        errors: list[FieldError] = []
        _day(errors, "day", day)
        _raise(errors, "month")
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    @property
    def days(self) -> int:
        """How many days the month has."""
        return calendar.monthrange(self.year, self.month)[1]

    def day(self, number: int) -> date:
        """The ``number``-th day of the month, or its last day when it has fewer days."""
        return date(self.year, self.month, min(number, self.days))

    def contains(self, day: date) -> bool:
        return self.year == day.year and self.month == day.month

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _month(errors: list[FieldError], path: str, value: object) -> None:
    if not isinstance(value, Month):
        errors.append(FieldError(path, f"must be a Month, got {value!r}"))


# --------------------------------------------------------------------------- subscriptions


@attrs.frozen
class Pause:
    """A subscription paused (not billed) from ``start`` to ``end``, both days included."""

    start: date
    end: date
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        ok = _day(errors, "start", self.start) & _day(errors, "end", self.end)
        if ok and self.end < self.start:
            errors.append(FieldError("end", f"{self.end} is before the start {self.start}"))
        _text(errors, "reason", self.reason, required=False)
        _raise(errors, "pause")

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@attrs.frozen
class FeeChange:
    """A new monthly fee in force from ``since`` (a day) on."""

    since: date
    fee: Money

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _day(errors, "since", self.since)
        _money(errors, "fee", self.fee)
        _raise(errors, "fee change")


@attrs.frozen
class Subscription:
    """A client's subscription (абонентское обслуживание): a monthly ``fee`` from ``start`` to
    ``end`` (both included; ``None``: open-ended), not billed during its ``pauses``.

    ``fee_changes`` are later fees with the day each is in force from (:meth:`fee_on`); a
    changed fee is added here, never written over ``fee``, so past months keep their fee.
    ``service`` names the invoice line («Абонентское обслуживание»), ``unit`` its unit.
    ``payer_inn`` is the buyer's INN printed on and matched against the invoices (``None``:
    unknown). ``version`` counts stored changes (optimistic concurrency).
    """

    id: SubscriptionId
    client_id: ClientId
    fee: Money
    start: date
    end: date | None = None
    pauses: tuple[Pause, ...] = ()
    fee_changes: tuple[FeeChange, ...] = ()
    service: str = "Абонентское обслуживание"
    unit: str = "мес."
    payer_inn: str | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _text(errors, "id", self.id)
        _text(errors, "client_id", self.client_id)
        fee_ok = _money(errors, "fee", self.fee)
        ok = _day(errors, "start", self.start) & _optional_day(errors, "end", self.end)
        if ok and self.end is not None and self.end < self.start:
            errors.append(FieldError("end", f"{self.end} is before the start {self.start}"))
        _tuple(errors, "pauses", self.pauses, Pause)
        if _tuple(errors, "fee_changes", self.fee_changes, FeeChange):
            days = [c.since for c in self.fee_changes]
            if days != sorted(set(days)):
                errors.append(FieldError("fee_changes", "must be in order of date, one per day"))
            for i, change in enumerate(self.fee_changes):
                if fee_ok and change.fee.currency != self.fee.currency:
                    errors.append(
                        FieldError(f"fee_changes[{i}].fee", f"must be in {self.fee.currency}")
                    )
        _text(errors, "service", self.service)
        _text(errors, "unit", self.unit)
        _inn(errors, "payer_inn", self.payer_inn)
        _version(errors, self.version)
        _raise(errors, "subscription")

    def fee_on(self, day: date) -> Money:
        """The monthly fee in force on ``day``: the last change since then, else ``fee``."""
        fee = self.fee
        for change in self.fee_changes:
            if change.since <= day:
                fee = change.fee
        return fee

    def covers(self, day: date) -> bool:
        """Whether the subscription runs on ``day`` (pauses aside)."""
        return self.start <= day and (self.end is None or day <= self.end)

    def paused(self, day: date) -> bool:
        return any(p.covers(day) for p in self.pauses)

    def billable(self, day: date) -> bool:
        """Whether ``day`` is billed: the subscription runs and is not paused."""
        return self.covers(day) and not self.paused(day)

    def active_days(self, month: Month) -> int:
        """How many days of ``month`` are billed."""
        day, last, count = month.first_day, month.last_day, 0
        while day <= last:
            count += self.billable(day)
            day += timedelta(days=1)
        return count

    def change_fee(self, since: date, fee: Money) -> Subscription:
        """The subscription with ``fee`` in force from ``since`` (replacing a change planned
        for that same day). The invoice already issued for a month is not touched: see
        :func:`clientops.rules.billing.correct_invoice`."""
        changes = [c for c in self.fee_changes if c.since != since]
        changes.append(FeeChange(since, fee))
        return attrs.evolve(self, fee_changes=tuple(sorted(changes, key=lambda c: c.since)))


# --------------------------------------------------------------------------- invoices


# The sides of an invoice, its bank details and its lines: values that the rules make, the
# stores keep and the invoice documents print (clientops.documents), so they live here.


@attrs.frozen
class InvoiceParty:
    """A side of an invoice: the organisation's name, ИНН (10 digits, 12 for a sole trader),
    КПП (9 characters; empty for a sole trader) and address (one line, may be empty)."""

    name: str = attrs.field(metadata=checked(check_required))
    inn: str = attrs.field(metadata=checked(check_digits(10, 12)))
    kpp: str = attrs.field(default="", metadata=checked(check_kpp))
    address: str = attrs.field(default="", metadata=checked(check_text))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)


@attrs.frozen
class BankDetails:
    """The payee's bank details: the bank (its name and city), БИК (9 digits), the settlement
    account (расчётный счёт, 20 digits) and the bank's correspondent account (20 digits; may
    be empty)."""

    bank: str = attrs.field(metadata=checked(check_required))
    bik: str = attrs.field(metadata=checked(check_digits(9)))
    account: str = attrs.field(metadata=checked(check_digits(20)))
    correspondent_account: str = attrs.field(
        default="", metadata=checked(check_digits(20, optional=True))
    )

    def __attrs_post_init__(self) -> None:
        validate_fields(self)


@attrs.frozen
class InvoiceLine:
    """One line of an invoice; ``price`` is per ``unit``, VAT included, in RUB."""

    name: str = attrs.field(metadata=checked(check_required))
    unit: str = attrs.field(metadata=checked(check_required))
    quantity: Decimal = attrs.field(converter=to_quantity, metadata=checked(check_positive))
    price: Money = attrs.field(metadata=checked(check_rub_price))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    @property
    def amount(self) -> Money:
        """``price × quantity``, rounded half-up to kopecks."""
        return Money(
            (self.price.amount * self.quantity).quantize(CENT, ROUND_HALF_UP), self.price.currency
        )


class InvoiceStatus(enum.Enum):
    """Where an invoice is. ``label`` is the Russian word."""

    ISSUED = "issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CANCELLED = "cancelled"
    CORRECTED = "corrected"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def open(self) -> bool:
        """Whether something is still to be paid on it."""
        return self in (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


_STATUS_LABELS = {
    InvoiceStatus.ISSUED: "выставлен",
    InvoiceStatus.PARTLY_PAID: "оплачен частично",
    InvoiceStatus.PAID: "оплачен",
    InvoiceStatus.CANCELLED: "аннулирован",
    InvoiceStatus.CORRECTED: "заменён исправленным",
}


@attrs.frozen
class DuplicateSent:
    """A duplicate of an invoice sent again (the client lost it): when, to where, by whom."""

    at: datetime
    to: str = ""
    by: EmployeeId | None = None

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _moment(errors, "at", self.at)
        _text(errors, "to", self.to, required=False)
        _optional_text(errors, "by", self.by)
        _raise(errors, "duplicate")


@attrs.frozen
class Invoice:
    """An invoice (счёт на оплату) for ``period`` (the billed month).

    ``lines`` are :class:`InvoiceLine` (price per unit in RUB). The VAT is
    ``vat_rate`` percent (``None``: «Без НДС»), included in the prices when ``vat_included``,
    else added on top; :attr:`subtotal`, :attr:`vat` and :attr:`total` are computed
    (:func:`vat_amounts`). ``paid`` is what payments have covered so far, and ``status``
    follows it: ``ISSUED`` (nothing paid), ``PARTLY_PAID``, ``PAID``. An invoice is never
    edited: a changed amount makes a new invoice with ``corrects`` (and ``corrects_number``)
    naming this one, and this one ``CORRECTED`` with ``corrected_by``. ``duplicates`` records
    every copy sent again. ``subscription_id`` is ``None`` for a one-off invoice.
    ``payer_inn`` is the buyer's INN (matching bank payments). ``version`` is the store's.
    """

    id: InvoiceId
    number: str
    client_id: ClientId
    period: Month
    issue_date: date
    due_date: date
    lines: tuple[InvoiceLine, ...]
    vat_rate: Decimal | None
    vat_included: bool = True
    subscription_id: SubscriptionId | None = None
    payer_inn: str | None = None
    status: InvoiceStatus = InvoiceStatus.ISSUED
    paid: Money = Money(0)
    corrects: InvoiceId | None = None
    corrects_number: str | None = None
    corrected_by: InvoiceId | None = None
    duplicates: tuple[DuplicateSent, ...] = ()
    version: int = 0

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in ("id", "number", "client_id"):
            _text(errors, name, getattr(self, name))
        _month(errors, "period", self.period)
        dates_ok = _day(errors, "issue_date", self.issue_date) & _day(
            errors, "due_date", self.due_date
        )
        if dates_ok and self.due_date < self.issue_date:
            errors.append(
                FieldError(
                    "due_date", f"{self.due_date} is before the issue date {self.issue_date}"
                )
            )
        lines_ok = _tuple(errors, "lines", self.lines, InvoiceLine)
        if lines_ok and not self.lines:
            errors.append(FieldError("lines", "at least one line is required"))
            lines_ok = False
        errors += _vat_rate_errors("vat_rate", self.vat_rate)
        _flag(errors, "vat_included", self.vat_included)
        _optional_text(errors, "subscription_id", self.subscription_id)
        _inn(errors, "payer_inn", self.payer_inn)
        if not isinstance(self.status, InvoiceStatus):
            errors.append(FieldError("status", f"must be an InvoiceStatus, got {self.status!r}"))
        paid_ok = _money(errors, "paid", self.paid)
        _optional_text(errors, "corrects", self.corrects)
        _optional_text(errors, "corrects_number", self.corrects_number)
        if (self.corrects is None) != (self.corrects_number is None):
            errors.append(FieldError("corrects_number", "given together with corrects"))
        _optional_text(errors, "corrected_by", self.corrected_by)
        if (self.status is InvoiceStatus.CORRECTED) != (self.corrected_by is not None):
            errors.append(FieldError("corrected_by", "set exactly when the status is corrected"))
        _tuple(errors, "duplicates", self.duplicates, DuplicateSent)
        _version(errors, self.version)
        if not errors and lines_ok and paid_ok:
            self._check_paid(errors)
        _raise(errors, "invoice")

    def _check_paid(self, errors: list[FieldError]) -> None:
        total, paid, status = self.total, self.paid, self.status
        if paid.currency != total.currency:
            errors.append(FieldError("paid", f"must be in {total.currency}"))
        elif status is InvoiceStatus.ISSUED and paid.amount != 0:
            errors.append(FieldError("paid", "an issued invoice has nothing paid"))
        elif status is InvoiceStatus.PARTLY_PAID and not 0 < paid.amount < total.amount:
            errors.append(FieldError("paid", f"must be between 0 and {total.amount}"))
        elif status is InvoiceStatus.PAID and paid != total:
            errors.append(FieldError("paid", f"a paid invoice has its total {total} paid"))
        elif paid.amount > total.amount:
            errors.append(FieldError("paid", f"more than the total {total}"))

    @property
    def currency(self) -> str:
        return self.lines[0].price.currency

    @property
    def subtotal(self) -> Money:
        """The sum of the lines' amounts (with VAT when it is included)."""
        return sum((line.amount for line in self.lines), Money(0, self.currency))

    @property
    def vat(self) -> Money | None:
        """The VAT, rounded half-up to kopecks; ``None`` without VAT."""
        return vat_amounts(self.subtotal, self.vat_rate, included=self.vat_included)[1]

    @functools.cached_property
    def total(self) -> Money:
        """What the client pays: the lines, plus VAT when it is added on top (computed once
        per invoice: the check of ``paid`` reads it, and so do the stores, the events and
        the documents)."""
        return vat_amounts(self.subtotal, self.vat_rate, included=self.vat_included)[2]

    @property
    def outstanding(self) -> Money:
        """What is still to be paid: zero unless the invoice is open."""
        if not self.status.open:
            return Money(0, self.currency)
        return self.total - self.paid

    @property
    def is_open(self) -> bool:
        return self.status.open

    @property
    def duplicate_count(self) -> int:
        """How many duplicates were sent."""
        return len(self.duplicates)

    def days_overdue(self, day: date) -> int:
        """Whole days past the due date on ``day`` (0 on the due date and before it, and for
        an invoice that is not open)."""
        if not self.is_open:
            return 0
        return max(0, (day - self.due_date).days)


class OwedInvoice(NamedTuple):
    """An open invoice as the agenda and the reminders read it, without the lines: its
    number, client (and the client's name, ``""`` when not read), month, issue and due dates
    and what is still to be paid. A store answers
    :meth:`~clientops.ports.AgendaQueries.open_invoices_managed_by` with these from columns,
    without loading whole invoices; :meth:`of` makes one from an :class:`Invoice`.

    >>> from clientops.billing import InvoiceLine
    >>> from clientops.model import ClientId, Money
    >>> invoice = Invoice(InvoiceId("i1"), "25", ClientId("c1"), Month(2026, 11),
    ...                   date(2026, 11, 13), date(2026, 11, 20),
    ...                   (InvoiceLine("Обслуживание", "мес.", 1, Money(1200)),), Decimal(20))
    >>> OwedInvoice.of(invoice, client_name="ООО «Ромашка»").outstanding
    Money(amount=Decimal('1200.00'), currency='RUB')
    """

    id: InvoiceId
    number: str
    client_id: ClientId
    period: Month
    issue_date: date
    due_date: date
    outstanding: Money
    client_name: str = ""

    @classmethod
    def of(cls, invoice: Invoice, *, client_name: str = "") -> OwedInvoice:
        return cls(
            invoice.id,
            invoice.number,
            invoice.client_id,
            invoice.period,
            invoice.issue_date,
            invoice.due_date,
            invoice.outstanding,
            client_name,
        )


class BilledInvoice(NamedTuple):
    """An invoice a billing run made for a month, as a rerun reads it, without its lines: its
    id, number, subscription, status, issue date, VAT rate and whether the VAT is included,
    and its :attr:`~Invoice.total`. A store answers
    :meth:`~clientops.ports.InvoicesRepository.billed` with these;
    :func:`~clientops.rules.billing.plan_billing` skips a subscription whose invoice is among
    them without the whole invoice (:meth:`of` makes one from an :class:`Invoice`)."""

    id: InvoiceId
    number: str
    subscription_id: SubscriptionId
    status: InvoiceStatus
    issue_date: date
    vat_rate: Decimal | None
    vat_included: bool
    total: Money

    @classmethod
    def of(cls, invoice: Invoice) -> BilledInvoice:
        if invoice.subscription_id is None:
            raise ValidationError(
                [FieldError("subscription_id", "a billed invoice has its subscription")],
                subject="billed invoice",
            )
        return cls(
            invoice.id,
            invoice.number,
            invoice.subscription_id,
            invoice.status,
            invoice.issue_date,
            invoice.vat_rate,
            invoice.vat_included,
            invoice.total,
        )


def lines_total(
    lines: tuple[InvoiceLine, ...], vat_rate: Decimal | None, *, vat_included: bool
) -> Money:
    """What ``lines`` come to at ``vat_rate``: :attr:`Invoice.total` of an invoice with these
    lines and VAT (the lines' amounts summed, VAT added on top unless included)."""
    return amounts_total(
        (line.price.amount * line.quantity for line in lines),
        lines[0].price.currency,
        vat_rate,
        vat_included=vat_included,
    )


def amounts_total(
    amounts: Iterable[Decimal], currency: str, vat_rate: Decimal | None, *, vat_included: bool
) -> Money:
    """:func:`lines_total` of lines whose ``price × quantity`` are ``amounts`` (unrounded),
    in ``currency``: each rounded half-up to kopecks, summed, VAT added on top unless
    included or there is none (:func:`vat_amounts`), without making a value per line."""
    subtotal = sum((a.quantize(_CENT, ROUND_HALF_UP) for a in amounts), Decimal(0))
    if vat_rate is None or vat_included:  # the total is the lines' sum, in kopecks
        return Money(subtotal.quantize(_CENT, ROUND_HALF_UP), currency)
    return vat_amounts(Money(subtotal, currency), vat_rate, included=False)[2]


# --------------------------------------------------------------------------- payments


@attrs.frozen
class PaymentSource:
    """Where a payment was read: the bank statement's ``digest`` (SHA-256 of the file), the
    document's first ``line`` in it and its ``number`` (``Номер``)."""

    statement: str
    line: int | None = None
    number: str | None = None

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _text(errors, "statement", self.statement)
        if self.line is not None and (type(self.line) is not int or self.line < 1):
            errors.append(FieldError("line", f"must be a positive int, got {self.line!r}"))
        _optional_text(errors, "number", self.number)
        _raise(errors, "payment source")


@attrs.frozen
class Payment:
    """Money received from a client: its ``date`` (the day booked), ``amount``, who paid
    (``payer_inn``, ``payer_name``), the ``purpose`` as written, where it came from
    (``source``; ``None`` for one entered by hand) and the client once known (``None``: not
    identified yet, a person must decide). ``invoice_number`` is the invoice it names or was
    matched to, paid first by :func:`clientops.rules.billing.allocate_payment`."""

    id: PaymentId
    date: date
    amount: Money
    payer_inn: str | None = None
    payer_name: str = ""
    purpose: str = ""
    source: PaymentSource | None = None
    client_id: ClientId | None = None
    invoice_number: str | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _text(errors, "id", self.id)
        _day(errors, "date", self.date)
        _money(errors, "amount", self.amount, positive=True)
        _inn(errors, "payer_inn", self.payer_inn)
        _text(errors, "payer_name", self.payer_name, required=False)
        _text(errors, "purpose", self.purpose, required=False)
        if self.source is not None and not isinstance(self.source, PaymentSource):
            errors.append(FieldError("source", "must be a PaymentSource or None"))
        _optional_text(errors, "client_id", self.client_id)
        _optional_text(errors, "invoice_number", self.invoice_number)
        _version(errors, self.version)
        _raise(errors, "payment")


@attrs.frozen
class Allocation:
    """Part of a payment applied to an invoice, on ``date``."""

    payment_id: PaymentId
    invoice_id: InvoiceId
    invoice_number: str
    client_id: ClientId
    amount: Money
    date: date

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in ("payment_id", "invoice_id", "invoice_number", "client_id"):
            _text(errors, name, getattr(self, name))
        _money(errors, "amount", self.amount, positive=True)
        _day(errors, "date", self.date)
        _raise(errors, "allocation")


@attrs.frozen
class Credit:
    """Money a client paid beyond what it owed (переплата, аванс): kept, visible, and the
    client's until applied to a later invoice or refunded. ``payment_id`` is the payment it
    came from; ``invoice_id`` the invoice whose correction lowered it below what was paid."""

    client_id: ClientId
    amount: Money
    date: date
    payment_id: PaymentId | None = None
    invoice_id: InvoiceId | None = None
    note: str = ""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _text(errors, "client_id", self.client_id)
        _money(errors, "amount", self.amount, positive=True)
        _day(errors, "date", self.date)
        _optional_text(errors, "payment_id", self.payment_id)
        _optional_text(errors, "invoice_id", self.invoice_id)
        _text(errors, "note", self.note, required=False)
        _raise(errors, "credit")


# --------------------------------------------------------------------------- supplier bills


class SupplierBillStatus(enum.Enum):
    """The steps of seed 002, process 10. ``label`` is the Russian wording."""

    REQUESTED = "requested"  #: запрос счёта
    PLANNED = "planned"  #: занесение счёта в план-факт
    TASK_SET = "task_set"  #: постановка задачи на оплату
    PAID = "paid"  #: контроль оплаты: оплачен
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _BILL_LABELS[self]


_BILL_LABELS = {
    SupplierBillStatus.REQUESTED: "счёт запрошен",
    SupplierBillStatus.PLANNED: "внесён в план-факт",
    SupplierBillStatus.TASK_SET: "поставлена задача на оплату",
    SupplierBillStatus.PAID: "оплачен",
    SupplierBillStatus.CANCELLED: "отменён",
}

_B = SupplierBillStatus
#: The supplier bill process: action → (the statuses it may be done at, the status it leads to).
SUPPLIER_BILL_TRANSITIONS: dict[str, tuple[tuple[SupplierBillStatus, ...], SupplierBillStatus]] = {
    "enter_into_payment_plan": ((_B.REQUESTED,), _B.PLANNED),
    "set_payment_task": ((_B.PLANNED,), _B.TASK_SET),
    "mark_paid": ((_B.PLANNED, _B.TASK_SET), _B.PAID),
    "cancel": ((_B.REQUESTED, _B.PLANNED, _B.TASK_SET), _B.CANCELLED),
}


@attrs.frozen
class SupplierBill:
    """A bill we must pay a supplier (seed 002, process 10): requested from ``supplier`` for
    ``purpose`` on ``requested_on``, then entered into the payment plan with its ``number``,
    ``amount`` and ``due_date``, then a payment task set for ``assignee``, then ``paid_on``.

    ``amount`` may be only the expected one until the bill is planned. Move it with
    :func:`enter_into_payment_plan`, :func:`set_payment_task`, :func:`mark_supplier_bill_paid`
    and :func:`cancel_supplier_bill`; a step out of order raises
    :class:`~clientops.errors.TransitionError`.
    """

    id: SupplierBillId
    supplier: str
    purpose: str
    requested_on: date
    status: SupplierBillStatus = SupplierBillStatus.REQUESTED
    supplier_inn: str | None = None
    amount: Money | None = None
    number: str | None = None
    due_date: date | None = None
    planned_on: date | None = None
    assignee: EmployeeId | None = None
    task_set_on: date | None = None
    paid_on: date | None = None
    cancelled_on: date | None = None
    note: str = ""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in ("id", "supplier", "purpose"):
            _text(errors, name, getattr(self, name))
        _day(errors, "requested_on", self.requested_on)
        if not isinstance(self.status, SupplierBillStatus):
            errors.append(
                FieldError("status", f"must be a SupplierBillStatus, got {self.status!r}")
            )
        _inn(errors, "supplier_inn", self.supplier_inn)
        if self.amount is not None:
            _money(errors, "amount", self.amount, positive=True)
        _optional_text(errors, "number", self.number)
        for name in ("due_date", "planned_on", "task_set_on", "paid_on", "cancelled_on"):
            _optional_day(errors, name, getattr(self, name))
        _optional_text(errors, "assignee", self.assignee)
        _text(errors, "note", self.note, required=False)
        _version(errors, self.version)
        if not errors:
            needed = {
                _B.PLANNED: ("amount", "due_date", "planned_on"),
                _B.TASK_SET: ("amount", "due_date", "planned_on", "assignee", "task_set_on"),
                _B.PAID: ("amount", "due_date", "planned_on", "paid_on"),
                _B.CANCELLED: ("cancelled_on",),
            }.get(self.status, ())
            errors += [
                FieldError(name, f"required when the bill is {self.status.value}")
                for name in needed
                if getattr(self, name) is None
            ]
        _raise(errors, "supplier bill")

    @property
    def is_open(self) -> bool:
        """Still to be paid (requested, planned or with a payment task)."""
        return self.status in (_B.REQUESTED, _B.PLANNED, _B.TASK_SET)

    def allowed_actions(self) -> tuple[str, ...]:
        return tuple(
            a for a, (sources, _) in SUPPLIER_BILL_TRANSITIONS.items() if self.status in sources
        )


def _step(bill: SupplierBill, action: str, **changes: Any) -> SupplierBill:
    if not isinstance(bill, SupplierBill):
        raise ValidationError([FieldError("bill", "must be a SupplierBill")], subject=action)
    sources, target = SUPPLIER_BILL_TRANSITIONS[action]
    if bill.status not in sources:
        raise TransitionError(
            f"supplier bill {bill.number or bill.id}",
            current=bill.status.value,
            attempted=action,
            allowed=bill.allowed_actions(),
        )
    return attrs.evolve(bill, status=target, **changes)


def request_supplier_bill(
    id: SupplierBillId,
    *,
    supplier: str,
    purpose: str,
    on: date,
    expected_amount: Money | None = None,
    supplier_inn: str | None = None,
    note: str = "",
) -> SupplierBill:
    """A bill asked of ``supplier`` (the one cheapest for us) on ``on``."""
    return SupplierBill(
        id=id,
        supplier=supplier,
        purpose=purpose,
        requested_on=on,
        supplier_inn=supplier_inn,
        amount=expected_amount,
        note=note,
    )


def enter_into_payment_plan(
    bill: SupplierBill, *, number: str, amount: Money, due_date: date, on: date
) -> SupplierBill:
    """The bill received (``number``, ``amount``) and entered into the payment plan
    (план-факт) on ``on``, to be paid by ``due_date``."""
    return _step(
        bill,
        "enter_into_payment_plan",
        number=number,
        amount=amount,
        due_date=due_date,
        planned_on=on,
    )


def set_payment_task(bill: SupplierBill, *, assignee: EmployeeId, on: date) -> SupplierBill:
    """The payment task set for ``assignee`` (the accountant) on ``on``."""
    return _step(bill, "set_payment_task", assignee=assignee, task_set_on=on)


def mark_supplier_bill_paid(bill: SupplierBill, *, on: date) -> SupplierBill:
    """The payment seen done on ``on`` (контроль оплаты)."""
    return _step(bill, "mark_paid", paid_on=on)


def cancel_supplier_bill(bill: SupplierBill, *, on: date, note: str = "") -> SupplierBill:
    """The bill no longer to be paid (another supplier chosen, the purchase dropped)."""
    return _step(bill, "cancel", cancelled_on=on, note=note or bill.note)


# --------------------------------------------------------------------------- the policy


class WeekendRule(enum.Enum):
    """Which day invoices are issued when the billing day is not a working day."""

    PREVIOUS_WORKING_DAY = "previous_working_day"
    NEXT_WORKING_DAY = "next_working_day"
    SAME_DAY = "same_day"


class ProRating(enum.Enum):
    """The fee of a month the subscription covers only in part (it starts, ends or is paused
    within the month): ``CALENDAR_DAYS`` bills ``fee × billed days / days of the month``,
    rounded half-up to kopecks; ``FULL_MONTH`` bills the whole fee for any billed day."""

    CALENDAR_DAYS = "calendar_days"
    FULL_MONTH = "full_month"


class PaymentTerms(enum.Enum):
    """How :attr:`BillingPolicy.payment_days` count: calendar days (the due date moved to the
    next working day when it falls on a day off, as the Civil Code art. 193 does) or working
    days."""

    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


@attrs.frozen
class VatRate:
    """A VAT ``rate`` (a percentage; ``None``: «Без НДС») in force from ``since`` on."""

    since: date
    rate: Decimal | None

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _day(errors, "since", self.since)
        errors += _vat_rate_errors("rate", self.rate)
        _raise(errors, "VAT rate")


_billing_template = template_validator(
    *("service", "month", "month_genitive", "year", "from_day", "to_day", "days"),
    *("month_days", "client", "invoices", "amount", "count"),
)


@attrs.define(
    frozen=True,
    field_transformer=lambda _, fields: [f.evolve(validator=_billing_template) for f in fields],
)
class BillingTexts:
    """The words of billing, Russian by default, as ``str.format`` templates.

    Placeholders: ``{service}`` (the subscription's service), ``{month}`` (``ноябрь``),
    ``{month_genitive}`` (``ноября``), ``{year}``, ``{from_day}``, ``{to_day}``, ``{days}``
    (billed days), ``{month_days}``, ``{client}`` (its id), ``{invoices}`` (``№ 2026-00012 от
    13.11.2026``…), ``{amount}`` (``12 000,00``), ``{count}``.
    """

    #: The invoice line of a whole month.
    line: str = "{service} за {month} {year} г."
    #: The invoice line of a part of a month (pro-rated), billed days in one stretch.
    partial_line: str = "{service} за {month} {year} г. (с {from_day} по {to_day} {month_genitive})"
    #: The invoice line of a part of a month whose billed days a pause interrupts.
    interrupted_line: str = (
        "{service} за {month} {year} г. ({days} дн. из {month_days}, без периода приостановки)"
    )
    #: The topic of the client's billing appeal of a month (the reminder calls belong to it).
    appeal_topic: str = "Оплата счетов за {month} {year} г."
    #: The topic of a reminder call.
    reminder_topic: str = "Напомнить об оплате: {invoices}; к оплате {amount} руб."
    #: The mark printed on a duplicate.
    duplicate_mark: str = "Дубликат"


@attrs.frozen
class BillingPolicy:
    """Every number, switch and phrase of billing and collection (DOMAIN.md, seed 002).

    The rules take it with a :class:`~clientops.workdays.WorkCalendar`; change a value with
    ``attrs.evolve``. Bad values raise :class:`~clientops.errors.ValidationError` naming each.
    """

    #: Invoices for a month are issued on this day of it (1–28).
    billing_day: int = 15
    #: …or, when that day is not a working day, on the day this rule says.
    weekend_rule: WeekendRule = WeekendRule.PREVIOUS_WORKING_DAY
    #: The VAT rates, each in force from its day until the next one (a dated table: the rate of
    #: an invoice is the one in force on its issue date). Russia raised VAT from 20 % to 22 %
    #: on 1 January 2026. A company without VAT (УСН) uses ``(VatRate(date.min, None),)``.
    vat_rates: tuple[VatRate, ...] = attrs.field(
        default=(VatRate(date(2019, 1, 1), Decimal(20)), VatRate(date(2026, 1, 1), Decimal(22))),
    )
    #: Prices include VAT (the usual way); ``False``: VAT is added on top of the fee.
    vat_included: bool = True
    #: Payment terms: the due date is this many days after the issue date…
    payment_days: int = 5
    #: …counted as calendar days (then moved to a working day) or as working days.
    payment_terms: PaymentTerms = PaymentTerms.CALENDAR_DAYS
    #: The fee of a month the subscription covers only in part.
    pro_rating: ProRating = ProRating.CALENDAR_DAYS
    #: Reminder calls start on this day of the invoice's month (and go on every working day).
    reminder_day: int = 20
    #: The reminder call is due at this local time of its day.
    reminder_time: time = time(10, 0)
    #: The department the billing appeals belong to, and that takes a reminder of a client
    #: without a manager.
    department: DepartmentId = DepartmentId("client")
    #: Invoice numbers: a ``str.format`` template of ``{year}`` (of the issue date),
    #: ``{month}`` and ``{seq}`` (the sequence number within the year, from 1). Both
    #: ``{year}`` and ``{seq}`` are required (the sequence starts again each year, so a number
    #: without the year would repeat), and the template must read back unambiguously.
    number_format: str = "{year}-{seq:05d}"
    #: An overpayment first pays the client's other open invoices (oldest first); ``False``:
    #: it is kept as the client's credit straight away.
    overpayment_to_other_invoices: bool = True
    #: The words of invoices and reminders.
    texts: BillingTexts = BillingTexts()
    #: The company that issues the invoices (the payee: name, INN, KPP, address) and its bank
    #: account, printed on every invoice; needed for the invoice documents only.
    supplier: InvoiceParty | None = None
    bank: BankDetails | None = None
    #: The names under the invoice's signatures (blank: signed by hand).
    head: str = ""
    accountant: str = ""

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.supplier is not None and not isinstance(self.supplier, InvoiceParty):
            errors.append(FieldError("supplier", "must be an InvoiceParty"))
        if self.bank is not None and not isinstance(self.bank, BankDetails):
            errors.append(FieldError("bank", "must be BankDetails"))
        for name in ("billing_day", "reminder_day"):
            value = getattr(self, name)
            if type(value) is not int or not 1 <= value <= 28:
                errors.append(FieldError(name, f"must be a day of the month 1..28, got {value!r}"))
        if not isinstance(self.weekend_rule, WeekendRule):
            errors.append(FieldError("weekend_rule", "must be a WeekendRule"))
        if _tuple(errors, "vat_rates", self.vat_rates, VatRate):
            if not self.vat_rates:
                errors.append(FieldError("vat_rates", "at least one rate is required"))
            days = [r.since for r in self.vat_rates]
            if days != sorted(set(days)):
                errors.append(FieldError("vat_rates", "must be in order of date, one per day"))
        _flag(errors, "vat_included", self.vat_included)
        _flag(errors, "overpayment_to_other_invoices", self.overpayment_to_other_invoices)
        if type(self.payment_days) is not int or not 0 <= self.payment_days <= 365:
            errors.append(
                FieldError("payment_days", f"must be an int 0..365, got {self.payment_days!r}")
            )
        if not isinstance(self.payment_terms, PaymentTerms):
            errors.append(FieldError("payment_terms", "must be a PaymentTerms"))
        if not isinstance(self.pro_rating, ProRating):
            errors.append(FieldError("pro_rating", "must be a ProRating"))
        if not isinstance(self.reminder_time, time):
            errors.append(FieldError("reminder_time", "must be a time of day"))
        _text(errors, "department", self.department)
        errors += _number_format_errors(self.number_format)
        if not isinstance(self.texts, BillingTexts):
            errors.append(FieldError("texts", "must be BillingTexts"))
        _raise(errors, "billing policy")

    def vat_rate_on(self, day: date) -> Decimal | None:
        """The VAT rate in force on ``day``; ValidationError before the first one."""
        found: VatRate | None = None
        for rate in self.vat_rates:
            if rate.since <= day:
                found = rate
        if found is None:
            raise ValidationError(
                [FieldError("vat_rates", f"no VAT rate in force on {day.isoformat()}")],
                subject="billing policy",
            )
        return found.rate

    def month_name(self, month: Month, *, genitive: bool = False) -> str:
        """``ноябрь`` (or ``ноября``)."""
        return (MONTHS_GENITIVE if genitive else MONTHS_NOMINATIVE)[month.month - 1]

    def format_number(self, seq: int, issue_date: date) -> str:
        """The invoice number ``seq`` of the year of ``issue_date``: ``2026-00012``."""
        return self.number_format.format(year=issue_date.year, month=issue_date.month, seq=seq)

    def number_sequence(self, number: str, year: int) -> int | None:
        """The sequence number of an invoice ``number`` written by :attr:`number_format` in
        ``year``, or ``None`` when it is not one of those (a hand-written number, another year).
        """
        parsed = self.parse_number(number)
        if parsed is None or parsed[0] != year:
            return None
        return parsed[1]

    def parse_number(self, number: str) -> tuple[int, int] | None:
        """The (year, sequence number) of an invoice ``number`` written by
        :attr:`number_format`, or ``None`` for a number not of that form (hand-written)."""
        match = _number_pattern(self.number_format).fullmatch(number)
        if match is None:
            return None
        return int(match["year"]), int(match["seq"])

    def number_scope(self, year: int) -> str:
        """The name of the sequence :attr:`number_format` counts in ``year``: the key of the
        store's number sequence (:meth:`~clientops.ports.InvoicesRepository.sequence`)."""
        return f"invoice {year} {self.number_format}"

    def number_prefix(self, year: int) -> str:
        """The text every number of ``year`` written by :attr:`number_format` starts with
        (``"2026-"``): what the store's invoices are searched by to find the highest one."""
        parts: list[str] = []
        for literal, field, spec, _ in string.Formatter().parse(self.number_format):
            parts.append(literal)
            if field != "year":
                break
            parts.append(format(year, spec or ""))
        return "".join(parts)

    def highest_sequence(self, numbers: Iterable[str], year: int) -> int:
        """The highest sequence number of ``year`` among ``numbers`` (0 when there is none)."""
        seqs = (self.number_sequence(n, year) for n in numbers)
        return max((s for s in seqs if s is not None), default=0)


def _number_format_errors(value: object) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError("number_format", "must be a string")]
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        value.format(year=2026, month=1, seq=1)
    except (KeyError, IndexError, ValueError) as exc:
        return [
            FieldError(
                "number_format",
                f"bad template {value!r} ({exc!r}); placeholders are {{year}}, {{month}}, {{seq}}",
            )
        ]
    if fields.count("seq") != 1 or fields.count("year") > 1 or fields.count("month") > 1:
        return [FieldError("number_format", "must use {seq} once, {year} and {month} at most once")]
    if "year" not in fields:
        return [
            FieldError(
                "number_format",
                f"{value!r} has no {{year}}: the sequence starts again each year, so its "
                "numbers would repeat",
            )
        ]
    # every number must read back as the year and sequence number it was written from, or
    # the next number cannot be found and two numbers may be one
    pattern = _number_pattern(value)
    for year in (2025, 2026, 9999):
        for month in (1, 12):
            for seq in (1, 9, 10, 99, 12345, 1234567):
                written = value.format(year=year, month=month, seq=seq)
                match = pattern.fullmatch(written)
                if match is None or (int(match["year"]), int(match["seq"])) != (year, seq):
                    return [
                        FieldError(
                            "number_format",
                            f"{value!r} does not read back: {written!r} is not year {year}, "
                            f"number {seq}",
                        )
                    ]
    return []


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _number_pattern(template: str) -> re.Pattern[str]:
    """A regular expression reading numbers written by ``template`` back."""
    known = _PATTERNS.get(template)
    if known is not None:
        return known
    parts: list[str] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field == "year":
            parts.append(r"(?P<year>\d{4})")
        elif field == "seq":
            parts.append(r"(?P<seq>\d+)")
        elif field == "month":
            parts.append(r"\d+")
    pattern = re.compile("".join(parts))
    _PATTERNS[template] = pattern
    return pattern


# --------------------------------------------------------------------------- events


@attrs.frozen
class InvoiceIssued(Event):
    """An invoice was issued (by a billing run, by hand, or as the correction of another):
    ``total`` is what it asks for, due on ``due_date``."""

    invoice_id: InvoiceId
    number: str
    client_id: ClientId
    total: Money
    due_date: date
    at: datetime


@attrs.frozen
class InvoiceCorrected(Event):
    """The invoice ``invoice_id`` was replaced by the correction ``correction_id`` (numbered
    ``correction_number``; its own :class:`InvoiceIssued` follows)."""

    invoice_id: InvoiceId
    number: str
    client_id: ClientId
    correction_id: InvoiceId
    correction_number: str
    at: datetime


@attrs.frozen
class InvoiceCancelled(Event):
    """An unpaid invoice was cancelled."""

    invoice_id: InvoiceId
    number: str
    client_id: ClientId
    at: datetime


@attrs.frozen
class PaymentMatched(Event):
    """A payment was matched to a client and applied: ``invoice_numbers`` are the invoices it
    paid (oldest first), ``credit`` what was left over and kept as the client's credit."""

    payment_id: PaymentId
    client_id: ClientId
    amount: Money
    invoice_numbers: tuple[str, ...]
    credit: Money | None
    at: datetime
