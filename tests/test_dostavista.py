"""The Dostavista courier against its loopback stand-in: the courier conformance kit, the
vehicle chosen by weight, the balance, and the stand-in's faults (500, garbage, a lost
answer) never booking twice."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tests.dostavista_standin import TOKEN, DostavistaStandin

import clientops
from clientops import ConfigurationError, Money, Phone, PluginHost
from clientops.adapters.dostavista import DostavistaCourier, InsufficientBalanceError
from clientops.courier import Address, Parcel, Party, PickupRequest, ShipmentStatus
from clientops.errors import CourierError
from clientops.supply import CarrierKind, ShipmentLine, ShipmentStage, Supply
from clientops.testing import CourierContract, a_client, a_staff


def _courier(base_url: str) -> DostavistaCourier:
    return DostavistaCourier(TOKEN, base_url=base_url, timeout=2.0)


@pytest.fixture
def standin() -> Iterator[DostavistaStandin]:
    with DostavistaStandin() as server:
        yield server


@pytest.fixture
def courier(standin: DostavistaStandin) -> Iterator[DostavistaCourier]:
    courier = _courier(standin.base_url)
    yield courier
    courier.close()


class TestDostavistaCourier(CourierContract):
    destination = "Москва"  # a town courier: both ends in one town
    refused_weight_grams = 20_000_000

    @pytest.fixture
    def courier(self, standin: DostavistaStandin) -> Iterator[DostavistaCourier]:
        courier = _courier(standin.base_url)
        yield courier
        courier.close()

    @pytest.fixture
    def carrier_bookings(self, standin: DostavistaStandin) -> Callable[[], int]:
        return lambda: len(standin.orders)

    @pytest.fixture
    def failing_courier(self) -> Iterator[DostavistaCourier]:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        courier = _courier(f"http://127.0.0.1:{port}/api/business/1.4")
        yield courier
        courier.close()


SENDER = Party("Кладовщик Орлов", Phone("+74951234567"), Address("Москва", "ул. Складская, 3"))
RECIPIENT = Party("Белов Борис", Phone("+79123456789"), Address("Москва", "ул. Тверская, 1"))


def request(key: str, grams: int = 180_000) -> PickupRequest:
    return PickupRequest(
        key=key,
        parcel=Parcel(grams, declared_value=Money(98000), description="Шлагбаум BR-6"),
        sender=SENDER,
        recipient=RECIPIENT,
        pickup_date=date(2026, 12, 8),
    )


def test_the_vehicle_is_chosen_by_weight(courier: DostavistaCourier) -> None:
    light = courier.quote("Москва", "Москва", Parcel(3000))
    barrier = courier.quote("Москва", "Москва", Parcel(180_000))
    load = courier.quote("Москва", "Москва", Parcel(2_000_000))
    assert (light.tariff, barrier.tariff, load.tariff) == ("vehicle-1", "vehicle-1", "vehicle-5")
    assert load.price.amount > barrier.price.amount


def test_a_lost_answer_books_once(standin: DostavistaStandin, courier: DostavistaCourier) -> None:
    standin.inject("POST /create-order", "drop")
    with pytest.raises(CourierError):
        courier.book_pickup(request("shipment:lost-1"))
    assert len(standin.orders) == 1  # made, the answer lost
    booking = courier.book_pickup(request("shipment:lost-1"))
    assert len(standin.orders) == 1
    assert booking.order_id == str(next(iter(standin.orders)))


@pytest.mark.parametrize("fault", ["500", "garbage"])
def test_a_failing_answer_books_nothing_and_a_retry_books_once(
    standin: DostavistaStandin, courier: DostavistaCourier, fault: str
) -> None:
    standin.inject("POST /create-order", fault)
    with pytest.raises(CourierError) as caught:
        courier.book_pickup(request("shipment:f-1"))
    assert (caught.value.backend, caught.value.operation) == ("dostavista", "book_pickup")
    assert standin.orders == {}
    courier.book_pickup(request("shipment:f-1"))
    courier.book_pickup(request("shipment:f-1"))
    assert len(standin.orders) == 1


def test_a_balance_too_low_refuses_the_order_and_is_read(standin: DostavistaStandin) -> None:
    standin.balance = Decimal("500.00")
    courier = _courier(standin.base_url)
    try:
        assert courier.balance() == Money("500.00")
        with pytest.raises(InsufficientBalanceError) as caught:
            courier.book_pickup(request("shipment:poor-1"))
        assert caught.value.codes == ("insufficient_balance",)
        assert standin.orders == {}
        standin.balance = Decimal("100000.00")
        booking = courier.book_pickup(request("shipment:poor-1"))
        assert courier.balance() < Money("100000.00")  # type: ignore[operator]
        standin.advance(int(booking.order_id), "completed")
        assert courier.track(booking.order_id).status is ShipmentStatus.DELIVERED
    finally:
        courier.close()


def test_the_plugin_opens_it_by_name_with_its_token(
    standin: DostavistaStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = PluginHost(entry_points=False).load()
    monkeypatch.delenv("DOSTAVISTA_TOKEN", raising=False)
    with pytest.raises(ConfigurationError, match="DOSTAVISTA_TOKEN"):
        host.open_courier("dostavista")
    monkeypatch.setenv("DOSTAVISTA_TOKEN", TOKEN)
    courier = host.open_courier("dostavista", base_url=standin.base_url)
    try:
        assert courier.quote("Москва", "Москва", Parcel(1000)).courier == "dostavista"
    finally:
        courier.close()


def test_a_barrier_in_town_goes_by_dostavista_and_a_low_balance_stores_nothing(
    standin: DostavistaStandin, courier: DostavistaCourier
) -> None:
    ops = clientops.connect("memory://", clock=lambda: datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    try:
        ops.clients.add_staff(a_staff())
        client = ops.clients.add(a_client(name="ООО «Ромашка»", city="Москва"))
        supply = Supply(ops, couriers={CarrierKind.LARGE_VEHICLE: courier}, sender=SENDER)
        supply.add_stock("Склад в бизнес-парке", "Шлагбаум BR-6", 1)
        line = ShipmentLine(
            "Шлагбаум BR-6", 1, "Склад в бизнес-парке", unit_grams=180_000, length_cm=450
        )
        planned = supply.plan_shipment(
            client.id, reason="Шлагбаум", city="Москва", address="ул. Тверская, 1", lines=(line,)
        )
        assert planned.carrier is CarrierKind.LARGE_VEHICLE
        standin.balance = Decimal("10.00")
        with pytest.raises(InsufficientBalanceError):
            supply.book(planned.id, recipient=RECIPIENT)
        assert supply.shipment(planned.id).stage is ShipmentStage.PLANNED
        assert ops.billing.payment_plan().awaiting == ()
        standin.balance = Decimal("100000.00")
        booked = supply.book(planned.id, recipient=RECIPIENT)
        assert booked.courier == "dostavista"
        (bill,) = ops.billing.payment_plan().awaiting
        assert bill.supplier == "Достависта"
        assert len(standin.orders) == 1
    finally:
        ops.close()


def test_a_low_balance_is_on_the_agenda(
    standin: DostavistaStandin, courier: DostavistaCourier
) -> None:
    ops = clientops.connect("memory://", clock=lambda: datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    try:
        supply = Supply(ops, couriers=dict.fromkeys(CarrierKind, courier))
        assert supply.balance_alerts() == ()
        standin.balance = Decimal("1500.00")
        (alert,) = supply.balance_alerts()
        assert alert.text == (
            "Баланс Достависта: 1\u00a0500,00\u00a0руб., "
            "ниже 5\u00a0000,00\u00a0руб. — пополнить счёт"
        )
        assert alert.day == date(2026, 12, 7)
    finally:
        ops.close()
