"""Orders: from the preliminary request to the closed deal, as one pure process (seed 003).

The client manager runs every order through the stages of the job description («Оформление
заказов», «Сопровождение заказа», БП 3.1–3.7, 4.1–4.3, 5.1–5.4). An :class:`Order` is a frozen
value; an action (:class:`ApproveRequest`, :class:`ReceiveQuote`, :class:`Ship`…) moves it with
:func:`advance`, which checks the action against :data:`TRANSITIONS` and its guards and returns
a new order with one more :class:`OrderStep` in its history. A step the process does not allow
raises :class:`~clientops.errors.TransitionError` naming the stage and :func:`allowed_actions`.
No storage, no clock: time, the employee and the :class:`OrderPolicy` are passed in.

Example::

    >>> from datetime import date, datetime, timezone
    >>> from clientops.model import ClientId, EmployeeId, Money
    >>> now = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)
    >>> spec = OrderSpecification(
    ...     product_type="Календарь настенный", quantity=500, design="Макет 2025",
    ...     materials="Мелованная бумага 170 г/м²", production_deadline=date(2025, 6, 20),
    ...     delivery_address="Омск, ул. Ленина, 1", packaging_type="Короб",
    ...     packaging_marking="Логотип клиента", delivery_deadline=date(2025, 6, 25),
    ...     delivery_format="Курьер до двери",
    ... )
    >>> order = open_order(id=OrderId("o1"), client_id=ClientId("c1"), number="З-101",
    ...                    specification=spec, now=now, by=EmployeeId("anna"))
    >>> order.stage.label
    'Предварительная заявка на заказ'
    >>> policy = OrderPolicy()
    >>> order = advance(order, ApproveRequest(), now=now, by=EmployeeId("anna"), policy=policy)
    >>> allowed_actions(order, policy)
    ('update_specification', 'send_to_supplier')
    >>> advance(order, Ship(), now=now, by=EmployeeId("anna"), policy=policy)
    Traceback (most recent call last):
    ...
    clientops.errors.TransitionError: order З-101: cannot ship at approved_by_client (quality \
not accepted yet); allowed next: update_specification, send_to_supplier
    >>> quote = SupplierQuote("Типография «Омега»", Money("10000"), date(2025, 6, 18), now)
    >>> price_for(quote, policy, repeat_of=None)
    Money(amount=Decimal('13000.00'), currency='RUB')
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar, NewType, assert_never

import attrs

from clientops._checks import aware, to_decimal, tuple_of
from clientops._checks import aware_errors as _aware_errors
from clientops._checks import raise_errors as _raise
from clientops._checks import string_errors as _text_errors
from clientops._retention import ClientTerms
from clientops._text import template_validator
from clientops.decisions import Decision, Violation
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.events import Event
from clientops.model import ClientId, EmployeeId, ExternalId, Money, Role

__all__ = [
    "OPEN",
    "TRANSITIONS",
    "AcceptQuality",
    "Action",
    "AddProductionStage",
    "AgreeWithClient",
    "ApproveRequest",
    "Close",
    "CompleteProductionStage",
    "ControlSample",
    "DirectorApproval",
    "HandOff",
    "IssuePrepaymentInvoice",
    "NotifyClient",
    "Order",
    "OrderAdvanced",
    "OrderId",
    "OrderOpened",
    "OrderPolicy",
    "OrderSpecification",
    "OrderStage",
    "OrderStep",
    "OrderTexts",
    "Overdue",
    "OverdueKind",
    "Pricing",
    "ProductionStage",
    "QualityCheck",
    "QualityOutcome",
    "QueueAtSupplier",
    "QueueReplacement",
    "ReceiveOriginals",
    "ReceivePayment",
    "ReceiveQuote",
    "RecordControlSample",
    "RejectQuality",
    "SendToSupplier",
    "SetPrice",
    "Ship",
    "SignAct",
    "SignFinalRequest",
    "SpecialConditions",
    "StartProduction",
    "StartReplacement",
    "SupplierQuote",
    "Transition",
    "UpdateSpecification",
    "advance",
    "allowed_actions",
    "check_price",
    "designer_handoffs",
    "director_handoffs",
    "handoffs",
    "is_overdue",
    "margin_of",
    "next_repeat_contact",
    "open_order",
    "overdue",
    "overdue_stages",
    "price_for",
    "pricing",
    "repeat_order",
    "sales_handoffs",
    "special_conditions_for",
    "state_diagram",
]

OrderId = NewType("OrderId", str)

#: The action that opens an order; it is the first event of every history.
OPEN = "open"


# --------------------------------------------------------------------------- helpers


def _date_errors(path: str, value: object) -> list[FieldError]:
    if value is None:
        return [FieldError(path, "required")]
    if isinstance(value, datetime) or not isinstance(value, date):
        return [FieldError(path, f"must be a date, got {value!r}")]
    return []


def _note_errors(value: object) -> list[FieldError]:
    return [] if isinstance(value, str) else [FieldError("note", "must be a string")]


def _required(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a non-blank string, else ValidationError naming the field."""
    _raise(_text_errors(attribute.name, value), "value")


# --------------------------------------------------------------------------- stages


class OrderStage(enum.Enum):
    """Where an order is, named after the seed; ``label`` is the Russian name."""

    PRELIMINARY_REQUEST = "preliminary_request"
    APPROVED_BY_CLIENT = "approved_by_client"
    SENT_TO_SUPPLIER = "sent_to_supplier"
    SUPPLIER_QUOTED = "supplier_quoted"
    PRICED = "priced"
    AGREED_WITH_CLIENT = "agreed_with_client"
    FINAL_REQUEST_SIGNED = "final_request_signed"
    QUEUED_AT_SUPPLIER = "queued_at_supplier"
    IN_PRODUCTION = "in_production"
    QUALITY_ACCEPTED = "quality_accepted"
    QUALITY_REJECTED = "quality_rejected"
    CLIENT_NOTIFIED = "client_notified"
    SHIPPED = "shipped"
    ACT_SIGNED = "act_signed"
    PAYMENT_RECEIVED = "payment_received"
    ORIGINALS_RECEIVED = "originals_received"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The stage in Russian, as the job description says it."""
        return _LABELS[self]


_S = OrderStage
_LABELS: dict[OrderStage, str] = {
    _S.PRELIMINARY_REQUEST: "Предварительная заявка на заказ",
    _S.APPROVED_BY_CLIENT: "Заявка согласована клиентом",
    _S.SENT_TO_SUPPLIER: "Заявка передана поставщику для оценки",
    _S.SUPPLIER_QUOTED: "Получены сроки и себестоимость от поставщика",
    _S.PRICED: "Цена заказа рассчитана",
    _S.AGREED_WITH_CLIENT: "Сроки и цена согласованы с клиентом",
    _S.FINAL_REQUEST_SIGNED: "Подписаны окончательная заявка и спецификация",
    _S.QUEUED_AT_SUPPLIER: "Заказ поставлен в очередь у поставщика",
    _S.IN_PRODUCTION: "Заказ в производстве",
    _S.QUALITY_ACCEPTED: "Продукция принята по качеству",
    _S.QUALITY_REJECTED: "Продукция не принята по качеству",
    _S.CLIENT_NOTIFIED: "Клиент уведомлён о готовности к отгрузке",
    _S.SHIPPED: "Продукция отгружена заказчику",
    _S.ACT_SIGNED: "Акт выполненных работ подписан",
    _S.PAYMENT_RECEIVED: "Расчёт от заказчика получен",
    _S.ORIGINALS_RECEIVED: "Оригиналы документов получены",
    _S.CLOSED: "Заказ закрыт",
}

#: Stages at which the goods are produced and accepted (the production deadline is met).
_PRODUCED = frozenset(
    {
        _S.QUALITY_ACCEPTED,
        _S.CLIENT_NOTIFIED,
        _S.SHIPPED,
        _S.ACT_SIGNED,
        _S.PAYMENT_RECEIVED,
        _S.ORIGINALS_RECEIVED,
        _S.CLOSED,
    }
)
#: Stages at which the goods have left for the client (the delivery deadline is met).
_SHIPPED = frozenset(
    {_S.SHIPPED, _S.ACT_SIGNED, _S.PAYMENT_RECEIVED, _S.ORIGINALS_RECEIVED, _S.CLOSED}
)
#: Stages at which the supplier is making the goods.
_AT_SUPPLIER = frozenset({_S.QUEUED_AT_SUPPLIER, _S.IN_PRODUCTION, _S.QUALITY_REJECTED})


class QualityOutcome(enum.Enum):
    """What the quality acceptance of a production run found."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


