"""The conformance kit of a store's supply records (``uow.supply``), optional for a store:
subclass :class:`SupplyContract` with a ``storage`` fixture yielding a fresh, empty store that
keeps them (the memory, SQLite and PostgreSQL stores do)."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from clientops._supply import stock_id
from clientops.errors import ConflictError, DuplicateError, NotFoundError, StorageError
from clientops.model import ClientId, Money
from clientops.ports import Storage
from clientops.supply import (
    CarrierKind,
    CourierBalance,
    Pilot,
    PricePoint,
    Purchase,
    PurchaseStage,
    Reservation,
    Shipment,
    ShipmentLine,
    StockLevel,
    SupplierItem,
    SupplierOffer,
)

__all__ = ["SupplyContract"]

DAY = date(2026, 12, 7)


def _purchase(purchase_id: str = "p1", client: str | None = None) -> Purchase:
    offer = SupplierOffer("ООО «Дёшево»", "Турникет T-3", Money("58000.50"), 4, 9)
    return Purchase(
        purchase_id,
        "Турникет T-3",
        2,
        DAY,
        "Склад в бизнес-парке",
        client_id=None if client is None else ClientId(client),
        offers=(offer,),
    )


def _shipment(shipment_id: str, client: str) -> Shipment:
    return Shipment(
        shipment_id,
        ClientId(client),
        "Оборудование",
        "Омск",
        "ул. Ленина, 10",
        (ShipmentLine("Турникет T-3", 1, "Склад в бизнес-парке", unit_price=Money(75000)),),
        CarrierKind.TRANSPORT_COMPANY,
        DAY,
        issued=(("Склад в бизнес-парке\x1fТурникет T-3", ("T3-001",)),),
    )


class SupplyContract:
    """Supply records (``uow.supply``): each kind round-trips whole, is found by id, by
    client and open or not, changes under optimistic versions, and a read-only unit of work
    writes none."""

    @pytest.fixture
    def storage(self) -> Storage:  # pragma: no cover - always overridden
        raise NotImplementedError("provide a `storage` fixture yielding an empty store")

    def test_records_round_trip_whole_and_kinds_do_not_mix(self, storage: Storage) -> None:
        level = StockLevel(
            "Склад в бизнес-парке",
            "Турникет T-3",
            3,
            ("T3-001", "T3-002", "T3-003"),
            (Reservation("s1", 1, ("T3-001",)),),
        )
        with storage.unit_of_work() as uow:
            uow.supply.add(_purchase())  # type: ignore[attr-defined]
            uow.supply.add(level)  # type: ignore[attr-defined]
            uow.supply.add(_shipment("p1", "c1"))  # type: ignore[attr-defined]
        with storage.unit_of_work(readonly=True) as uow:
            repo = uow.supply  # type: ignore[attr-defined]
            assert repo.get(Purchase, "p1") == _purchase()
            assert repo.get(Shipment, "p1") == _shipment("p1", "c1")
            assert repo.get(StockLevel, stock_id(level.warehouse, level.item)) == level
            assert repo.find(Pilot, "p1") is None
            with pytest.raises(NotFoundError):
                repo.get(Pilot, "p1")

    def test_price_histories_and_balances_round_trip_whole(self, storage: Storage) -> None:
        prices = SupplierItem(
            "ООО «Дёшево»",
            "Турникет T-3",
            (
                PricePoint(DAY, Money("58000.50"), 10, 9),
                PricePoint(date(2026, 12, 8), Money("63800"), 0),
            ),
            supplier_inn="7701234567",
        )
        balance = CourierBalance("Достависта", Money("1500.25"), DAY)
        with storage.unit_of_work() as uow:
            uow.supply.add(prices)  # type: ignore[attr-defined]
            uow.supply.add(balance)  # type: ignore[attr-defined]
        with storage.unit_of_work(readonly=True) as uow:
            repo = uow.supply  # type: ignore[attr-defined]
            assert repo.get(SupplierItem, prices.id) == prices
            assert repo.all(CourierBalance) == (balance,)
            assert repo.of_client(SupplierItem, ClientId("c1")) == ()

    def test_a_duplicate_id_of_one_kind_is_refused(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.supply.add(_purchase())  # type: ignore[attr-defined]
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.supply.add(_purchase())  # type: ignore[attr-defined]

    def test_updates_count_versions_and_refuse_a_stale_one(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            uow.supply.add(_purchase())  # type: ignore[attr-defined]
        with storage.unit_of_work() as uow:
            stored = uow.supply.get(Purchase, "p1", lock=True)  # type: ignore[attr-defined]
            new = uow.supply.update(  # type: ignore[attr-defined]
                attrs.evolve(stored, stage=PurchaseStage.CANCELLED)
            )
            assert new.version == 1
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            uow.supply.update(stored)  # type: ignore[attr-defined]
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.supply.update(_purchase("nope"))  # type: ignore[attr-defined]
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.supply.get(Purchase, "p1").stage is PurchaseStage.CANCELLED  # type: ignore[attr-defined]

    def test_lists_by_client_and_open_in_the_order_added(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            for purchase_id, client in (("p3", "c1"), ("p1", "c2"), ("p2", "c1")):
                uow.supply.add(_purchase(purchase_id, client))  # type: ignore[attr-defined]
            closed = attrs.evolve(_purchase("p4", "c1"), stage=PurchaseStage.RECEIVED)
            uow.supply.add(closed)  # type: ignore[attr-defined]
        with storage.unit_of_work(readonly=True) as uow:
            repo = uow.supply  # type: ignore[attr-defined]
            assert [p.id for p in repo.of_client(Purchase, ClientId("c1"))] == ["p3", "p2", "p4"]
            assert [p.id for p in repo.all(Purchase, open_only=True)] == ["p3", "p1", "p2"]
            assert [p.id for p in repo.all(Purchase)] == ["p3", "p1", "p2", "p4"]
            assert repo.all(Shipment) == ()

    def test_a_rolled_back_or_read_only_unit_of_work_keeps_nothing(self, storage: Storage) -> None:
        def fail_after_add() -> None:
            with storage.unit_of_work() as uow:
                uow.supply.add(_purchase())  # type: ignore[attr-defined]
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            fail_after_add()
        with pytest.raises(StorageError), storage.unit_of_work(readonly=True) as uow:
            uow.supply.add(_purchase())  # type: ignore[attr-defined]
        with storage.unit_of_work(readonly=True) as uow:
            assert uow.supply.all(Purchase) == ()  # type: ignore[attr-defined]
