"""The courier kit: what every :class:`~clientops.courier.Courier` must do (re-exported by
:mod:`clientops.testing`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import attrs
import pytest

from clientops.courier import (
    Address,
    Booking,
    Courier,
    Parcel,
    Party,
    PickupRequest,
    ShipmentStatus,
)
from clientops.errors import (
    CourierError,
    ParcelRefusedError,
    ShipmentNotFoundError,
    UnservedCityError,
)
from clientops.model import Money, Phone

__all__ = ["CourierContract"]


class CourierContract:
    """The contract of a courier (a transport company): quote, book, track, cancel; booking
    at most once per key; its refusals and failures as typed
    :class:`~clientops.errors.CourierError` naming the backend and the operation.

    Subclass it and provide three fixtures:

    - ``courier``: a fresh courier, its bookings empty, whose clock (when it has one) is
      before :attr:`pickup_date`;
    - ``carrier_bookings``: a function returning how many bookings the carrier holds (its
      orders, cancelled ones included), read on the carrier's side where there is one;
    - ``failing_courier``: a courier of the same kind whose backend fails (not reachable,
      answering errors); not needed when :attr:`backend_can_fail` is false.

    The class attributes say which cities and weights to use; change them to fit the
    courier's tables.
    """

    #: Two cities the courier serves, the route between them priced.
    origin: str = "Москва"
    destination: str = "Санкт-Петербург"
    #: A city it does not serve.
    unserved_city: str = "Атлантида"
    #: A weight it refuses to carry, in grams.
    refused_weight_grams: int = 1_000_000
    #: The day of the pickups it is asked to book.
    pickup_date: date = date(2025, 6, 24)
    #: Whether the courier talks to a backend that can fail (a carrier's API, a file); one
    #: that keeps everything in memory sets it false and needs no ``failing_courier``.
    backend_can_fail: bool = True
    #: An order id it never gave.
    unknown_order_id: str = "3f1c8b1e-0000-4000-8000-000000000000"

    @pytest.fixture
    def courier(self) -> Courier:  # pragma: no cover - always overridden
        raise NotImplementedError("provide a `courier` fixture yielding a fresh courier")

    @pytest.fixture
    def carrier_bookings(self) -> Callable[[], int]:  # pragma: no cover - always overridden
        raise NotImplementedError(
            "provide a `carrier_bookings` fixture: a function counting the carrier's bookings"
        )

    @pytest.fixture
    def failing_courier(self) -> Courier:  # pragma: no cover - always overridden
        raise NotImplementedError(
            "provide a `failing_courier` fixture: a courier whose backend fails"
        )

    # ------------------------------------------------------------------ what is sent
    def parcel(self, weight_grams: int = 1500) -> Parcel:
        """The parcel of the requests: documents, insured for 5000 RUB."""
        return Parcel(weight_grams=weight_grams, declared_value=Money(5000))

    def pickup_request(self, key: str, **overrides: Any) -> PickupRequest:
        """A pickup from :attr:`origin` to :attr:`destination` on :attr:`pickup_date` under
        ``key``; ``overrides`` replace its fields (``parcel=…``, ``recipient=…``)."""
        fields: dict[str, Any] = {
            "key": key,
            "parcel": self.parcel(),
            "sender": Party(
                "Смирнова Анна",
                Phone("+74951234567"),
                Address(self.origin, "ул. Тверская, 1"),
                company="ООО «Клиентский сервис»",
            ),
            "recipient": self.recipient(self.destination),
            "pickup_date": self.pickup_date,
        }
        fields.update(overrides)
        return PickupRequest(**fields)

    def recipient(self, city: str) -> Party:
        return Party(
            "Иванов Пётр",
            Phone("+79123456789"),
            Address(city, "ул. Ленина, 10"),
            company="ООО «Ромашка»",
        )

    @staticmethod
    def _names(error: CourierError, courier: Courier, operation: str) -> None:
        assert (error.backend, error.operation) == (courier.name, operation), (
            f"the error names {error.backend!r}/{error.operation!r}, not "
            f"{courier.name!r}/{operation!r}"
        )

    # ------------------------------------------------------------------ the port
    def test_it_is_a_courier(self, courier: Courier) -> None:
        assert isinstance(courier, Courier)
        assert isinstance(courier.name, str)
        assert courier.name

    def test_a_quote_prices_the_route(self, courier: Courier) -> None:
        quote = courier.quote(self.origin, self.destination, self.parcel())
        assert quote.courier == courier.name
        assert quote.origin
        assert quote.destination
        assert quote.tariff
        assert quote.price.amount > 0
        assert 0 <= quote.days_min <= quote.days_max
        assert courier.quote(self.origin, self.destination, self.parcel()) == quote

    def test_a_heavier_parcel_costs_no_less(self, courier: Courier) -> None:
        light = courier.quote(self.origin, self.destination, self.parcel(1000))
        heavy = courier.quote(self.origin, self.destination, self.parcel(9000))
        assert heavy.price.currency == light.price.currency
        assert heavy.price.amount >= light.price.amount

    def test_a_booking_is_tracked(
        self, courier: Courier, carrier_bookings: Callable[[], int]
    ) -> None:
        before = carrier_bookings()
        request = self.pickup_request("kit-book-1")
        booking = courier.book_pickup(request)
        assert isinstance(booking, Booking)
        assert (booking.courier, booking.key) == (courier.name, request.key)
        assert booking.order_id
        assert booking.pickup_date == request.pickup_date
        assert carrier_bookings() == before + 1
        tracking = courier.track(booking.order_id)
        assert (tracking.courier, tracking.order_id) == (courier.name, booking.order_id)
        assert not tracking.status.is_final
        assert tracking.status is not ShipmentStatus.PROBLEM
        assert all(step.at.utcoffset() is not None for step in tracking.history)

    def test_the_same_key_books_once(
        self, courier: Courier, carrier_bookings: Callable[[], int]
    ) -> None:
        request = self.pickup_request("kit-once-1")
        first = courier.book_pickup(request)
        held = carrier_bookings()
        assert courier.book_pickup(request) == first
        assert courier.book_pickup(attrs.evolve(request, comment="ещё раз")) == first
        assert carrier_bookings() == held

    def test_another_key_books_another_pickup(
        self, courier: Courier, carrier_bookings: Callable[[], int]
    ) -> None:
        before = carrier_bookings()
        one = courier.book_pickup(self.pickup_request("kit-two-1"))
        two = courier.book_pickup(self.pickup_request("kit-two-2"))
        assert one.order_id != two.order_id
        assert carrier_bookings() == before + 2

    def test_a_cancelled_booking_is_tracked_as_cancelled(self, courier: Courier) -> None:
        request = self.pickup_request("kit-cancel-1")
        booking = courier.book_pickup(request)
        courier.cancel(booking.order_id)
        assert courier.track(booking.order_id).status is ShipmentStatus.CANCELLED
        courier.cancel(booking.order_id)  # again: nothing happens
        assert courier.track(booking.order_id).status is ShipmentStatus.CANCELLED
        with pytest.raises(CourierError) as caught:  # the key is spent: book with a new one
            courier.book_pickup(request)
        self._names(caught.value, courier, "book_pickup")

    # ------------------------------------------------------------------ refusals
    @pytest.mark.parametrize("operation", ["track", "cancel"])
    def test_an_unknown_order_is_not_found(self, courier: Courier, operation: str) -> None:
        with pytest.raises(ShipmentNotFoundError) as caught:
            getattr(courier, operation)(self.unknown_order_id)
        self._names(caught.value, courier, operation)
        assert caught.value.order_id == self.unknown_order_id

    def test_an_unserved_city_is_refused_by_name(self, courier: Courier) -> None:
        for origin, destination in (
            (self.origin, self.unserved_city),
            (self.unserved_city, self.destination),
        ):
            with pytest.raises(UnservedCityError) as caught:
                courier.quote(origin, destination, self.parcel())
            self._names(caught.value, courier, "quote")
            assert caught.value.city == self.unserved_city

    def test_a_booking_to_an_unserved_city_books_nothing(
        self, courier: Courier, carrier_bookings: Callable[[], int]
    ) -> None:
        before = carrier_bookings()
        request = self.pickup_request(
            "kit-unserved-1", recipient=self.recipient(self.unserved_city)
        )
        with pytest.raises(UnservedCityError) as caught:
            courier.book_pickup(request)
        self._names(caught.value, courier, "book_pickup")
        assert carrier_bookings() == before
        # nothing was left behind under the key: fixed, the request books
        booking = courier.book_pickup(self.pickup_request("kit-unserved-1"))
        assert booking.key == "kit-unserved-1"
        assert carrier_bookings() == before + 1

    def test_a_parcel_too_heavy_is_refused(
        self, courier: Courier, carrier_bookings: Callable[[], int]
    ) -> None:
        heavy = self.parcel(self.refused_weight_grams)
        with pytest.raises(ParcelRefusedError) as caught:
            courier.quote(self.origin, self.destination, heavy)
        self._names(caught.value, courier, "quote")
        assert caught.value.field == "weight_grams"
        before = carrier_bookings()
        with pytest.raises(ParcelRefusedError) as booked:
            courier.book_pickup(self.pickup_request("kit-heavy-1", parcel=heavy))
        self._names(booked.value, courier, "book_pickup")
        assert carrier_bookings() == before

    def test_a_failing_backend_is_a_courier_error(self, request: pytest.FixtureRequest) -> None:
        if not self.backend_can_fail:
            pytest.skip("the courier keeps everything in memory: it has no backend to fail")
        failing_courier: Courier = request.getfixturevalue("failing_courier")
        calls: list[tuple[str, Callable[[], object]]] = [
            ("quote", lambda: failing_courier.quote(self.origin, self.destination, self.parcel())),
            ("book_pickup", lambda: failing_courier.book_pickup(self.pickup_request("kit-f-1"))),
        ]
        for operation, call in calls:
            with pytest.raises(CourierError) as caught:
                call()
            error = caught.value
            self._names(error, failing_courier, operation)
            assert not isinstance(error, (UnservedCityError, ParcelRefusedError)), error

    def test_close_is_idempotent(self, courier: Courier) -> None:
        courier.close()
        courier.close()
