"""What the supply chain puts on the agenda, and the suppliers' price lists (seed 002,
processes 9, 13, 15, 17).

:func:`supply_due_in` reads the open purchases, shipments and pilots, the suppliers' price
histories and the couriers' balances last read, and gives what needs doing on a day
(:class:`~clientops.rules.supply.SupplyDue`); :func:`supply_owner` says whose agenda each is
on. Nothing is stored for an item: the same deadline asked for twice is the same item, and it
leaves the agenda when its record moves on (the goods shipped, the papers signed).

:class:`Suppliers` records the suppliers' price lists and stock over time, one price history
per supplier and item, and answers with the offers they make.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from clientops._checks import check_entry_points, fail
from clientops._context import Context
from clientops._supply import (
    CourierBalance,
    Pilot,
    PricePoint,
    Purchase,
    Shipment,
    SupplierItem,
    SupplierOffer,
    SupplyPolicy,
    supplier_item_id,
)
from clientops.errors import ConfigurationError, NotFoundError
from clientops.model import ClientId, EmployeeId, Money, Role, StaffDirectory
from clientops.ports import SupplyRepository, UnitOfWork
from clientops.rules import supply as rules
from clientops.rules.supply import SupplyDue

__all__ = [
    "Suppliers",
    "store_balances",
    "supply_due_in",
    "supply_owner",
    "supply_repository",
]


def _repository(uow: UnitOfWork) -> SupplyRepository | None:
    found: SupplyRepository | None = getattr(uow, "supply", None)
    return found


def supply_repository(uow: UnitOfWork) -> SupplyRepository:
    """The store's supply records, or ConfigurationError when it keeps none."""
    found = _repository(uow)
    if found is None:
        raise ConfigurationError(
            "this store keeps no supply records (uow.supply): use the memory, SQLite or "
            "PostgreSQL store at schema 21"
        )
    return found


def supply_due_in(uow: UnitOfWork, day: date, policy: SupplyPolicy) -> tuple[SupplyDue, ...]:
    """Everything of the supply chain to do on ``day``, read in ``uow`` (nothing when the
    store keeps no supply records): the deadlines of the open purchases, shipments and pilots
    (:func:`~clientops.rules.supply.supply_due`), what the suppliers' price lists say
    (:func:`~clientops.rules.supply.supplier_alerts`) and the couriers' balances last read
    below the policy's minimum, by day."""
    repo = _repository(uow)
    if repo is None:
        return ()
    purchases = repo.all(Purchase, open_only=True)
    shipments = repo.all(Shipment, open_only=True)
    pilots = repo.all(Pilot, open_only=True)
    owners: list[ClientId | None] = [p.client_id for p in purchases]
    owners += [s.client_id for s in shipments] + [p.client_id for p in pilots]
    names = {cid: uow.clients.get(cid).name for cid in {c for c in owners if c is not None}}
    found = list(rules.supply_due(purchases, shipments, pilots, names, today=day, policy=policy))
    found += rules.supplier_alerts(repo.all(SupplierItem), purchases, today=day, policy=policy)
    for reading in repo.all(CourierBalance):
        found += rules.low_balances(
            {reading.courier: reading.balance}, today=min(reading.day, day), policy=policy
        )
    return tuple(sorted(found, key=lambda d: (d.day, d.text, d.record_id)))


def supply_owner(
    due: SupplyDue,
    managers: Mapping[ClientId, EmployeeId | None],
    staff: StaffDirectory,
    policy: SupplyPolicy,
) -> tuple[EmployeeId, ...]:
    """Whose agenda ``due`` is on: its client's manager; for no client (or a client nobody
    manages) the policy's ``responsible``, or — none named, or one the staff does not know —
    every client manager (an item is never left on nobody's agenda)."""
    if due.client_id is not None:
        manager = managers.get(due.client_id)
        if manager is not None:
            return (manager,)
    if policy.responsible is not None and staff.employee(EmployeeId(policy.responsible)):
        return (EmployeeId(policy.responsible),)
    return tuple(e.id for e in staff.employees if Role.CLIENT_MANAGER in e.roles)


def store_balances(uow: UnitOfWork, balances: Mapping[str, Money], day: date) -> None:
    """Keep the couriers' balances read on ``day``, one reading per courier (reading again
    replaces it: a job run twice stores nothing twice)."""
    repo = _repository(uow)
    if repo is None:
        return
    for name, balance in balances.items():
        old = repo.find(CourierBalance, name, lock=True)
        new = CourierBalance(name, balance, day)
        if old is None:
            repo.add(new)
        elif (old.balance, old.day) != (balance, day):
            repo.update(CourierBalance(name, balance, day, version=old.version))


class _HasContext(Protocol):
    @property
    def context(self) -> Context: ...


