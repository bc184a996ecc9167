"""The values of equipment supply (seed 002, processes 1, 3–6, 9, 10, 13, 15, 17): a purchase
from a supplier, the stock of the warehouses, a shipment to a client, the client's site and its
installation, a pilot that turns into a paying subscription, and the client's cloud.

Each record is a frozen attrs value with an ``id``, the ``client_id`` it belongs to (``None``
for a purchase for the warehouse and for a stock level) and a ``version`` counting its stored
changes. They are moved by the pure rules of :mod:`clientops.rules.supply`; a step out of order
raises :class:`~clientops.errors.TransitionError`.

    >>> from datetime import date
    >>> offer = SupplierOffer("ООО «Шлагбаум-Снаб»", "Шлагбаум BR-6", Money(98000), 3, 5)
    >>> offer.total(2), offer.arrives(date(2026, 12, 7))
    (Money(amount=Decimal('196000'), currency='RUB'), datetime.date(2026, 12, 12))
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs

from clientops._fields import check_date, check_price, check_required, checked, validate_fields
from clientops.errors import ClientopsError, FieldError, ValidationError
from clientops.events import Event
from clientops.model import ClientId, Money
from clientops.service_visits import TechFacts

__all__ = [
    "KINDS",
    "Acceptance",
    "CarrierKind",
    "CheckIn",
    "CloudProvisioner",
    "CloudSetup",
    "CloudStep",
    "CloudStepDone",
    "CourierBalance",
    "GoodsReceived",
    "Installation",
    "InstallationDone",
    "InstallationScheduled",
    "InstallationStage",
    "OutOfStockError",
    "Pilot",
    "PilotConverted",
    "PilotStage",
    "PricePoint",
    "Purchase",
    "PurchaseOrdered",
    "PurchaseStage",
    "Reservation",
    "Shipment",
    "ShipmentAccepted",
    "ShipmentBooked",
    "ShipmentLine",
    "ShipmentStage",
    "ShippingDocumentsSigned",
    "Site",
    "StockLevel",
    "SupplierItem",
    "SupplierOffer",
    "SupplyPolicy",
    "stock_id",
    "supplier_item_id",
]


def _count(minimum: int) -> Any:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ValidationError(
                [FieldError(attribute.name, f"must be a whole number of at least {minimum}")],
                subject=type(instance).__name__,
            )

    return check


def _texts(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(
            [FieldError(attribute.name, "must be a tuple of non-blank strings")],
            subject=type(instance).__name__,
        )


def _optional_date(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check_date(instance, attribute, value)


# --------------------------------------------------------------------------- the policy


@attrs.frozen
class SupplyPolicy:
    """Every number of the supply rules (``Policy.supply``).

    ``offer_order`` ranks suppliers' offers: by ``"price"`` (the total for the quantity)
    first, then by ``"days"`` (delivery time) by default; ``("days", "price")`` puts speed
    first. An offer whose stock is short of the quantity is not chosen while another one
    covers it. ``home_city`` is where the warehouses are: a shipment there goes by courier,
    elsewhere by transport company whatever its size; there, one heavier than
    ``large_vehicle_grams`` or longer than ``large_vehicle_length_cm`` (barriers, turnstiles,
    booms) needs a large vehicle.
    """

    offer_order: tuple[str, ...] = ("price", "days")
    warehouses: tuple[str, ...] = ("Склад в бизнес-парке", "Офис")
    home_city: str = "Москва"
    large_vehicle_grams: int = 50_000
    large_vehicle_length_cm: int = 150
    #: days to pay a supplier's bill when its due date is not given
    bill_payment_days: int = 3
    #: days after delivery within which the closing documents must come back signed
    documents_sign_days: int = 10
    #: a pilot's feedback call every so many days
    pilot_check_in_days: int = 7
    #: how many days ahead the agenda warns of a deadline (a supplier's shipping date, a
    #: pilot's end)
    warn_days: int = 2
    #: a courier account's balance below this (Dostavista's, read before booking) is on the
    #: agenda: top it up before the next order is refused
    min_courier_balance: Money = Money(5000)
    #: the words of the agenda's supply items (the names are printed as they are written:
    #: «ООО «Ромашка»» would quote them twice)
    supplier_late: str = "Поставщик {supplier} не отгрузил «{item}» к {day}"
    supplier_due: str = "Поставщик {supplier} должен отгрузить «{item}» до {day}"
    delivery_late: str = "Отгрузка клиенту {client} не доставлена к {day}"
    documents_unsigned: str = (
        "Закрывающие документы по отгрузке клиенту {client} не подписаны с {day}"
    )
    check_in: str = "Узнать у клиента {client}, как работает оборудование пилота"
    pilot_end: str = "Пилот клиента {client} заканчивается {day}: договориться об оплате"
    low_balance: str = "Баланс {courier}: {balance}, ниже {minimum} — пополнить счёт"
    #: the employee whose agenda carries the supply items of no client (a purchase for the
    #: warehouse, a courier's balance, a supplier's prices); ``None``: every client manager's
    responsible: str | None = None
    #: a supplier's price of an item risen by more than this percentage since its previous
    #: price list is on the agenda, for ``price_watch_days`` days from the list's day
    price_rise_percent: Decimal = Decimal(5)
    price_watch_days: int = 7
    #: the shipping papers :meth:`~clientops.supply.Supply.shipping_papers` draws:
    #: ``"consignment_note"`` (ТОРГ-12) or ``"upd"`` (УПД)
    shipping_form: str = "consignment_note"
    price_rise: str = "Поставщик {supplier} поднял цену «{item}» на {percent}%: {old} → {new}"
    supplier_short: str = (
        "У поставщика {supplier} на складе {in_stock} «{item}», а заказано {wanted}"
    )
    nobody_has: str = "Ни у одного поставщика нет {wanted} «{item}»: искать другого поставщика"

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if not self.offer_order or not set(self.offer_order) <= {"price", "days"}:
            errors.append(FieldError("offer_order", "must name 'price' and/or 'days'"))
        if len(self.warehouses) < 1 or len(set(self.warehouses)) != len(self.warehouses):
            errors.append(FieldError("warehouses", "must name at least one warehouse, once"))
        for name in (
            "large_vehicle_grams",
            "large_vehicle_length_cm",
            "bill_payment_days",
            "documents_sign_days",
            "pilot_check_in_days",
            "price_watch_days",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                errors.append(FieldError(name, "must be a whole number of at least 1"))
        rise = self.price_rise_percent
        if not isinstance(rise, (Decimal, int)) or isinstance(rise, bool) or not rise >= 0:
            errors.append(FieldError("price_rise_percent", "must be a Decimal of at least 0"))
        if self.shipping_form not in ("consignment_note", "upd"):
            errors.append(FieldError("shipping_form", "must be 'consignment_note' or 'upd'"))
        if self.responsible is not None and not str(self.responsible).strip():
            errors.append(FieldError("responsible", "must name an employee or be None"))
        if errors:
            raise ValidationError(errors, subject="SupplyPolicy")


# --------------------------------------------------------------------------- purchases


@attrs.frozen
class SupplierOffer:
    """What a supplier offers for an item: the price of one, how many they have in stock,
    in how many days they deliver."""

    supplier: str = attrs.field(metadata=checked(check_required))
    item: str = attrs.field(metadata=checked(check_required))
    unit_price: Money = attrs.field(metadata=checked(check_price))
    in_stock: int = attrs.field(metadata=checked(_count(0)))
    delivery_days: int = attrs.field(metadata=checked(_count(0)))
    supplier_inn: str | None = None

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    def total(self, quantity: int) -> Money:
        return Money(self.unit_price.amount * quantity, self.unit_price.currency)

    def arrives(self, ordered_on: date) -> date:
        return ordered_on + timedelta(days=self.delivery_days)


class PurchaseStage(enum.Enum):
    #: offers gathered, none chosen yet
    OFFERS = "offers"
    #: the best offer chosen, its bill in the payment plan; waiting for the goods
    ORDERED = "ordered"
    #: the goods accepted into a warehouse
    RECEIVED = "received"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "offers": "Сбор предложений",
            "ordered": "Заказано у поставщика",
            "received": "Принято на склад",
            "cancelled": "Отменено",
        }[self.value]


@attrs.frozen
class Acceptance:
    """The goods taken in: on ``day``, on site or remotely (by photos, given by reference),
    how many arrived, their serial numbers, and what did not match."""

    day: date
    received: int
    remote: bool = False
    photos: tuple[str, ...] = ()
    serials: tuple[str, ...] = ()
    discrepancies: tuple[str, ...] = ()


@attrs.frozen
class Purchase:
    """A purchase of ``quantity`` of ``item`` from a supplier, for the warehouse or for a
    client's project (``client_id``). ``bill_id`` is its bill in the payment plan
    (:class:`~clientops.billing.SupplierBill`); ``due_on`` the day the supplier must ship by."""

    id: str = attrs.field(metadata=checked(check_required))
    item: str = attrs.field(metadata=checked(check_required))
    quantity: int = attrs.field(metadata=checked(_count(1)))
    requested_on: date = attrs.field(metadata=checked(check_date))
    warehouse: str = attrs.field(metadata=checked(check_required))
    client_id: ClientId | None = None
    offers: tuple[SupplierOffer, ...] = ()
    stage: PurchaseStage = PurchaseStage.OFFERS
    chosen: SupplierOffer | None = None
    bill_id: str | None = None
    due_on: date | None = attrs.field(default=None, metadata=checked(_optional_date))
    acceptance: Acceptance | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    @property
    def is_open(self) -> bool:
        return self.stage in (PurchaseStage.OFFERS, PurchaseStage.ORDERED)


# --------------------------------------------------------------------------- stock


def stock_id(warehouse: str, item: str) -> str:
    """The id of the stock level of ``item`` at ``warehouse``."""
    return f"{warehouse}\x1f{item}"


@attrs.frozen
class Reservation:
    """Units set aside for a shipment, with the serial numbers taken when known."""

    shipment_id: str
    quantity: int
    serials: tuple[str, ...] = ()


@attrs.frozen
class StockLevel:
    """How many of ``item`` are at ``warehouse`` (``quantity``, reserved ones included), the
    serial numbers of those that have one, and the reservations for shipments."""

    warehouse: str
    item: str
    quantity: int = 0
    serials: tuple[str, ...] = ()
    reservations: tuple[Reservation, ...] = ()
    version: int = 0

    @property
    def id(self) -> str:
        return stock_id(self.warehouse, self.item)

    @property
    def client_id(self) -> ClientId | None:
        return None

    @property
    def is_open(self) -> bool:
        return self.quantity > 0

    @property
    def reserved(self) -> int:
        return sum(r.quantity for r in self.reservations)

    @property
    def free(self) -> int:
        """What may still be reserved."""
        return self.quantity - self.reserved


class OutOfStockError(ClientopsError):
    """A shipment or a move asked for more of an item than a warehouse has free. Nothing was
    changed. ``path`` names the line of the request."""

    def __init__(self, path: str, *, item: str, warehouse: str, wanted: int, free: int) -> None:
        self.path, self.item, self.warehouse = path, item, warehouse
        self.wanted, self.free = wanted, free
        super().__init__(f"{path}: {wanted} of {item!r} wanted at {warehouse!r}, only {free} free")


# --------------------------------------------------------------------------- shipments


class CarrierKind(enum.Enum):
    """Who carries a shipment: a courier in town, a transport company between cities, a large
    vehicle for oversized equipment."""

    COURIER = "courier"
    TRANSPORT_COMPANY = "transport_company"
    LARGE_VEHICLE = "large_vehicle"

    @property
    def label(self) -> str:
        return {
            "courier": "курьер по городу",
            "transport_company": "транспортная компания",
            "large_vehicle": "грузовой автомобиль",
        }[self.value]


class ShipmentStage(enum.Enum):
    #: the goods reserved, not booked with a carrier yet
    PLANNED = "planned"
    #: booked with the carrier, the goods issued from the warehouse
    BOOKED = "booked"
    #: the carrier delivered it
    DELIVERED = "delivered"
    #: the client accepted the equipment; the closing documents are awaited
    ACCEPTED = "accepted"
    #: the closing documents came back signed
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "planned": "Запланирована",
            "booked": "Передана перевозчику",
            "delivered": "Доставлена",
            "accepted": "Принята клиентом",
            "closed": "Документы подписаны",
            "cancelled": "Отменена",
        }[self.value]


@attrs.frozen
class ShipmentLine:
    """What goes: ``quantity`` of ``item`` from ``warehouse``, its weight per unit, whether
    it is oversized, and its price for the shipping papers."""

    item: str = attrs.field(metadata=checked(check_required))
    quantity: int = attrs.field(metadata=checked(_count(1)))
    warehouse: str = attrs.field(metadata=checked(check_required))
    unit_grams: int = attrs.field(default=1000, metadata=checked(_count(1)))
    length_cm: int = attrs.field(default=30, metadata=checked(_count(1)))
    unit_price: Money = attrs.field(default=Money(0), metadata=checked(check_price))

    def __attrs_post_init__(self) -> None:
        validate_fields(self)


@attrs.frozen
class Shipment:
    """A shipment to a client, for ``reason`` (an onboarding parcel, an order, equipment),
    to ``city`` at ``address``."""

    id: str
    client_id: ClientId
    reason: str
    city: str
    address: str
    lines: tuple[ShipmentLine, ...]
    carrier: CarrierKind
    planned_on: date
    stage: ShipmentStage = ShipmentStage.PLANNED
    courier: str | None = None
    price: Money | None = None
    order_id: str | None = None
    tracking_number: str | None = None
    delivery_by: date | None = None
    delivered_on: date | None = None
    accepted_on: date | None = None
    feedback: str = ""
    documents_signed_on: date | None = None
    carrier_bill_id: str | None = None
    #: the numbers of its consignment note, its УПД and its packing list, taken from their
    #: sequences the first time each is drawn
    note_number: str | None = None
    upd_number: str | None = None
    packing_number: str | None = None
    #: the serial numbers that left with it, by stock level
    issued: tuple[tuple[str, tuple[str, ...]], ...] = ()
    version: int = 0

    @property
    def serials(self) -> tuple[str, ...]:
        """The serial numbers of the equipment shipped."""
        return tuple(s for _, serials in self.issued for s in serials)

    @property
    def is_open(self) -> bool:
        return self.stage not in (ShipmentStage.CLOSED, ShipmentStage.CANCELLED)

    @property
    def weight_grams(self) -> int:
        return sum(line.unit_grams * line.quantity for line in self.lines)

    @property
    def total(self) -> Money:
        return sum((line.unit_price * line.quantity for line in self.lines), Money(0))


# --------------------------------------------------------------------------- suppliers' prices


def supplier_item_id(supplier: str, item: str) -> str:
    """The id of the price history of ``item`` at ``supplier``."""
    return f"{supplier}\x1f{item}"


@attrs.frozen
class PricePoint:
    """What a supplier's price list said of an item on ``day``: the price of one, how many
    they had in stock, in how many days they deliver."""

    day: date
    unit_price: Money
    in_stock: int
    delivery_days: int | None = None


@attrs.frozen
class SupplierItem:
    """The price history of ``item`` at ``supplier``: one :class:`PricePoint` per day a price
    list or a stock report came in, oldest first."""

    supplier: str
    item: str
    history: tuple[PricePoint, ...] = ()
    supplier_inn: str | None = None
    version: int = 0

    @property
    def id(self) -> str:
        return supplier_item_id(self.supplier, self.item)

    @property
    def client_id(self) -> ClientId | None:
        return None

    @property
    def is_open(self) -> bool:
        return True

    @property
    def latest(self) -> PricePoint | None:
        return self.history[-1] if self.history else None


@attrs.frozen
class CourierBalance:
    """The balance of a courier's account (``courier``: the name a manager knows) as read on
    ``day`` by the daily ``supply`` job: below the policy's minimum it is on the agenda."""

    courier: str
    balance: Money
    day: date
    version: int = 0

    @property
    def id(self) -> str:
        return self.courier

    @property
    def client_id(self) -> ClientId | None:
        return None

    @property
    def is_open(self) -> bool:
        return True


