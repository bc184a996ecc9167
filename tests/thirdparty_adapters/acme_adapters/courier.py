"""The Acme courier: rates read from a JSON file at every call (the carrier's price list on a
share), bookings kept in memory, one per key."""

from __future__ import annotations

import itertools
import json
import math
import os
import threading
from datetime import UTC, datetime

from clientops.courier import (
    Booking,
    Parcel,
    PickupRequest,
    Quote,
    ShipmentStatus,
    Tracking,
    TrackingStep,
)
from clientops.errors import (
    CourierError,
    ParcelRefusedError,
    ShipmentNotFoundError,
    UnservedCityError,
)
from clientops.model import Money

NAME = "acme"


class AcmeCourier:
    """``rates``: a JSON file ``{"cities": [...], "base": "300", "per_kg": "50",
    "max_grams": 20000, "days": [1, 3]}``."""

    name = NAME

    def __init__(self, *, rates: str | os.PathLike[str]) -> None:
        self._rates = rates
        self._by_key: dict[str, Booking] = {}
        self._cancelled: set[str] = set()
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def _table(self, operation: str) -> dict[str, object]:
        try:
            with open(self._rates, encoding="utf-8") as file:
                table: dict[str, object] = json.load(file)
        except (OSError, ValueError) as exc:
            raise CourierError(NAME, operation, f"the price list cannot be read: {exc}") from exc
        return table

    def _quote(self, origin: str, destination: str, parcel: Parcel, operation: str) -> Quote:
        table = self._table(operation)
        cities = {str(c).casefold(): str(c) for c in table["cities"]}  # type: ignore[attr-defined]
        names = []
        for city in (origin, destination):
            found = cities.get(city.strip().casefold())
            if found is None:
                raise UnservedCityError(NAME, operation, city)
            names.append(found)
        if parcel.weight_grams > int(table["max_grams"]):  # type: ignore[call-overload]
            raise ParcelRefusedError(
                NAME, operation, "weight_grams", f"over {table['max_grams']} g"
            )
        kilos = math.ceil(parcel.weight_grams / 1000)
        price = Money(str(table["base"])) + Money(str(table["per_kg"])) * kilos
        low, high = table["days"]  # type: ignore[misc]
        return Quote(NAME, names[0], names[1], "standard", price, int(low), int(high))

    def quote(self, origin: str, destination: str, parcel: Parcel) -> Quote:
        return self._quote(origin, destination, parcel, "quote")

    def book_pickup(self, request: PickupRequest) -> Booking:
        with self._lock:
            known = self._by_key.get(request.key)
            if known is not None:
                if known.order_id in self._cancelled:
                    raise CourierError(NAME, "book_pickup", f"{request.key} was cancelled")
                return known
            self._quote(
                request.sender.address.city,
                request.recipient.address.city,
                request.parcel,
                "book_pickup",
            )
            number = next(self._numbers)
            booking = Booking(
                NAME, request.key, f"ACME-{number}", f"8800{number:06d}", None, request.pickup_date
            )
            self._by_key[request.key] = booking
            return booking

    def bookings(self) -> tuple[Booking, ...]:
        with self._lock:
            return tuple(self._by_key.values())

    def _booking(self, order_id: str, operation: str) -> Booking:
        for booking in self._by_key.values():
            if booking.order_id == order_id:
                return booking
        raise ShipmentNotFoundError(NAME, operation, order_id)

    def track(self, order_id: str) -> Tracking:
        with self._lock:
            booking = self._booking(order_id, "track")
            status = (
                ShipmentStatus.CANCELLED if order_id in self._cancelled else ShipmentStatus.CREATED
            )
            step = TrackingStep(
                status, datetime(2025, 6, 23, tzinfo=UTC), status.name, status.label
            )
            return Tracking(NAME, order_id, booking.tracking_number, status, (step,))

    def cancel(self, order_id: str) -> None:
        with self._lock:
            self._booking(order_id, "cancel")
            self._cancelled.add(order_id)

    def close(self) -> None:
        pass
