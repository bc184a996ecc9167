"""The shipping papers of equipment supply: the consignment note (товарная накладная, in the
customary layout of the ТОРГ-12 form) and the universal transfer document (универсальный
передаточный документ, УПД: status 1, an invoice (счёт-фактура) and the transfer document in
one; status 2, the transfer document alone) and the packing list (упаковочный лист: what
each place of the load holds, its weight and length), their contexts and the values their
placeholders take (their built-in layouts are in :mod:`._supply_layouts`).

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
from clientops._formats import NBSP, count_text, long_date, money_text, number_text
from clientops.errors import FieldError, ValidationError
from clientops.model import Money

__all__ = [
    "CONSIGNMENT_NOTE_FIELDS",
    "PACKING_LIST_FIELDS",
    "UPD_FIELDS",
    "ConsignmentItem",
    "ConsignmentNote",
    "PackingList",
    "PackingPlace",
    "UniversalTransferDocument",
    "consignment_note_values",
    "kilograms",
    "packing_list_values",
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


# --------------------------------------------------------------------------- the packing list


def _whole(minimum: int) -> Any:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise field_fail(
                instance, attribute, f"must be a whole number ≥ {minimum}, got {value!r}"
            )

    return check


@attrs.frozen
class PackingPlace:
    """One place of the load (грузовое место): the equipment, how many units, the serial
    numbers of the units when they have them, the weight of the place in grams and its
    length in centimetres."""

    name: str = attrs.field(validator=check_required)
    quantity: int = attrs.field(validator=_whole(1))
    weight_grams: int = attrs.field(validator=_whole(1))
    length_cm: int = attrs.field(validator=_whole(1))
    serials: tuple[str, ...] = attrs.field(default=(), validator=_serials)


@attrs.frozen
class PackingList:
    """A packing list (упаковочный лист): ``sender`` sends ``places`` to ``recipient`` in
    ``city`` at ``address`` on ``date`` by ``carrier``; ``origin`` is where the load leaves
    from, ``packer`` the name under «Упаковал».

        >>> packing = PackingList(
        ...     number="1/2026", date=dt.date(2026, 12, 7),
        ...     sender=Party("ООО «MLS IT»"), recipient=Party("ООО «Ромашка»"),
        ...     city="Омск", address="ул. Ленина, 10",
        ...     places=(PackingPlace("Турникет T-3", 2, 24500, 120, serials=("T3-001", "T3-002")),),
        ... )
        >>> values = packing_list_values(packing)
        >>> values["items"][0]["quantity"], values["items"][0]["weight"], values["totals_line"]
        ('2\xa0штуки', '24,5', 'Всего 1\xa0место общим весом 24,5\xa0кг')
    """

    number: str = attrs.field(validator=check_required)
    date: dt.date = attrs.field(validator=check_date)
    sender: Party = attrs.field(validator=_party)
    recipient: Party = attrs.field(validator=_party)
    city: str = attrs.field(validator=check_required)
    address: str = attrs.field(validator=check_required)
    places: tuple[PackingPlace, ...] = attrs.field(validator=check_items(PackingPlace))
    carrier: str = attrs.field(default="", validator=check_text)
    origin: str = attrs.field(default="", validator=check_text)
    packer: str = attrs.field(default="", validator=check_text)

    @property
    def weight_grams(self) -> int:
        return sum(place.weight_grams for place in self.places)


PACKING_LIST_FIELDS = Fields(
    scalars={
        "number", "date", "date_long", "origin_line", "destination", "carrier_line",
        "places_count", "units_total", "weight_total", "totals_line", "packer_line",
        *_parties("sender", "recipient"),
    },
    lists={"items": {"n", "name", "serials", "quantity", "weight", "length"}},
)  # fmt: skip


def kilograms(grams: int) -> str:
    """A weight in kilograms with a decimal comma, to the gram and at least one decimal:
    ``24,5``, ``3,0``, ``1,25``."""
    kg = Decimal(grams) / 1000
    exponent = kg.normalize().as_tuple().exponent
    places = min(3, max(1, -exponent if isinstance(exponent, int) else 1))
    return number_text(kg, places=places)


def packing_list_values(packing: PackingList) -> Values:
    """The strings the placeholders of a packing list (:data:`PACKING_LIST_FIELDS`) take:
    each place's quantity in words (``2 штуки``), its weight in kilograms, its length in
    centimetres; the number of places and the total weight."""
    items: list[Mapping[str, str]] = [
        {
            "n": str(n),
            "name": place.name,
            "serials": ", ".join(place.serials) or "—",
            "quantity": count_text(place.quantity, "штука", "штуки", "штук"),
            "weight": kilograms(place.weight_grams),
            "length": number_text(place.length_cm),
        }
        for n, place in enumerate(packing.places, 1)
    ]
    places = len(items)
    weight = kilograms(packing.weight_grams)
    units = sum(place.quantity for place in packing.places)
    return {
        "number": packing.number,
        "date": format_date(packing.date),
        "date_long": long_date(packing.date),
        "origin_line": packing.origin or "—",
        "destination": f"{packing.city}, {packing.address}",
        "carrier_line": packing.carrier or "Самовывоз",
        **party_values("sender", packing.sender),
        **party_values("recipient", packing.recipient),
        "items": items,
        "places_count": str(places),
        "units_total": count_text(units, "штука", "штуки", "штук"),
        "weight_total": f"{weight}{NBSP}кг",
        "totals_line": (
            f"Всего {count_text(places, 'место', 'места', 'мест')} общим весом {weight}{NBSP}кг"
        ),
        "packer_line": _signed(packing.packer),
    }