# --------------------------------------------------------------------------- values


@attrs.frozen
class OrderSpecification:
    """The order request and specification («заявка на заказ», «спецификация»): every field the
    seed lists. ``quantity`` is the print run. ``other`` holds the free «и другие» lines.

    Bad input raises :class:`~clientops.errors.ValidationError` naming every bad field.
    """

    product_type: str
    quantity: int
    design: str
    materials: str
    production_deadline: date
    delivery_address: str
    packaging_type: str
    packaging_marking: str
    delivery_deadline: date
    delivery_format: str
    other: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        for name in (
            "product_type",
            "design",
            "materials",
            "delivery_address",
            "packaging_type",
            "packaging_marking",
            "delivery_format",
        ):
            errors += _text_errors(name, getattr(self, name))
        if type(self.quantity) is not int or self.quantity < 1:
            errors.append(FieldError("quantity", f"must be a positive int, got {self.quantity!r}"))
        dates = _date_errors("production_deadline", self.production_deadline)
        dates += _date_errors("delivery_deadline", self.delivery_deadline)
        errors += dates
        if not dates and self.delivery_deadline < self.production_deadline:
            errors.append(
                FieldError(
                    "delivery_deadline",
                    f"{self.delivery_deadline} is before the production deadline "
                    f"{self.production_deadline}",
                )
            )
        if not isinstance(self.other, tuple):
            errors.append(FieldError("other", "must be a tuple of strings"))
        else:
            for i, line in enumerate(self.other):
                errors += _text_errors(f"other[{i}]", line)
        _raise(errors, "order specification")


@attrs.frozen
class SupplierQuote:
    """What the supplier answered: its production ``deadline`` and its ``cost`` (себестоимость),
    received at ``received_at``. The cost must be positive and the deadline given."""

    supplier: str
    cost: Money
    deadline: date
    received_at: datetime

    def __attrs_post_init__(self) -> None:
        errors = _text_errors("supplier", self.supplier)
        if not isinstance(self.cost, Money):
            errors.append(FieldError("cost", f"must be Money, got {self.cost!r}"))
        elif self.cost.amount <= 0:
            errors.append(FieldError("cost", f"must be positive, got {self.cost}"))
        errors += _date_errors("deadline", self.deadline)
        errors += _aware_errors("received_at", self.received_at)
        _raise(errors, "supplier quote")


@attrs.frozen
class ProductionStage:
    """One stage of production at the supplier with its deadline; ``done_at`` once done.
    ``run`` is 0 for the first production run and *n* for the *n*-th replacement run."""

    name: str = attrs.field(validator=_required)
    deadline: date = attrs.field(validator=attrs.validators.instance_of(date))
    done_at: datetime | None = attrs.field(default=None, validator=aware)
    run: int = 0

    @property
    def done(self) -> bool:
        return self.done_at is not None


@attrs.frozen
class ControlSample:
    """A control sample kept in the archive: the supplier sets it aside, outside the client's
    packaging. ``location`` is where it is kept; ``run`` the production run it comes from."""

    description: str = attrs.field(validator=_required)
    location: str = attrs.field(validator=_required)
    recorded_at: datetime = attrs.field(validator=aware)
    run: int = 0


@attrs.frozen
class QualityCheck:
    """The quality acceptance of one production run: accepted, or rejected with the defects."""

    run: int
    outcome: QualityOutcome
    checked_at: datetime = attrs.field(validator=aware)
    note: str = ""


@attrs.frozen
class OrderStep:
    """One step of an order's history: the ``action`` done, the ``stage`` it led to, when and
    by whom. Every successful :func:`advance` appends one."""

    stage: OrderStage
    at: datetime = attrs.field(validator=aware)
    by: EmployeeId = attrs.field(validator=_required)
    action: str = attrs.field(validator=_required)
    note: str = ""


@attrs.frozen
class SpecialConditions:
    """The special conditions of a repeat order (БП 5.1), fixed when it is opened from the
    policy and the previous order: a ``discount`` on the computed price, and, when
    ``keep_previous_price``, never more than the ``previous_price`` while the supplier's cost
    has not grown above ``previous_cost``."""

    discount: Decimal = attrs.field(converter=to_decimal)
    keep_previous_price: bool = False
    previous_price: Money | None = None
    previous_cost: Money | None = None

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) <= self.discount < 1:
            raise ValidationError(
                [FieldError("discount", f"must be in [0, 1), got {self.discount}")],
                subject="special conditions",
            )


# --------------------------------------------------------------------------- policy


def _whole_days(value: object) -> bool:
    return isinstance(value, timedelta) and value.seconds == 0 and value.microseconds == 0


_order_template = template_validator("number", "client", "design", "detail", "product", "count")


@attrs.define(
    frozen=True,
    field_transformer=lambda _, fields: [
        f.evolve(validator=_order_template) if f.type in (str, "str") else f for f in fields
    ],
)
class OrderTexts:
    """The words of an order's reactions and events, Russian by default (``str.format``
    templates with ``{number}``, ``{client}``, ``{design}``, ``{detail}``, ``{product}``,
    ``{count}``). The hand-off topics are keyed by :attr:`HandOff.topic`."""

    appeal_topic: str = "Заказ № {number}: {product}"
    new_layout: str = "Заказ № {number}: подготовить макет «{design}»"
    repeat_layout_missing: str = (
        "Повторный заказ № {number}: макета «{design}» нет в архиве, подготовить заново"
    )
    vip_order: str = "VIP-заказ № {number}: согласовать частности сделки"
    conflict: str = "Заказ № {number}: конфликт — {detail}"
    repeated_rejections: str = "Заказ № {number}: продукция {count} раз не принята по качеству"
    price_approval: str = "Заказ № {number}: цена ниже минимальной наценки, нужно согласование"
    upsell: str = "Заказ № {number}: возможная допродажа — {detail}"
    problem_client: str = "Заказ № {number}: проблемный клиент — {detail}"
    repeat_contact: str = "Повторный контакт после заказа № {number}: предложить новый заказ"
    production_event: str = "Срок производства: заказ № {number} ({client})"
    delivery_event: str = "Срок доставки: заказ № {number} ({client})"
    supplier_event: str = "Срок поставщика: заказ № {number} ({client})"
    stage_event: str = "Этап «{detail}»: заказ № {number} ({client})"

    def handoff(self, handoff: HandOff, order: Order) -> str:
        """The reaction topic of a hand-off."""
        template: str = getattr(self, handoff.topic, "") or "{detail}"
        detail = handoff.reason.split(": ", 1)[-1]
        return template.format(
            number=order.number,
            client="",
            design=order.specification.design,
            detail=detail,
            product=order.specification.product_type,
            count=order.replacements,
        )


