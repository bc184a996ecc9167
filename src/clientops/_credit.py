"""Creditworthiness (seed 001: «кредитоспособность и платёжеспособность клиентов»): a
payment-discipline score from the stored payment history, a credit limit per client (the
policy's default, overridable), and what that means for a new order: go ahead, ask the
director, or refuse::

    >>> CreditDecision.APPROVAL.label
    'Нужно согласование директора'
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import attrs

from clientops._checks import aware, fail, instance, text, tuple_of
from clientops._text import template_validator
from clientops.errors import FieldError, ValidationError
from clientops.model import ClientId, EmployeeId, Money

__all__ = [
    "CreditCheck",
    "CreditDecision",
    "CreditLimit",
    "CreditPolicy",
    "CreditRefusedError",
    "CreditStanding",
    "InvoiceFact",
    "OnApproval",
]

_id = text(limit=128, multiline=False)


def _not_negative_money(inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Money):
        fail(attribute.name, f"not Money: {value!r}", subject=type(inst).__name__)
    if value.amount < 0:
        fail(attribute.name, f"a credit limit below zero: {value.amount}", subject="credit limit")


def _not_negative(inst: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        fail(attribute.name, f"{value!r} is not a whole number ≥ 0", subject="policy")


class OnApproval(enum.Enum):
    """What ``ops.orders`` does with a new order that needs the director's approval
    (:attr:`CreditDecision.APPROVAL`) and was not approved yet: it is stored and the director
    gets a task to approve it, or it is refused until approved. A shipment that needs the
    approval is held (refused) either way until the director approved it."""

    DIRECTOR = "director"
    REFUSE = "refuse"

    @property
    def label(self) -> str:
        return _ON_APPROVAL_LABELS[self]


_ON_APPROVAL_LABELS = {
    OnApproval.DIRECTOR: "Принять заказ и передать директору на согласование",
    OnApproval.REFUSE: "Не принимать заказ до согласования директора",
}


@attrs.frozen
class CreditPolicy:
    """The numbers of creditworthiness (``Policy.retention.credit``). The score starts at
    100 and loses points for each day an invoice was paid late on average, for each invoice
    paid in parts and for each invoice overdue now; it never goes below 0."""

    #: The credit limit of a client without a limit of its own.
    default_limit: Money = attrs.field(default=Money(300_000), validator=_not_negative_money)
    #: Days late that do not count (a payment on its way).
    grace_days: int = attrs.field(default=3, validator=_not_negative)
    late_day_points: int = attrs.field(default=2, validator=_not_negative)
    partial_points: int = attrs.field(default=5, validator=_not_negative)
    overdue_points: int = attrs.field(default=15, validator=_not_negative)
    #: Below this score a new order needs the director's approval; below ``refuse_score``
    #: it is refused.
    approval_score: int = attrs.field(default=60, validator=_not_negative)
    refuse_score: int = attrs.field(default=30, validator=_not_negative)
    #: ``ops.orders`` checks a new order (``open``, ``repeat``) and a shipment (``Ship``)
    #: against the client's standing (``False``: it does not).
    check_orders: bool = attrs.field(default=True, validator=instance(bool))
    #: A new order that needs the director's approval: stored with a task to the director,
    #: or refused until approved.
    on_approval: OnApproval = attrs.field(
        default=OnApproval.DIRECTOR, validator=instance(OnApproval)
    )
    #: The director's task for such an order: ``{number}``, ``{client}``, ``{reasons}``.
    approval_topic: str = attrs.field(
        default="Кредитный контроль: согласовать заказ № {number} клиента {client} ({reasons})",
        validator=template_validator("number", "client", "reasons"),
    )


class CreditDecision(enum.Enum):
    """What the payment discipline and the limit say about a new order or shipment."""

    ALLOW = "allow"
    APPROVAL = "approval"
    REFUSE = "refuse"

    @property
    def label(self) -> str:
        return _DECISION_LABELS[self]


_DECISION_LABELS = {
    CreditDecision.ALLOW: "Можно отгружать",
    CreditDecision.APPROVAL: "Нужно согласование директора",
    CreditDecision.REFUSE: "Отказать до погашения долга",
}


@attrs.frozen
class InvoiceFact:
    """One invoice as the score sees it: its number, due date, total, what is still owed,
    how many payments went to it and the day it was paid in full (``None``: not yet)."""

    number: str
    due: date
    total: Money
    outstanding: Money
    payments: int = 0
    paid_on: date | None = None


@attrs.frozen
class CreditLimit:
    """A client's own credit limit, set by ``by`` at ``at`` (``note``: why)."""

    client_id: ClientId = attrs.field(validator=_id)
    limit: Money = attrs.field(validator=_not_negative_money)
    by: EmployeeId = attrs.field(validator=_id)
    at: datetime = attrs.field(validator=aware)
    note: str | None = attrs.field(
        default=None, validator=text(limit=10_000, optional=True, required=False)
    )


@attrs.frozen
class CreditStanding:
    """A client's payment discipline: the score (0–100), the average days late, invoices
    paid in parts, the debt now and the part of it overdue, the credit limit (its own or the
    policy's) and the reasons in Russian."""

    client_id: ClientId
    score: int
    days_late: int
    partial: int
    debt: Money
    overdue: Money
    limit: Money
    own_limit: bool
    reasons: tuple[str, ...] = attrs.field(default=(), validator=tuple_of(str))


@attrs.frozen
class CreditCheck:
    """A new order of ``amount`` against the client's standing: the decision and why."""

    standing: CreditStanding
    amount: Money = attrs.field(validator=instance(Money))
    decision: CreditDecision
    reasons: tuple[str, ...] = ()

    def explain(self) -> str:
        """The decision and its reasons in Russian, one a line."""
        return "\n".join((self.decision.label, *(f"— {r}" for r in self.reasons)))


class CreditRefusedError(ValidationError):
    """A new order or a shipment refused by the credit check (``ops.orders``): the client's
    payment discipline or its debt against its credit limit. Names ``client_id``; ``check``
    is the decision and its reasons (:meth:`CreditCheck.explain`). Nothing was stored."""

    def __init__(self, check: CreditCheck, *, what: str = "order") -> None:
        self.check = check
        reasons = "; ".join(check.reasons)
        super().__init__(
            [FieldError("client_id", f"{check.decision.label}: {reasons}")],
            subject=f"{what} of client {check.standing.client_id}",
        )
