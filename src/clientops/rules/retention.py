"""Churn risk, loss and win-back figures, as pure functions (seed 002 / 16).

:func:`churn_risk` reads the :class:`~clientops.retention.ClientFacts` of one client and
names every signal that says it is drifting away, with its weight and the reason in Russian;
the client is *leaving* when they weigh at least ``Policy.retention.leaving_score``.
:func:`is_lost` is the loss criterion of the month's report, from the same facts and the same
policy section: one rule set::

    >>> from datetime import date
    >>> from clientops import Policy
    >>> from clientops.model import ClientId, Money
    >>> from clientops.retention import ClientFacts, OrderFact
    >>> facts = ClientFacts(
    ...     ClientId("c1"), "ООО «Ромашка»",
    ...     orders=(OrderFact(date(2025, 1, 10), Money(90_000)),),
    ...     last_payment=date(2025, 1, 20),
    ...     overdue_debt=Money("108500"), overdue_days=40)
    >>> risk = churn_risk(facts, today=date(2025, 6, 23), policy=Policy().retention)
    >>> print(risk.explain().replace("\xa0", " "))  # numbers and units: no-break spaces
    — Нет заказов: последний заказ 10.01.2025, 164 дня назад
    — Нет оплат: последняя оплата 20.01.2025, 154 дня назад
    — Просроченный долг: 108 500,00 руб., просрочка 40 дней
    >>> risk.score, risk.leaving, risk.lost
    (75, True, False)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol, TypeVar

from clientops._formats import count_text, money_text, plural
from clientops._names import PersonName
from clientops._retention import (
    ChurnRisk,
    ChurnSignal,
    ClientFacts,
    ManagerFigures,
    RetentionPolicy,
    RetentionRecord,
    RetentionStatus,
    SignalKind,
)
from clientops._text import format_date
from clientops.model import Client, EmployeeId, Money, city_key
from clientops.service_visits import ServiceContract

#: the forms of «день» after a number
_DAYS = ("день", "дня", "дней")

__all__ = [
    "choose_manager",
    "churn_risk",
    "is_lost",
    "renewal_words",
    "renewals_due",
    "win_back_figures",
]


def _since(day: date, today: date) -> int:
    return (today - day).days


def _signals(facts: ClientFacts, today: date, policy: RetentionPolicy) -> list[ChurnSignal]:
    found: list[tuple[SignalKind, str]] = []
    last_order = max((o.day for o in facts.orders), default=None)
    if last_order is None:
        if facts.since is not None and _since(facts.since, today) >= policy.silence_days:
            found.append(
                (
                    SignalKind.NO_ORDERS,
                    f"ни одного заказа за {count_text(_since(facts.since, today), *_DAYS)}",
                )
            )
    elif (days := _since(last_order, today)) >= policy.silence_days:
        found.append(
            (
                SignalKind.NO_ORDERS,
                f"последний заказ {format_date(last_order)}, {count_text(days, *_DAYS)} назад",
            )
        )
    paid = facts.last_payment
    if paid is not None and (days := _since(paid, today)) >= policy.no_payment_days:
        found.append(
            (
                SignalKind.NO_PAYMENTS,
                f"последняя оплата {format_date(paid)}, {count_text(days, *_DAYS)} назад",
            )
        )
    falling = _falling(facts, policy)
    if falling is not None:
        found.append((SignalKind.FALLING_ORDERS, falling))
    window = [d for d in facts.unhappy_calls if 0 <= _since(d, today) <= policy.unhappy_days]
    if len(window) >= policy.unhappy_calls:
        count = len(window)
        calls = plural(count, "звонке", "звонках", "звонках")
        found.append(
            (
                SignalKind.UNHAPPY_CALLS,
                f"недоволен при {count}\u00a0{calls} за {count_text(policy.unhappy_days, *_DAYS)}",
            )
        )
    if facts.open_claims >= policy.open_claims:
        count = facts.open_claims
        claims = plural(count, "открытая рекламация", "открытые рекламации", "открытых рекламаций")
        found.append((SignalKind.OPEN_CLAIMS, f"{count}\u00a0{claims}"))
    if facts.overdue_debt.amount > 0 and facts.overdue_days > policy.debt_grace_days:
        found.append(
            (
                SignalKind.OVERDUE_DEBT,
                f"{money_text(facts.overdue_debt)}, "
                f"просрочка {count_text(facts.overdue_days, *_DAYS)}",
            )
        )
    if facts.termination_on is not None:
        found.append(
            (SignalKind.TERMINATION, f"договор расторгается с {format_date(facts.termination_on)}")
        )
    return [ChurnSignal(kind, policy.weight(kind), why) for kind, why in found]


def _falling(facts: ClientFacts, policy: RetentionPolicy) -> str | None:
    """«Суммы заказов падают» when the last ``falling_window`` priced orders sum to less
    than ``1 - falling_share`` of the ``falling_window`` before them."""
    priced = sorted((o for o in facts.orders if o.amount is not None), key=lambda o: o.day)
    n = policy.falling_window
    if len(priced) < 2 * n:
        return None
    recent = sum((o.amount.amount for o in priced[-n:] if o.amount), start=0)
    before = sum((o.amount.amount for o in priced[-2 * n : -n] if o.amount), start=0)
    if before <= 0 or recent > before * (1 - policy.falling_share):
        return None
    drop = round((1 - recent / before) * 100)
    currency = priced[-1].amount.currency if priced[-1].amount else "RUB"
    orders = plural(n, "заказ", "заказа", "заказов")
    return (
        f"последние {n}\u00a0{orders} на {money_text(Money(recent, currency))} против "
        f"{money_text(Money(before, currency))} прежде (на {drop}\u00a0% меньше)"
    )


def is_lost(facts: ClientFacts, *, today: date, policy: RetentionPolicy) -> bool:
    """Whether the client counts as lost (the report's «потерянные клиенты»): marked «ушёл»
    by a win-back call, its announced termination day passed, or no order for
    ``policy.lost_days`` days (a client that never ordered: since it came, when known)."""
    if facts.marked_left:
        return True
    if facts.termination_on is not None and facts.termination_on <= today:
        return True
    last = max((o.day for o in facts.orders), default=facts.since)
    return last is not None and _since(last, today) >= policy.lost_days


def churn_risk(facts: ClientFacts, *, today: date, policy: RetentionPolicy) -> ChurnRisk:
    """The client's churn signals, their weight, whether it is leaving and whether lost."""
    signals = tuple(_signals(facts, today, policy))
    score = sum(s.weight for s in signals)
    return ChurnRisk(
        facts.client_id,
        facts.name,
        facts.manager_id,
        signals,
        score,
        leaving=bool(signals) and score >= policy.leaving_score,
        lost=is_lost(facts, today=today, policy=policy),
    )


def choose_manager(
    client: Client, loads: Mapping[EmployeeId, int], *, policy: RetentionPolicy
) -> EmployeeId | None:
    """The manager a client without one is given (seed 002 / 20): the manager of its city
    (``policy.city_managers``) when that manager is among ``loads`` (the client managers
    present, with how many clients each has), else the least loaded of them (then by id);
    ``None`` when there is nobody::

        >>> from clientops.testing import a_client
        >>> mine = RetentionPolicy(city_managers=(("Омск", "olga"),))
        >>> loads = {"anna": 3, "boris": 1, "olga": 7}
        >>> choose_manager(a_client(city="омск"), loads, policy=mine)
        'olga'
        >>> choose_manager(a_client(city="Тара"), loads, policy=mine)
        'boris'
    """
    key = city_key(client.city)
    for city, manager in policy.city_managers:
        if city_key(city) == key and manager in loads:
            return manager
    if not loads:
        return None
    return min(loads, key=lambda manager: (loads[manager], manager))


class _Ending(Protocol):
    @property
    def ends_on(self) -> date | None: ...

    @property
    def number(self) -> str: ...


_E = TypeVar("_E", bound=_Ending)


def renewals_due(
    contracts: Iterable[_E], *, today: date, policy: RetentionPolicy
) -> tuple[_E, ...]:
    """The contracts to put up for renewal today: ending from today to
    ``policy.renewal_days`` ahead (an open-ended contract never), soonest first. A client's
    service contract and an agreement with a partner
    (:class:`~clientops.retention.PartnerAgreement`) alike: anything with an ``ends_on`` and
    a ``number``."""
    due = [
        c
        for c in contracts
        if c.ends_on is not None and 0 <= (c.ends_on - today).days <= policy.renewal_days
    ]
    return tuple(sorted(due, key=lambda c: (c.ends_on or today, c.number)))


class _Verbatim(str):
    """An organisation's name in a person's place: the same in every case."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        return str(self)


def renewal_words(
    contract: ServiceContract,
    client: Client,
    *,
    manager: str | PersonName,
    company: str,
    policy: RetentionPolicy,
) -> tuple[str, str, str]:
    """The reaction's topic, the letter's subject and the letter's body for ``contract``
    (``manager``: the manager's full name, or :attr:`Employee.person` to decline it by their
    gender; with no contact person the letter greets the client's name, never declined)."""
    contact: object = client.contacts[0].person if client.contacts else _Verbatim(client.name)
    fields = {
        "number": contract.number,
        "ends_on": format_date(contract.ends_on) if contract.ends_on else "",
        "company": company,
        "contact": contact,
        "manager": manager if isinstance(manager, PersonName) else PersonName(manager),
    }
    return (
        policy.renewal_topic.format(**fields),
        policy.renewal_subject.format(**fields),
        policy.renewal_letter.format(**fields),
    )


def win_back_figures(records: Iterable[RetentionRecord]) -> tuple[ManagerFigures, ...]:
    """Per manager (``None``: clients without one, listed first), the counts of each
    status: leaving now, stayed, left, paused."""
    counts: dict[EmployeeId | None, dict[RetentionStatus, int]] = {}
    for record in records:
        row = counts.setdefault(record.manager_id, dict.fromkeys(RetentionStatus, 0))
        row[record.status] += 1
    return tuple(
        ManagerFigures(
            manager,
            leaving=row[RetentionStatus.LEAVING],
            stayed=row[RetentionStatus.STAYED],
            left=row[RetentionStatus.LEFT],
            paused=row[RetentionStatus.PAUSED],
        )
        for manager, row in sorted(counts.items(), key=lambda item: item[0] or "")
    )