@attrs.frozen
class OrderPolicy:
    """Every number and switch of the order process. Change one with ``attrs.evolve``.

    Margins are mark-ups on the supplier's cost: a price of 130 on a cost of 100 is a margin
    of ``0.30``. Bad values raise :class:`~clientops.errors.ValidationError` naming every one.
    """

    #: The price is the supplier's cost plus this share of it.
    default_margin: Decimal = attrs.field(default=Decimal("0.30"), converter=to_decimal)
    #: A price whose margin is below this (a price below cost included) needs the director.
    minimum_margin: Decimal = attrs.field(default=Decimal("0.15"), converter=to_decimal)
    #: Whether a price below the minimum margin needs the director's approval recorded.
    director_approves_below_minimum: bool = True
    #: Repeat orders (БП 5.1): this share off the computed price.
    repeat_discount: Decimal = attrs.field(default=Decimal("0.05"), converter=to_decimal)
    #: Repeat orders: never more than the previous price while the cost has not grown.
    keep_previous_price: bool = True
    #: A deadline is overdue only when it is more than this many days past.
    overdue_tolerance: timedelta = timedelta(0)
    #: The next repeat contact is due this long after the order is closed.
    repeat_contact_interval: timedelta = timedelta(days=30)
    #: Production may start only after the prepayment invoice is issued.
    prepayment_before_production: bool = True
    #: The order may be shipped only once a control sample of the accepted run is kept.
    control_sample_before_shipping: bool = True
    #: After this many replacement runs the director is brought in.
    director_after_replacements: int = 2
    #: A hand-off's reaction (designer, director, sales manager) is due this long after it.
    handoff_delay: timedelta = timedelta(hours=1)
    #: The repeat-contact call is due at this local time of its day.
    contact_time: time = time(10, 0)
    #: The words of the order's reactions and calendar events.
    texts: OrderTexts = OrderTexts()

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.default_margin < 0:
            errors.append(FieldError("default_margin", f"must be >= 0, got {self.default_margin}"))
        if not Decimal(-1) < self.minimum_margin <= self.default_margin:
            errors.append(
                FieldError(
                    "minimum_margin",
                    f"must be above -1 and at most default_margin ({self.default_margin}), "
                    f"got {self.minimum_margin}",
                )
            )
        if not Decimal(0) <= self.repeat_discount < 1:
            errors.append(
                FieldError("repeat_discount", f"must be in [0, 1), got {self.repeat_discount}")
            )
        for name in (
            "director_approves_below_minimum",
            "keep_previous_price",
            "prepayment_before_production",
            "control_sample_before_shipping",
        ):
            if not isinstance(getattr(self, name), bool):
                errors.append(FieldError(name, "must be True or False"))
        if not _whole_days(self.overdue_tolerance) or self.overdue_tolerance < timedelta(0):
            errors.append(
                FieldError("overdue_tolerance", "must be a non-negative whole number of days")
            )
        if not _whole_days(self.repeat_contact_interval) or self.repeat_contact_interval <= (
            timedelta(0)
        ):
            errors.append(
                FieldError("repeat_contact_interval", "must be a positive whole number of days")
            )
        if (
            type(self.director_after_replacements) is not int
            or self.director_after_replacements < 1
        ):
            errors.append(FieldError("director_after_replacements", "must be a positive int"))
        if not isinstance(self.handoff_delay, timedelta) or self.handoff_delay < timedelta(0):
            errors.append(FieldError("handoff_delay", "must be a non-negative timedelta"))
        if not isinstance(self.contact_time, time):
            errors.append(FieldError("contact_time", "must be a time of day"))
        _raise(errors, "order policy")


# --------------------------------------------------------------------------- the order


def _check_order(order: Order, errors: list[FieldError]) -> None:
    if not order.history:
        errors.append(FieldError("history", "must hold at least the opening event"))
    elif order.history[-1].stage is not order.stage:
        errors.append(
            FieldError(
                "stage",
                f"{order.stage.value} is not the stage of the last event "
                f"({order.history[-1].stage.value})",
            )
        )
    if type(order.replacements) is not int or order.replacements < 0:
        errors.append(FieldError("replacements", "must be a non-negative int"))
    if type(order.version) is not int or order.version < 0:
        errors.append(FieldError("version", "must be a non-negative int"))
    if order.special_conditions is not None and order.repeat_of is None:
        errors.append(FieldError("special_conditions", "only a repeat order has them"))


@attrs.frozen
class Order:
    """One client order, from the preliminary request to the closed deal.

    Make one with :func:`open_order` or :func:`repeat_order` and change it with
    :func:`advance`. ``stage`` is always the stage of the last event of ``history``.
    ``replacements`` counts the replacement runs after quality rejections; the current
    production run is number ``replacements``. ``version`` is for optimistic concurrency and
    belongs to the store: :func:`advance` leaves it alone.
    """

    id: OrderId = attrs.field(validator=_required)
    client_id: ClientId = attrs.field(validator=_required)
    number: str = attrs.field(validator=_required)
    specification: OrderSpecification = attrs.field(
        validator=attrs.validators.instance_of(OrderSpecification)
    )
    stage: OrderStage = attrs.field(validator=attrs.validators.instance_of(OrderStage))
    history: tuple[OrderStep, ...] = attrs.field(validator=tuple_of(OrderStep))
    #: The supplier the request went to, or whose quote is used.
    supplier: str | None = None
    quote: SupplierQuote | None = None
    price: Money | None = None
    #: The director approved a price below the minimum margin (reset by a new quote).
    director_approved: bool = False
    #: The number of the prepayment invoice («счёт на предоплату»), once issued.
    prepayment_invoice: str | None = None
    production_stages: tuple[ProductionStage, ...] = attrs.field(
        default=(), validator=tuple_of(ProductionStage)
    )
    control_samples: tuple[ControlSample, ...] = attrs.field(
        default=(), validator=tuple_of(ControlSample)
    )
    quality_checks: tuple[QualityCheck, ...] = attrs.field(
        default=(), validator=tuple_of(QualityCheck)
    )
    replacements: int = 0
    #: The order this one repeats (БП 5.x), and the special conditions granted for it.
    repeat_of: OrderId | None = None
    special_conditions: SpecialConditions | None = None
    #: A VIP order: the director agrees the particulars of the deal.
    vip: bool = False
    version: int = 0
    #: The client's own special conditions (:class:`~clientops.retention.ClientTerms`) valid
    #: when the order was opened: their discount applies to its price (:func:`pricing`).
    client_terms: ClientTerms | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(ClientTerms))
    )
    #: The order's id in a host system (unique per source).
    external_id: ExternalId | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(ExternalId))
    )

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        _check_order(self, errors)
        _raise(errors, "order")

    @property
    def created_at(self) -> datetime:
        return self.history[0].at

    @property
    def closed_at(self) -> datetime | None:
        return self.history[-1].at if self.stage is OrderStage.CLOSED else None

    def did(self, action: str) -> bool:
        """Whether ``action`` (an action name) is in the history."""
        return any(event.action == action for event in self.history)

    @property
    def run_stages(self) -> tuple[ProductionStage, ...]:
        """The production stages of the current run."""
        return tuple(s for s in self.production_stages if s.run == self.replacements)

    @property
    def quality(self) -> QualityOutcome | None:
        """The outcome of the last quality check of the current run, ``None`` before one."""
        checks = [c for c in self.quality_checks if c.run == self.replacements]
        return checks[-1].outcome if checks else None

    @property
    def quality_accepted(self) -> bool:
        return self.quality is QualityOutcome.ACCEPTED

    @property
    def margin(self) -> Decimal | None:
        """The margin of the price on the supplier's cost, once both are known."""
        if self.price is None or self.quote is None:
            return None
        return margin_of(self.price, self.quote.cost)


