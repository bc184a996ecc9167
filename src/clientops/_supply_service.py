"""Equipment from the supplier to the client (seed 002, processes 3, 4, 5, 9, 10, 13, 17):
purchases, the warehouses' stock, shipments through the right carrier, their papers.

:class:`Supply` works over the store of a :class:`~clientops.ClientOps` (or anything with its
``context``): ``Supply(ops).order(purchase_id, invoice_number="…")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Protocol

import attrs

from clientops import _supply_papers as papers
from clientops._billing import (
    SupplierBillId,
    cancel_supplier_bill,
    enter_into_payment_plan,
    request_supplier_bill,
    set_payment_task,
)
from clientops._checks import check_entry_points, fail
from clientops._context import Context
from clientops._credit_helpers import credit_gate
from clientops._documents._acts import Party as DocumentParty
from clientops._documents._engine import render_document
from clientops._documents._supply import ConsignmentNote, PackingList, UniversalTransferDocument
from clientops._supply import (
    Acceptance,
    CarrierKind,
    GoodsReceived,
    Purchase,
    PurchaseOrdered,
    Shipment,
    ShipmentAccepted,
    ShipmentBooked,
    ShipmentLine,
    ShipmentStage,
    ShippingDocumentsSigned,
    StockLevel,
    SupplierOffer,
    SupplyPolicy,
    stock_id,
)
from clientops._supply_watch import store_balances, supply_due_in, supply_repository
from clientops._text import format_date
from clientops.courier import Courier, Party, PickupRequest, ShipmentStatus
from clientops.errors import ConfigurationError
from clientops.events import Event
from clientops.model import ClientId, EmployeeId, Money, new_id
from clientops.ports import SupplyRepository, UnitOfWork
from clientops.rules import supply as rules
from clientops.rules.supply import SupplyDue

__all__ = ["Supply", "supply_repository"]


class _HasContext(Protocol):
    @property
    def context(self) -> Context: ...


@check_entry_points
class Supply:
    """Purchases from suppliers, the warehouses' stock and shipments to clients::

    >>> import clientops
    >>> from clientops.model import Money
    >>> from clientops.supply import Supply, SupplierOffer
    >>> from clientops.testing import T0
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> supply = Supply(ops)
    >>> purchase = supply.request_offers("Турникет T-3", 2, offers=(
    ...     SupplierOffer("ООО «Быстро»", "Турникет T-3", Money(61000), 5, 2),
    ...     SupplierOffer("ООО «Дёшево»", "Турникет T-3", Money(58000), 5, 9),
    ... ))
    >>> purchase = supply.order(purchase.id, invoice_number="218")
    >>> purchase.chosen.supplier, [r.bill.supplier for r in ops.billing.payment_plan().rows]
    ('ООО «Дёшево»', ['ООО «Дёшево»'])
    >>> _ = supply.accept_goods(purchase.id, received=2, serials=("T3-001", "T3-002"))
    >>> print(supply.stock_report())
    Склад в бизнес-парке: Турникет T-3 — 2 шт., свободно 2 шт.
    >>> ops.close()

    ``couriers`` names the courier of each :class:`~clientops.supply.CarrierKind` (a town
    courier such as Dostavista, a transport company such as CDEK or Деловые Линии, a large
    vehicle); the ones not given are the context's courier. ``sender`` is who hands the
    goods to the carrier (the warehouse's keeper)."""

    def __init__(
        self,
        ops: _HasContext,
        *,
        couriers: Mapping[CarrierKind, Courier] | None = None,
        sender: Party | None = None,
    ) -> None:
        self._context = ops.context
        self._couriers = dict(couriers or {})
        self._sender = sender

    # ------------------------------------------------------------------ helpers
    @property
    def _policy(self) -> SupplyPolicy:
        return self._context.policy.supply

    @contextmanager
    def _write(self) -> Iterator[tuple[UnitOfWork, SupplyRepository]]:
        with self._context.unit_of_work() as uow:
            yield uow, supply_repository(uow)

    @contextmanager
    def _read(self) -> Iterator[tuple[UnitOfWork, SupplyRepository]]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            yield uow, supply_repository(uow)

    def _warehouse(self, path: str, name: str | None) -> str:
        if name is None:
            return str(self._policy.warehouses[0])
        if name not in self._policy.warehouses:
            fail(path, f"unknown warehouse {name!r}; the policy's are {self._policy.warehouses}")
        return name

    def courier_for(self, kind: CarrierKind) -> Courier:
        """The courier that carries shipments of ``kind``."""
        found = self._couriers.get(kind)
        if found is None:
            found = self._context.backends.courier(self._context.host, self._context.policy)
        return found

    # ------------------------------------------------------------------ purchases
    def request_offers(
        self,
        item: str,
        quantity: int,
        *,
        offers: Sequence[SupplierOffer] = (),
        warehouse: str | None = None,
        client_id: ClientId | None = None,
    ) -> Purchase:
        """Start a purchase of ``quantity`` of ``item`` into ``warehouse`` (the policy's
        first by default), for a client's project or for stock, with the offers known so far
        (invoices requested from several suppliers)."""
        if quantity < 1:
            fail("quantity", "must be at least 1")
        for i, offer in enumerate(offers):
            if offer.item != item:
                fail(f"offers[{i}].item", f"offers {offer.item!r}, not {item!r}")
        purchase = Purchase(
            new_id(),
            item,
            quantity,
            self._context.today(),
            self._warehouse("warehouse", warehouse),
            client_id=client_id,
            offers=tuple(offers),
        )
        with self._write() as (uow, repo):
            if client_id is not None:
                uow.clients.get(client_id)
            repo.add(purchase)
        return purchase

    def add_offer(self, purchase_id: str, offer: SupplierOffer) -> Purchase:
        """A supplier's offer (price, stock, delivery time) that came in."""
        with self._write() as (_, repo):
            purchase = repo.get(Purchase, purchase_id, lock=True)
            if offer.item != purchase.item:
                fail("offer.item", f"offers {offer.item!r}, not {purchase.item!r}")
            if not purchase.is_open or purchase.chosen is not None:
                fail("purchase_id", "the purchase is already ordered")
            return repo.update(attrs.evolve(purchase, offers=(*purchase.offers, offer)))

    def order(
        self,
        purchase_id: str,
        *,
        invoice_number: str,
        due_date: date | None = None,
        accountant: EmployeeId | None = None,
    ) -> Purchase:
        """Order from the best offer (the policy's ranking): its bill ``invoice_number`` for
        the total goes into the payment plan, due on ``due_date`` (the policy's
        ``bill_payment_days`` from today by default), with a payment task for ``accountant``
        when given. The supplier's shipping date goes on the agenda."""
        today = self._context.today()
        with self._write() as (uow, repo):
            purchase = repo.get(Purchase, purchase_id, lock=True)
            bill_id = SupplierBillId(new_id())
            ordered = rules.order_purchase(
                purchase, bill_id=bill_id, today=today, policy=self._policy
            )
            offer = ordered.chosen
            assert offer is not None
            amount = offer.total(purchase.quantity)
            bill = request_supplier_bill(
                bill_id,
                supplier=offer.supplier,
                purpose=f"{purchase.item}, {papers.pieces(purchase.quantity)}",
                on=today,
                expected_amount=amount,
                supplier_inn=offer.supplier_inn,
            )
            bill = enter_into_payment_plan(
                bill,
                number=invoice_number,
                amount=amount,
                due_date=due_date or today + timedelta(days=self._policy.bill_payment_days),
                on=today,
            )
            if accountant is not None:
                uow.staff.directory().require(accountant)
                bill = set_payment_task(bill, assignee=accountant, on=today)
            uow.payments.add_supplier_bill(bill)
            stored = repo.update(ordered)
            self._context.publish(
                [
                    PurchaseOrdered(
                        stored.id, offer.supplier, amount, bill_id, at=self._context.now()
                    )
                ]
            )
            return stored

    def accept_goods(
        self,
        purchase_id: str,
        *,
        received: int,
        serials: Sequence[str] = (),
        remote: bool = False,
        photos: Sequence[str] = (),
        discrepancies: Sequence[str] = (),
        on: date | None = None,
    ) -> Purchase:
        """The goods arrived and were checked (on site, or remotely by the photos given by
        reference): the count received and their serial numbers go into the purchase's
        warehouse; what did not match is recorded."""
        acceptance = Acceptance(
            on or self._context.today(),
            received,
            remote=remote,
            photos=tuple(photos),
            serials=tuple(serials),
            discrepancies=tuple(discrepancies),
        )
        with self._write() as (_, repo):
            purchase = rules.accept_goods(repo.get(Purchase, purchase_id, lock=True), acceptance)
            key = stock_id(purchase.warehouse, purchase.item)
            level = repo.find(StockLevel, key, lock=True)
            new = rules.receive(
                level or StockLevel(purchase.warehouse, purchase.item), received, serials
            )
            if level is None:
                repo.add(new)
            else:
                repo.update(new)
            stored = repo.update(purchase)
            self._context.publish(
                [
                    GoodsReceived(
                        purchase.id,
                        purchase.warehouse,
                        purchase.item,
                        received,
                        at=self._context.now(),
                    )
                ]
            )
            return stored

    def purchase(self, purchase_id: str) -> Purchase:
        with self._read() as (_, repo):
            return repo.get(Purchase, purchase_id)

    # ------------------------------------------------------------------ stock
    def add_stock(
        self, warehouse: str, item: str, quantity: int, *, serials: Sequence[str] = ()
    ) -> StockLevel:
        """Goods found at a warehouse (a stocktaking, a return): ``quantity`` units of
        ``item``, with their serial numbers when they have them."""
        if quantity < 1:
            fail("quantity", "must be at least 1")
        if len(serials) not in (0, quantity):
            fail("serials", f"{len(serials)} serial numbers for {quantity} units")
        name = self._warehouse("warehouse", warehouse)
        with self._write() as (_, repo):
            level = repo.find(StockLevel, stock_id(name, item), lock=True)
            new = rules.receive(level or StockLevel(name, item), quantity, serials)
            if level is None:
                repo.add(new)
                return new
            return repo.update(new)

    def move_stock(
        self,
        item: str,
        quantity: int,
        *,
        source: str,
        target: str,
        serials: Sequence[str] = (),
    ) -> tuple[StockLevel, StockLevel]:
        """Move goods between warehouses (the business park's to the office): what is
        reserved for a shipment stays; more than is free raises OutOfStockError."""
        if quantity < 1:
            fail("quantity", "must be at least 1")
        src = self._warehouse("source", source)
        dst = self._warehouse("target", target)
        if src == dst:
            fail("target", "is the source warehouse")
        with self._write() as (_, repo):
            old = repo.find(StockLevel, stock_id(src, item), lock=True) or StockLevel(src, item)
            there = repo.find(StockLevel, stock_id(dst, item), lock=True)
            left, arrived = rules.move(old, there or StockLevel(dst, item), quantity, serials)
            left = repo.update(left)
            if there is None:
                repo.add(arrived)
            else:
                arrived = repo.update(arrived)
            return left, arrived

    def stock(self, warehouse: str | None = None) -> tuple[StockLevel, ...]:
        """The stock levels (of one warehouse), by warehouse and item."""
        if warehouse is not None:
            self._warehouse("warehouse", warehouse)
        with self._read() as (_, repo):
            levels = repo.all(StockLevel)
        order = {name: i for i, name in enumerate(self._policy.warehouses)}
        return tuple(
            sorted(
                (lv for lv in levels if warehouse in (None, lv.warehouse) and lv.quantity),
                key=lambda lv: (order.get(lv.warehouse, len(order)), lv.warehouse, lv.item),
            )
        )

    def stock_report(self, warehouse: str | None = None) -> str:
        """The stock as a manager reads it, a line per warehouse and item."""
        lines = []
        for level in self.stock(warehouse):
            line = (
                f"{level.warehouse}: {level.item} — {papers.pieces(level.quantity)}, "
                f"свободно {papers.pieces(level.free)}"
            )
            if level.reserved:
                line += f", в резерве {papers.pieces(level.reserved)}"
            lines.append(line)
        return "\n".join(lines) or "Склады пусты"

    # ------------------------------------------------------------------ shipments
    def plan_shipment(
        self,
        client_id: ClientId,
        *,
        reason: str,
        city: str,
        address: str,
        lines: Sequence[ShipmentLine],
        on: date | None = None,
        credit_approved: bool = False,
    ) -> Shipment:
        """A shipment to the client for ``reason`` on ``on`` (today by default): its goods
        reserved at their warehouses (more than is free: OutOfStockError naming the line,
        nothing stored), its carrier chosen by the policy's rule; the client's credit checked
        as an order's shipment is (CreditRefusedError unless ``credit_approved``)."""
        if not lines:
            fail("lines", "a shipment carries at least one line")
        for i, line in enumerate(lines):
            self._warehouse(f"lines[{i}].warehouse", line.warehouse)
        for name, value in (("reason", reason), ("city", city), ("address", address)):
            if not value.strip():
                fail(name, "required")
        shipment = Shipment(
            new_id(),
            client_id,
            reason,
            city.strip(),
            address,
            tuple(lines),
            rules.choose_carrier(city, lines, policy=self._policy),
            on or self._context.today(),
        )
        with self._write() as (uow, repo):
            uow.clients.get(client_id)
            credit_gate(
                uow, self._context, client_id, Money(0), approved=credit_approved, shipment=True
            )
            keys = {stock_id(line.warehouse, line.item) for line in lines}
            levels = {k: lv for k in keys if (lv := repo.find(StockLevel, k, lock=True))}
            for key, level in rules.reserve(levels, shipment).items():
                repo.update(level) if key in levels else repo.add(level)
            repo.add(shipment)
        return shipment

    def quote(self, shipment_id: str) -> Money:
        """What the chosen carrier asks for the shipment (nothing is stored)."""
        shipment = self.shipment(shipment_id)
        courier = self.courier_for(shipment.carrier)
        return courier.quote(
            self._policy.home_city, shipment.city, papers.parcel_of(shipment)
        ).price

    def book(
        self, shipment_id: str, *, recipient: Party, pickup_date: date | None = None
    ) -> Shipment:
        """Book the carrier: the quote, then the pickup under the key ``shipment:<id>`` (a
        retry after a failure or a timeout finds the first booking instead of making a
        second); then the goods leave the warehouse and the carrier's bill is requested for
        the payment plan. A carrier that refuses the city or the load raises its
        CourierError and nothing is stored."""
        if self._sender is None:
            raise ConfigurationError("no sender: pass sender= to Supply(ops, sender=…)")
        shipment = self.shipment(shipment_id)
        if shipment.stage is not ShipmentStage.PLANNED:
            rules.book_shipment(
                shipment,
                courier="",
                order_id="",
                tracking_number=None,
                price=None,
                delivery_by=shipment.planned_on,
            )
        courier = self.courier_for(shipment.carrier)
        parcel = papers.parcel_of(shipment)
        quote = courier.quote(self._policy.home_city, shipment.city, parcel)
        day = pickup_date or shipment.planned_on
        booking = courier.book_pickup(
            PickupRequest(
                key=f"shipment:{shipment.id}"[:64],
                parcel=parcel,
                sender=self._sender,
                recipient=recipient,
                pickup_date=day,
                comment=shipment.reason,
            )
        )
        today = self._context.today()
        with self._write() as (uow, repo):
            current = repo.get(Shipment, shipment_id, lock=True)
            booked = rules.book_shipment(
                current,
                courier=courier.name,
                order_id=booking.order_id,
                tracking_number=booking.tracking_number,
                price=quote.price,
                delivery_by=quote.delivery_window(day)[1],
            )
            bill = request_supplier_bill(
                SupplierBillId(new_id()),
                supplier=papers.carrier_name(courier.name),
                purpose=f"Доставка в {shipment.city} от {format_date(day)}",
                on=today,
                expected_amount=quote.price if quote.price.amount > 0 else None,
            )
            uow.payments.add_supplier_bill(bill)
            keys = {stock_id(line.warehouse, line.item) for line in shipment.lines}
            levels = {k: lv for k in keys if (lv := repo.find(StockLevel, k, lock=True))}
            issued = rules.reserved_serials(levels, shipment.id)
            for level in rules.issue(levels, shipment.id).values():
                repo.update(level)
            stored = repo.update(attrs.evolve(booked, carrier_bill_id=bill.id, issued=issued))
            self._context.publish(
                [
                    ShipmentBooked(
                        stored.id,
                        stored.client_id,
                        courier.name,
                        booking.order_id,
                        at=self._context.now(),
                    )
                ]
            )
            return stored

    def track(self, shipment_id: str) -> Shipment:
        """Ask the carrier where the shipment is; delivered: marked so on today."""
        shipment = self.shipment(shipment_id)
        if shipment.stage is not ShipmentStage.BOOKED or shipment.order_id is None:
            return shipment
        tracking = self.courier_for(shipment.carrier).track(shipment.order_id)
        if tracking.status is not ShipmentStatus.DELIVERED:
            return shipment
        return self.mark_delivered(shipment_id)

    def mark_delivered(self, shipment_id: str, *, on: date | None = None) -> Shipment:
        """Delivered (a large vehicle's driver called, the carrier's tracking said so)."""
        return self._step(
            shipment_id, lambda s: rules.deliver_shipment(s, on=on or self._context.today())
        )

    def accept(self, shipment_id: str, *, feedback: str = "", on: date | None = None) -> Shipment:
        """The client accepted the equipment and said how the delivery went; the closing
        documents are now awaited (on the agenda after the policy's days)."""
        day = on or self._context.today()
        return self._step(
            shipment_id,
            lambda s: rules.accept_shipment(s, on=day, feedback=feedback),
            lambda s: ShipmentAccepted(s.id, s.client_id, at=self._context.now()),
        )

    def sign_documents(self, shipment_id: str, *, on: date | None = None) -> Shipment:
        """The closing documents came back signed: the shipment is closed."""
        day = on or self._context.today()
        return self._step(
            shipment_id,
            lambda s: rules.sign_documents(s, on=day),
            lambda s: ShippingDocumentsSigned(s.id, s.client_id, at=self._context.now()),
        )

    def cancel(self, shipment_id: str) -> Shipment:
        """Cancel a shipment not delivered yet: the carrier's booking is cancelled first
        (CourierError: nothing changed), then the goods go back to stock."""
        shipment = self.shipment(shipment_id)
        rules.cancel_shipment(shipment)
        if shipment.order_id is not None:
            self.courier_for(shipment.carrier).cancel(shipment.order_id)
        with self._write() as (uow, repo):
            current = repo.get(Shipment, shipment_id, lock=True)
            cancelled = rules.cancel_shipment(current)
            if current.carrier_bill_id is not None:  # the carrier's bill no longer to pay
                bill = uow.payments.get_supplier_bill(SupplierBillId(current.carrier_bill_id))
                uow.payments.update_supplier_bill(
                    cancel_supplier_bill(bill, on=self._context.today(), note="Отгрузка отменена")
                )
            keys = {stock_id(line.warehouse, line.item) for line in current.lines}
            levels = {k: lv for k in keys if (lv := repo.find(StockLevel, k, lock=True))}
            if current.stage is ShipmentStage.PLANNED:
                changed = rules.release(levels, current.id)
            else:  # issued: the goods come back (their serial numbers with them)
                changed = rules.restock(levels, current)
            for key, level in changed.items():
                repo.update(level) if key in levels else repo.add(level)
            return repo.update(cancelled)

    def _step(
        self,
        shipment_id: str,
        step: Callable[[Shipment], Shipment],
        event: Callable[[Shipment], Event] | None = None,
    ) -> Shipment:
        with self._write() as (_, repo):
            stored = repo.update(step(repo.get(Shipment, shipment_id, lock=True)))
            if event is not None:
                self._context.publish([event(stored)])
            return stored

    def shipment(self, shipment_id: str) -> Shipment:
        with self._read() as (_, repo):
            return repo.get(Shipment, shipment_id)

    def shipments_of(self, client_id: ClientId) -> tuple[Shipment, ...]:
        with self._read() as (uow, repo):
            uow.clients.get(client_id)
            return repo.of_client(Shipment, client_id)

    # ------------------------------------------------------------------ papers
    def _number(self, shipment_id: str, kind: str, number: str | None, on: date) -> str:
        if number is not None:
            if not number.strip():
                fail("number", "required (or None: the next of the sequence)")
            return number
        with self._write() as (uow, repo):
            return papers.paper_number(uow, repo, shipment_id, kind, on)

    def consignment_note(
        self,
        shipment_id: str,
        *,
        supplier: DocumentParty,
        consignee: DocumentParty,
        basis: str,
        number: str | None = None,
        on: date | None = None,
    ) -> ConsignmentNote:
        """The consignment note (товарная накладная, ТОРГ-12) of the shipment: its lines with
        their prices and the serial numbers that left with it, the carrier. Its number is
        ``number``, else the shipment's from the notes' sequence (``1/2026``…)."""
        shipment = self.shipment(shipment_id)
        day = on or shipment.planned_on
        number = self._number(shipment_id, "consignment_note", number, day)
        return papers.consignment_note_of(
            shipment, number=number, day=day, supplier=supplier, consignee=consignee, basis=basis
        )

    def upd(
        self,
        shipment_id: str,
        *,
        seller: DocumentParty,
        buyer: DocumentParty,
        basis: str,
        status: int = 1,
        on: date | None = None,
        payment_document: str = "",
        head: str = "",
        accountant: str = "",
    ) -> UniversalTransferDocument:
        """The universal transfer document (УПД) of the shipment, of ``status`` 1 (also the
        invoice) or 2 (the transfer document alone): its lines with the VAT, the serial
        numbers, the carrier. Its number is the shipment's from the УПД sequence (``1/2026``…),
        the same however often it is drawn."""
        if status not in (1, 2) or isinstance(status, bool):
            fail("status", f"must be 1 or 2, got {status!r}")
        shipment = self.shipment(shipment_id)
        day = on or shipment.planned_on
        return papers.upd_of(
            shipment,
            number=self._number(shipment_id, "upd", None, day),
            day=day,
            status=status,
            seller=seller,
            buyer=buyer,
            basis=basis,
            payment_document=payment_document,
            head=head,
            accountant=accountant,
        )

    def packing_list(
        self, shipment_id: str, *, sender: DocumentParty, packer: str = "", on: date | None = None
    ) -> PackingList:
        """The packing list (упаковочный лист) of the shipment: the sender, the client and the
        address, the carrier, a place for each line with its serial numbers, weight and length,
        the totals. Its number is the shipment's from the packing lists' sequence (``1/2026``…)."""
        shipment = self.shipment(shipment_id)
        with self._read() as (uow, _):
            recipient = DocumentParty(uow.clients.get(shipment.client_id).name)
        day = on or shipment.planned_on
        drawn = papers.packing_list_of(  # a bad sender or packer is refused before numbering
            shipment, number="—", day=day, sender=sender, recipient=recipient,
            home_city=self._policy.home_city, packer=packer,
        )  # fmt: skip
        return attrs.evolve(drawn, number=self._number(shipment_id, "packing_list", None, day))

    def shipping_papers(
        self,
        shipment_id: str,
        *,
        supplier: DocumentParty,
        consignee: DocumentParty,
        basis: str,
        number: str | None = None,
        on: date | None = None,
        form: str | None = None,
    ) -> bytes:
        """The shipment's paper as a .docx (a plugin of the host may draw it instead): the
        consignment note or the УПД (status 1), as ``form`` or the policy's
        ``shipping_form`` says."""
        form = form or self._policy.shipping_form
        if form == "upd" and number is None:
            upd = self.upd(shipment_id, seller=supplier, buyer=consignee, basis=basis, on=on)
            return render_document(upd, host=self._context.host)
        if form != "consignment_note":
            fail("form", f"{form!r}: not 'consignment_note' nor 'upd' (never given a number)")
        note = self.consignment_note(
            shipment_id, supplier=supplier, consignee=consignee, basis=basis, number=number, on=on
        )
        return render_document(note, host=self._context.host)

    # ------------------------------------------------------------------ the agenda
    def balance_alerts(self) -> tuple[SupplyDue, ...]:
        """Ask each courier that tells its account's balance (``balance()``, as Dostavista
        does) and list those below the policy's ``min_courier_balance`` (nothing is kept:
        :meth:`record_balances` keeps them for the agenda). A courier that cannot answer
        raises its CourierError."""
        return rules.low_balances(
            self._balances(), today=self._context.today(), policy=self._policy
        )

    def _balances(self) -> dict[str, Money]:
        balances: dict[str, Money] = {}
        for kind in CarrierKind:
            courier = self.courier_for(kind)
            reader = getattr(courier, "balance", None)
            if reader is None or papers.carrier_name(courier.name) in balances:
                continue
            found = reader()
            if isinstance(found, Money):
                balances[papers.carrier_name(courier.name)] = found
        return balances

    def record_balances(self) -> tuple[SupplyDue, ...]:
        """Read the couriers' balances (as :meth:`balance_alerts`) and keep them for the
        agenda, one reading per courier (the daily ``supply`` job does it); the ones below the
        policy's minimum are returned."""
        balances = self._balances()
        today = self._context.today()
        with self._context.unit_of_work() as uow:
            store_balances(uow, balances, today)
        return rules.low_balances(balances, today=today, policy=self._policy)

    def due(self, day: date | None = None) -> tuple[SupplyDue, ...]:
        """What needs doing on ``day`` (today), as ``ops.agenda`` shows it: a supplier's
        shipping date near or past, a late delivery, closing documents unsigned, a pilot's
        feedback call or its end, a supplier's price risen or stock short, a courier's
        balance last read below the minimum."""
        with self._read() as (uow, _):
            return supply_due_in(uow, day or self._context.today(), self._policy)
