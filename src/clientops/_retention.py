"""Keeping clients: the values of churn risk and win-back (seed 002 / 16: «возврат уходящих
клиентов»).

A client's risk is a set of named :class:`ChurnSignal` values, each with its weight and the
reason in Russian, found by :func:`clientops.rules.retention.churn_risk` in the
:class:`ClientFacts` gathered from the store. Above :attr:`RetentionPolicy.leaving_score` the
client is *leaving*: a :class:`RetentionRecord` with :attr:`RetentionStatus.LEAVING`, put on a
win-back campaign (``CampaignPurpose.WIN_BACK``), whose calls end with an outcome: the client
stayed, left (with a reason) or put the decision off (paused until a day)::

    >>> SignalKind.OVERDUE_DEBT.label
    'Просроченный долг'
    >>> RetentionStatus.LEFT.label
    'Ушёл'
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from clientops._checks import aware, fail, instance, text, tuple_of
from clientops._credit import CreditPolicy
from clientops._text import template_validator
from clientops.events import Event
from clientops.model import ClientId, EmployeeId, Money

__all__ = [
    "ChurnRisk",
    "ChurnSignal",
    "ClientFacts",
    "ClientTerms",
    "ManagerFigures",
    "MarketingItem",
    "MarketingKind",
    "OrderFact",
    "Renewal",
    "RetentionChanged",
    "RetentionPolicy",
    "RetentionRecord",
    "RetentionStatus",
    "SignalKind",
]

_id = text(limit=128, multiline=False)
_optional_note = text(limit=10_000, optional=True, required=False)


class SignalKind(enum.Enum):
    """What can say a client is drifting away; :attr:`label` is its Russian name."""

    NO_ORDERS = "no_orders"
    NO_PAYMENTS = "no_payments"
    FALLING_ORDERS = "falling_orders"
    UNHAPPY_CALLS = "unhappy_calls"
    OPEN_CLAIMS = "open_claims"
    OVERDUE_DEBT = "overdue_debt"
    TERMINATION = "termination"

    @property
    def label(self) -> str:
        return _SIGNAL_LABELS[self]


_SIGNAL_LABELS = {
    SignalKind.NO_ORDERS: "Нет заказов",
    SignalKind.NO_PAYMENTS: "Нет оплат",
    SignalKind.FALLING_ORDERS: "Суммы заказов падают",
    SignalKind.UNHAPPY_CALLS: "Недоволен при звонках",
    SignalKind.OPEN_CLAIMS: "Открытые рекламации",
    SignalKind.OVERDUE_DEBT: "Просроченный долг",
    SignalKind.TERMINATION: "Заявил о расторжении",
}


def _not_negative(inst: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        fail(attribute.name, f"{value!r} is not a whole number ≥ 0", subject="policy")


def _positive(inst: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        fail(attribute.name, f"{value!r} is not a whole number ≥ 1", subject="policy")


def _share(inst: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not Decimal(0) < value < Decimal(1):
        fail(attribute.name, f"{value!r} is not a Decimal share between 0 and 1", subject="policy")


def _weights(inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        fail(attribute.name, "must be a tuple of (SignalKind, weight)", subject="policy")
    for at, item in enumerate(value):
        if (
            not isinstance(item, tuple)
            or len(item) != 2
            or not isinstance(item[0], SignalKind)
            or not isinstance(item[1], int)
            or isinstance(item[1], bool)
            or item[1] < 0
        ):
            fail(f"{attribute.name}[{at}]", f"not a (SignalKind, weight ≥ 0): {item!r}")


def _pairs(inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        fail(attribute.name, "must be a tuple of (city, manager id)", subject="policy")
    for at, item in enumerate(value):
        if (
            not isinstance(item, tuple)
            or len(item) != 2
            or not all(isinstance(part, str) and part.strip() for part in item)
        ):
            fail(f"{attribute.name}[{at}]", f"not a (city, manager id): {item!r}")


_words = template_validator("number", "ends_on", "company", persons=("contact", "manager"))


#: How much each signal weighs, by default.
SIGNAL_WEIGHTS: tuple[tuple[SignalKind, int], ...] = (
    (SignalKind.NO_ORDERS, 30),
    (SignalKind.NO_PAYMENTS, 20),
    (SignalKind.FALLING_ORDERS, 20),
    (SignalKind.UNHAPPY_CALLS, 30),
    (SignalKind.OPEN_CLAIMS, 20),
    (SignalKind.OVERDUE_DEBT, 25),
    (SignalKind.TERMINATION, 100),
)


@attrs.frozen
class RetentionPolicy:
    """The numbers of churn risk, loss and win-back (``Policy.retention``). Every signal and
    the loss criterion of the month's report read these, one rule set."""

    #: No order for this many days: «нет заказов».
    silence_days: int = attrs.field(default=90, validator=_positive)
    #: No payment for this many days: «нет оплат».
    no_payment_days: int = attrs.field(default=60, validator=_positive)
    #: The sums of the last ``falling_window`` orders against the ``falling_window`` before
    #: them: a drop by at least ``falling_share`` is «суммы заказов падают».
    falling_window: int = attrs.field(default=3, validator=_positive)
    falling_share: Decimal = attrs.field(default=Decimal("0.3"), validator=_share)
    #: Unhappy satisfaction calls (claims filed from the satisfaction round) counted over
    #: this many days; at least ``unhappy_calls`` of them is a signal.
    unhappy_days: int = attrs.field(default=180, validator=_positive)
    unhappy_calls: int = attrs.field(default=1, validator=_positive)
    #: Open claims: at least this many.
    open_claims: int = attrs.field(default=1, validator=_positive)
    #: Debt overdue by more than this many days.
    debt_grace_days: int = attrs.field(default=10, validator=_not_negative)
    #: The weight of each signal; a client whose signals weigh at least ``leaving_score`` is
    #: leaving.
    weights: tuple[tuple[SignalKind, int], ...] = attrs.field(
        default=SIGNAL_WEIGHTS, validator=_weights
    )
    leaving_score: int = attrs.field(default=50, validator=_positive)
    #: Lost (the report's «потерянные клиенты»): no order for this many days, or marked
    #: «ушёл» by a win-back call, or the announced termination day passed.
    lost_days: int = attrs.field(default=180, validator=_positive)
    #: The follow-up plan started on the client's manager when a client is marked leaving
    #: (``None``: none); it must be one of ``Policy.follow_up_plans``.
    leaving_plan: str | None = "win_back"
    #: Clients without a manager given by rule (:func:`clientops.rules.retention
    #: .choose_manager`): the manager of each city (compared case- and ``ё``-insensitively);
    #: a client of another city goes to the least loaded client manager present.
    city_managers: tuple[tuple[str, EmployeeId], ...] = attrs.field(default=(), validator=_pairs)
    #: Creditworthiness: the default credit limit, the score's points, the scores that ask
    #: for the director's approval or refuse a new order.
    credit: CreditPolicy = attrs.field(factory=CreditPolicy, validator=instance(CreditPolicy))
    #: Contract renewals: a contract ending within this many days is put on the manager's
    #: agenda and the client gets the renewal letter (by e-mail, through the outbox topic).
    renewal_days: int = attrs.field(default=30, validator=_positive)
    #: Upsells (:meth:`~clientops.retention.Retention.upsell`): the reaction's topic for an
    #: assigned client (to sales) and for a client without a manager (run by the client
    #: department); ``{client}``, ``{detail}``.
    upsell_topic: str = attrs.field(
        default="Допродажа клиенту {client}: {detail}",
        validator=template_validator("client", "detail"),
    )
    unassigned_upsell_topic: str = attrs.field(
        default="Допродажа клиенту без менеджера {client}: {detail}",
        validator=template_validator("client", "detail"),
    )
    #: A contractor's bill, entered into the payment plan when its work is accepted, is due
    #: this many days after the act (:mod:`clientops.contractors`).
    contractor_bill_days: int = attrs.field(default=5, validator=_not_negative)
    #: An agreement with a partner put up for renewal (``renewal_days`` ahead, as a
    #: contract): the call's topic on the responsible employee's agenda; ``{number}``,
    #: ``{counterparty}``, ``{kind}``, ``{ends_on}`` (dd.mm.yyyy).
    agreement_renewal_topic: str = attrs.field(
        default="Продлить договор № {number} с {counterparty} ({kind}, действует до {ends_on})",
        validator=template_validator("number", "counterparty", "kind", "ends_on"),
    )
    renewal_email_topic: str = "clientops.email.renewal"
    #: Words: ``{number}``, ``{ends_on}`` (dd.mm.yyyy), ``{company}``, and two persons who
    #: say their case: ``{contact:nom}`` (the contact person, or the client's name when the
    #: card has none: an organisation is never declined) and ``{manager:nom}`` (the manager's
    #: full name), ``:gen``, ``:dat``, ``:acc``, ``:ins``, ``:pre`` for the other cases.
    renewal_topic: str = attrs.field(
        default="Продлить договор № {number} (действует до {ends_on})", validator=_words
    )
    renewal_subject: str = attrs.field(default="Продление договора № {number}", validator=_words)
    renewal_letter: str = attrs.field(
        default=(
            "Здравствуйте, {contact:nom}!\n\n"
            "Срок действия договора № {number} с компанией {company} истекает {ends_on}. "
            "Предлагаем продлить его на прежних условиях. Ваш менеджер {manager:nom} свяжется "
            "с Вами в ближайшие дни.\n\nС уважением,\n{company}"
        ),
        validator=_words,
    )

    def weight(self, kind: SignalKind) -> int:
        return next((w for k, w in self.weights if k is kind), 0)