def open_order(
    *,
    id: OrderId,
    client_id: ClientId,
    number: str,
    specification: OrderSpecification,
    now: datetime,
    by: EmployeeId,
    vip: bool = False,
    note: str = "",
    client_terms: ClientTerms | None = None,
) -> Order:
    """A new order at the preliminary request («предварительная заявка»), with the client's
    special conditions valid now (``client_terms``: their discount prices the order)."""
    event = OrderStep(OrderStage.PRELIMINARY_REQUEST, now, by, OPEN, note)
    return Order(
        id=id,
        client_id=client_id,
        number=number,
        specification=specification,
        stage=OrderStage.PRELIMINARY_REQUEST,
        history=(event,),
        vip=vip,
        client_terms=client_terms,
    )


# --------------------------------------------------------------------------- actions


@attrs.frozen
class UpdateSpecification:
    """Change the request («актуализировать заявку»): back to the preliminary request for the
    client to approve again; the quote and price are dropped."""

    name: ClassVar[str] = "update_specification"
    specification: OrderSpecification = attrs.field(
        validator=attrs.validators.instance_of(OrderSpecification)
    )
    note: str = ""


@attrs.frozen
class ApproveRequest:
    """The client approves the preliminary request, so it can go to the supplier."""

    name: ClassVar[str] = "approve_request"
    note: str = ""


@attrs.frozen
class SendToSupplier:
    """The approved request goes to the supplier for its deadline and cost."""

    name: ClassVar[str] = "send_to_supplier"
    supplier: str = attrs.field(validator=_required)
    note: str = ""


@attrs.frozen
class ReceiveQuote:
    """The supplier's deadline and cost arrive (again: a new quote drops the price)."""

    name: ClassVar[str] = "receive_quote"
    quote: SupplierQuote = attrs.field(validator=attrs.validators.instance_of(SupplierQuote))
    note: str = ""


@attrs.frozen
class DirectorApproval:
    """The director approves pricing below the minimum margin (until the next quote)."""

    name: ClassVar[str] = "director_approval"
    note: str = ""


@attrs.frozen
class SetPrice:
    """Price the order: ``price``, or, when ``None``, the cost plus the policy's margin with
    the order's special conditions (:func:`pricing`)."""

    name: ClassVar[str] = "set_price"
    price: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Money))
    )
    note: str = ""


@attrs.frozen
class AgreeWithClient:
    """The client agrees the deadlines and the price; new deadlines may be agreed here."""

    name: ClassVar[str] = "agree_with_client"
    production_deadline: date | None = None
    delivery_deadline: date | None = None
    note: str = ""


@attrs.frozen
class SignFinalRequest:
    """The final request and the specification are signed."""

    name: ClassVar[str] = "sign_final_request"
    note: str = ""


@attrs.frozen
class QueueAtSupplier:
    """The order is put in the supplier's queue."""

    name: ClassVar[str] = "queue_at_supplier"
    note: str = ""


@attrs.frozen
class IssuePrepaymentInvoice:
    """The prepayment invoice («счёт на предоплату») is issued to the client."""

    name: ClassVar[str] = "issue_prepayment_invoice"
    invoice_number: str = attrs.field(validator=_required)
    note: str = ""


@attrs.frozen
class StartProduction:
    """The supplier starts making the order."""

    name: ClassVar[str] = "start_production"
    note: str = ""


@attrs.frozen
class AddProductionStage:
    """Plan a production stage of the current run with its deadline."""

    name: ClassVar[str] = "add_production_stage"
    stage_name: str = attrs.field(validator=_required)
    deadline: date = attrs.field(validator=attrs.validators.instance_of(date))
    note: str = ""


@attrs.frozen
class CompleteProductionStage:
    """A production stage of the current run is done."""

    name: ClassVar[str] = "complete_production_stage"
    stage_name: str = attrs.field(validator=_required)
    note: str = ""


@attrs.frozen
class RecordControlSample:
    """A control sample of the current run is kept in the archive."""

    name: ClassVar[str] = "record_control_sample"
    description: str = attrs.field(validator=_required)
    location: str = attrs.field(validator=_required)
    note: str = ""


@attrs.frozen
class AcceptQuality:
    """The goods are accepted from the supplier by quality."""

    name: ClassVar[str] = "accept_quality"
    note: str = ""


@attrs.frozen
class RejectQuality:
    """The goods are not accepted: ``defects`` says why; a replacement run follows."""

    name: ClassVar[str] = "reject_quality"
    defects: str = attrs.field(validator=_required)
    note: str = ""


@attrs.frozen
class QueueReplacement:
    """After a rejection, the replacement run is put in the supplier's queue."""

    name: ClassVar[str] = "queue_replacement"
    note: str = ""


@attrs.frozen
class StartReplacement:
    """After a rejection, the supplier starts the replacement run at once."""

    name: ClassVar[str] = "start_replacement"
    note: str = ""


@attrs.frozen
class NotifyClient:
    """The client is told the goods are ready to ship (and delivery details are agreed)."""

    name: ClassVar[str] = "notify_client"
    note: str = ""


@attrs.frozen
class Ship:
    """The goods are shipped to the client."""

    name: ClassVar[str] = "ship"
    note: str = ""


@attrs.frozen
class SignAct:
    """The client signs the act of completed works."""

    name: ClassVar[str] = "sign_act"
    note: str = ""


@attrs.frozen
class ReceivePayment:
    """The client's payment for the order is checked and received."""

    name: ClassVar[str] = "receive_payment"
    note: str = ""


@attrs.frozen
class ReceiveOriginals:
    """The original documents are received."""

    name: ClassVar[str] = "receive_originals"
    note: str = ""


@attrs.frozen
class Close:
    """The order is closed (the deal is done)."""

    name: ClassVar[str] = "close"
    note: str = ""


Action = (
    UpdateSpecification
    | ApproveRequest
    | SendToSupplier
    | ReceiveQuote
    | DirectorApproval
    | SetPrice
    | AgreeWithClient
    | SignFinalRequest
    | QueueAtSupplier
    | IssuePrepaymentInvoice
    | StartProduction
    | AddProductionStage
    | CompleteProductionStage
    | RecordControlSample
    | AcceptQuality
    | RejectQuality
    | QueueReplacement
    | StartReplacement
    | NotifyClient
    | Ship
    | SignAct
    | ReceivePayment
    | ReceiveOriginals
    | Close
)


# --------------------------------------------------------------------------- pricing


def margin_of(price: Money, cost: Money) -> Decimal:
    """The mark-up of ``price`` on ``cost``: ``(price - cost) / cost``."""
    return (price - cost).amount / cost.amount


@attrs.frozen
class Pricing:
    """How a price was computed: the ``cost``, the ``price`` (rounded to kopecks half up), and
    which rules ``applied`` (``"margin"``, ``"repeat_discount"``, ``"client_discount"``,
    ``"previous_price_kept"``)."""

    cost: Money
    price: Money
    applied: tuple[str, ...]


