"""The courier port: quote a delivery, book a pickup, track it, cancel it.

A courier (a transport company such as CDEK, or the embedded offline one) is anything that
satisfies :class:`Courier`. Its results are frozen values: a :class:`Quote` (price and delivery
days to a city), a :class:`Booking` (the carrier's ids for a booked pickup) and a
:class:`Tracking` (where the parcel is, with its history). Its failures are
:class:`~clientops.errors.CourierError`, which names the backend and the operation; a city the
courier does not serve is :class:`~clientops.errors.UnservedCityError`.

**Booking is idempotent per key.** Every :class:`PickupRequest` carries a ``key`` chosen by the
caller (an outbox message's key, ``pickup:<order>``…). A courier books at most one pickup per
key: asking again with the same key, after a timeout or a crash, returns the booking made the
first time instead of making a second one. So a booking that failed for any reason can simply
be retried with the same key.

Example, with the offline courier that ships with clientops::

    >>> from datetime import date, datetime, UTC
    >>> from clientops import Money, Phone
    >>> from clientops.adapters.offline_courier import OfflineCourier
    >>> courier = OfflineCourier(clock=lambda: datetime(2025, 6, 23, 7, 0, tzinfo=UTC))
    >>> parcel = Parcel(weight_grams=1500, declared_value=Money(5000))
    >>> quote = courier.quote("Москва", "Омск", parcel)
    >>> quote.days_min, quote.days_max, str(quote.price)
    (4, 7, '747.50 RUB')
    >>> request = PickupRequest(
    ...     key="pickup:order-17",
    ...     parcel=parcel,
    ...     sender=Party("Смирнова Анна", Phone.parse("+7 495 123-45-67"),
    ...                  Address("Москва", "ул. Тверская, 1")),
    ...     recipient=Party("Иванов Пётр", Phone.parse("+7 3812 12-34-56"),
    ...                     Address("Омск", "ул. Ленина, 10"), company="ООО «Ромашка»"),
    ...     pickup_date=date(2025, 6, 24),
    ... )
    >>> booking = courier.book_pickup(request)
    >>> courier.book_pickup(request) == booking      # the same key books once
    True
    >>> courier.track(booking.order_id).status
    <ShipmentStatus.CREATED: 'created'>
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol, runtime_checkable

import attrs

from clientops._checks import aware, not_blank
from clientops.model import Money, Phone

__all__ = [
    "Address",
    "Booking",
    "Courier",
    "CourierFactory",
    "Dimensions",
    "Parcel",
    "Party",
    "PickupRequest",
    "Quote",
    "ShipmentStatus",
    "Tracking",
    "TrackingStep",
]


# --------------------------------------------------------------------------- validators


def _positive(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{attribute.name} must be a positive whole number, got {value!r}")


#: What an idempotency key may look like: printable ASCII without spaces (CDEK's order
#: ``number`` must be ASCII), at most 64 characters.
_KEY = re.compile(r"[\x21-\x7e]{1,64}")


def _key(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be 1 to 64 printable ASCII characters without spaces, "
            f"got {value!r}"
        )


# --------------------------------------------------------------------------- what is sent


@attrs.frozen
class Dimensions:
    """The outer size of a parcel in whole centimetres."""

    length_cm: int = attrs.field(validator=_positive)
    width_cm: int = attrs.field(validator=_positive)
    height_cm: int = attrs.field(validator=_positive)

    @property
    def volume_cm3(self) -> int:
        return self.length_cm * self.width_cm * self.height_cm


@attrs.frozen
class Parcel:
    """One parcel: its weight in grams, optionally its size, the value declared for insurance,
    and what is inside (the carrier prints it on the waybill)."""

    weight_grams: int = attrs.field(validator=_positive)
    dimensions: Dimensions | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Dimensions))
    )
    declared_value: Money = attrs.field(
        default=Money(0), validator=attrs.validators.instance_of(Money)
    )
    description: str = attrs.field(default="Документы", validator=not_blank)

    @declared_value.validator
    def _check_value(self, _: attrs.Attribute[Money], value: Money) -> None:
        if value.amount < 0:
            raise ValueError(f"declared_value must not be negative, got {value}")


@attrs.frozen
class Address:
    """Where a parcel is picked up or delivered: the city, and the street address in it."""

    city: str = attrs.field(validator=not_blank)
    line: str = ""
    postal_code: str | None = None


@attrs.frozen
class Party:
    """A sender or a recipient: the person to call, their phone, their address, and the
    organisation when there is one."""

    name: str = attrs.field(validator=not_blank)
    phone: Phone = attrs.field(validator=attrs.validators.instance_of(Phone))
    address: Address = attrs.field(validator=attrs.validators.instance_of(Address))
    company: str | None = None
    email: str | None = None


@attrs.frozen
class PickupRequest:
    """Ask a courier to collect ``parcel`` from ``sender`` on ``pickup_date`` between
    ``window_from`` and ``window_to`` (the sender's local time) and to deliver it to
    ``recipient``.

    ``key`` is the caller's idempotency key: a courier books at most one pickup per key.
    Reuse it to retry; choose a new one for a new pickup.
    """

    key: str = attrs.field(validator=_key)
    parcel: Parcel = attrs.field(validator=attrs.validators.instance_of(Parcel))
    sender: Party = attrs.field(validator=attrs.validators.instance_of(Party))
    recipient: Party = attrs.field(validator=attrs.validators.instance_of(Party))
    pickup_date: date = attrs.field(validator=attrs.validators.instance_of(date))
    window_from: time = attrs.field(default=time(10, 0))
    window_to: time = attrs.field(default=time(18, 0))
    comment: str = ""

    @window_to.validator
    def _check_window(self, _: attrs.Attribute[time], value: time) -> None:
        if value <= self.window_from:
            raise ValueError(
                f"the pickup window must end after it starts ({self.window_from:%H:%M}-"
                f"{value:%H:%M})"
            )


# --------------------------------------------------------------------------- what comes back


@attrs.frozen
class Quote:
    """What a delivery from ``origin`` to ``destination`` costs and how long it takes.

    ``days_min``/``days_max`` count calendar days from the pickup; ``tariff`` is the carrier's
    tariff that was priced (CDEK's tariff code, the offline courier's zone).
    """

    courier: str
    origin: str
    destination: str
    tariff: str
    price: Money
    days_min: int = attrs.field(validator=attrs.validators.ge(0))
    days_max: int = attrs.field()

    @days_max.validator
    def _check_days(self, _: attrs.Attribute[int], value: int) -> None:
        if value < self.days_min:
            raise ValueError(f"days_max ({value}) is less than days_min ({self.days_min})")

    def delivery_window(self, pickup_date: date) -> tuple[date, date]:
        """The earliest and the latest delivery date for a parcel picked up on that day.

        >>> Quote("offline", "Москва", "Омск", "zone-3", Money(700), 4, 7).delivery_window(
        ...     date(2025, 6, 24))
        (datetime.date(2025, 6, 28), datetime.date(2025, 7, 1))
        """
        return (
            pickup_date + timedelta(days=self.days_min),
            pickup_date + timedelta(days=self.days_max),
        )


@attrs.frozen
class Booking:
    """A booked pickup: the carrier's order id (what :meth:`Courier.track` and
    :meth:`Courier.cancel` take), the tracking number to give the client once the carrier has
    assigned one, and the id of the courier visit (pickup) when the carrier has one."""

    courier: str
    key: str
    order_id: str
    tracking_number: str | None
    pickup_id: str | None
    pickup_date: date


class ShipmentStatus(enum.Enum):
    """Where a shipment is, in the carrier-independent terms of clientops."""

    #: registered with the carrier, waiting for the pickup
    CREATED = "created"
    #: collected from the sender or received at the carrier's warehouse
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    #: in the recipient's city, at a warehouse or a pickup point
    ARRIVED = "arrived"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    #: the recipient did not take it; it goes back to the sender
    NOT_DELIVERED = "not_delivered"
    CANCELLED = "cancelled"
    #: the carrier found the order invalid; it will not move until fixed
    PROBLEM = "problem"

    @property
    def label(self) -> str:
        """The status as the client department says it."""
        return _LABELS[self]

    @property
    def is_final(self) -> bool:
        """Nothing more will happen to the shipment."""
        return self in (
            ShipmentStatus.DELIVERED,
            ShipmentStatus.NOT_DELIVERED,
            ShipmentStatus.CANCELLED,
        )


_LABELS = {
    ShipmentStatus.CREATED: "Заказ создан, ждёт курьера",
    ShipmentStatus.PICKED_UP: "Забран у отправителя",
    ShipmentStatus.IN_TRANSIT: "В пути",
    ShipmentStatus.ARRIVED: "Прибыл в город получателя",
    ShipmentStatus.OUT_FOR_DELIVERY: "Передан курьеру на доставку",
    ShipmentStatus.DELIVERED: "Вручён",
    ShipmentStatus.NOT_DELIVERED: "Не вручён, возвращается отправителю",
    ShipmentStatus.CANCELLED: "Отменён",
    ShipmentStatus.PROBLEM: "Ошибка в заказе",
}


@attrs.frozen
class TrackingStep:
    """One step in a shipment's history: the status it led to, when, the carrier's own code
    and wording, and the city where it happened when known."""

    status: ShipmentStatus
    at: datetime = attrs.field(validator=aware)
    code: str
    description: str
    city: str | None = None


@attrs.frozen
class Tracking:
    """Where a shipment is: its current ``status`` and its ``history``, oldest first."""

    courier: str
    order_id: str
    tracking_number: str | None
    status: ShipmentStatus
    history: tuple[TrackingStep, ...] = attrs.field(
        default=(),
        validator=attrs.validators.deep_iterable(
            attrs.validators.instance_of(TrackingStep), attrs.validators.instance_of(tuple)
        ),
    )


# --------------------------------------------------------------------------- the port


@runtime_checkable
class Courier(Protocol):
    """A transport company, as clientops uses it.

    ``name`` says which backend it is; every :class:`~clientops.errors.CourierError` it raises
    carries that name and the operation (``quote``, ``book_pickup``, ``track``, ``cancel``).
    """

    name: str

    def quote(self, origin: str, destination: str, parcel: Parcel) -> Quote:
        """The price and delivery days for ``parcel`` from one city to another.
        :class:`~clientops.errors.UnservedCityError` when either city is not served."""

    def book_pickup(self, request: PickupRequest) -> Booking:
        """Book the pickup and the delivery. At most one per ``request.key``: the same key
        again returns the first booking, even when the first call raised after the carrier
        had in fact booked. A call that raises has not booked anything new that a retry with
        the same key would not find."""

    def track(self, order_id: str) -> Tracking:
        """Where the shipment of a booking is. :class:`~clientops.errors.ShipmentNotFoundError`
        for an order id the courier does not know."""

    def cancel(self, order_id: str) -> None:
        """Cancel a booking (the order and its pickup). Cancelling a cancelled booking does
        nothing; a parcel already on its way cannot be cancelled (CourierError)."""

    def close(self) -> None:
        """Release connections. Idempotent."""


#: What a courier plugin registers under a name: builds a courier from keyword options
#: (credentials, a table of cities…), as :meth:`clientops.PluginHost.open_courier` passes them.
CourierFactory = Callable[..., Courier]
