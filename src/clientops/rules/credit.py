"""Creditworthiness as pure functions (seed 001): the payment-discipline score from the
invoices of a client, and the decision on a new order against the score and the limit::

    >>> from datetime import date
    >>> from clientops import Policy
    >>> from clientops.model import ClientId, Money
    >>> from clientops.retention import InvoiceFact
    >>> invoices = (
    ...     InvoiceFact("2025-00001", date(2025, 3, 5), Money(50_000), Money(0), 1,
    ...                 date(2025, 3, 25)),
    ...     InvoiceFact("2025-00002", date(2025, 5, 5), Money(80_000), Money(30_000), 2),
    ... )
    >>> policy = Policy().retention.credit
    >>> standing = payment_discipline(ClientId("c1"), invoices, today=date(2025, 6, 23),
    ...                               policy=policy)
    >>> standing.score, standing.days_late
    (46, 17)
    >>> check = check_order(standing, Money(100_000), policy=policy)
    >>> print(check.explain().replace("\\xa0", " "))
    Нужно согласование директора
    — оценка платёжной дисциплины 46 из 100 (ниже 60)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from clientops._credit import (
    CreditCheck,
    CreditDecision,
    CreditPolicy,
    CreditStanding,
    InvoiceFact,
    OnApproval,
)
from clientops._formats import count_text, money_text, plural
from clientops.model import ClientId, Money

#: the forms of «день» after a number
_DAYS = ("день", "дня", "дней")

__all__ = ["admit", "check_order", "payment_discipline"]


def payment_discipline(
    client_id: ClientId,
    invoices: Sequence[InvoiceFact],
    *,
    today: date,
    policy: CreditPolicy,
    limit: Money | None = None,
) -> CreditStanding:
    """The client's payment discipline from its invoices: the days each paid invoice was
    late beyond ``policy.grace_days`` (averaged), the invoices paid in more than one payment,
    the debt now and the part of it overdue; the score is 100 less the policy's points for
    each, never below 0. ``limit`` is the client's own (``None``: the policy's)."""
    late = [
        max(0, (inv.paid_on - inv.due).days - policy.grace_days)
        for inv in invoices
        if inv.paid_on is not None
    ]
    days_late = round(sum(late) / len(late)) if late else 0
    partial = sum(
        1 for inv in invoices if inv.payments > 1 or (inv.payments and inv.paid_on is None)
    )
    debt = Money(sum((i.outstanding.amount for i in invoices), start=0))
    overdue_now = [
        i for i in invoices if i.outstanding.amount > 0 and (today - i.due).days > policy.grace_days
    ]
    overdue = Money(sum((i.outstanding.amount for i in overdue_now), start=0))
    score = 100 - (
        days_late * policy.late_day_points
        + partial * policy.partial_points
        + len(overdue_now) * policy.overdue_points
    )
    reasons: list[str] = []
    if days_late:
        reasons.append(f"оплачивает в среднем на {count_text(days_late, *_DAYS)} позже срока")
    if partial:
        paid = plural(partial, "счёт оплачен", "счёта оплачены", "счетов оплачены")
        reasons.append(f"{partial}\u00a0{paid} частями")
    if overdue_now:
        count = len(overdue_now)
        reasons.append(
            f"просрочено {count}\u00a0{plural(count, 'счёт', 'счёта', 'счетов')} "
            f"на {money_text(overdue)}"
        )
    return CreditStanding(
        client_id,
        max(0, score),
        days_late,
        partial,
        debt,
        overdue,
        limit if limit is not None else policy.default_limit,
        own_limit=limit is not None,
        reasons=tuple(reasons),
    )


def check_order(standing: CreditStanding, amount: Money, *, policy: CreditPolicy) -> CreditCheck:
    """What a new order (or shipment) of ``amount`` needs: refused below
    ``policy.refuse_score``; the director's approval below ``policy.approval_score`` or when
    the debt with the order would pass the credit limit; else it goes ahead."""
    reasons: list[str] = []
    decision = CreditDecision.ALLOW
    if standing.score < policy.refuse_score:
        decision = CreditDecision.REFUSE
        reasons.append(
            f"оценка платёжной дисциплины {standing.score} из 100 (ниже {policy.refuse_score})"
        )
    elif standing.score < policy.approval_score:
        decision = CreditDecision.APPROVAL
        reasons.append(
            f"оценка платёжной дисциплины {standing.score} из 100 (ниже {policy.approval_score})"
        )
    total = standing.debt.amount + amount.amount
    if total > standing.limit.amount:
        if decision is CreditDecision.ALLOW:
            decision = CreditDecision.APPROVAL
        debt = "долг с этим заказом" if amount.amount else "долг"
        reasons.append(
            f"{debt} {money_text(Money(total))} больше кредитного лимита "
            f"{money_text(standing.limit)}"
        )
    return CreditCheck(standing, amount, decision, tuple(reasons))


def admit(
    check: CreditCheck, *, approved: bool, shipment: bool, policy: CreditPolicy
) -> CreditDecision:
    """What ``ops.orders`` does with ``check``: :attr:`~CreditDecision.ALLOW` goes ahead
    (so does an approval the director gave, ``approved``); :attr:`~CreditDecision.APPROVAL`
    stores a new order with a task to the director (``policy.on_approval`` is
    :attr:`~OnApproval.DIRECTOR`); :attr:`~CreditDecision.REFUSE` refuses it: a refused
    check always, an approval not given yet for a shipment or under
    :attr:`~OnApproval.REFUSE`. The director's approval does not lift a refusal::

        >>> from clientops.model import ClientId, Money
        >>> poor = CreditStanding(ClientId("c1"), 50, 0, 0, Money(0), Money(0), Money(1), False)
        >>> check = check_order(poor, Money(0), policy=CreditPolicy())
        >>> admit(check, approved=False, shipment=False, policy=CreditPolicy()).value
        'approval'
        >>> admit(check, approved=False, shipment=True, policy=CreditPolicy()).value
        'refuse'
        >>> admit(check, approved=True, shipment=True, policy=CreditPolicy()).value
        'allow'
    """
    if check.decision is CreditDecision.REFUSE:
        return CreditDecision.REFUSE
    if check.decision is CreditDecision.ALLOW or approved:
        return CreditDecision.ALLOW
    if shipment or policy.on_approval is OnApproval.REFUSE:
        return CreditDecision.REFUSE
    return CreditDecision.APPROVAL
