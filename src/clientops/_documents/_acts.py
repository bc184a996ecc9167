"""The contexts of the two acts, and the values their placeholders take.

A context is a frozen attrs value holding typed data (dates, ``Money``, ``Decimal``
quantities); the ``*_values`` function turns it into the strings a template prints. Sums, VAT
and the amount in words are computed there, never stored in the context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from clientops._documents._template import Fields, Values
from clientops._documents._words import (
    amount_in_words,
    format_date,
    format_money,
    format_quantity,
)
from clientops._fields import (
    CENT,
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
    "ACT_FIELDS",
    "PARTY_FIELDS",
    "SOFTWARE_ACT_FIELDS",
    "ActItem",
    "CompletedWorksAct",
    "Party",
    "SoftwareItem",
    "SoftwareTransferAct",
    "completed_works_values",
    "party_values",
    "software_transfer_values",
]

#: The line a signatory signs on.
SIGNATURE_LINE = "______________"

COMPLETED_WORKS_CLOSING = (
    "Вышеперечисленные работы (услуги) выполнены полностью и в срок. "
    "Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет."
)
SOFTWARE_TRANSFER_CLOSING = (
    "Программное обеспечение передано в полном объёме и в работоспособном состоянии. "
    "Принимающая сторона претензий к комплектности и качеству не имеет. Акт составлен в двух "
    "экземплярах, имеющих одинаковую юридическую силу, по одному для каждой из сторон."
)


# ------------------------------------------------------------------------------ validators


def check_items(kind: type) -> Any:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple):
            raise field_fail(instance, attribute, "must be a tuple")
        if not value:
            raise field_fail(instance, attribute, "at least one item is required")
        for i, item in enumerate(value):
            if not isinstance(item, kind):
                raise ValidationError(
                    [FieldError(f"{attribute.name}[{i}]", f"must be {kind.__name__}")],
                    subject=type(instance).__name__,
                )

    return check


def _party(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Party):
        raise field_fail(instance, attribute, "must be a Party")


# ------------------------------------------------------------------------------ contexts


@attrs.frozen
class Party:
    """A side of an act: the organisation, its details (ИНН, КПП, address…, one line) and who
    signs for it."""

    name: str = attrs.field(validator=check_required)
    details: str = attrs.field(default="", validator=check_text)
    signer_position: str = attrs.field(default="", validator=check_text)
    signer_name: str = attrs.field(default="", validator=check_text)


@attrs.frozen
class ActItem:
    """One line of an act of completed works; ``price`` is per ``unit``, VAT included."""

    name: str = attrs.field(validator=check_required)
    unit: str = attrs.field(validator=check_required)
    quantity: Decimal = attrs.field(converter=to_quantity, validator=check_positive)
    price: Money = attrs.field(validator=check_price)

    @property
    def amount(self) -> Money:
        """``price × quantity``, rounded half-up to kopecks."""
        return Money(
            (self.price.amount * self.quantity).quantize(CENT, ROUND_HALF_UP), self.price.currency
        )


def check_vat_rate(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < 100:
        raise field_fail(
            instance, attribute, f"must be a Decimal percentage in [0, 100), got {value!r}"
        )


@attrs.frozen
class CompletedWorksAct:
    """An act of completed works (акт сдачи-приёмки выполненных работ, оказанных услуг).

    Prices include VAT at ``vat_rate`` percent (``None``: the executor pays no VAT, and the act
    says «Без налога (НДС)»). The total, the VAT and the amount in words are computed.
    """

    number: str = attrs.field(validator=check_required)
    date: dt.date = attrs.field(validator=check_date)
    city: str = attrs.field(validator=check_required)
    executor: Party = attrs.field(validator=_party)
    customer: Party = attrs.field(validator=_party)
    contract: str = attrs.field(validator=check_required)
    items: tuple[ActItem, ...] = attrs.field(validator=check_items(ActItem))
    vat_rate: Decimal | None = attrs.field(default=Decimal(20), validator=check_vat_rate)
    closing: str = attrs.field(default=COMPLETED_WORKS_CLOSING, validator=check_text)

    def __attrs_post_init__(self) -> None:
        currencies = {item.price.currency for item in self.items}
        if currencies != {"RUB"}:
            raise ValidationError(
                [FieldError("items", f"prices must be in RUB, got {sorted(currencies)}")],
                subject=type(self).__name__,
            )

    @property
    def total(self) -> Money:
        """The sum of the items' amounts."""
        return sum((item.amount for item in self.items), Money(0))

    @property
    def vat(self) -> Money | None:
        """The VAT included in the total, rounded half-up; ``None`` without VAT."""
        return included_vat(self.total, self.vat_rate)


def included_vat(total: Money, rate: Decimal | None) -> Money | None:
    if rate is None:
        return None
    return Money((total.amount * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP))