@check_entry_points
class Suppliers:
    """The suppliers' price lists and stock over time (seed 002, process 9: «мониторинг цен
    у поставщика, мониторинг наличия товара»): a price history per supplier and item, the
    offers they make now, and the rises and shortages to act on::

    >>> import clientops
    >>> from datetime import date
    >>> from clientops.model import Money
    >>> from clientops.supply import SupplierOffer, Suppliers
    >>> from clientops.testing import T0
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> suppliers = Suppliers(ops)
    >>> _ = suppliers.record_price_list("ООО «Дёшево»", [
    ...     SupplierOffer("ООО «Дёшево»", "Турникет T-3", Money(58000), 10, 9)
    ... ], on=date(2025, 6, 16))
    >>> _ = suppliers.record_price_list("ООО «Дёшево»", [
    ...     SupplierOffer("ООО «Дёшево»", "Турникет T-3", Money(63800), 1, 9)
    ... ])
    >>> history = suppliers.price_history("ООО «Дёшево»", "Турникет T-3").history
    >>> [str(p.unit_price) for p in history]
    ['58000 RUB', '63800 RUB']
    >>> [d.reason for d in suppliers.alerts()]
    ['price_rise']
    >>> ops.close()
    """

    def __init__(self, ops: _HasContext) -> None:
        self._context = ops.context

    def _repo(self, uow: UnitOfWork) -> SupplyRepository:
        return supply_repository(uow)

    def record_price_list(
        self, supplier: str, offers: Sequence[SupplierOffer], *, on: date | None = None
    ) -> tuple[SupplierItem, ...]:
        """A price list (or a stock report) of ``supplier`` that came in on ``on`` (today):
        each offer's price, stock and delivery time added to its item's history. The same
        day's list again replaces that day's prices: nothing is counted twice. An offer of
        another supplier raises ValidationError naming it; nothing is stored then."""
        if not isinstance(supplier, str) or not supplier.strip():
            fail("supplier", "required")
        if not offers:
            fail("offers", "a price list has at least one offer")
        day = on or self._context.today()
        if type(day) is not date:
            fail("on", f"not a date: {day!r}")
        items: dict[str, SupplierOffer] = {}
        for i, offer in enumerate(offers):
            if not isinstance(offer, SupplierOffer):
                fail(f"offers[{i}]", "must be a SupplierOffer")
            if offer.supplier != supplier:
                fail(f"offers[{i}].supplier", f"is {offer.supplier!r}, not {supplier!r}")
            if offer.item in items:
                fail(f"offers[{i}].item", f"{offer.item!r} is listed twice")
            items[offer.item] = offer
        stored = []
        with self._context.unit_of_work() as uow:
            repo = self._repo(uow)
            for item, offer in items.items():
                point = PricePoint(day, offer.unit_price, offer.in_stock, offer.delivery_days)
                old = repo.find(SupplierItem, supplier_item_id(supplier, item), lock=True)
                base = old or SupplierItem(supplier, item, supplier_inn=offer.supplier_inn)
                new = rules.price_point(base, point)
                if old is None:
                    repo.add(new)
                elif new != old:
                    new = repo.update(new)
                stored.append(new)
        return tuple(stored)

    def price_history(self, supplier: str, item: str) -> SupplierItem:
        """The price history of ``item`` at ``supplier``; NotFoundError when no list named it."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            found = self._repo(uow).find(SupplierItem, supplier_item_id(supplier, item))
        if found is None:
            raise NotFoundError("supplier_item", supplier_item_id(supplier, item))
        return found

    def offers_for(self, item: str) -> tuple[SupplierOffer, ...]:
        """What every supplier whose list named ``item`` offers now (by their last list),
        cheapest first: the offers to start a purchase with (``Supply.request_offers``) —
        also how a non-standard item is looked for among the known suppliers."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            known = self._repo(uow).all(SupplierItem)
        offers = [
            SupplierOffer(
                s.supplier,
                s.item,
                last.unit_price,
                last.in_stock,
                last.delivery_days or 0,
                supplier_inn=s.supplier_inn,
            )
            for s in known
            if s.item == item and (last := s.latest) is not None
        ]
        return tuple(sorted(offers, key=lambda o: (o.unit_price.amount, o.supplier)))

    def alerts(self, day: date | None = None) -> tuple[SupplyDue, ...]:
        """What the price lists say needs doing on ``day`` (today): prices risen above the
        policy's ``price_rise_percent``, suppliers short of what was ordered from them, an
        item no supplier has enough of (:func:`~clientops.rules.supply.supplier_alerts`)."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            repo = self._repo(uow)
            items = repo.all(SupplierItem)
            purchases = repo.all(Purchase, open_only=True)
        return rules.supplier_alerts(
            items,
            purchases,
            today=day or self._context.today(),
            policy=self._context.policy.supply,
        )
