"""The rules of equipment supply: plain values in, new values (or a typed refusal) out, every
number read from :class:`~clientops._supply.SupplyPolicy`.

* purchases: :func:`choose_offer` ranks suppliers' offers (price first, then delivery time, by
  default), :func:`order_purchase` and :func:`accept_goods` move a purchase;
* stock: :func:`receive`, :func:`reserve`, :func:`issue`, :func:`release`, :func:`move`
  change stock levels and refuse what is not there (:class:`~clientops.supply.OutOfStockError`);
* shipments: :func:`choose_carrier` (in town a courier, intercity a transport company, an
  oversized load a large vehicle) and the steps of :class:`~clientops.supply.Shipment`;
* installations on a ready site with the equipment delivered, pilots ending into a paying
  subscription, the cloud's checklist, and :func:`supply_due`, the deadlines for the agenda.

    >>> from datetime import date
    >>> from clientops.model import Money
    >>> from clientops._supply import SupplierOffer, SupplyPolicy
    >>> offers = (
    ...     SupplierOffer("ООО «Быстро»", "Турникет T-3", Money(61000), 10, 2),
    ...     SupplierOffer("ООО «Дёшево»", "Турникет T-3", Money(58000), 10, 9),
    ...     SupplierOffer("ООО «Мало»", "Турникет T-3", Money(40000), 1, 3),
    ... )
    >>> choose_offer(offers, 2, policy=SupplyPolicy()).supplier
    'ООО «Дёшево»'
    >>> choose_offer(offers, 2, policy=SupplyPolicy(offer_order=("days", "price"))).supplier
    'ООО «Быстро»'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs

from clientops._formats import NBSP, money_text, number_text
from clientops._supply import (
    Acceptance,
    CarrierKind,
    CheckIn,
    CloudSetup,
    CloudStep,
    Installation,
    InstallationStage,
    OutOfStockError,
    Pilot,
    PilotStage,
    PricePoint,
    Purchase,
    PurchaseStage,
    Reservation,
    Shipment,
    ShipmentLine,
    ShipmentStage,
    Site,
    StockLevel,
    SupplierItem,
    SupplierOffer,
    SupplyPolicy,
    stock_id,
)
from clientops._text import format_date
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.model import ClientId, Money

__all__ = [
    "SupplyDue",
    "accept_goods",
    "accept_shipment",
    "book_shipment",
    "cancel_shipment",
    "check_in_pilot",
    "choose_carrier",
    "choose_offer",
    "cloud_step",
    "deliver_shipment",
    "drop_pilot",
    "end_pilot",
    "finish_installation",
    "issue",
    "low_balances",
    "move",
    "order_purchase",
    "price_point",
    "receive",
    "release",
    "reserve",
    "reserved_serials",
    "restock",
    "schedule_installation",
    "sign_documents",
    "supplier_alerts",
    "supply_due",
]


def _refuse(
    subject: str, current: str, attempted: str, allowed: Iterable[str], reason: str
) -> None:
    raise TransitionError(
        subject, current=current, attempted=attempted, allowed=allowed, reason=reason
    )


# --------------------------------------------------------------------------- purchases


def choose_offer(
    offers: Sequence[SupplierOffer], quantity: int, *, policy: SupplyPolicy
) -> SupplierOffer:
    """The best offer for ``quantity``: among the offers whose stock covers it (all of them
    when none does), the first by ``policy.offer_order``, then by supplier name. No offer:
    ValidationError naming ``offers``."""
    if not offers:
        raise ValidationError([FieldError("offers", "no offer to choose from")], subject="purchase")
    covering = [o for o in offers if o.in_stock >= quantity] or list(offers)

    def rank(offer: SupplierOffer) -> tuple[object, ...]:
        keys = {"price": offer.unit_price.amount, "days": offer.delivery_days}
        return (*(keys[name] for name in policy.offer_order), offer.supplier)

    return min(covering, key=rank)


def order_purchase(
    purchase: Purchase, *, bill_id: str, today: date, policy: SupplyPolicy
) -> Purchase:
    """The best offer chosen and ordered on ``today``, its bill ``bill_id`` in the payment
    plan; the supplier must ship by the day its delivery time gives."""
    if purchase.stage is not PurchaseStage.OFFERS:
        _refuse(f"purchase {purchase.id}", purchase.stage.value, "order", (), "already ordered")
    best = choose_offer(purchase.offers, purchase.quantity, policy=policy)
    return attrs.evolve(
        purchase,
        stage=PurchaseStage.ORDERED,
        chosen=best,
        bill_id=bill_id,
        due_on=best.arrives(today),
    )


def accept_goods(purchase: Purchase, acceptance: Acceptance) -> Purchase:
    """The goods taken in (on site or remotely). A count that differs from the order is a
    discrepancy recorded with the others."""
    if purchase.stage is not PurchaseStage.ORDERED:
        _refuse(
            f"purchase {purchase.id}",
            purchase.stage.value,
            "accept_goods",
            ("order",) if purchase.stage is PurchaseStage.OFFERS else (),
            "goods are accepted once, after the order",
        )
    if acceptance.received < 0:
        raise ValidationError(
            [FieldError("received", "must not be negative")], subject="acceptance"
        )
    if len(acceptance.serials) not in (0, acceptance.received):
        raise ValidationError(
            [
                FieldError(
                    "serials",
                    f"{len(acceptance.serials)} serial numbers for {acceptance.received} units",
                )
            ],
            subject="acceptance",
        )
    found = list(acceptance.discrepancies)
    if acceptance.received != purchase.quantity:
        found.append(f"Получено {acceptance.received} шт. вместо {purchase.quantity} шт.")
    return attrs.evolve(
        purchase,
        stage=PurchaseStage.RECEIVED,
        acceptance=attrs.evolve(acceptance, discrepancies=tuple(found)),
    )


# --------------------------------------------------------------------------- stock


def receive(level: StockLevel, quantity: int, serials: Sequence[str] = ()) -> StockLevel:
    """``quantity`` units (with their serial numbers, if any) put into stock."""
    taken = set(level.serials) & set(serials)
    if taken:
        raise ValidationError(
            [FieldError("serials", f"already in stock: {', '.join(sorted(taken))}")],
            subject="stock",
        )
    return attrs.evolve(
        level, quantity=level.quantity + quantity, serials=(*level.serials, *serials)
    )


def reserve(levels: Mapping[str, StockLevel], shipment: Shipment) -> dict[str, StockLevel]:
    """The shipment's lines set aside: the changed levels by id. A line asking for more than
    its warehouse has free raises OutOfStockError naming ``lines[i].quantity``."""
    changed = dict(levels)
    for i, line in enumerate(shipment.lines):
        key = stock_id(line.warehouse, line.item)
        level = changed.get(key) or StockLevel(line.warehouse, line.item)
        if level.free < line.quantity:
            raise OutOfStockError(
                f"lines[{i}].quantity",
                item=line.item,
                warehouse=line.warehouse,
                wanted=line.quantity,
                free=level.free,
            )
        held = {s for r in level.reservations for s in r.serials}
        serials = tuple(s for s in level.serials if s not in held)[: line.quantity]
        if len(serials) < line.quantity:
            serials = ()  # units without serial numbers: none named
        changed[key] = attrs.evolve(
            level,
            reservations=(*level.reservations, Reservation(shipment.id, line.quantity, serials)),
        )
    return changed


def issue(levels: Mapping[str, StockLevel], shipment_id: str) -> dict[str, StockLevel]:
    """The shipment's reserved units leave the warehouses."""
    changed = {}
    for key, level in levels.items():
        mine = [r for r in level.reservations if r.shipment_id == shipment_id]
        if not mine:
            continue
        gone = {s for r in mine for s in r.serials}
        changed[key] = attrs.evolve(
            level,
            quantity=level.quantity - sum(r.quantity for r in mine),
            serials=tuple(s for s in level.serials if s not in gone),
            reservations=tuple(r for r in level.reservations if r.shipment_id != shipment_id),
        )
    return changed


