"""The shipping papers of equipment supply: the consignment note (товарная накладная, in the
customary layout of the ТОРГ-12 form) and the universal transfer document (универсальный
передаточный документ, УПД: status 1, an invoice (счёт-фактура) and the transfer document in
one; status 2, the transfer document alone), their contexts and the values their placeholders
take (their built-in layouts are in :mod:`._supply_layouts`).

The supplier (грузоотправитель) hands the goods over, the consignee (грузополучатель)
signs for them; each line names the equipment, its serial numbers, the unit, the quantity and
the price with VAT included. Sums, VAT and the amount in words are computed, never stored.

    >>> from datetime import date
    >>> from clientops.model import Money
    >>> note = ConsignmentNote(
    ...     number="ТН-17", date=date(2026, 12, 7),
    ...     supplier=Party("ООО «MLS IT»"), consignee=Party("ООО «Ромашка»"),
    ...     basis="Договор № 5/26",
    ...     items=(ConsignmentItem("Турникет T-3", 2, Money(75000), serials=("T3-001", "T3-002")),),
    ... )
    >>> values = consignment_note_values(note)
    >>> values["total"], values["items"][0]["serials"], values["quantity_total"]
    ('150\\xa0000,00', 'T3-001, T3-002', '2')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from clientops._documents._acts import (
    PARTY_FIELDS,
    SIGNATURE_LINE,
    Party,
    check_items,
    check_vat_rate,
    included_vat,
    party_values,
)
from clientops._documents._template import Fields, Values
from clientops._documents._words import (
    amount_in_words,
    format_date,
    format_money,
    format_quantity,
)
from clientops._fields import (
    check_date,
    check_positive,
    check_price,
    check_required,
    check_text,
    field_fail,
    to_quantity,
)
from clientops._formats import long_date, money_text
from clientops.errors import FieldError, ValidationError
from clientops.model import Money

__all__ = [
    "CONSIGNMENT_NOTE_FIELDS",
    "UPD_FIELDS",
    "ConsignmentItem",
    "ConsignmentNote",
    "UniversalTransferDocument",
    "consignment_note_values",
    "upd_values",
]


def _party(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Party):
        raise field_fail(instance, attribute, "must be a Party")


def _serials(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        raise field_fail(instance, attribute, "must be a tuple of serial numbers")
    for serial in value:
        check_required(instance, attribute, serial)


@attrs.frozen
class ConsignmentItem:
    """One line of the note: the equipment, how many, the price of one (VAT included), the
    serial numbers of the units when they have them, the unit."""

    name: str = attrs.field(validator=check_required)
    quantity: Decimal = attrs.field(converter=to_quantity, validator=check_positive)
    price: Money = attrs.field(validator=check_price)
    serials: tuple[str, ...] = attrs.field(default=(), validator=_serials)
    unit: str = attrs.field(default="шт.", validator=check_required)

    @property
    def amount(self) -> Money:
        return Money(self.price.amount * self.quantity, self.price.currency).rounded()


@attrs.frozen
class ConsignmentNote:
    """A consignment note (товарная накладная): ``supplier`` ships ``items`` to
    ``consignee`` on ``date`` under ``basis`` (the contract, the order), by ``carrier``."""

    number: str = attrs.field(validator=check_required)
    date: dt.date = attrs.field(validator=check_date)
    supplier: Party = attrs.field(validator=_party)
    consignee: Party = attrs.field(validator=_party)
    basis: str = attrs.field(validator=check_required)
    items: tuple[ConsignmentItem, ...] = attrs.field(validator=check_items(ConsignmentItem))
    carrier: str = attrs.field(default="", validator=check_text)
    vat_rate: Decimal | None = attrs.field(default=Decimal(20), validator=check_vat_rate)

    def __attrs_post_init__(self) -> None:
        currencies = {item.price.currency for item in self.items}
        if currencies != {"RUB"}:
            raise ValidationError(
                [FieldError("items", f"prices must be in RUB, got {sorted(currencies)}")],
                subject=type(self).__name__,
            )

    @property
    def total(self) -> Money:
        return sum((item.amount for item in self.items), Money(0))


def _parties(*roles: str) -> set[str]:
    return {f"{role}.{field}" for role in roles for field in PARTY_FIELDS}


CONSIGNMENT_NOTE_FIELDS = Fields(
    scalars={
        "number", "date", "basis", "carrier_line", "total", "vat_line", "amount_in_words",
        "items_count", "quantity_total", *_parties("supplier", "consignee"),
    },
    lists={"items": {"n", "name", "serials", "unit", "quantity", "price", "amount"}},
)  # fmt: skip


def consignment_note_values(note: ConsignmentNote) -> Values:
    """The strings the placeholders of a consignment note (:data:`CONSIGNMENT_NOTE_FIELDS`)
    take."""
    items: list[Mapping[str, str]] = [
        {
            "n": str(n),
            "name": item.name,
            "serials": ", ".join(item.serials) or "—",
            "unit": item.unit,
            "quantity": format_quantity(item.quantity),
            "price": format_money(item.price),
            "amount": format_money(item.amount),
        }
        for n, item in enumerate(note.items, 1)
    ]
    total = note.total
    vat = included_vat(total, note.vat_rate)
    if vat is None or note.vat_rate is None:
        vat_line = "Без налога (НДС)"
    else:
        vat_line = f"В том числе НДС ({format_quantity(note.vat_rate)}%): {format_money(vat)}"
    return {
        "number": note.number,
        "date": format_date(note.date),
        "basis": note.basis,
        "carrier_line": f"Перевозчик: {note.carrier}" if note.carrier else "Самовывоз",
        **party_values("supplier", note.supplier),
        **party_values("consignee", note.consignee),
        "items": items,
        "items_count": str(len(items)),
        "quantity_total": format_quantity(sum((i.quantity for i in note.items), Decimal(0))),
        "total": format_money(total),
        "vat_line": vat_line,
        "amount_in_words": amount_in_words(total),
    }


# --------------------------------------------------------------------------- the УПД


def _status(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in (1, 2) or isinstance(value, bool):
        raise field_fail(
            instance, attribute, f"must be 1 (with the invoice) or 2 (transfer only), got {value!r}"
        )


def _optional_party(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _party(instance, attribute, value)


#: The status of a УПД as the form explains it.
UPD_STATUSES = {
    1: "1 — счёт-фактура и передаточный документ (акт)",
    2: "2 — передаточный документ (акт)",
}

#: The units' codes of the ОКЕИ classifier the form asks for (others: «—»).
UNIT_CODES = {
    "шт.": "796", "шт": "796", "компл.": "839", "кг": "166", "м": "006", "усл. ед.": "876",
}  # fmt: skip


@attrs.frozen
class UniversalTransferDocument:
    """A universal transfer document (УПД) of ``status`` 1 (it is also the invoice) or 2:
    ``seller`` transfers ``items`` (prices VAT included) to ``buyer`` on ``date`` under
    ``basis``; ``shipper`` and ``consignee`` when they are not the seller and the buyer
    («он же»), ``carrier`` for the transport line, ``payment_document`` for «к
    платёжно-расчётному документу», ``head`` and ``accountant`` the names under the
    seller's signatures.

        >>> from clientops.model import Money
        >>> upd = UniversalTransferDocument(
        ...     number="1/2026", date=dt.date(2026, 12, 7), status=1,
        ...     seller=Party("ООО «MLS IT»"), buyer=Party("ООО «Ромашка»"),
        ...     basis="Договор № 5/26", items=(ConsignmentItem("Турникет T-3", 2, Money(75000)),),
        ... )
        >>> values = upd_values(upd)
        >>> values["total_without_vat"], values["total_vat"], values["total"]
        ('125\xa0000,00', '25\xa0000,00', '150\xa0000,00')
        >>> values["items"][0]["price"], values["items"][0]["unit_code"]
        ('62\xa0500,00', '796')
    """

    number: str = attrs.field(validator=check_required)
    date: dt.date = attrs.field(validator=check_date)
    status: int = attrs.field(validator=_status)
    seller: Party = attrs.field(validator=_party)
    buyer: Party = attrs.field(validator=_party)
    basis: str = attrs.field(validator=check_required)
    items: tuple[ConsignmentItem, ...] = attrs.field(validator=check_items(ConsignmentItem))
    shipper: Party | None = attrs.field(default=None, validator=_optional_party)
    consignee: Party | None = attrs.field(default=None, validator=_optional_party)
    carrier: str = attrs.field(default="", validator=check_text)
    payment_document: str = attrs.field(default="", validator=check_text)
    head: str = attrs.field(default="", validator=check_text)
    accountant: str = attrs.field(default="", validator=check_text)
    vat_rate: Decimal | None = attrs.field(default=Decimal(20), validator=check_vat_rate)

    def __attrs_post_init__(self) -> None:
        currencies = {item.price.currency for item in self.items}
        if currencies != {"RUB"}:
            raise ValidationError(
                [FieldError("items", f"prices must be in RUB, got {sorted(currencies)}")],
                subject=type(self).__name__,
            )

    @property
    def total(self) -> Money:
        return sum((item.amount for item in self.items), Money(0))


UPD_FIELDS = Fields(
    scalars={
        "number", "date", "date_long", "status", "status_line", "basis", "carrier_line",
        "shipper_line", "consignee_line", "payment_line", "shipment_line", "currency",
        "total_without_vat", "total_vat", "total", "total_text", "amount_in_words",
        "items_count", "head_line", "accountant_line",
        *_parties("seller", "buyer"),
    },
    lists={
        "items": {
            "n", "name", "serials", "unit_code", "unit", "quantity", "price",
            "amount_without_vat", "excise", "rate", "vat", "amount", "country",
        },
    },
)  # fmt: skip


def _signed(name: str) -> str:
    return f"{SIGNATURE_LINE} / {name or SIGNATURE_LINE} /"


def upd_values(upd: UniversalTransferDocument) -> Values:
    """The strings the placeholders of a УПД (:data:`UPD_FIELDS`) take: each line's price
    and cost without VAT, the VAT and the cost with it (the VAT included in the line's
    amount, rounded to the kopeck per line), the totals, the amount in words."""
    items: list[Mapping[str, str]] = []
    without_total, vat_total = Money(0), Money(0)
    rate = "без НДС" if upd.vat_rate is None else f"{format_quantity(upd.vat_rate)}%"
    for n, item in enumerate(upd.items, 1):
        amount = item.amount
        vat = included_vat(amount, upd.vat_rate) or Money(0)
        without = amount - vat
        price = Money((without.amount / item.quantity).quantize(Decimal("0.01")))
        without_total, vat_total = without_total + without, vat_total + vat
        items.append(
            {
                "n": str(n),
                "name": item.name,
                "serials": ", ".join(item.serials) or "—",
                "unit_code": UNIT_CODES.get(item.unit, "—"),
                "unit": item.unit,
                "quantity": format_quantity(item.quantity),
                "price": format_money(price),
                "amount_without_vat": format_money(without),
                "excise": "без акциза",
                "rate": rate,
                "vat": "без НДС" if upd.vat_rate is None else format_money(vat),
                "amount": format_money(amount),
                "country": "—",
            }
        )
    total = upd.total
    shipper = upd.shipper or upd.seller
    consignee = upd.consignee or upd.buyer
    return {
        "number": upd.number,
        "date": format_date(upd.date),
        "date_long": long_date(upd.date),
        "status": str(upd.status),
        "status_line": UPD_STATUSES[upd.status],
        "basis": upd.basis,
        "carrier_line": upd.carrier or "—",
        "shipper_line": "он же" if upd.shipper is None else _full(shipper),
        "consignee_line": _full(consignee),
        "payment_line": upd.payment_document or "—",
        "shipment_line": f"№ п/п 1–{len(items)} № {upd.number} от {format_date(upd.date)}",
        "currency": "Российский рубль, 643",
        **party_values("seller", upd.seller),
        **party_values("buyer", upd.buyer),
        "items": items,
        "items_count": str(len(items)),
        "total_without_vat": format_money(without_total),
        "total_vat": "без НДС" if upd.vat_rate is None else format_money(vat_total),
        "total": format_money(total),
        "total_text": money_text(total),
        "amount_in_words": amount_in_words(total),
        "head_line": _signed(upd.head or upd.seller.signer_name),
        "accountant_line": _signed(upd.accountant),
    }


def _full(party: Party) -> str:
    return f"{party.name}, {party.details}" if party.details else party.name