# --------------------------------------------------------------------------- sites, installations


@attrs.frozen
class Site:
    """A client's site: its address, the equipment already installed, the number of passage
    points, the day it is ready for installation (``None``: not known yet), and what tech
    support needs to know (:class:`~clientops.service_visits.TechFacts`, gathered once)."""

    id: str = attrs.field(metadata=checked(check_required))
    client_id: ClientId = attrs.field(metadata=checked(check_required))
    address: str = attrs.field(metadata=checked(check_required))
    installed: tuple[str, ...] = attrs.field(default=(), metadata=checked(_texts))
    passage_points: int = attrs.field(default=0, metadata=checked(_count(0)))
    ready_on: date | None = attrs.field(default=None, metadata=checked(_optional_date))
    support: TechFacts = TechFacts()
    version: int = 0

    def __attrs_post_init__(self) -> None:
        validate_fields(self)

    @property
    def is_open(self) -> bool:
        return True


class InstallationStage(enum.Enum):
    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"


@attrs.frozen
class Installation:
    """Installing the equipment of ``shipment_id`` at ``site_id`` on ``day``; ``act_number``
    once the installation act is signed."""

    id: str
    client_id: ClientId
    site_id: str
    shipment_id: str
    day: date
    stage: InstallationStage = InstallationStage.SCHEDULED
    act_number: str | None = None
    done_on: date | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.stage is InstallationStage.SCHEDULED


