"""The embedded courier: works offline from a table of cities, registered as ``offline``.

It answers the way a transport company would, without a network, so that clientops, its
examples and its tests run anywhere. Quotes come from two tables shipped with clientops and
replaceable by your own:

* **cities** (``data/courier_cities.csv``): ``city,region,latitude,longitude,extra_days``, the
  Russian regional centres and large cities. ``extra_days`` is added to every delivery to or
  from a remote city (Norilsk, Magadan…). A city not in the table is not served.
* **zones** (``data/courier_zones.csv``): ``zone,max_km,days_min,days_max,base_price,
  price_per_kg``. The zone of a route is the first whose ``max_km`` is at least the
  great-circle distance between the two cities (an empty ``max_km`` covers any distance).

The price is ``base_price + price_per_kg × started kilograms + declared value ×
insurance_rate``, rounded to kopecks. The weight charged is the larger of the real weight and
the volumetric one (``length × width × height / 5000`` kg, as carriers count it).

City names match regardless of case, of ``ё``/``е`` and of a leading ``г.``::

    >>> from clientops.courier import Parcel
    >>> courier = OfflineCourier()
    >>> quote = courier.quote("г. Москва", "ОРЕЛ", Parcel(weight_grams=800))
    >>> quote.destination, quote.tariff, quote.days_min, quote.days_max, str(quote.price)
    ('Орёл', 'zone-1', 2, 3, '380.00 RUB')

Bookings live in memory, in this object. Its ids are derived from the booking's key, so the
same key gives the same order id and tracking number in every run. Tracking follows the
clock: the parcel is collected at the start of the pickup window, is on its way that evening,
and is delivered halfway between the quote's earliest and latest day.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from zoneinfo import ZoneInfo

import attrs

from clientops._sources import read_source
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
    FieldError,
    ParcelRefusedError,
    ShipmentNotFoundError,
    UnservedCityError,
    ValidationError,
)
from clientops.hookspecs import RegisterCourier, hookimpl
from clientops.model import Money, city_key

__all__ = ["OfflineCity", "OfflineCourier", "OfflineZone", "load_cities", "load_zones"]

BACKEND = "offline"
_EARTH_RADIUS_KM = 6371.0
#: Volumetric weight: cubic centimetres per kilogram.
_CM3_PER_KG = 5000
#: The heaviest parcel the offline courier carries unless told otherwise: 30 kg, the limit of
#: the parcel tariffs of the large Russian carriers.
DEFAULT_MAX_WEIGHT_GRAMS = 30_000


@attrs.frozen
class OfflineCity:
    """A row of the city table."""

    city: str
    region: str
    latitude: float
    longitude: float
    extra_days: int = 0


@attrs.frozen
class OfflineZone:
    """A row of the zone table: routes up to ``max_km`` (``None``: any distance)."""

    zone: int
    max_km: int | None
    days_min: int
    days_max: int
    base_price: Money
    price_per_kg: Money


# --------------------------------------------------------------------------- tables

TableSource = str | os.PathLike[str] | Iterable[OfflineCity]
ZoneSource = str | os.PathLike[str] | Iterable[OfflineZone]


def _read_csv(
    source: str | os.PathLike[str] | None, shipped: str, subject: str
) -> list[tuple[int, dict[str, str]]]:
    if source is None:
        text = (resources.files("clientops.adapters") / "data" / shipped).read_text("utf-8")
    else:
        try:
            data = read_source(source, name="path", subject=subject, content=False)
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                [FieldError("path", f"{os.fspath(source)!r} is not UTF-8 text")], subject=subject
            ) from None
        except OSError as exc:
            raise ValidationError(
                [FieldError("path", f"cannot read {os.fspath(source)!r}: {exc.strerror}")],
                subject=subject,
            ) from None
    reader = csv.DictReader(io.StringIO(text))
    return [(number, row) for number, row in enumerate(reader, start=2)]


def _field(
    row: dict[str, str],
    name: str,
    line: int,
    errors: list[FieldError],
    parse: Callable[[str], object],
) -> object:
    raw = (row.get(name) or "").strip()
    if not raw:
        errors.append(FieldError(f"line {line}: {name}", "required"))
        return None
    try:
        return parse(raw)
    except (ValueError, InvalidOperation):
        errors.append(FieldError(f"line {line}: {name}", f"{raw!r} is not valid"))
        return None


def load_cities(path: str | os.PathLike[str] | None = None) -> tuple[OfflineCity, ...]:
    """Read a city table (``city,region,latitude,longitude,extra_days``; the shipped one when
    ``path`` is ``None``). Raises ValidationError naming every bad line and column."""
    subject = "courier city table"
    errors: list[FieldError] = []
    cities: list[OfflineCity] = []
    for line, row in _read_csv(path, "courier_cities.csv", subject):
        name = (row.get("city") or "").strip()
        if not name:
            errors.append(FieldError(f"line {line}: city", "required"))
        lat = _field(row, "latitude", line, errors, float)
        lon = _field(row, "longitude", line, errors, float)
        extra = (row.get("extra_days") or "0").strip() or "0"
        days = _field({"extra_days": extra}, "extra_days", line, errors, int)
        if isinstance(lat, float) and not -90 <= lat <= 90:
            errors.append(FieldError(f"line {line}: latitude", f"{lat} is out of range"))
        if isinstance(lon, float) and not -180 <= lon <= 180:
            errors.append(FieldError(f"line {line}: longitude", f"{lon} is out of range"))
        if isinstance(days, int) and days < 0:
            errors.append(FieldError(f"line {line}: extra_days", "must not be negative"))
        if name and isinstance(lat, float) and isinstance(lon, float) and isinstance(days, int):
            region = (row.get("region") or "").strip()
            cities.append(OfflineCity(name, region, lat, lon, days))
    if errors:
        raise ValidationError(errors, subject=subject)
    return tuple(cities)


def load_zones(path: str | os.PathLike[str] | None = None) -> tuple[OfflineZone, ...]:
    """Read a zone table (``zone,max_km,days_min,days_max,base_price,price_per_kg``, prices
    in roubles; the shipped one when ``path`` is ``None``). An empty ``max_km`` covers any
    distance. Raises ValidationError naming every bad line and column."""
    subject = "courier zone table"
    errors: list[FieldError] = []
    zones: list[OfflineZone] = []
    for line, row in _read_csv(path, "courier_zones.csv", subject):
        values = [
            _field(row, name, line, errors, parse)
            for name, parse in (
                ("zone", int),
                ("days_min", int),
                ("days_max", int),
                ("base_price", Decimal),
                ("price_per_kg", Decimal),
            )
        ]
        raw_km = (row.get("max_km") or "").strip()
        max_km: int | None = None
        if raw_km:
            parsed = _field(row, "max_km", line, errors, int)
            max_km = parsed if isinstance(parsed, int) else None
        zone, days_min, days_max, base, per_kg = values
        if (
            isinstance(zone, int)
            and isinstance(days_min, int)
            and isinstance(days_max, int)
            and isinstance(base, Decimal)
            and isinstance(per_kg, Decimal)
        ):
            if not 0 <= days_min <= days_max:
                errors.append(FieldError(f"line {line}: days_max", "must be ≥ days_min ≥ 0"))
            elif base < 0 or per_kg < 0:
                errors.append(FieldError(f"line {line}: base_price", "prices must be ≥ 0"))
            else:
                zones.append(
                    OfflineZone(zone, max_km, days_min, days_max, Money(base), Money(per_kg))
                )
    if errors:
        raise ValidationError(errors, subject=subject)
    return tuple(zones)


# --------------------------------------------------------------------------- the courier

_CITY_PREFIX = re.compile(r"^(?:г\.|г |город )\s*", re.IGNORECASE)


def _lookup_key(name: str) -> str:
    return city_key(_CITY_PREFIX.sub("", name.strip()))


def _distance_km(a: OfflineCity, b: OfflineCity) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@attrs.define
class _Shipment:
    booking: Booking
    request: PickupRequest
    quote: Quote
    origin: str
    destination: str
    booked_at: datetime
    cancelled_at: datetime | None = None


class OfflineCourier:
    """The offline courier. ``cities`` and ``zones`` replace the shipped tables: a path to a
    CSV file, or rows (:class:`OfflineCity`, :class:`OfflineZone`). ``clock`` gives the
    current time (for "is the pickup date past?" and for tracking); ``timezone`` is the one
    the pickup windows are in. ``max_weight_grams`` is the heaviest parcel carried (the
    weight charged: the volumetric one when larger); a heavier one is refused with
    :class:`~clientops.errors.ParcelRefusedError` (``field`` ``weight_grams``)."""

    name = BACKEND

    def __init__(
        self,
        *,
        cities: TableSource | None = None,
        zones: ZoneSource | None = None,
        insurance_rate: Decimal | str = "0.0075",
        clock: Callable[[], datetime] | None = None,
        timezone: str = "Europe/Moscow",
        max_weight_grams: int = DEFAULT_MAX_WEIGHT_GRAMS,
    ) -> None:
        if (
            not isinstance(max_weight_grams, int)
            or isinstance(max_weight_grams, bool)
            or max_weight_grams <= 0
        ):
            raise ValidationError(
                [
                    FieldError(
                        "max_weight_grams",
                        f"must be a positive whole number of grams, got {max_weight_grams!r}",
                    )
                ]
            )
        self._max_grams = max_weight_grams
        rows = (
            load_cities(cities)
            if cities is None or isinstance(cities, (str, os.PathLike))
            else tuple(cities)
        )
        self._cities = {_lookup_key(c.city): c for c in rows}
        if not self._cities:
            raise ValidationError([FieldError("cities", "the table is empty")])
        zone_rows = (
            load_zones(zones)
            if zones is None or isinstance(zones, (str, os.PathLike))
            else tuple(zones)
        )
        if not zone_rows:
            raise ValidationError([FieldError("zones", "the table is empty")])
        self._zones = tuple(
            sorted(zone_rows, key=lambda z: math.inf if z.max_km is None else z.max_km)
        )
        self._insurance_rate = Decimal(insurance_rate)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._tz = ZoneInfo(timezone)
        self._by_key: dict[str, _Shipment] = {}
        self._by_order: dict[str, _Shipment] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ queries
    def cities(self) -> tuple[str, ...]:
        """The names of the cities served, sorted."""
        return tuple(sorted(c.city for c in self._cities.values()))

    def _city(self, name: str, operation: str) -> OfflineCity:
        found = self._cities.get(_lookup_key(name))
        if found is None:
            raise UnservedCityError(self.name, operation, name)
        return found

    def _quote(self, origin: str, destination: str, parcel: Parcel, operation: str) -> Quote:
        a = self._city(origin, operation)
        b = self._city(destination, operation)
        km = 0.0 if a == b else _distance_km(a, b)
        zone = next((z for z in self._zones if z.max_km is None or km <= z.max_km), None)
        if zone is None:
            raise CourierError(
                self.name, operation, f"no zone covers {a.city} – {b.city} ({km:.0f} km)"
            )
        grams = parcel.weight_grams
        if parcel.dimensions is not None:
            grams = max(grams, math.ceil(parcel.dimensions.volume_cm3 * 1000 / _CM3_PER_KG))
        if grams > self._max_grams:
            raise ParcelRefusedError(
                self.name,
                operation,
                "weight_grams",
                f"{grams} g charged is more than the {self._max_grams} g this courier carries",
            )
        kilograms = math.ceil(grams / 1000)
        price = zone.base_price + zone.price_per_kg * kilograms
        if parcel.declared_value.currency != price.currency:
            raise CourierError(
                self.name,
                operation,
                f"the declared value is in {parcel.declared_value.currency}; "
                f"this courier insures in {price.currency}",
            )
        price = (price + parcel.declared_value * self._insurance_rate).rounded()
        extra = a.extra_days + b.extra_days
        return Quote(
            courier=self.name,
            origin=a.city,
            destination=b.city,
            tariff=f"zone-{zone.zone}",
            price=price,
            days_min=zone.days_min + extra,
            days_max=zone.days_max + extra,
        )

    def quote(self, origin: str, destination: str, parcel: Parcel) -> Quote:
        return self._quote(origin, destination, parcel, "quote")

    # ------------------------------------------------------------------ bookings
    def bookings(self) -> tuple[Booking, ...]:
        """Every booking this courier holds (cancelled ones included), oldest first."""
        with self._lock:
            return tuple(s.booking for s in self._by_key.values())

    def book_pickup(self, request: PickupRequest) -> Booking:
        """Book in memory. The same key returns the first booking; a booking that fails
        (an unserved city, a past date) leaves nothing behind."""
        operation = "book_pickup"
        with self._lock:
            known = self._by_key.get(request.key)
            if known is not None:
                if known.cancelled_at is not None:
                    raise CourierError(
                        self.name,
                        operation,
                        f"the booking with key {request.key!r} was cancelled; "
                        "book again with a new key",
                    )
                return known.booking
            quote = self._quote(
                request.sender.address.city,
                request.recipient.address.city,
                request.parcel,
                operation,
            )
            now = self._clock()
            if request.pickup_date < now.astimezone(self._tz).date():
                raise CourierError(
                    self.name, operation, f"the pickup date {request.pickup_date} is in the past"
                )
            digest = _digest(request.key)
            booking = Booking(
                courier=self.name,
                key=request.key,
                order_id=f"OFF-{digest[:12].upper()}",
                tracking_number=f"{int(digest[:15], 16) % 10**10:010d}",
                pickup_id=f"PU-{digest[12:20].upper()}",
                pickup_date=request.pickup_date,
            )
            shipment = _Shipment(
                booking, request, quote, quote.origin, quote.destination, booked_at=now
            )
            self._by_key[request.key] = shipment
            self._by_order[booking.order_id] = shipment
            return booking

    def _shipment(self, order_id: str, operation: str) -> _Shipment:
        found = self._by_order.get(order_id)
        if found is None:
            raise ShipmentNotFoundError(self.name, operation, order_id)
        return found

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self._tz)

    def _timeline(self, s: _Shipment) -> list[tuple[ShipmentStatus, datetime, str]]:
        request, quote = s.request, s.quote
        delivery_day = request.pickup_date + timedelta(
            days=max(1, (quote.days_min + quote.days_max) // 2)
        )
        picked_up = self._at(request.pickup_date, request.window_from)
        departed = self._at(request.pickup_date, request.window_to)
        return [
            (ShipmentStatus.CREATED, s.booked_at, s.origin),
            (ShipmentStatus.PICKED_UP, picked_up, s.origin),
            (ShipmentStatus.IN_TRANSIT, departed, s.origin),
            (ShipmentStatus.ARRIVED, self._at(delivery_day, time(8, 0)), s.destination),
            (ShipmentStatus.OUT_FOR_DELIVERY, self._at(delivery_day, time(10, 0)), s.destination),
            (ShipmentStatus.DELIVERED, self._at(delivery_day, time(14, 0)), s.destination),
        ]

    def track(self, order_id: str) -> Tracking:
        with self._lock:
            s = self._shipment(order_id, "track")
            now = self._clock()
            steps = [(st, at, city) for st, at, city in self._timeline(s) if at <= now]
            if not steps:  # a clock behind the booking time: the booking still exists
                steps = self._timeline(s)[:1]
            if s.cancelled_at is not None:
                steps = [*steps[:1], (ShipmentStatus.CANCELLED, s.cancelled_at, s.origin)]
            history = tuple(
                TrackingStep(status=st, at=at, code=st.name, description=st.label, city=city)
                for st, at, city in steps
            )
            return Tracking(
                courier=self.name,
                order_id=order_id,
                tracking_number=s.booking.tracking_number,
                status=history[-1].status,
                history=history,
            )

    def cancel(self, order_id: str) -> None:
        """Cancel a booking whose parcel has not been collected yet."""
        with self._lock:
            s = self._shipment(order_id, "cancel")
            if s.cancelled_at is not None:
                return
            now = self._clock()
            collected = self._at(s.request.pickup_date, s.request.window_from)
            if now >= collected:
                raise CourierError(
                    self.name,
                    "cancel",
                    f"the parcel of {order_id} was collected at {collected:%Y-%m-%d %H:%M}; "
                    "it can no longer be cancelled",
                )
            s.cancelled_at = now

    def close(self) -> None:
        """Nothing to release; bookings stay readable."""


@hookimpl
def clientops_register_courier(register: RegisterCourier) -> None:
    register(BACKEND, OfflineCourier)
