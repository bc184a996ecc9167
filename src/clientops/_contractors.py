"""Contractors (seed 002 / 18): organisations doing non-core work for the company's clients.

A :class:`Contractor` has its services, its contract (the dates its visits must fall in) and
its prices with their history (:class:`ContractorPrice`, each from a day on). A
:class:`ContractorVisit` is one visit of a contractor to a client: planned on a day (on the
client manager's agenda, to control it), done, then accepted with an act, which puts the
contractor's bill into the payment plan::

    >>> from datetime import date
    >>> from clientops.model import Money
    >>> montazh = Contractor(
    ...     ContractorId("montazh"), "ООО «Монтаж-Сервис»", ("монтаж турникета",),
    ...     contract=ContractorContract("П-3/25", date(2025, 1, 1), date(2025, 12, 31)),
    ...     prices=(ContractorPrice("монтаж турникета", Money(12_000), date(2025, 1, 1)),
    ...             ContractorPrice("монтаж турникета", Money(14_000), date(2025, 6, 1))))
    >>> montazh.price_of("монтаж турникета", date(2025, 5, 31)).amount
    Decimal('12000')
    >>> ContractorVisitStatus.ACCEPTED.label
    'Принят по акту'
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, NewType

import attrs

from clientops._checks import aware, fail, instance, text, tuple_of
from clientops.events import Event
from clientops.model import ClientId, EmployeeId, Money

__all__ = [
    "Contractor",
    "ContractorContract",
    "ContractorId",
    "ContractorPrice",
    "ContractorVisit",
    "ContractorVisitChanged",
    "ContractorVisitStatus",
]

ContractorId = NewType("ContractorId", str)

_id = text(limit=128, multiline=False)
_name = text(limit=200, multiline=False)
_optional_id = text(limit=128, optional=True, multiline=False)


def _price(inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        fail(attribute.name, f"not Money: {value!r}", subject="price")
    if value.amount < 0:
        fail(attribute.name, f"a price below zero: {value.amount}", subject="price")


@attrs.frozen
class ContractorPrice:
    """The contractor's price of ``service`` from ``since`` on (until a later one)."""

    service: str = attrs.field(validator=_name)
    price: Money = attrs.field(validator=_price)
    since: date = attrs.field(validator=instance(date))


@attrs.frozen
class ContractorContract:
    """The contract with a contractor: its number and dates (``ends_on`` ``None``: open)."""

    number: str = attrs.field(validator=_id)
    starts_on: date = attrs.field(validator=instance(date))
    ends_on: date | None = attrs.field(default=None, validator=instance(date, optional=True))

    def __attrs_post_init__(self) -> None:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            fail("ends_on", f"{self.ends_on} is before {self.starts_on}", subject="contract")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@attrs.frozen
class Contractor:
    """A contractor: its name, the services it does, its contract, its prices with their
    history (oldest first), its INN."""

    id: ContractorId = attrs.field(validator=_id)
    name: str = attrs.field(validator=_name)
    services: tuple[str, ...] = attrs.field(validator=tuple_of(str))
    contract: ContractorContract | None = attrs.field(
        default=None, validator=instance(ContractorContract, optional=True)
    )
    prices: tuple[ContractorPrice, ...] = attrs.field(
        default=(), validator=tuple_of(ContractorPrice)
    )
    inn: str | None = attrs.field(default=None, validator=_optional_id)
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if not self.services:
            fail("services", "a contractor does at least one service", subject="contractor")
        for at, price in enumerate(self.prices):
            if price.service not in self.services:
                fail(f"prices[{at}].service", f"{price.service!r} is not a service of it")

    def price_of(self, service: str, day: date) -> Money | None:
        """The price of ``service`` on ``day`` (the latest one from that day or before)."""
        found = [p for p in self.prices if p.service == service and p.since <= day]
        return max(found, key=lambda p: p.since).price if found else None


class ContractorVisitStatus(enum.Enum):
    """Where a contractor's visit is; :attr:`label` is its Russian name."""

    PLANNED = "planned"
    DONE = "done"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _VISIT_LABELS[self]


_VISIT_LABELS = {
    ContractorVisitStatus.PLANNED: "Запланирован",
    ContractorVisitStatus.DONE: "Работы выполнены",
    ContractorVisitStatus.ACCEPTED: "Принят по акту",
    ContractorVisitStatus.CANCELLED: "Отменён",
}


@attrs.frozen
class ContractorVisit:
    """A contractor's visit to a client to do ``service`` on ``day``: the control reaction
    on the client manager's agenda, what was done, the act it was accepted with, the
    contractor's bill in the payment plan."""

    id: str = attrs.field(validator=_id)
    contractor_id: ContractorId = attrs.field(validator=_id)
    client_id: ClientId = attrs.field(validator=_id)
    service: str = attrs.field(validator=_name)
    day: date = attrs.field(validator=instance(date))
    planned_by: EmployeeId = attrs.field(validator=_id)
    planned_at: datetime = attrs.field(validator=aware)
    status: ContractorVisitStatus = ContractorVisitStatus.PLANNED
    reaction_id: str | None = attrs.field(default=None, validator=_optional_id)
    work_done: str | None = attrs.field(
        default=None, validator=text(limit=10_000, optional=True, required=False)
    )
    act_number: str | None = attrs.field(default=None, validator=_optional_id)
    accepted_on: date | None = attrs.field(default=None, validator=instance(date, optional=True))
    price: Money | None = attrs.field(default=None, validator=instance(Money, optional=True))
    bill_id: str | None = attrs.field(default=None, validator=_optional_id)
    version: int = 0


@attrs.frozen
class ContractorVisitChanged(Event):
    """A contractor's visit was planned, done, accepted with an act or cancelled."""

    visit_id: str
    contractor_id: ContractorId
    client_id: ClientId
    status: ContractorVisitStatus
    at: datetime