# --------------------------------------------------------------------------- pilots


class PilotStage(enum.Enum):
    RUNNING = "running"
    #: ended and turned into a paying subscription
    PAYING = "paying"
    #: ended without a subscription
    DROPPED = "dropped"


@attrs.frozen
class CheckIn:
    """A feedback call during a pilot: the day, whether the equipment works, what was said."""

    day: date
    works: bool
    note: str = ""


@attrs.frozen
class Pilot:
    """A pilot project: the client tries ``equipment`` at ``site_id`` from ``start`` to
    ``planned_end``, with a feedback call every few days; then it pays ``fee`` a month from
    ``billing_from`` (``subscription_id``: the billing's subscription) or drops out."""

    id: str
    client_id: ClientId
    site_id: str
    equipment: tuple[str, ...]
    start: date
    planned_end: date
    fee: Money
    stage: PilotStage = PilotStage.RUNNING
    check_ins: tuple[CheckIn, ...] = ()
    ended_on: date | None = None
    billing_from: date | None = None
    subscription_id: str | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.stage is PilotStage.RUNNING

    def next_check_in(self, every_days: int) -> date:
        last = self.check_ins[-1].day if self.check_ins else self.start
        return last + timedelta(days=every_days)


# --------------------------------------------------------------------------- the cloud


