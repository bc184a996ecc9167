"""The contexts of the monthly billing documents, and the values their placeholders take.

Two papers go with the monthly billing (issue 4, «Documents»): the **invoice** (счёт на
оплату) the client pays from, in the customary Russian form, its **duplicate** when the
client has lost it and the **corrected invoice** that replaces one; and the **list of
debtors** for a day (список должников), the clients with unpaid invoices, to call. Like the
prepayment invoice (:mod:`clientops._documents._orders`), whose parties, bank details, lines
and values the invoice shares, each is a frozen attrs context that names every bad field at
once, and the ``*_values`` function turns it into the strings a template prints.

    >>> from datetime import date
    >>> from clientops.model import Money
    >>> row = DebtorRow("ООО «Ромашка»", ("СО-101",), Money("8250"), 5, "А. А. Орлова")
    >>> debtors = DebtorsList(date(2026, 11, 20), (row,))
    >>> values = debtors_list_values(debtors)
    >>> values["date"], values["total"], values["rows"][0]["days_overdue"]
    ('20 ноября 2026 г.', '8\\xa0250,00', '5')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from clientops._documents._acts import check_vat_rate, included_vat
from clientops._documents._onboarding import DASH, check_optional_date, check_strings
from clientops._documents._orders import (
    INVOICE_LINE_FIELDS,
    INVOICE_SCALARS,
    BaseInvoice,
    added_vat,
    check_flag,
    check_tuple_of,
    invoice_values,
    signature_text,
)
from clientops._documents._template import Fields, Values
from clientops._documents._words import amount_in_words, format_money
from clientops._fields import (
    check_date,
    check_required,
    check_rub_price,
    check_text,
    checked,
    field_fail,
    validate_fields,
)
from clientops.errors import FieldError
from clientops.model import Money

__all__ = [
    "DEBTORS_LIST_FIELDS",
    "DUPLICATE_MARK",
    "PAYMENT_INVOICE_FIELDS",
    "DebtorRow",
    "DebtorsList",
    "InvoiceRef",
    "PaymentInvoice",
    "debtors_list_values",
    "format_long_date",
    "payment_invoice_values",
]

#: The months in the genitive, as a date is written in words («15 ноября 2026 г.»).
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
#: The mark a duplicate invoice carries above everything else.
DUPLICATE_MARK = "ДУБЛИКАТ"


def format_long_date(day: dt.date) -> str:
    """A date as invoices write it in their title: the day, the month in words, the year.

    >>> format_long_date(dt.date(2026, 11, 15)), format_long_date(dt.date(2027, 3, 1))
    ('15 ноября 2026 г.', '1 марта 2027 г.')
    """
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


# ------------------------------------------------------------------------------ validators


def _optional_ref(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, InvoiceRef):
        raise field_fail(instance, attribute, "must be an InvoiceRef or None")


def _days(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_fail(instance, attribute, f"must be an int, not {type(value).__name__}")
    if value < 0:
        raise field_fail(instance, attribute, f"must not be negative, got {value}")


# ------------------------------------------------------------------------------ the invoice


@attrs.frozen
class InvoiceRef:
    """An invoice named by its number and, when known, its date: the one a corrected invoice
    replaces."""

    number: str = attrs.field(metadata=checked(check_required))
    date: dt.date | None = attrs.field(default=None, metadata=checked(check_optional_date))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    def __str__(self) -> str:
        """``счёта № 17 от 15 октября 2026 г.``, as the corrected invoice names it."""
        when = "" if self.date is None else f" от {format_long_date(self.date)}"
        return f"счёта № {self.number}{when}"


@attrs.frozen
class PaymentInvoice(BaseInvoice):
    """An invoice (счёт на оплату): the ``supplier`` (your company, the payee, with its
    ``bank`` details) asks the ``buyer`` to pay for the ``lines``, on the ``basis`` (a
    contract; may be empty), by ``due_date`` when one is set.

    Prices include VAT at ``vat_rate`` percent (``None``: the supplier pays no VAT, «Без
    налога (НДС)»). That is the default and the usual Russian price; with ``vat_included``
    false the VAT is added on top of the lines instead. Either way the VAT is computed once,
    on the total of the lines, rounded half-up to kopecks, as on the prepayment invoice.

    A ``duplicate`` (the client lost the original) is marked «ДУБЛИКАТ» above everything
    else. A corrected invoice says which one it ``replaces`` («Исправленный счёт взамен счёта
    № … от …»). ``head`` and ``accountant`` are the names under the signatures (blank: written
    by hand).
    """

    basis: str = attrs.field(default="", metadata=checked(check_text))
    due_date: dt.date | None = attrs.field(default=None, metadata=checked(check_optional_date))
    vat_rate: Decimal | None = attrs.field(default=Decimal(20), metadata=checked(check_vat_rate))
    vat_included: bool = attrs.field(default=True, metadata=checked(check_flag))
    duplicate: bool = attrs.field(default=False, metadata=checked(check_flag))
    replaces: InvoiceRef | None = attrs.field(default=None, metadata=checked(_optional_ref))
    head: str = attrs.field(default="", metadata=checked(check_text))
    accountant: str = attrs.field(default="", metadata=checked(check_text))

    def _problems(self) -> list[FieldError]:
        problems = self._due_problems(self.due_date)
        replaced = self.replaces
        if replaced is not None and replaced.date is not None:
            if replaced.date > self.date:
                problems.append(
                    FieldError("replaces", f"{replaced} is later than this invoice ({self.date})")
                )
            elif (replaced.number, replaced.date) == (self.number, self.date):
                problems.append(FieldError("replaces", "an invoice cannot replace itself"))
        return problems

    @property
    def vat(self) -> Money | None:
        """The VAT of the total, in it or added to it, rounded half-up; ``None`` without VAT."""
        if self.vat_included:
            return included_vat(self.total, self.vat_rate)
        return added_vat(self.total, self.vat_rate)

    @property
    def to_pay(self) -> Money:
        """What the buyer pays: the total, plus the VAT when it is added on top."""
        vat = self.vat
        return self.total if self.vat_included or vat is None else self.total + vat


#: The optional lines of the invoice, each offered twice: as text (empty when the line does
#: not apply) and as a list of one ``text`` or none, so that a paragraph holding
#: ``{{ if_….text }}`` disappears when the line does not apply.
OPTIONAL_LINES: tuple[tuple[str, str], ...] = (
    ("duplicate_mark", "if_duplicate"),
    ("replaces_line", "if_replaces"),
    ("due_line", "if_due"),
)

PAYMENT_INVOICE_FIELDS = Fields(
    scalars={*INVOICE_SCALARS, "to_pay", *(text for text, _ in OPTIONAL_LINES)},
    lists={
        "lines": INVOICE_LINE_FIELDS,
        **{listed: frozenset({"text"}) for _, listed in OPTIONAL_LINES},
    },
)


def payment_invoice_values(invoice: PaymentInvoice) -> Values:
    """The strings the placeholders of an invoice (:data:`PAYMENT_INVOICE_FIELDS`) take.

    ``date`` and ``due_date`` are written in words (``due_date`` is empty when not set).
    ``total`` is that of the lines («Итого»), ``to_pay`` the amount to pay, which
    ``amount_in_words`` writes. ``duplicate_mark`` is «ДУБЛИКАТ» on a duplicate,
    ``replaces_line`` «Исправленный счёт взамен счёта № … от …» on a corrected invoice,
    ``due_line`` «Оплатить не позднее …»; each is empty otherwise, and its list
    (:data:`OPTIONAL_LINES`) holds it or nothing.
    """
    to_pay = invoice.to_pay
    due = "" if invoice.due_date is None else format_long_date(invoice.due_date)
    replaced = invoice.replaces
    optional = {
        "duplicate_mark": DUPLICATE_MARK if invoice.duplicate else "",
        "replaces_line": "" if replaced is None else f"Исправленный счёт взамен {replaced}",
        "due_line": f"Оплатить не позднее {due}" if due else "",  # the date ends in «г.»
    }
    return {
        **invoice_values(
            invoice,
            basis=invoice.basis,
            vat_rate=invoice.vat_rate,
            head=invoice.head,
            accountant=invoice.accountant,
            vat_included=invoice.vat_included,
        ),
        "date": format_long_date(invoice.date),
        "due_date": due,
        "to_pay": format_money(to_pay),
        "amount_in_words": amount_in_words(to_pay),
        **optional,
        **{
            listed: [{"text": optional[name]}] if optional[name] else []
            for name, listed in OPTIONAL_LINES
        },
    }


# ------------------------------------------------------------------------------ debtors


@attrs.frozen
class DebtorRow:
    """One client on the list of debtors: the client, the numbers of its unpaid invoices (one
    line each, at least one), what it owes (RUB, more than zero), how many days the oldest of
    them is overdue (0: due today) and the client's manager (blank: printed as «—»)."""

    client_name: str = attrs.field(metadata=checked(check_required))
    invoices: tuple[str, ...] = attrs.field(
        metadata=checked(check_strings(at_least_one=True, one_line=True))
    )
    owed: Money = attrs.field(metadata=checked(check_rub_price))
    days_overdue: int = attrs.field(metadata=checked(_days))
    manager: str = attrs.field(default="", metadata=checked(check_text))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)