def pricing(
    cost: Money,
    policy: OrderPolicy,
    conditions: SpecialConditions | None,
    terms: ClientTerms | None = None,
) -> Pricing:
    """The price for ``cost``: cost plus ``policy.default_margin``; for a repeat order, less
    the discount of its ``conditions`` and, when they keep the previous price, never above it
    while the cost has not grown; less the discount of the client's own ``terms`` (fixed on
    the order when it was opened, valid then), after the repeat discount::

        >>> from datetime import UTC, date, datetime
        >>> vip = ClientTerms("c1", Decimal("0.10"), date(2025, 1, 1), None, by="anna",
        ...                   at=datetime(2025, 1, 1, tzinfo=UTC))
        >>> found = pricing(Money(10_000), OrderPolicy(), None, vip)
        >>> found.price.amount, found.applied
        (Decimal('11700.00'), ('margin', 'client_discount'))
    """
    price = cost * (1 + policy.default_margin)
    applied = ["margin"]
    if conditions is not None and conditions.discount:
        price = price * (1 - conditions.discount)
        applied.append("repeat_discount")
    if terms is not None and terms.discount:
        price = price * (1 - terms.discount)
        applied.append("client_discount")
    if conditions is not None:
        previous, previous_cost = conditions.previous_price, conditions.previous_cost
        if (
            conditions.keep_previous_price
            and previous is not None
            and previous_cost is not None
            and previous.currency == cost.currency == previous_cost.currency
            and cost <= previous_cost
            and previous < price
        ):
            price = previous
            applied.append("previous_price_kept")
    return Pricing(cost=cost, price=price.rounded(), applied=tuple(applied))


def special_conditions_for(previous: Order, policy: OrderPolicy) -> SpecialConditions:
    """The special conditions a repeat of ``previous`` gets under ``policy`` (БП 5.1)."""
    return SpecialConditions(
        discount=policy.repeat_discount,
        keep_previous_price=policy.keep_previous_price,
        previous_price=previous.price,
        previous_cost=previous.quote.cost if previous.quote is not None else None,
    )


def price_for(quote: SupplierQuote, policy: OrderPolicy, *, repeat_of: Order | None) -> Money:
    """The price for ``quote``: cost plus margin, with the repeat-order rules when
    ``repeat_of`` is the previous order. Rounded to kopecks, half up."""
    conditions = special_conditions_for(repeat_of, policy) if repeat_of is not None else None
    return pricing(quote.cost, policy, conditions).price


def check_price(
    price: Money, quote: SupplierQuote, *, director_approved: bool, policy: OrderPolicy
) -> Decision:
    """Whether ``price`` may be set on ``quote``: a price below cost or below the minimum
    margin is a violation unless the director approved it (or the policy does not ask)."""
    if director_approved or not policy.director_approves_below_minimum:
        return Decision()
    cost = quote.cost
    if price < cost:
        return Decision(
            violations=(
                Violation(
                    "price_below_cost",
                    f"the price {price} is below the supplier's cost {cost}: "
                    "the director must approve it",
                    field="price",
                ),
            )
        )
    margin = margin_of(price, cost)
    if margin < policy.minimum_margin:
        return Decision(
            violations=(
                Violation(
                    "margin_below_minimum",
                    f"the margin {margin:.1%} is below the minimum {policy.minimum_margin:.1%}: "
                    "the director must approve it",
                    field="price",
                ),
            )
        )
    return Decision()


# --------------------------------------------------------------------------- the table


#: A guard on the order: the reason to refuse, or ``None``.
Guard = Callable[[Order, OrderPolicy], str | None]


@attrs.frozen
class Transition:
    """One row of the process: ``action`` may be done at any of ``sources`` and leads to
    ``target`` (``None``: the order stays where it is). ``guard`` says in words what else must
    hold; ``check`` is that condition on the order (a reason to refuse, or ``None``)."""

    action: str
    sources: tuple[OrderStage, ...]
    target: OrderStage | None
    guard: str = ""
    check: Guard | None = attrs.field(default=None, eq=False, repr=False)

    def leads_to(self, stage: OrderStage) -> OrderStage:
        """The stage the action leads to from ``stage``."""
        return self.target if self.target is not None else stage


def _no_repeat(action: str, what: str) -> Guard:
    def check(order: Order, _: OrderPolicy) -> str | None:
        return f"{what} already" if order.did(action) else None

    return check


def _director_not_yet(order: Order, _: OrderPolicy) -> str | None:
    return "the director already approved" if order.director_approved else None


def _prepayment(order: Order, policy: OrderPolicy) -> str | None:
    if policy.prepayment_before_production and order.prepayment_invoice is None:
        return "no prepayment invoice issued yet"
    return None


def _prepayment_once(order: Order, _: OrderPolicy) -> str | None:
    if order.prepayment_invoice is not None:
        return f"prepayment invoice {order.prepayment_invoice} already issued"
    return None


def _open_stage(order: Order, _: OrderPolicy) -> str | None:
    if all(s.done for s in order.run_stages):
        return "no open production stage"
    return None


def _all_stages_done(order: Order, _: OrderPolicy) -> str | None:
    open_ = [s.name for s in order.run_stages if not s.done]
    return f"production stages not done: {', '.join(open_)}" if open_ else None


def _ready_to_ship(order: Order, policy: OrderPolicy) -> str | None:
    if not order.quality_accepted:
        return "quality not accepted yet"
    if policy.control_sample_before_shipping and not any(
        s.run == order.replacements for s in order.control_samples
    ):
        return "no control sample kept yet"
    return None


def _act_first(order: Order, policy: OrderPolicy) -> str | None:
    if not order.did("sign_act"):
        return "the act is not signed yet"
    return _no_repeat("receive_originals", "originals received")(order, policy)


_CLOSING = (
    ("sign_act", "the act is not signed"),
    ("receive_payment", "payment is not received"),
    ("receive_originals", "the original documents are not received"),
)


def _all_closing_documents(order: Order, _: OrderPolicy) -> str | None:
    missing = [what for action, what in _CLOSING if not order.did(action)]
    return "; ".join(missing) if missing else None


_BEFORE_SIGNING = (
    _S.PRELIMINARY_REQUEST,
    _S.APPROVED_BY_CLIENT,
    _S.SENT_TO_SUPPLIER,
    _S.SUPPLIER_QUOTED,
    _S.PRICED,
    _S.AGREED_WITH_CLIENT,
)
_AFTER_SHIPPING = (_S.SHIPPED, _S.ACT_SIGNED, _S.PAYMENT_RECEIVED, _S.ORIGINALS_RECEIVED)