class CloudStep(enum.Enum):
    """The checklist of a client's cloud, in order."""

    URL_AGREED = "url_agreed"
    CREATED = "created"
    SUPPORT_ACCOUNT = "support_account"
    CREDENTIALS_SENT = "credentials_sent"

    @property
    def label(self) -> str:
        return {
            "url_agreed": "Адрес облака согласован с клиентом",
            "created": "Облако создано",
            "support_account": "Создана учётная запись техподдержки",
            "credentials_sent": "Клиенту отправлены доступы и обучающие материалы",
        }[self.value]


@attrs.frozen
class CloudSetup:
    """A client's cloud being set up: the URL agreed, the cloud's id in the company's tool,
    the tech-support login, the steps done. No password is ever kept: the provisioning tool
    makes the credentials and sends them to the client itself."""

    id: str
    client_id: ClientId
    url: str
    done: tuple[CloudStep, ...] = ()
    cloud_id: str | None = None
    support_login: str | None = None
    sent_to: str | None = None
    version: int = 0

    @property
    def is_open(self) -> bool:
        return CloudStep.CREDENTIALS_SENT not in self.done

    @property
    def next_step(self) -> CloudStep | None:
        for step in CloudStep:
            if step not in self.done:
                return step
        return None


@runtime_checkable
class CloudProvisioner(Protocol):
    """The company's own cloud admin tool, as clientops uses it.

    Each call is idempotent per ``key``: asking again with the same key returns what the
    first call made. Credentials are made and sent by the tool itself: clientops never sees
    a password, so none can end up in its store, its messages or its log."""

    name: str

    def create_cloud(self, key: str, *, url: str, client_name: str) -> str:
        """Create the client's cloud at ``url``; return its id in the tool."""

    def create_support_account(self, key: str, *, cloud_id: str) -> str:
        """Create the tech-support account in the cloud; return its login."""

    def send_credentials(
        self, key: str, *, cloud_id: str, email: str, materials: tuple[str, ...]
    ) -> None:
        """Send the client's administrator credentials and the training materials to
        ``email``."""