@attrs.frozen
class DebtorsList:
    """The list of debtors for a day (список должников на …): the ``rows`` in the order given
    (sort them as you want them called; none: nobody owes), their total, and who drew the list
    up (``compiled_by``; blank: signed by hand)."""

    date: dt.date = attrs.field(metadata=checked(check_date))
    rows: tuple[DebtorRow, ...] = attrs.field(
        metadata=checked(check_tuple_of(DebtorRow, empty=None))
    )
    compiled_by: str = attrs.field(default="", metadata=checked(check_text))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    @property
    def total(self) -> Money:
        """What the debtors owe together."""
        return sum((row.owed for row in self.rows), Money(0))

    @property
    def invoices_count(self) -> int:
        """How many unpaid invoices the rows name."""
        return sum(len(row.invoices) for row in self.rows)


DEBTORS_LIST_FIELDS = Fields(
    scalars={
        "date", "rows_count", "invoices_count", "total", "total_in_words", "compiled_by",
        "compiled_by_signature",
    },
    lists={"rows": {"n", "client_name", "invoices", "owed", "days_overdue", "manager"}},
)  # fmt: skip


def debtors_list_values(debtors: DebtorsList) -> Values:
    """The strings the placeholders of a list of debtors (:data:`DEBTORS_LIST_FIELDS`) take:
    ``date`` in words, each row's ``invoices`` one per line, ``manager`` «—» when blank."""
    rows: list[Mapping[str, str]] = [
        {
            "n": str(n),
            "client_name": row.client_name,
            "invoices": "\n".join(row.invoices),
            "owed": format_money(row.owed),
            "days_overdue": str(row.days_overdue),
            "manager": row.manager if row.manager.strip() else DASH,
        }
        for n, row in enumerate(debtors.rows, 1)
    ]
    total = debtors.total
    return {
        "date": format_long_date(debtors.date),
        "rows": rows,
        "rows_count": str(len(rows)),
        "invoices_count": str(debtors.invoices_count),
        "total": format_money(total),
        "total_in_words": amount_in_words(total),
        "compiled_by": debtors.compiled_by,
        "compiled_by_signature": signature_text(debtors.compiled_by),
    }