#: The process, one row per action, in the order of the seed. :func:`advance`,
#: :func:`allowed_actions` and :func:`state_diagram` all read it.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "update_specification",
        _BEFORE_SIGNING,
        _S.PRELIMINARY_REQUEST,
        "drops the supplier, quote, price and director's approval",
    ),
    Transition("approve_request", (_S.PRELIMINARY_REQUEST,), _S.APPROVED_BY_CLIENT),
    Transition("send_to_supplier", (_S.APPROVED_BY_CLIENT,), _S.SENT_TO_SUPPLIER),
    Transition(
        "receive_quote",
        (_S.SENT_TO_SUPPLIER, _S.SUPPLIER_QUOTED, _S.PRICED),
        _S.SUPPLIER_QUOTED,
        "a positive cost and a deadline; drops the price and the director's approval",
    ),
    Transition(
        "director_approval",
        (_S.SUPPLIER_QUOTED, _S.PRICED),
        None,
        "not approved already",
        _director_not_yet,
    ),
    Transition(
        "set_price",
        (_S.SUPPLIER_QUOTED, _S.PRICED),
        _S.PRICED,
        "a supplier quote; below the minimum margin only with the director's approval",
    ),
    Transition(
        "agree_with_client",
        (_S.PRICED,),
        _S.AGREED_WITH_CLIENT,
        "the supplier's deadline is not after the production deadline",
    ),
    Transition("sign_final_request", (_S.AGREED_WITH_CLIENT,), _S.FINAL_REQUEST_SIGNED),
    Transition("queue_at_supplier", (_S.FINAL_REQUEST_SIGNED,), _S.QUEUED_AT_SUPPLIER),
    Transition(
        "issue_prepayment_invoice",
        (_S.FINAL_REQUEST_SIGNED, _S.QUEUED_AT_SUPPLIER, _S.IN_PRODUCTION),
        None,
        "once",
        _prepayment_once,
    ),
    Transition(
        "start_production",
        (_S.QUEUED_AT_SUPPLIER,),
        _S.IN_PRODUCTION,
        "the prepayment invoice issued (policy)",
        _prepayment,
    ),
    Transition(
        "add_production_stage",
        (_S.QUEUED_AT_SUPPLIER, _S.IN_PRODUCTION),
        None,
        "a name not yet used in this run",
    ),
    Transition(
        "complete_production_stage",
        (_S.IN_PRODUCTION,),
        None,
        "an open stage of this run",
        _open_stage,
    ),
    Transition(
        "record_control_sample", (_S.IN_PRODUCTION, _S.QUALITY_ACCEPTED, _S.CLIENT_NOTIFIED), None
    ),
    Transition(
        "accept_quality",
        (_S.IN_PRODUCTION,),
        _S.QUALITY_ACCEPTED,
        "every production stage of this run done",
        _all_stages_done,
    ),
    Transition("reject_quality", (_S.IN_PRODUCTION,), _S.QUALITY_REJECTED, "the defects named"),
    Transition(
        "queue_replacement", (_S.QUALITY_REJECTED,), _S.QUEUED_AT_SUPPLIER, "a replacement run"
    ),
    Transition("start_replacement", (_S.QUALITY_REJECTED,), _S.IN_PRODUCTION, "a replacement run"),
    Transition("notify_client", (_S.QUALITY_ACCEPTED,), _S.CLIENT_NOTIFIED),
    Transition(
        "ship",
        (_S.CLIENT_NOTIFIED,),
        _S.SHIPPED,
        "quality accepted; a control sample of the run kept (policy)",
        _ready_to_ship,
    ),
    Transition(
        "sign_act",
        (_S.SHIPPED, _S.PAYMENT_RECEIVED),
        _S.ACT_SIGNED,
        "once",
        _no_repeat("sign_act", "act signed"),
    ),
    Transition(
        "receive_payment",
        (_S.SHIPPED, _S.ACT_SIGNED, _S.ORIGINALS_RECEIVED),
        _S.PAYMENT_RECEIVED,
        "once",
        _no_repeat("receive_payment", "payment received"),
    ),
    Transition(
        "receive_originals",
        (_S.ACT_SIGNED, _S.PAYMENT_RECEIVED),
        _S.ORIGINALS_RECEIVED,
        "the act signed; once",
        _act_first,
    ),
    Transition(
        "close",
        (_S.ACT_SIGNED, _S.PAYMENT_RECEIVED, _S.ORIGINALS_RECEIVED),
        _S.CLOSED,
        "act signed, payment received and originals received",
        _all_closing_documents,
    ),
)

_TABLE: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

_ACTION_TYPES: tuple[type, ...] = (
    UpdateSpecification,
    ApproveRequest,
    SendToSupplier,
    ReceiveQuote,
    DirectorApproval,
    SetPrice,
    AgreeWithClient,
    SignFinalRequest,
    QueueAtSupplier,
    IssuePrepaymentInvoice,
    StartProduction,
    AddProductionStage,
    CompleteProductionStage,
    RecordControlSample,
    AcceptQuality,
    RejectQuality,
    QueueReplacement,
    StartReplacement,
    NotifyClient,
    Ship,
    SignAct,
    ReceivePayment,
    ReceiveOriginals,
    Close,
)


def _policy(policy: OrderPolicy | None) -> OrderPolicy:
    return OrderPolicy() if policy is None else policy


def _stage_reason(order: Order, transition: Transition, policy: OrderPolicy) -> str:
    if order.stage is OrderStage.CLOSED:
        return "the order is closed"
    action = transition.action
    if action == "set_price" and order.quote is None:
        return "no supplier quote yet"
    if action in ("notify_client", "ship") and not order.quality_accepted:
        return "quality not accepted yet"
    if action == "close":
        missing = _all_closing_documents(order, policy)
        if missing:
            return missing
    stages = ", ".join(s.value for s in transition.sources)
    return f"{action} is done only at {stages}"


def _refusal(order: Order, transition: Transition, policy: OrderPolicy) -> str | None:
    if order.stage not in transition.sources:
        return _stage_reason(order, transition, policy)
    return transition.check(order, policy) if transition.check is not None else None


def allowed_actions(order: Order, policy: OrderPolicy | None = None) -> tuple[str, ...]:
    """The names of the actions the order allows now, in the order of :data:`TRANSITIONS`:
    those done at its stage whose guards on the order hold. A guard on an action's own values
    (a price below the minimum, an unknown stage name) can still refuse one listed here."""
    policy = _policy(policy)
    return tuple(t.action for t in TRANSITIONS if _refusal(order, t, policy) is None)


def _subject(order: Order) -> str:
    return f"order {order.number}"


def _refuse(order: Order, attempted: str, reason: str, policy: OrderPolicy) -> TransitionError:
    return TransitionError(
        _subject(order),
        current=order.stage.value,
        attempted=attempted,
        allowed=allowed_actions(order, policy),
        reason=reason,
    )


# --------------------------------------------------------------------------- advance


def _changes(order: Order, action: Action, now: datetime, policy: OrderPolicy) -> dict[str, Any]:
    """What ``action`` changes besides the stage and the history. Guards on the action's own
    values raise here."""
    run = order.replacements
    match action:
        case UpdateSpecification(specification=spec):
            return {
                "specification": spec,
                "supplier": None,
                "quote": None,
                "price": None,
                "director_approved": False,
            }
        case ApproveRequest() | SignFinalRequest() | QueueAtSupplier() | StartProduction():
            return {}
        case SendToSupplier(supplier=supplier):
            return {"supplier": supplier}
        case ReceiveQuote(quote=quote):
            return {
                "supplier": quote.supplier,
                "quote": quote,
                "price": None,
                "director_approved": False,
            }
        case DirectorApproval():
            return {"director_approved": True}
        case SetPrice(price=price):
            return {"price": _checked_price(order, price, policy)}
        case AgreeWithClient():
            return {"specification": _agreed_specification(order, action, policy)}
        case IssuePrepaymentInvoice(invoice_number=invoice):
            return {"prepayment_invoice": invoice}
        case AddProductionStage(stage_name=stage_name, deadline=deadline):
            if any(s.name == stage_name for s in order.run_stages):
                raise ValidationError(
                    [FieldError("stage_name", f"{stage_name!r} is already a stage of this run")],
                    subject="production stage",
                )
            stage = ProductionStage(stage_name, deadline, run=run)
            return {"production_stages": (*order.production_stages, stage)}
        case CompleteProductionStage(stage_name=stage_name):
            return {"production_stages": _completed(order, stage_name, now, policy)}
        case RecordControlSample(description=description, location=location):
            sample = ControlSample(description, location, now, run)
            return {"control_samples": (*order.control_samples, sample)}
        case AcceptQuality(note=note):
            check = QualityCheck(run, QualityOutcome.ACCEPTED, now, note)
            return {"quality_checks": (*order.quality_checks, check)}
        case RejectQuality(defects=defects):
            check = QualityCheck(run, QualityOutcome.REJECTED, now, defects)
            return {"quality_checks": (*order.quality_checks, check)}
        case QueueReplacement() | StartReplacement():
            return {"replacements": run + 1}
        case NotifyClient() | Ship() | SignAct() | ReceivePayment() | ReceiveOriginals() | Close():
            return {}
        case _:
            assert_never(action)


