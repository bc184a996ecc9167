"""The shipping papers of a shipment (seed 002, process 5): the consignment note (ТОРГ-12),
the universal transfer document (УПД) and the packing list (упаковочный лист), their lines
from the shipment, the parcel the carrier is told of, and their numbers
from a human sequence per kind and year, kept beside the invoices' ones (``1/2026``,
``2/2026``…; no internal id is ever printed).

A shipment keeps the number its paper was given the first time, so drawing the paper again
prints the same number and takes none from the sequence."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from clientops._documents._acts import Party
from clientops._documents._supply import (
    ConsignmentItem,
    ConsignmentNote,
    PackingList,
    PackingPlace,
    UniversalTransferDocument,
)
from clientops._supply import Shipment, stock_id
from clientops.courier import Dimensions, Parcel
from clientops.ports import SupplyRepository, UnitOfWork

__all__ = [
    "CARRIER_NAMES",
    "PAPER_KINDS",
    "carrier_name",
    "consignment_note_of",
    "packing_list_of",
    "paper_number",
    "parcel_of",
    "pieces",
    "shipment_items",
    "upd_of",
]

#: The carriers' names as the payment plan and the papers show them.
CARRIER_NAMES = {
    "cdek": "СДЭК",
    "dostavista": "Достависта",
    "dellin": "Деловые Линии",
    "offline": "Курьерская служба",
}

#: The papers of a shipment, by the kind ``SupplyPolicy.shipping_form`` names: the field of
#: :class:`~clientops.supply.Shipment` that keeps its number, and the scope of its sequence.
PAPER_KINDS = {
    "consignment_note": ("note_number", "consignment note"),
    "upd": ("upd_number", "upd"),
    "packing_list": ("packing_number", "packing list"),
}


def shipment_items(shipment: Shipment) -> tuple[ConsignmentItem, ...]:
    """The paper's lines: each line of the shipment, its price, the serial numbers that left
    with it (taken in order from the units issued at its warehouse)."""
    pools = {key: list(serials) for key, serials in shipment.issued}
    items = []
    for line in shipment.lines:
        pool = pools.get(stock_id(line.warehouse, line.item), [])
        taken, pool[:] = pool[: line.quantity], pool[line.quantity :]
        items.append(
            ConsignmentItem(line.item, line.quantity, line.unit_price, serials=tuple(taken))
        )
    return tuple(items)


def paper_number(
    uow: UnitOfWork, repo: SupplyRepository, shipment_id: str, kind: str, on: date
) -> str:
    """The number of the shipment's paper of ``kind``: the one it was given, else the next
    of the kind's sequence for the year of ``on`` (``3/2026``), kept on the shipment. Call it
    in a writing unit of work: the shipment is locked, so two callers never share one."""
    field, scope = PAPER_KINDS[kind]
    shipment = repo.get(Shipment, shipment_id, lock=True)
    given: str | None = getattr(shipment, field)
    if given is not None:
        return given
    key = f"{scope} {on.year}"
    last = uow.invoices.sequence(key) or 0
    uow.invoices.set_sequence(key, last + 1)
    number = f"{last + 1}/{on.year}"
    given_now: dict[str, Any] = {field: number}
    repo.update(attrs.evolve(shipment, **given_now))
    return number


def parcel_of(shipment: Shipment) -> Parcel:
    """The shipment as one parcel for the carrier: its weight, its longest unit, its value,
    its contents (``Турникет T-3, 2 шт.; …``)."""
    longest = max(line.length_cm for line in shipment.lines)
    contents = "; ".join(f"{line.item}, {line.quantity} шт." for line in shipment.lines)
    return Parcel(
        weight_grams=shipment.weight_grams,
        dimensions=Dimensions(longest, 60, 60),
        declared_value=shipment.total,
        description=contents[:200],
    )


def pieces(count: int) -> str:
    """A count of goods as the payment plan and the stock report write it (``3 шт.``)."""
    return f"{count} шт."


def carrier_name(name: str) -> str:
    """A courier's name as the payment plan and the papers show it."""
    return CARRIER_NAMES.get(name, name)


def _carrier(shipment: Shipment) -> str:
    return carrier_name(shipment.courier) if shipment.courier else shipment.carrier.label


def consignment_note_of(
    shipment: Shipment,
    *,
    number: str,
    day: date,
    supplier: Party,
    consignee: Party,
    basis: str,
) -> ConsignmentNote:
    """The consignment note of ``shipment``: its lines, the carrier."""
    return ConsignmentNote(
        number=number,
        date=day,
        supplier=supplier,
        consignee=consignee,
        basis=basis,
        items=shipment_items(shipment),
        carrier=_carrier(shipment),
    )


def upd_of(
    shipment: Shipment,
    *,
    number: str,
    day: date,
    status: int,
    seller: Party,
    buyer: Party,
    basis: str,
    payment_document: str = "",
    head: str = "",
    accountant: str = "",
) -> UniversalTransferDocument:
    """The УПД of ``shipment``: its lines, the carrier and the city it goes to."""
    return UniversalTransferDocument(
        number=number,
        date=day,
        status=status,
        seller=seller,
        buyer=buyer,
        basis=basis,
        items=shipment_items(shipment),
        carrier=f"{_carrier(shipment)}, {shipment.city}",
        payment_document=payment_document,
        head=head,
        accountant=accountant,
    )


def packing_list_of(
    shipment: Shipment,
    *,
    number: str,
    day: date,
    sender: Party,
    recipient: Party,
    home_city: str = "",
    packer: str = "",
) -> PackingList:
    """The packing list of ``shipment``: a place for each of its lines (its units, the serial
    numbers that left with them, their weight, their length), the carrier as the papers name
    it and the kind of transport (``Деловые Линии (транспортная компания)``), where it leaves
    from (``home_city`` and the warehouses of its lines)."""
    warehouses = dict.fromkeys(line.warehouse for line in shipment.lines)
    items = shipment_items(shipment)
    places = tuple(
        PackingPlace(
            line.item,
            line.quantity,
            line.unit_grams * line.quantity,
            line.length_cm,
            serials=item.serials,
        )
        for line, item in zip(shipment.lines, items, strict=True)
    )
    kind = shipment.carrier.label
    carrier = f"{carrier_name(shipment.courier)} ({kind})" if shipment.courier else kind
    return PackingList(
        number=number,
        date=day,
        sender=sender,
        recipient=recipient,
        city=shipment.city,
        address=shipment.address,
        places=places,
        carrier=carrier,
        origin=", ".join(filter(None, (home_city, *warehouses))),
        packer=packer,
    )