@attrs.frozen
class SoftwareItem:
    """One line of a software transfer act: the program, its version, the licence (number or
    key), the medium it comes on (USB key, disc, download) and how many."""

    name: str = attrs.field(validator=check_required)
    version: str = attrs.field(default="", validator=check_text)
    licence: str = attrs.field(default="", validator=check_text)
    medium: str = attrs.field(default="", validator=check_text)
    quantity: Decimal = attrs.field(
        default=Decimal(1), converter=to_quantity, validator=check_positive
    )


@attrs.frozen
class SoftwareTransferAct:
    """A software transfer act (акт приёма-передачи программного обеспечения): the
    ``transferor`` hands the listed software over to the ``recipient``."""

    number: str = attrs.field(validator=check_required)
    date: dt.date = attrs.field(validator=check_date)
    city: str = attrs.field(validator=check_required)
    transferor: Party = attrs.field(validator=_party)
    recipient: Party = attrs.field(validator=_party)
    contract: str = attrs.field(validator=check_required)
    items: tuple[SoftwareItem, ...] = attrs.field(validator=check_items(SoftwareItem))
    closing: str = attrs.field(default=SOFTWARE_TRANSFER_CLOSING, validator=check_text)


# ------------------------------------------------------------------------------ values

#: The fields of one party, as ``<role>.<field>`` placeholders.
PARTY_FIELDS = (
    "name", "details", "full", "signer_position", "signer_name", "signature_line", "signature",
)  # fmt: skip


def party_values(role: str, party: Party) -> dict[str, str]:
    """``{role}.name``, ``.details``, ``.full`` (name, details), ``.signer_position``,
    ``.signer_name``, ``.signature_line`` (a line to sign on, ``/ name /``) and ``.signature``
    (the position, then the signature line)."""
    full = f"{party.name}, {party.details}" if party.details else party.name
    line = f"{SIGNATURE_LINE} / {party.signer_name or SIGNATURE_LINE} /"
    signature = f"{party.signer_position} {line}" if party.signer_position else line
    return {
        f"{role}.name": party.name,
        f"{role}.details": party.details,
        f"{role}.full": full,
        f"{role}.signer_position": party.signer_position,
        f"{role}.signer_name": party.signer_name,
        f"{role}.signature_line": line,
        f"{role}.signature": signature,
    }


def _parties(*roles: str) -> set[str]:
    return {f"{role}.{field}" for role in roles for field in PARTY_FIELDS}


ACT_FIELDS = Fields(
    scalars={
        "number", "date", "city", "contract", "total", "vat", "vat_rate", "vat_line",
        "amount_in_words", "items_count", "closing", *_parties("executor", "customer"),
    },
    lists={"items": {"n", "name", "unit", "quantity", "price", "amount"}},
)  # fmt: skip


def completed_works_values(act: CompletedWorksAct) -> Values:
    """The strings the placeholders of an act of completed works (:data:`ACT_FIELDS`) take."""
    amounts = [item.amount for item in act.items]
    items: list[Mapping[str, str]] = [
        {
            "n": str(n),
            "name": item.name,
            "unit": item.unit,
            "quantity": format_quantity(item.quantity),
            "price": format_money(item.price),
            "amount": format_money(amount),
        }
        for n, (item, amount) in enumerate(zip(act.items, amounts, strict=True), 1)
    ]
    total = sum(amounts, Money(0))
    vat = included_vat(total, act.vat_rate)
    if vat is None or act.vat_rate is None:
        vat_text, rate_text, vat_line = "", "", "Без налога (НДС)"
    else:
        vat_text = format_money(vat)
        rate_text = f"{format_quantity(act.vat_rate)}%"
        vat_line = f"В том числе НДС ({rate_text}): {vat_text}"
    return {
        "number": act.number,
        "date": format_date(act.date),
        "city": act.city,
        "contract": act.contract,
        **party_values("executor", act.executor),
        **party_values("customer", act.customer),
        "items": items,
        "items_count": str(len(items)),
        "total": format_money(total),
        "vat": vat_text,
        "vat_rate": rate_text,
        "vat_line": vat_line,
        "amount_in_words": amount_in_words(total),
        "closing": act.closing,
    }


SOFTWARE_ACT_FIELDS = Fields(
    scalars={
        "number", "date", "city", "contract", "items_count", "closing",
        *_parties("transferor", "recipient"),
    },
    lists={"items": {"n", "name", "version", "licence", "medium", "quantity"}},
)  # fmt: skip


def software_transfer_values(act: SoftwareTransferAct) -> Values:
    """The strings the placeholders of a software transfer act (:data:`SOFTWARE_ACT_FIELDS`)
    take."""
    items: list[Mapping[str, str]] = [
        {
            "n": str(n),
            "name": item.name,
            "version": item.version,
            "licence": item.licence,
            "medium": item.medium,
            "quantity": format_quantity(item.quantity),
        }
        for n, item in enumerate(act.items, 1)
    ]
    return {
        "number": act.number,
        "date": format_date(act.date),
        "city": act.city,
        "contract": act.contract,
        **party_values("transferor", act.transferor),
        **party_values("recipient", act.recipient),
        "items": items,
        "items_count": str(len(items)),
        "closing": act.closing,
    }