def _checked_price(order: Order, price: Money | None, policy: OrderPolicy) -> Money:
    quote = order.quote
    if quote is None:  # not reachable through the table; kept for a hand-built order
        raise _refuse(order, "set_price", "no supplier quote yet", policy)
    if price is None:
        price = pricing(quote.cost, policy, order.special_conditions, order.client_terms).price
    elif price.currency != quote.cost.currency:
        raise ValidationError(
            [
                FieldError(
                    "price",
                    f"is in {price.currency}, the supplier's cost in {quote.cost.currency}",
                )
            ],
            subject="price",
        )
    decision = check_price(price, quote, director_approved=order.director_approved, policy=policy)
    if not decision.ok:
        raise _refuse(order, "set_price", decision.violations[0].message, policy)
    return price


def _agreed_specification(
    order: Order, action: AgreeWithClient, policy: OrderPolicy
) -> OrderSpecification:
    spec = order.specification
    changes: dict[str, Any] = {}
    if action.production_deadline is not None:
        changes["production_deadline"] = action.production_deadline
    if action.delivery_deadline is not None:
        changes["delivery_deadline"] = action.delivery_deadline
    if changes:
        spec = attrs.evolve(spec, **changes)
    quote = order.quote
    if quote is not None and quote.deadline > spec.production_deadline:
        raise _refuse(
            order,
            "agree_with_client",
            f"the supplier needs until {quote.deadline}, after the production deadline "
            f"{spec.production_deadline}: agree a new production deadline with the client",
            policy,
        )
    return spec


def _completed(
    order: Order, stage_name: str, now: datetime, policy: OrderPolicy
) -> tuple[ProductionStage, ...]:
    found = False
    stages: list[ProductionStage] = []
    for stage in order.production_stages:
        if stage.run == order.replacements and stage.name == stage_name:
            found = True
            if stage.done:
                raise _refuse(
                    order, "complete_production_stage", f"{stage_name!r} is already done", policy
                )
            stage = attrs.evolve(stage, done_at=now)
        stages.append(stage)
    if not found:
        known = ", ".join(s.name for s in order.run_stages) or "none"
        raise ValidationError(
            [FieldError("stage_name", f"{stage_name!r} is not a stage of this run ({known})")],
            subject="production stage",
        )
    return tuple(stages)


def advance(
    order: Order, action: Action, *, now: datetime, by: EmployeeId, policy: OrderPolicy
) -> Order:
    """Do ``action`` on ``order`` at ``now`` as ``by``: the order after it, with one more
    event in its history.

    An action the order does not allow now raises
    :class:`~clientops.errors.TransitionError` (``current`` the stage, ``allowed`` what
    :func:`allowed_actions` says); bad values raise
    :class:`~clientops.errors.ValidationError`. ``order`` is never changed.
    """
    if not isinstance(action, _ACTION_TYPES):
        raise TypeError(f"{action!r} is not an order action")
    errors = _aware_errors("now", now) + _text_errors("by", by) + _note_errors(action.note)
    if not errors and now < order.history[-1].at:
        errors.append(FieldError("now", f"{now.isoformat()} is before the last event of the order"))
    _raise(errors, "order action")
    transition = _TABLE[action.name]
    reason = _refusal(order, transition, policy)
    if reason is not None:
        raise _refuse(order, action.name, reason, policy)
    changes = _changes(order, action, now, policy)
    stage = transition.leads_to(order.stage)
    event = OrderStep(stage, now, by, action.name, action.note)
    return attrs.evolve(order, stage=stage, history=(*order.history, event), **changes)


# --------------------------------------------------------------------------- overdue


class OverdueKind(enum.Enum):
    """Which deadline is missed."""

    #: A production stage of the current run is not done by its deadline.
    PRODUCTION_STAGE = "production_stage"
    #: The supplier's own deadline (from its quote) passed while it still makes the goods.
    SUPPLIER_DEADLINE = "supplier_deadline"
    #: The production deadline of the specification passed before quality acceptance.
    PRODUCTION_DEADLINE = "production_deadline"
    #: The delivery deadline of the specification passed before shipping.
    DELIVERY_DEADLINE = "delivery_deadline"


@attrs.frozen
class Overdue:
    """A missed deadline: what, which day it was, and how many days ago."""

    kind: OverdueKind
    deadline: date
    days_late: int
    #: The production stage's name, for ``PRODUCTION_STAGE``.
    name: str = ""


def _late(deadline: date, today: date, policy: OrderPolicy) -> bool:
    return today > deadline + policy.overdue_tolerance


def overdue_stages(
    order: Order, today: date, *, policy: OrderPolicy | None = None
) -> tuple[ProductionStage, ...]:
    """The production stages of the current run that are not done and past their deadline
    (by more than ``policy.overdue_tolerance``), while the supplier is making the goods."""
    policy = _policy(policy)
    if order.stage not in (OrderStage.QUEUED_AT_SUPPLIER, OrderStage.IN_PRODUCTION):
        return ()
    return tuple(s for s in order.run_stages if not s.done and _late(s.deadline, today, policy))


def overdue(order: Order, today: date, *, policy: OrderPolicy | None = None) -> tuple[Overdue, ...]:
    """Every deadline of the order missed as of ``today``: production stages, the supplier's
    deadline, the production deadline (before quality acceptance) and the delivery deadline
    (before shipping). A closed order is never overdue."""
    policy = _policy(policy)
    found = [
        Overdue(OverdueKind.PRODUCTION_STAGE, s.deadline, (today - s.deadline).days, s.name)
        for s in overdue_stages(order, today, policy=policy)
    ]
    quote = order.quote
    if order.stage in _AT_SUPPLIER and quote is not None and _late(quote.deadline, today, policy):
        found.append(
            Overdue(OverdueKind.SUPPLIER_DEADLINE, quote.deadline, (today - quote.deadline).days)
        )
    spec = order.specification
    if order.stage not in _PRODUCED and _late(spec.production_deadline, today, policy):
        days = (today - spec.production_deadline).days
        found.append(Overdue(OverdueKind.PRODUCTION_DEADLINE, spec.production_deadline, days))
    if order.stage not in _SHIPPED and _late(spec.delivery_deadline, today, policy):
        days = (today - spec.delivery_deadline).days
        found.append(Overdue(OverdueKind.DELIVERY_DEADLINE, spec.delivery_deadline, days))
    return tuple(found)


def is_overdue(order: Order, today: date, *, policy: OrderPolicy | None = None) -> bool:
    """Whether any deadline of the order is missed (see :func:`overdue`)."""
    return bool(overdue(order, today, policy=policy))


# --------------------------------------------------------------------------- hand-offs


@attrs.frozen
class HandOff:
    """Something the order needs from someone else: the ``role`` to hand it to, a stable
    ``topic`` for programs and a ``reason`` for people. The shell makes a reaction of it."""

    role: Role
    topic: str
    reason: str


_DESIGN_STAGES = frozenset(
    {*_BEFORE_SIGNING, OrderStage.FINAL_REQUEST_SIGNED, OrderStage.QUEUED_AT_SUPPLIER}
)


