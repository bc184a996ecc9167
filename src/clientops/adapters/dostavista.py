"""Dostavista (Business API 1.x), the town courier for bulky items, as a
:class:`~clientops.courier.Courier`, over httpx.

It speaks the documented wire format: the ``X-DV-Auth-Token`` header, ``POST
/calculate-order`` for the price (``order.payment_amount``), ``POST /create-order`` with the
sender's point first and the recipient's second, ``GET /orders?order_id[]=…`` to track,
``POST /cancel-order``, ``GET /client`` for the account. Money is a string of roubles,
phones are digits, weights whole kilograms.

The vehicle is chosen by weight from the documented types (car up to 500 kg, small van 700,
minibus 1000, «Газель» 1500, a truck above that up to ``max_weight_kg``), unless
``vehicle_type_id`` is given. The API takes no dimensions: a long barrier's length goes into
the pickup's ``note``.

**Booking once per key.** The API has no idempotency header; each point carries the key's
digest as ``client_order_id`` (at most 32 characters), and a booking first looks for an order
holding it (``GET /orders``, paged), so a retry after a lost answer finds the first order.

**The balance.** ``balance()`` reads the account's money from ``GET /client`` when the
answer has it (the reference does not confirm the field; ``None`` otherwise). An order the
balance cannot pay is refused with :class:`InsufficientBalanceError` (``insufficient_balance``),
never retried.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

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

__all__ = [
    "BACKEND",
    "TEST_URL",
    "VEHICLES",
    "DostavistaCourier",
    "InsufficientBalanceError",
]

BACKEND = "dostavista"
#: The test host (a token of the test cabinet).
TEST_URL = "https://robotapitest.dostavista.ru/api/business/1.4"
#: The production host.
PRODUCTION_URL = "https://robot.dostavista.ru/api/business/1.4"
#: The vehicle types by payload (kg), lightest first: car/pickup, small van, minibus,
#: «Газель»; a heavier load takes the truck (5).
VEHICLES: tuple[tuple[int, int], ...] = ((500, 1), (700, 2), (1000, 3), (1500, 4))
TRUCK = 5

_STATUS = {
    "draft": ShipmentStatus.CREATED,
    "new": ShipmentStatus.CREATED,
    "available": ShipmentStatus.CREATED,
    "active": ShipmentStatus.IN_TRANSIT,
    "delayed": ShipmentStatus.IN_TRANSIT,
    "reactivated": ShipmentStatus.IN_TRANSIT,
    "completed": ShipmentStatus.DELIVERED,
    "canceled": ShipmentStatus.CANCELLED,
}
_PAGES = 20  # orders looked through for a key: 20 pages of 50


class InsufficientBalanceError(CourierError):
    """The Dostavista account's balance cannot pay the order: top it up. Nothing was
    booked."""


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def _reference(key: str) -> str:
    """The key as a ``client_order_id`` (at most 32 characters)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class DostavistaCourier:
    """A Dostavista account: ``token`` is its API token (``X-DV-Auth-Token``)."""

    name = BACKEND

    def __init__(
        self,
        token: str,
        *,
        base_url: str = PRODUCTION_URL,
        timeout: float = 10.0,
        vehicle_type_id: int | None = None,
        max_weight_kg: int = 5000,
        payment_method: str = "balance",
        clock: Callable[[], datetime] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"X-DV-Auth-Token": token},
            transport=transport,
        )
        self._vehicle = vehicle_type_id
        self._max_kg = max_weight_kg
        self._payment = payment_method
        self._clock = clock or (lambda: datetime.now(UTC))
        self._closed = False

    # ------------------------------------------------------------------ the wire
    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Any = None,
        cities: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, json=body, params=params)
        except httpx.TimeoutException:
            raise CourierError(self.name, operation, "no answer in time") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise CourierError(
                self.name, operation, f"not reachable ({type(exc).__name__})"
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("is_successful"), bool):
            raise CourierError(
                self.name, operation, f"HTTP {response.status_code}: an answer that is not its JSON"
            )
        if answer["is_successful"]:
            return answer
        self._refused(answer, operation, cities)
        raise AssertionError("unreachable")  # pragma: no cover

    def _refused(self, answer: dict[str, Any], operation: str, cities: tuple[str, ...]) -> None:
        codes = tuple(str(c) for c in answer.get("errors") or ())
        found = answer.get("parameter_errors") or {}
        points = found.get("points") or [] if isinstance(found, dict) else []
        for i, point in enumerate(points):
            problems = (point or {}).get("address") or []
            if ("address_not_found" in problems or "different_regions" in problems) and i < len(
                cities
            ):
                raise UnservedCityError(self.name, operation, cities[i], codes=codes)
        weight = found.get("total_weight_kg") if isinstance(found, dict) else None
        if weight:
            raise ParcelRefusedError(
                self.name, operation, "weight_grams", ", ".join(map(str, weight)), codes=codes
            )
        if "route_not_found" in codes and cities:
            raise UnservedCityError(self.name, operation, cities[-1], codes=codes)
        if "insufficient_balance" in codes:
            raise InsufficientBalanceError(
                self.name, operation, "the account's balance cannot pay the order", codes=codes
            )
        raise CourierError(self.name, operation, ", ".join(codes) or "refused", codes=codes)

    # ------------------------------------------------------------------ the order
    def _vehicle_for(self, parcel: Parcel, operation: str) -> tuple[int, int]:
        kg = max(1, math.ceil(parcel.weight_grams / 1000))
        if kg > self._max_kg:
            raise ParcelRefusedError(
                self.name, operation, "weight_grams", f"{kg} kg is over {self._max_kg} kg"
            )
        if self._vehicle is not None:
            return self._vehicle, kg
        for payload, vehicle in VEHICLES:
            if kg <= payload:
                return vehicle, kg
        return TRUCK, kg

    def _order(
        self, parcel: Parcel, origin: str, destination: str, operation: str
    ) -> dict[str, Any]:
        vehicle, kg = self._vehicle_for(parcel, operation)
        order: dict[str, Any] = {
            "matter": parcel.description,
            "vehicle_type_id": vehicle,
            "total_weight_kg": kg,
            "insurance_amount": f"{parcel.declared_value.amount:.2f}",
            "points": [{"address": origin}, {"address": destination}],
        }
        if parcel.dimensions is not None:
            d = parcel.dimensions
            order["points"][0]["note"] = f"Габариты: {d.length_cm}×{d.width_cm}×{d.height_cm} см"
        return order

    def quote(self, origin: str, destination: str, parcel: Parcel) -> Quote:
        body = self._order(parcel, origin, destination, "quote")
        answer = self._call(
            "POST", "/calculate-order", "quote", body=body, cities=(origin, destination)
        )
        price = self._money(answer.get("order", {}).get("payment_amount"), "quote")
        return Quote(
            self.name, origin, destination, f"vehicle-{body['vehicle_type_id']}", price, 0, 0
        )

    def _money(self, value: object, operation: str) -> Money:
        try:
            return Money(Decimal(str(value)))
        except (InvalidOperation, ValueError, TypeError):
            raise CourierError(
                self.name, operation, f"a price that is not one: {value!r}"
            ) from None

    def _find(self, reference: str, operation: str) -> dict[str, Any] | None:
        since = (self._clock() - timedelta(days=7)).isoformat()
        for page in range(_PAGES):
            answer = self._call(
                "GET",
                "/orders",
                operation,
                params={"created_datetime_from": since, "offset": page * 50, "count": 50},
            )
            orders = answer.get("orders") or []
            for order in orders:
                points = order.get("points") or []
                if points and points[0].get("client_order_id") == reference:
                    return dict(order)
            if len(orders) < 50:
                return None
        return None

    def _booking(self, order: dict[str, Any], request: PickupRequest) -> Booking:
        points = order.get("points") or [{}]
        point = points[0].get("point_id")
        return Booking(
            self.name,
            request.key,
            str(order["order_id"]),
            order.get("order_name"),
            None if point is None else str(point),
            request.pickup_date,
        )

    def book_pickup(self, request: PickupRequest) -> Booking:
        reference = _reference(request.key)
        found = self._find(reference, "book_pickup")
        if found is not None:
            if found.get("status") == "canceled":
                raise CourierError(
                    self.name,
                    "book_pickup",
                    "the booking under this key was cancelled: use a new key",
                )
            return self._booking(found, request)
        origin = f"{request.sender.address.city}, {request.sender.address.line}".strip(", ")
        target = f"{request.recipient.address.city}, {request.recipient.address.line}".strip(", ")
        body = self._order(request.parcel, origin, target, "book_pickup")
        body["payment_method"] = self._payment
        for point, party in zip(body["points"], (request.sender, request.recipient), strict=True):
            point["contact_person"] = {"name": party.name, "phone": _digits(party.phone.e164)}
            point["client_order_id"] = reference
        start = datetime.combine(request.pickup_date, request.window_from).isoformat()
        body["points"][0]["required_start_datetime"] = start
        if request.comment:
            body["points"][0]["note"] = (
                body["points"][0].get("note", "") + " " + request.comment
            ).strip()
        cities = (request.sender.address.city, request.recipient.address.city)
        # a lost answer may hide a made order: a retry under the key finds it (above)
        answer = self._call("POST", "/create-order", "book_pickup", body=body, cities=cities)
        order = answer.get("order") or {}
        if not order.get("order_id"):
            raise CourierError(self.name, "book_pickup", "the answer has no order_id")
        return self._booking(order, request)

    def _lookup(self, order_id: str, operation: str) -> dict[str, Any]:
        if not order_id.isdigit():
            raise ShipmentNotFoundError(self.name, operation, order_id)
        answer = self._call("GET", "/orders", operation, params={"order_id[]": [order_id]})
        for order in answer.get("orders") or []:
            if str(order.get("order_id")) == order_id:
                return dict(order)
        raise ShipmentNotFoundError(self.name, operation, order_id)

    def track(self, order_id: str) -> Tracking:
        order = self._lookup(order_id, "track")
        status = _STATUS.get(str(order.get("status")), ShipmentStatus.IN_TRANSIT)
        history: tuple[TrackingStep, ...] = ()
        created = order.get("created_datetime")
        if isinstance(created, str):
            try:
                at = datetime.fromisoformat(created)
            except ValueError:
                at = None
            if at is not None and at.utcoffset() is not None:
                text = str(order.get("status_description") or order.get("status"))
                history = (TrackingStep(status, at, str(order.get("status")), text),)
        return Tracking(self.name, order_id, order.get("order_name"), status, history)

    def cancel(self, order_id: str) -> None:
        order = self._lookup(order_id, "cancel")
        if order.get("status") == "canceled":
            return
        self._call("POST", "/cancel-order", "cancel", body={"order_id": int(order_id)})

    def balance(self) -> Money | None:
        """The account's balance when ``GET /client`` tells it, else ``None``."""
        client = self._call("GET", "/client", "balance").get("client") or {}
        value = client.get("balance")
        return None if value is None else self._money(value, "balance")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._client.close()