def _discount(inst: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not Decimal(0) <= value < Decimal(1):
        fail(attribute.name, f"{value!r} is not a Decimal share from 0 below 1", subject="terms")


@attrs.frozen
class ClientTerms:
    """A client's special conditions (a VIP client, a client won back with an offer): a
    ``discount`` share on every order's price and every invoice line made while they are
    valid, from ``valid_from`` to ``valid_until`` (``None``: open-ended), and the other
    ``conditions`` in words (kept for the manager, not applied by a rule); set by ``by`` at
    ``at``::

        >>> from datetime import UTC
        >>> terms = ClientTerms("c1", Decimal("0.05"), date(2025, 1, 1), date(2025, 12, 31),
        ...                     by="anna", at=datetime(2025, 1, 1, tzinfo=UTC))
        >>> terms.valid_on(date(2025, 6, 23)), terms.valid_on(date(2026, 1, 1))
        (True, False)
        >>> print(terms.words().replace("\xa0", " "))
        скидка 5 % по особым условиям клиента
    """

    client_id: ClientId = attrs.field(validator=_id)
    discount: Decimal = attrs.field(validator=_discount)
    valid_from: date = attrs.field(validator=instance(date))
    valid_until: date | None = attrs.field(validator=instance(date, optional=True))
    by: EmployeeId = attrs.field(validator=_id)
    at: datetime = attrs.field(validator=aware)
    conditions: str | None = attrs.field(default=None, validator=_optional_note)

    def __attrs_post_init__(self) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            fail(
                "valid_until",
                f"{self.valid_until.isoformat()} is before valid_from "
                f"{self.valid_from.isoformat()}",
                subject="terms",
            )

    def valid_on(self, day: date) -> bool:
        """Whether the terms apply on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def discount_text(self) -> str:
        """«скидка 5 %» (a no-break space before the sign)."""
        share = format(self.discount * 100, "f")
        share = share.rstrip("0").rstrip(".") if "." in share else share
        return f"скидка {share.replace('.', ',')}\u00a0%"

    def words(self) -> str:
        """«скидка 5 % по особым условиям клиента»: what an invoice line says of it."""
        return f"{self.discount_text()} по особым условиям клиента"


@attrs.frozen
class OrderFact:
    """One order as the risk rule sees it: when it was made and its sum (``None``: not
    priced yet)."""

    day: date
    amount: Money | None = None


@attrs.frozen
class ClientFacts:
    """What the store says about one client, gathered for the risk rule."""

    client_id: ClientId
    name: str
    manager_id: EmployeeId | None = None
    since: date | None = None
    orders: tuple[OrderFact, ...] = attrs.field(default=(), validator=tuple_of(OrderFact))
    last_payment: date | None = None
    unhappy_calls: tuple[date, ...] = ()
    open_claims: int = 0
    overdue_debt: Money = Money(0)
    overdue_days: int = 0
    termination_on: date | None = None
    marked_left: bool = False


@attrs.frozen
class ChurnSignal:
    """One reason to think the client is leaving: its kind, weight and the reason in Russian."""

    kind: SignalKind
    weight: int
    text: str

    def __str__(self) -> str:
        return f"{self.kind.label}: {self.text}"


@attrs.frozen
class ChurnRisk:
    """A client's signals, their total weight, whether that makes the client leaving, and
    whether the client counts as lost."""

    client_id: ClientId
    name: str
    manager_id: EmployeeId | None
    signals: tuple[ChurnSignal, ...]
    score: int
    leaving: bool
    lost: bool

    def explain(self) -> str:
        """The signals in Russian, one a line (``«Нет сигналов ухода»`` when there are none)."""
        if not self.signals:
            return "Нет сигналов ухода"
        return "\n".join(f"— {signal}" for signal in self.signals)


class RetentionStatus(enum.Enum):
    """Where a client is on the way out: leaving (signals say so), stayed (won back), left
    (with a reason), paused (the client put the decision off until a day)."""

    LEAVING = "leaving"
    STAYED = "stayed"
    LEFT = "left"
    PAUSED = "paused"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    RetentionStatus.LEAVING: "Уходящий",
    RetentionStatus.STAYED: "Остался",
    RetentionStatus.LEFT: "Ушёл",
    RetentionStatus.PAUSED: "Решение отложено",
}


@attrs.frozen
class RetentionRecord:
    """A client's retention status as stored: since when, set by whom, the signals that made
    it leaving (their kinds), the reason it left, the day a pause ends, the announced
    termination day, the manager answering for it at the time."""

    client_id: ClientId = attrs.field(validator=_id)
    status: RetentionStatus = attrs.field(validator=instance(RetentionStatus))
    since: datetime = attrs.field(validator=aware)
    by: EmployeeId = attrs.field(validator=_id)
    manager_id: EmployeeId | None = None
    signals: tuple[SignalKind, ...] = attrs.field(default=(), validator=tuple_of(SignalKind))
    reason: str | None = attrs.field(default=None, validator=_optional_note)
    until: date | None = attrs.field(default=None, validator=instance(date, optional=True))
    termination_on: date | None = attrs.field(default=None, validator=instance(date, optional=True))
    version: int = 0


@attrs.frozen
class ManagerFigures:
    """One manager's win-back figures: clients leaving now, stayed, left, paused."""

    manager_id: EmployeeId | None
    leaving: int = 0
    stayed: int = 0
    left: int = 0
    paused: int = 0

    @property
    def won_back_share(self) -> Decimal:
        """Stayed among those decided (stayed + left); 0 when none was decided."""
        decided = self.stayed + self.left
        return Decimal(self.stayed) / decided if decided else Decimal(0)


@attrs.frozen
class Renewal:
    """A contract put up for renewal: the reaction on the manager's agenda and the letter's
    outbox key (``None``: the client has no e-mail, no letter sent)."""

    contract_id: str
    client_id: ClientId
    number: str
    ends_on: date
    reaction_id: str
    letter_key: str | None = None


class MarketingKind(enum.Enum):
    """What marketing gets from the client department (seed 002 / 12): a client's wish, the
    material of a client case, a letter of thanks; :attr:`label` is its Russian name."""

    WISH = "wish"
    CASE = "case"
    THANKS_LETTER = "thanks_letter"

    @property
    def label(self) -> str:
        return _MARKETING_LABELS[self]


_MARKETING_LABELS = {
    MarketingKind.WISH: "Пожелание клиента",
    MarketingKind.CASE: "Материал для кейса",
    MarketingKind.THANKS_LETTER: "Благодарственное письмо",
}


_marketing_text = text(limit=10_000)
_source = text(limit=200, multiline=False)
_reference = text(limit=2000, optional=True, multiline=False)


@attrs.frozen
class MarketingItem:
    """One item for marketing about a client: its kind, the text (the wish in the client's
    words, what the case is about, what the letter says), a document by reference (the
    letter's scan, the case's file), where it came from (``source``: a call, a meeting…),
    who recorded it and when."""

    id: str = attrs.field(validator=_id)
    client_id: ClientId = attrs.field(validator=_id)
    kind: MarketingKind = attrs.field(validator=instance(MarketingKind))
    text: str = attrs.field(validator=_marketing_text)
    at: datetime = attrs.field(validator=aware)
    by: EmployeeId = attrs.field(validator=_id)
    source: str = attrs.field(default="звонок", validator=_source)
    reference: str | None = attrs.field(default=None, validator=_reference)


@attrs.frozen
class RetentionChanged(Event):
    """A client's retention status changed: marked leaving by the signals (``signals``),
    or a win-back call ended with stayed, left or paused."""

    client_id: ClientId
    status: RetentionStatus
    signals: tuple[SignalKind, ...]
    at: datetime