def designer_handoffs(order: Order, *, existing_layouts: Collection[str]) -> tuple[HandOff, ...]:
    """The designer's work the order needs before production: a layout for its design when
    none is on file (``existing_layouts``, as the shell found them). On a repeat order this is
    the check of БП 5.3: the layout of the previous order must exist, else a new one (5.4)."""
    design = order.specification.design
    if order.stage not in _DESIGN_STAGES or design in existing_layouts:
        return ()
    if order.repeat_of is not None:
        return (
            HandOff(
                Role.DESIGNER,
                "repeat_layout_missing",
                f"repeat order {order.number}: no layout {design!r} on file; make it again",
            ),
        )
    return (HandOff(Role.DESIGNER, "new_layout", f"order {order.number}: make layout {design!r}"),)


def director_handoffs(
    order: Order,
    *,
    policy: OrderPolicy,
    client_vip: bool = False,
    conflict: str | None = None,
) -> tuple[HandOff, ...]:
    """What the director must see: a VIP order or client (the particulars of the deal), a
    conflict the manager cannot resolve, repeated quality rejections, and a price below the
    minimum margin waiting for approval."""
    if order.stage is OrderStage.CLOSED:
        return ()
    found: list[HandOff] = []
    if order.vip or client_vip:
        found.append(
            HandOff(
                Role.DIRECTOR,
                "vip_order",
                f"VIP order {order.number}: agree the particulars of the deal",
            )
        )
    if conflict is not None and conflict.strip():
        found.append(HandOff(Role.DIRECTOR, "conflict", conflict.strip()))
    if order.replacements >= policy.director_after_replacements:
        found.append(
            HandOff(
                Role.DIRECTOR,
                "repeated_rejections",
                f"order {order.number}: {order.replacements} replacement runs after quality "
                "rejections",
            )
        )
    if order.stage is OrderStage.SUPPLIER_QUOTED and order.quote is not None:
        price = pricing(
            order.quote.cost, policy, order.special_conditions, order.client_terms
        ).price
        decision = check_price(
            price, order.quote, director_approved=order.director_approved, policy=policy
        )
        found.extend(
            HandOff(Role.DIRECTOR, "price_approval", f"order {order.number}: {v.message}")
            for v in decision.violations
        )
    return tuple(found)


def sales_handoffs(
    order: Order, *, upsells: Iterable[str] = (), problem: str | None = None
) -> tuple[HandOff, ...]:
    """What goes to the client's sales manager: each upsell the manager spotted, and a
    problem client for face-to-face negotiations."""
    found = [
        HandOff(Role.SALES_MANAGER, "upsell", f"order {order.number}: {text.strip()}")
        for text in upsells
        if text.strip()
    ]
    if problem is not None and problem.strip():
        found.append(
            HandOff(
                Role.SALES_MANAGER, "problem_client", f"order {order.number}: {problem.strip()}"
            )
        )
    return tuple(found)


def handoffs(
    order: Order,
    *,
    policy: OrderPolicy,
    existing_layouts: Collection[str] = (),
    client_vip: bool = False,
    conflict: str | None = None,
    upsells: Iterable[str] = (),
    problem: str | None = None,
) -> tuple[HandOff, ...]:
    """Every hand-off the order needs now: designer, director, then sales manager."""
    return (
        *designer_handoffs(order, existing_layouts=existing_layouts),
        *director_handoffs(order, policy=policy, client_vip=client_vip, conflict=conflict),
        *sales_handoffs(order, upsells=upsells, problem=problem),
    )


# --------------------------------------------------------------------------- repeat sales


def repeat_order(
    previous: Order,
    *,
    new_id: OrderId,
    number: str,
    now: datetime,
    by: EmployeeId,
    policy: OrderPolicy,
    copy_specification: bool = True,
    changes: Mapping[str, Any] | None = None,
    specification: OrderSpecification | None = None,
    note: str = "",
) -> Order:
    """A repeat of the closed order ``previous`` (БП 5.1–5.4), at the preliminary request.

    With ``copy_specification`` the previous request is copied with ``changes`` applied
    (``{"quantity": 1000, "production_deadline": …}``); its deadlines must not be in the past.
    Without it, ``specification`` is the new request. The order gets ``repeat_of`` and the
    special conditions of ``policy`` (:func:`special_conditions_for`); VIP carries over.
    """
    if previous.stage is not OrderStage.CLOSED:
        raise _refuse(previous, "repeat_order", "only a closed order can be repeated", policy)
    if copy_specification:
        if specification is not None:
            raise ValidationError(
                [FieldError("specification", "give changes, not a specification, when copying")],
                subject="repeat order",
            )
        spec = _copied(previous, changes or {}, now)
    else:
        if specification is None or changes:
            raise ValidationError(
                [FieldError("specification", "a new specification is required, without changes")],
                subject="repeat order",
            )
        spec = specification
    opened = open_order(
        id=new_id,
        client_id=previous.client_id,
        number=number,
        specification=spec,
        now=now,
        by=by,
        vip=previous.vip,
        note=note,
    )
    return attrs.evolve(
        opened, repeat_of=previous.id, special_conditions=special_conditions_for(previous, policy)
    )


def _copied(previous: Order, changes: Mapping[str, Any], now: datetime) -> OrderSpecification:
    fields = attrs.fields_dict(OrderSpecification)
    unknown = [FieldError(key, "not a specification field") for key in changes if key not in fields]
    _raise(unknown, "repeat order")
    spec = attrs.evolve(previous.specification, **changes)
    today = now.date()
    stale = [
        FieldError(
            name,
            f"{getattr(spec, name)} (copied from order {previous.number}) is in the past; "
            "pass a new one in changes",
        )
        for name in ("production_deadline", "delivery_deadline")
        if name not in changes and getattr(spec, name) < today
    ]
    _raise(stale, "repeat order")
    return spec


def next_repeat_contact(order: Order, policy: OrderPolicy) -> date:
    """The day of the next repeat contact («повторный контакт») after the closed ``order``:
    its closing day plus ``policy.repeat_contact_interval``."""
    closed = order.closed_at
    if closed is None:
        raise _refuse(order, "next_repeat_contact", "the order is not closed yet", policy)
    return closed.date() + policy.repeat_contact_interval


# --------------------------------------------------------------------------- the diagram


def state_diagram() -> str:
    """The process as a Mermaid ``stateDiagram-v2``, drawn from :data:`TRANSITIONS`: one state
    per stage with its Russian label, one arrow per action and source (a loop for an action
    that keeps the stage), from the opening to the closing."""
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{stage.label}" as {stage.value}' for stage in OrderStage]
    lines.append(f"    [*] --> {OrderStage.PRELIMINARY_REQUEST.value}")
    for transition in TRANSITIONS:
        for source in transition.sources:
            target = transition.leads_to(source)
            lines.append(f"    {source.value} --> {target.value} : {transition.action}")
    lines.append(f"    {OrderStage.CLOSED.value} --> [*]")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- events


@attrs.frozen
class OrderOpened(Event):
    """An order was opened (a new one, or a repeat of a closed one) by ``by``, at ``stage``."""

    order_id: OrderId
    client_id: ClientId
    number: str
    stage: OrderStage
    by: EmployeeId
    at: datetime


@attrs.frozen
class OrderAdvanced(Event):
    """An order moved: ``action`` was done by ``by`` and the order is now at ``stage``."""

    order_id: OrderId
    client_id: ClientId
    action: str
    stage: OrderStage
    by: EmployeeId
    at: datetime