def reserved_serials(
    levels: Mapping[str, StockLevel], shipment_id: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The serial numbers reserved for the shipment, by stock level id."""
    found = (
        (
            key,
            tuple(s for r in level.reservations if r.shipment_id == shipment_id for s in r.serials),
        )
        for key, level in sorted(levels.items())
    )
    return tuple((key, serials) for key, serials in found if serials)


def release(levels: Mapping[str, StockLevel], shipment_id: str) -> dict[str, StockLevel]:
    """The shipment's reservations dropped (it was cancelled before it left)."""
    return {
        key: attrs.evolve(
            level,
            reservations=tuple(r for r in level.reservations if r.shipment_id != shipment_id),
        )
        for key, level in levels.items()
        if any(r.shipment_id == shipment_id for r in level.reservations)
    }


def restock(levels: Mapping[str, StockLevel], shipment: Shipment) -> dict[str, StockLevel]:
    """The goods of a cancelled shipment that had left back in their warehouses, with the
    serial numbers its reservations took."""
    changed = dict(levels)
    serials = dict(shipment.issued)
    for line in shipment.lines:
        key = stock_id(line.warehouse, line.item)
        level = changed.get(key) or StockLevel(line.warehouse, line.item)
        changed[key] = receive(level, line.quantity, serials.pop(key, ()))
    return changed


def move(
    source: StockLevel, target: StockLevel, quantity: int, serials: Sequence[str] = ()
) -> tuple[StockLevel, StockLevel]:
    """``quantity`` units moved from one warehouse to another (the business park's to the
    office); the serial numbers named go with them. More than is free: OutOfStockError."""
    if source.free < quantity:
        raise OutOfStockError(
            "quantity",
            item=source.item,
            warehouse=source.warehouse,
            wanted=quantity,
            free=source.free,
        )
    missing = set(serials) - set(source.serials)
    if missing or len(serials) not in (0, quantity):
        raise ValidationError(
            [FieldError("serials", "must be serial numbers in stock, one per unit moved")],
            subject="stock move",
        )
    left = attrs.evolve(
        source,
        quantity=source.quantity - quantity,
        serials=tuple(s for s in source.serials if s not in set(serials)),
    )
    return left, receive(target, quantity, serials)


# --------------------------------------------------------------------------- shipments


def choose_carrier(
    city: str, lines: Sequence[ShipmentLine], *, policy: SupplyPolicy
) -> CarrierKind:
    """Who carries it: to another city a transport company, whatever the load (freight is
    its trade: the carrier refuses what is over its own limits); in the home city a large
    vehicle when the load is heavier than the policy's limit or a unit longer than its limit,
    else a courier."""
    if city.strip().casefold() != policy.home_city.strip().casefold():
        return CarrierKind.TRANSPORT_COMPANY
    weight = sum(line.unit_grams * line.quantity for line in lines)
    longest = max((line.length_cm for line in lines), default=0)
    if weight > policy.large_vehicle_grams or longest > policy.large_vehicle_length_cm:
        return CarrierKind.LARGE_VEHICLE
    return CarrierKind.COURIER


def _stage(shipment: Shipment, attempted: str, *allowed: ShipmentStage) -> None:
    if shipment.stage not in allowed:
        _refuse(
            f"shipment {shipment.id}",
            shipment.stage.value,
            attempted,
            (s.value for s in allowed),
            f"it is {shipment.stage.label.lower()}",
        )


def book_shipment(
    shipment: Shipment,
    *,
    courier: str,
    order_id: str,
    tracking_number: str | None,
    price: Money | None,
    delivery_by: date,
) -> Shipment:
    _stage(shipment, "book", ShipmentStage.PLANNED)
    return attrs.evolve(
        shipment,
        stage=ShipmentStage.BOOKED,
        courier=courier,
        order_id=order_id,
        tracking_number=tracking_number,
        price=price,
        delivery_by=delivery_by,
    )


def deliver_shipment(shipment: Shipment, *, on: date) -> Shipment:
    _stage(shipment, "deliver", ShipmentStage.BOOKED)
    return attrs.evolve(shipment, stage=ShipmentStage.DELIVERED, delivered_on=on)


def accept_shipment(shipment: Shipment, *, on: date, feedback: str = "") -> Shipment:
    """The client accepted the equipment (and said how the delivery went)."""
    _stage(shipment, "accept", ShipmentStage.DELIVERED)
    return attrs.evolve(shipment, stage=ShipmentStage.ACCEPTED, accepted_on=on, feedback=feedback)


def sign_documents(shipment: Shipment, *, on: date) -> Shipment:
    """The closing documents came back signed: the shipment is closed."""
    _stage(shipment, "sign_documents", ShipmentStage.ACCEPTED)
    return attrs.evolve(shipment, stage=ShipmentStage.CLOSED, documents_signed_on=on)


def cancel_shipment(shipment: Shipment) -> Shipment:
    _stage(shipment, "cancel", ShipmentStage.PLANNED, ShipmentStage.BOOKED)
    return attrs.evolve(shipment, stage=ShipmentStage.CANCELLED)


# --------------------------------------------------------------------------- installations


def schedule_installation(
    installation_id: str, site: Site, shipment: Shipment, day: date
) -> Installation:
    """An installation on ``day``: only with the shipment's equipment delivered to the client
    and on a site ready by that day (TransitionError saying which is missing)."""
    subject = f"installation at site {site.id}"
    if shipment.client_id != site.client_id:
        raise ValidationError(
            [FieldError("shipment_id", "the shipment is for another client")],
            subject="installation",
        )
    delivered = (ShipmentStage.DELIVERED, ShipmentStage.ACCEPTED, ShipmentStage.CLOSED)
    if shipment.stage not in delivered:
        _refuse(
            subject, "not_delivered", "schedule", ("deliver",), "the equipment is not delivered"
        )
    if site.ready_on is None or site.ready_on > day:
        when = "not known" if site.ready_on is None else f"{site.ready_on}"
        _refuse(
            subject,
            "site_not_ready",
            "schedule",
            ("set_site_ready",),
            f"the site is not ready by {day} (ready: {when})",
        )
    return Installation(installation_id, site.client_id, site.id, shipment.id, day)


def finish_installation(installation: Installation, *, act_number: str, on: date) -> Installation:
    """Installed, the installation act signed."""
    if installation.stage is not InstallationStage.SCHEDULED:
        _refuse(
            f"installation {installation.id}",
            installation.stage.value,
            "finish",
            (),
            "it is not scheduled",
        )
    if on < installation.day:
        raise ValidationError(
            [FieldError("on", f"before the installation day {installation.day}")],
            subject="installation",
        )
    return attrs.evolve(
        installation, stage=InstallationStage.DONE, act_number=act_number, done_on=on
    )


# --------------------------------------------------------------------------- pilots


def _running(pilot: Pilot, attempted: str) -> None:
    if pilot.stage is not PilotStage.RUNNING:
        _refuse(f"pilot {pilot.id}", pilot.stage.value, attempted, (), "the pilot has ended")


def check_in_pilot(pilot: Pilot, check_in: CheckIn) -> Pilot:
    _running(pilot, "check_in")
    if check_in.day < pilot.start:
        raise ValidationError([FieldError("day", "before the pilot started")], subject="pilot")
    return attrs.evolve(pilot, check_ins=(*pilot.check_ins, check_in))


def end_pilot(pilot: Pilot, *, on: date, billing_from: date, subscription_id: str) -> Pilot:
    """The pilot ends on ``on`` (its planned end or a decision) and turns into paying from
    ``billing_from``. Ending before it started, or billing before it ended: ValidationError."""
    _running(pilot, "end")
    errors = []
    if on < pilot.start:
        errors.append(FieldError("on", f"{on} is before the pilot started ({pilot.start})"))
    if billing_from < on:
        errors.append(FieldError("billing_from", f"{billing_from} is before the pilot ends ({on})"))
    if errors:
        raise ValidationError(errors, subject="pilot")
    return attrs.evolve(
        pilot,
        stage=PilotStage.PAYING,
        ended_on=on,
        billing_from=billing_from,
        subscription_id=subscription_id,
    )


def drop_pilot(pilot: Pilot, *, on: date) -> Pilot:
    _running(pilot, "drop")
    if on < pilot.start:
        raise ValidationError([FieldError("on", "before the pilot started")], subject="pilot")
    return attrs.evolve(pilot, stage=PilotStage.DROPPED, ended_on=on)


# --------------------------------------------------------------------------- the cloud


def cloud_step(setup: CloudSetup, step: CloudStep, **changes: object) -> CloudSetup:
    """``step`` of the cloud's checklist done; the steps go in order."""
    expected = setup.next_step
    if step is not expected:
        _refuse(
            f"cloud {setup.id}",
            setup.done[-1].value if setup.done else "new",
            step.value,
            () if expected is None else (expected.value,),
            "the checklist goes in order",
        )
    return attrs.evolve(setup, done=(*setup.done, step), **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the agenda


@attrs.frozen
class SupplyDue:
    """A supply deadline for the agenda: the day, the words, the client (if any) and the
    record it is about."""

    day: date
    text: str
    client_id: ClientId | None
    record_id: str
    overdue: bool
    #: what it is about: ``supplier_due``, ``supplier_late``, ``delivery_late``,
    #: ``documents_unsigned``, ``check_in``, ``pilot_end``, ``balance``, ``price_rise``,
    #: ``supplier_short``, ``nobody_has``
    reason: str = ""

    @property
    def ref(self) -> str:
        """What the item is known by on the agenda: the same deadline of the same record is
        the same item however often it is asked for."""
        return f"supply:{self.reason}:{self.record_id}"


def low_balances(
    balances: Mapping[str, Money], *, today: date, policy: SupplyPolicy
) -> tuple[SupplyDue, ...]:
    """The courier accounts (by the name a manager knows) whose balance is below the
    policy's ``min_courier_balance``, as agenda items of ``today``."""
    minimum = policy.min_courier_balance
    return tuple(
        SupplyDue(
            today,
            policy.low_balance.format(
                courier=name,
                balance=money_text(balance),
                minimum=money_text(minimum),
            ),
            None,
            f"balance:{name}",
            False,
            "balance",
        )
        for name, balance in sorted(balances.items())
        if balance < minimum
    )


def supply_due(
    purchases: Iterable[Purchase],
    shipments: Iterable[Shipment],
    pilots: Iterable[Pilot],
    client_names: Mapping[ClientId, str],
    *,
    today: date,
    policy: SupplyPolicy,
) -> tuple[SupplyDue, ...]:
    """What needs doing about open purchases, shipments and pilots, by day: a supplier's
    shipping date near or past, a delivery late, closing documents unsigned after
    ``documents_sign_days``, a pilot's feedback call due, a pilot ending soon."""
    soon = today + timedelta(days=policy.warn_days)
    found: list[SupplyDue] = []

    def add(day: date, text: str, client: ClientId | None, record: str, reason: str) -> None:
        found.append(SupplyDue(day, text, client, record, day < today, reason))

    def name(client: ClientId | None) -> str:
        return "" if client is None else client_names.get(client, "")

    for p in purchases:
        if p.stage is PurchaseStage.ORDERED and p.due_on is not None and p.due_on <= soon:
            late = p.due_on < today
            words = policy.supplier_late if late else policy.supplier_due
            supplier = p.chosen.supplier if p.chosen else ""
            add(
                p.due_on,
                words.format(supplier=supplier, item=p.item, day=format_date(p.due_on)),
                p.client_id,
                p.id,
                "supplier_late" if late else "supplier_due",
            )
    for s in shipments:
        client = name(s.client_id)
        if s.stage is ShipmentStage.BOOKED and s.delivery_by is not None and s.delivery_by < today:
            add(
                s.delivery_by,
                policy.delivery_late.format(client=client, day=format_date(s.delivery_by)),
                s.client_id,
                s.id,
                "delivery_late",
            )
        signed_by = None
        if s.stage is ShipmentStage.ACCEPTED and s.accepted_on is not None:
            signed_by = s.accepted_on + timedelta(days=policy.documents_sign_days)
        if signed_by is not None and signed_by <= today:
            add(
                signed_by,
                policy.documents_unsigned.format(
                    client=client, day=format_date(s.accepted_on or today)
                ),
                s.client_id,
                s.id,
                "documents_unsigned",
            )
    for pilot in pilots:
        if pilot.stage is not PilotStage.RUNNING:
            continue
        client = name(pilot.client_id)
        call = pilot.next_check_in(policy.pilot_check_in_days)
        if call <= today and call < pilot.planned_end:
            add(call, policy.check_in.format(client=client), pilot.client_id, pilot.id, "check_in")
        if pilot.planned_end <= soon:
            add(
                pilot.planned_end,
                policy.pilot_end.format(client=client, day=format_date(pilot.planned_end)),
                pilot.client_id,
                pilot.id,
                "pilot_end",
            )
    return tuple(sorted(found, key=lambda d: (d.day, d.text, d.record_id)))


# --------------------------------------------------------------------------- suppliers' prices


def price_point(found: SupplierItem, point: PricePoint) -> SupplierItem:
    """``found`` with ``point`` in its history, in order of day; a second list of the same
    day replaces the first (recording a list twice changes nothing)."""
    kept = [p for p in found.history if p.day != point.day]
    history = tuple(sorted((*kept, point), key=lambda p: p.day))
    return attrs.evolve(found, history=history)


def _pieces(count: int) -> str:
    return f"{number_text(count)}{NBSP}шт."


def _percent(value: Decimal) -> str:
    return number_text(value.quantize(Decimal("0.1")).normalize())


def supplier_alerts(
    items: Iterable[SupplierItem],
    purchases: Iterable[Purchase],
    *,
    today: date,
    policy: SupplyPolicy,
) -> tuple[SupplyDue, ...]:
    """What the suppliers' price lists say needs doing ``today``:

    * a price risen by more than ``price_rise_percent`` against the previous list, for
      ``price_watch_days`` days from the list's day (a ``price_rise`` of no client);
    * an ordered purchase whose supplier's last list (of the purchase's day or later) has
      fewer in stock than was ordered (``supplier_short``, the purchase's client's);
    * a purchase still gathering offers whose quantity no supplier has in stock, by its
      offers and those lists (``nobody_has``: look for another supplier, the non-standard
      goods of seed 002).

        >>> from clientops.model import Money
        >>> from clientops._supply import PricePoint
        >>> item = SupplierItem("ООО «Дёшево»", "Турникет T-3", (
        ...     PricePoint(date(2026, 12, 1), Money(58000), 10),
        ...     PricePoint(date(2026, 12, 7), Money(63800), 10),
        ... ))
        >>> [due] = supplier_alerts([item], [], today=date(2026, 12, 8), policy=SupplyPolicy())
        >>> due.reason, due.text.split(": ")[0]
        ('price_rise', 'Поставщик ООО «Дёшево» поднял цену «Турникет T-3» на 10%')
        >>> due.text.split(": ")[1].replace("\\xa0", " ")
        '58 000,00 руб. → 63 800,00 руб.'
    """
    items = tuple(items)
    found: list[SupplyDue] = []
    latest: dict[str, dict[str, PricePoint]] = {}
    for entry in items:
        if not entry.history:
            continue
        last = entry.history[-1]
        latest.setdefault(entry.item, {})[entry.supplier] = last
        if len(entry.history) < 2 or today - last.day >= timedelta(days=policy.price_watch_days):
            continue
        before = entry.history[-2].unit_price.amount
        now = last.unit_price.amount
        if before <= 0 or now <= before:
            continue
        rise = (now - before) * 100 / before
        if rise > policy.price_rise_percent:
            found.append(
                SupplyDue(
                    max(last.day, today),
                    policy.price_rise.format(
                        supplier=entry.supplier,
                        item=entry.item,
                        percent=_percent(rise),
                        old=money_text(entry.history[-2].unit_price),
                        new=money_text(last.unit_price),
                    ),
                    None,
                    entry.id,
                    False,
                    "price_rise",
                )
            )
    for p in purchases:
        # the lists of the purchase's day or later: an older one is what the offers replaced
        stocks = {
            supplier: point.in_stock
            for supplier, point in latest.get(p.item, {}).items()
            if point.day >= p.requested_on
        }
        if p.stage is PurchaseStage.ORDERED and p.chosen is not None:
            left = stocks.get(p.chosen.supplier)
            if left is not None and left < p.quantity:
                text = policy.supplier_short.format(
                    supplier=p.chosen.supplier,
                    item=p.item,
                    in_stock=_pieces(left),
                    wanted=_pieces(p.quantity),
                )
                found.append(SupplyDue(today, text, p.client_id, p.id, False, "supplier_short"))
        elif p.stage is PurchaseStage.OFFERS:
            known = {o.supplier: o.in_stock for o in p.offers} | stocks
            if known and max(known.values()) < p.quantity:
                text = policy.nobody_has.format(item=p.item, wanted=_pieces(p.quantity))
                found.append(SupplyDue(today, text, p.client_id, p.id, False, "nobody_has"))
    return tuple(sorted(found, key=lambda d: (d.day, d.text, d.record_id)))