# --------------------------------------------------------------------------- events


@attrs.frozen
class PurchaseOrdered(Event):
    """The best offer chosen: its bill is in the payment plan."""

    purchase_id: str
    supplier: str
    amount: Money
    bill_id: str


@attrs.frozen
class GoodsReceived(Event):
    purchase_id: str
    warehouse: str
    item: str
    quantity: int


@attrs.frozen
class ShipmentBooked(Event):
    shipment_id: str
    client_id: ClientId
    courier: str
    order_id: str


@attrs.frozen
class ShipmentAccepted(Event):
    shipment_id: str
    client_id: ClientId


@attrs.frozen
class ShippingDocumentsSigned(Event):
    shipment_id: str
    client_id: ClientId


@attrs.frozen
class InstallationScheduled(Event):
    installation_id: str
    client_id: ClientId
    day: date


@attrs.frozen
class InstallationDone(Event):
    installation_id: str
    client_id: ClientId
    act_number: str


@attrs.frozen
class PilotConverted(Event):
    """A pilot ended and its subscription bills from ``billing_from``."""

    pilot_id: str
    client_id: ClientId
    subscription_id: str
    billing_from: date


@attrs.frozen
class CloudStepDone(Event):
    cloud_setup_id: str
    client_id: ClientId
    step: CloudStep


#: The stored kinds of supply records, by class.
KINDS: Mapping[type, str] = {
    Purchase: "purchase",
    StockLevel: "stock",
    Shipment: "shipment",
    Site: "site",
    Installation: "installation",
    Pilot: "pilot",
    CloudSetup: "cloud",
    SupplierItem: "supplier_item",
    CourierBalance: "courier_balance",
}
