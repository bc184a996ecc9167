"""The shipping paper of equipment supply: the consignment note (товарная накладная, in the
customary layout of the ТОРГ-12 form), its context and the values its placeholders take (its
built-in layout is in :mod:`._supply_layouts`).

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
from clientops.errors import FieldError, ValidationError
from clientops.model import Money

__all__ = [
    "CONSIGNMENT_NOTE_FIELDS",
    "ConsignmentItem",
    "ConsignmentNote",
    "consignment_note_values",
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
