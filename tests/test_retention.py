"""Keeping clients (``clientops.retention``): the churn signals of seed 002 / 16 as a pure
rule, table-driven in the seed's words; and ``Retention(ops)`` on memory, SQLite and
PostgreSQL: leaving clients marked once, the win-back campaign's outcomes (stayed, left,
paused), the figures per manager, the report's loss criterion, clients without a manager."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

import clientops
from clientops import ClientOps, PluginHost, Policy, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.billing import InvoiceLine
from clientops.campaigns import (
    CallScript,
    Campaign,
    CampaignId,
    CampaignPurpose,
    Left,
    NotInterested,
    OutcomeKind,
    Paused,
    ScriptPoint,
    Stayed,
)
from clientops.claims import ClaimOccasion
from clientops.clients import Contact, Employee, EmployeeId, Role
from clientops.errors import NotFoundError, TransitionError, ValidationError
from clientops.events import Event, ReactionScheduled
from clientops.feed import Feed
from clientops.model import ClientId, DepartmentId, Money
from clientops.ports import Storage
from clientops.retention import (
    ClientFacts,
    CreditDecision,
    CreditStanding,
    InvoiceFact,
    MarketingKind,
    OrderFact,
    Retention,
    RetentionChanged,
    RetentionPolicy,
    RetentionStatus,
    SignalKind,
)
from clientops.rules.credit import check_order, payment_discipline
from clientops.rules.retention import choose_manager, churn_risk, is_lost, win_back_figures
from clientops.testing import (
    T0,
    a_claim,
    a_client,
    a_payment,
    a_service_contract,
    a_staff,
    an_invoice,
    an_order,
)

ANNA, PETROV, OLGA = EmployeeId("anna"), EmployeeId("petrov"), EmployeeId("olga")
TODAY = date(2025, 6, 23)
POLICY = RetentionPolicy()
NBSP = "\u00a0"


def facts(**overrides: Any) -> ClientFacts:
    fields: dict[str, Any] = {
        "client_id": ClientId("c1"),
        "name": "ООО «Ромашка»",
        "since": date(2024, 1, 10),
        "orders": (OrderFact(date(2025, 6, 1), Money(50_000)),),
        "last_payment": date(2025, 6, 10),
    }
    fields.update(overrides)
    return ClientFacts(**fields)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# --------------------------------------------------------------------------- the rule

SIGNAL_CASES = [
    pytest.param({}, (), "Нет сигналов ухода", id="a regular client: no signal"),
    pytest.param(
        {"orders": (OrderFact(ago(120), Money(50_000)),)},
        (SignalKind.NO_ORDERS,),
        f"Нет заказов: последний заказ 23.02.2025, 120{NBSP}дней назад",
        id="no order for a while",
    ),
    pytest.param(
        {"orders": (), "since": ago(91)},
        (SignalKind.NO_ORDERS,),
        f"Нет заказов: ни одного заказа за 91{NBSP}день",
        id="never ordered since it came",
    ),
    pytest.param(
        {"last_payment": ago(62)},
        (SignalKind.NO_PAYMENTS,),
        f"Нет оплат: последняя оплата 22.04.2025, 62{NBSP}дня назад",
        id="no payment for a while",
    ),
    pytest.param(
        {
            "orders": tuple(
                OrderFact(ago(70 - i * 10), Money(amount))
                for i, amount in enumerate((100_000, 90_000, 110_000, 60_000, 50_000, 40_000))
            )
        },
        (SignalKind.FALLING_ORDERS,),
        f"Суммы заказов падают: последние 3{NBSP}заказа на 150{NBSP}000,00{NBSP}руб. против "
        f"300{NBSP}000,00{NBSP}руб. прежде (на 50{NBSP}% меньше)",
        id="falling order sums",
    ),
    pytest.param(
        {"unhappy_calls": (ago(10), ago(40))},
        (SignalKind.UNHAPPY_CALLS,),
        f"Недоволен при звонках: недоволен при 2{NBSP}звонках за 180{NBSP}дней",
        id="unhappy satisfaction calls",
    ),
    pytest.param(
        {"open_claims": 1},
        (SignalKind.OPEN_CLAIMS,),
        f"Открытые рекламации: 1{NBSP}открытая рекламация",
        id="an open claim",
    ),
    pytest.param(
        {"overdue_debt": Money("108500"), "overdue_days": 21},
        (SignalKind.OVERDUE_DEBT,),
        f"Просроченный долг: 108{NBSP}500,00{NBSP}руб., просрочка 21{NBSP}день",
        id="overdue debt",
    ),
    pytest.param(
        {"termination_on": date(2025, 7, 31)},
        (SignalKind.TERMINATION,),
        "Заявил о расторжении: договор расторгается с 31.07.2025",
        id="announced termination",
    ),
]


@pytest.mark.parametrize(("given", "kinds", "explained"), SIGNAL_CASES)
def test_each_signal_is_named_and_explained_in_russian(
    given: dict[str, Any], kinds: tuple[SignalKind, ...], explained: str
) -> None:
    risk = churn_risk(facts(**given), today=TODAY, policy=POLICY)
    assert tuple(s.kind for s in risk.signals) == kinds
    assert risk.explain() == (f"— {explained}" if kinds else explained)
    assert risk.score == sum(POLICY.weight(k) for k in kinds)


@pytest.mark.parametrize(
    ("given", "leaving"),
    [
        pytest.param({"termination_on": date(2025, 7, 31)}, True, id="termination alone"),
        pytest.param({"last_payment": ago(62)}, False, id="one light signal is not enough"),
        pytest.param(
            {"orders": (OrderFact(ago(100)),), "last_payment": ago(100)},
            True,
            id="no orders and no payments together",
        ),
        pytest.param(
            {"open_claims": 1, "overdue_debt": Money(1000), "overdue_days": 5},
            False,
            id="debt within the grace days is no signal",
        ),
    ],
)
def test_a_client_is_leaving_when_its_signals_weigh_enough(
    given: dict[str, Any], leaving: bool
) -> None:
    assert churn_risk(facts(**given), today=TODAY, policy=POLICY).leaving is leaving


def test_every_threshold_and_weight_is_the_policys() -> None:
    mine = attrs.evolve(
        POLICY,
        no_payment_days=30,
        weights=((SignalKind.NO_PAYMENTS, 60),),
        leaving_score=60,
    )
    risk = churn_risk(facts(last_payment=ago(31)), today=TODAY, policy=mine)
    assert [(s.kind, s.weight) for s in risk.signals] == [(SignalKind.NO_PAYMENTS, 60)]
    assert risk.leaving
    with pytest.raises(ValidationError, match="falling_share"):
        RetentionPolicy(falling_share=Decimal("1.5"))
    with pytest.raises(ValidationError, match="weights"):
        RetentionPolicy(weights=((SignalKind.NO_ORDERS, -1),))


@pytest.mark.parametrize(
    ("given", "lost"),
    [
        pytest.param({}, False, id="ordered this month"),
        pytest.param({"orders": (OrderFact(ago(181)),)}, True, id="no order for half a year"),
        pytest.param({"marked_left": True}, True, id="left after a win-back call"),
        pytest.param({"termination_on": ago(1)}, True, id="the termination day passed"),
        pytest.param({"termination_on": TODAY + timedelta(days=8)}, False, id="not yet ended"),
    ],
)
def test_the_reports_loss_criterion_reads_the_same_facts_and_policy(
    given: dict[str, Any], lost: bool
) -> None:
    assert is_lost(facts(**given), today=TODAY, policy=POLICY) is lost
    assert churn_risk(facts(**given), today=TODAY, policy=POLICY).lost is lost


# --------------------------------------------------------------------------- the service


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "retention.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def ops(
    make_storage: Callable[[], Storage], clock: Clock, recorder: Recorder
) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    with ClientOps(make_storage(), host=host, clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        ops.clients.add_employee(
            Employee(
                OLGA, "Орлова Ольга Петровна", "Ольга", DepartmentId("client"), (Role.CALL_MANAGER,)
            )
        )
        yield ops


def _drifting(ops: ClientOps) -> ClientId:
    """A client of Анна's: last order 200 days ago, last payment 150 days ago, an invoice
    40 days overdue."""
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    with ops.context.storage.unit_of_work() as uow:
        order = an_order(card, now=T0 - timedelta(days=200))
        uow.orders.add(attrs.evolve(order, price=Money(90_000)))
        uow.payments.add(a_payment(card, date=TODAY - timedelta(days=150)))
        uow.invoices.add(an_invoice(card, issue_date=date(2025, 5, 9)))
    return card.id


def _win_back(ops: ClientOps, **overrides: Any) -> Campaign:
    fields: dict[str, Any] = {
        "id": CampaignId("win-back"),
        "name": "Возврат уходящих, июнь",
        "purpose": CampaignPurpose.WIN_BACK,
        "script": CallScript(
            (
                ScriptPoint("hello", "Здравствуйте, {contact:nom}! {company}, {caller:nom}."),
                ScriptPoint("why", "Мы заметили, что Вы давно не заказывали. Что случилось?"),
                ScriptPoint("offer", "Можем предложить скидку 5 % на следующий заказ."),
            )
        ),
        "assignees": (ANNA, OLGA),
        "start": date(2025, 6, 1),
        "end": date(2025, 7, 31),
    }
    fields.update(overrides)
    return ops.campaigns.create(Campaign(**fields), by=ANNA)


def test_the_scan_marks_a_drifting_client_leaving_once_and_starts_the_win_back_plan(
    ops: ClientOps, recorder: Recorder
) -> None:
    drifting = _drifting(ops)
    regular = ops.clients.add(a_client(name="ООО «Лютик»", manager_id=ANNA))
    with ops.context.storage.unit_of_work() as uow:
        uow.orders.add(an_order(regular, now=T0 - timedelta(days=3)))
    retention = Retention(ops)
    risk = retention.risk(drifting)
    assert [s.kind for s in risk.signals] == [
        SignalKind.NO_ORDERS,
        SignalKind.NO_PAYMENTS,
        SignalKind.OVERDUE_DEBT,
    ]
    assert f"12{NBSP}000,00{NBSP}руб., просрочка 40{NBSP}дней" in risk.explain()
    assert not retention.risk(regular.id).signals
    recorder.events.clear()

    marked = retention.scan(by=PETROV)
    assert [r.client_id for r in marked] == [drifting]
    record = retention.record(drifting)
    assert record is not None
    assert (record.status, record.manager_id, record.by) == (RetentionStatus.LEAVING, ANNA, PETROV)
    assert record.signals == tuple(s.kind for s in risk.signals)
    assert retention.record(regular.id) is None
    changed = [e for e in recorder.events if isinstance(e, RetentionChanged)]
    assert [(e.client_id, e.status) for e in changed] == [(drifting, RetentionStatus.LEAVING)]
    # the follow-up plan: a call for the client's manager, on an appeal of its own
    (appeal,) = ops.clients.appeals_of(drifting)
    assert appeal.topic == "Уходящий клиент"
    (reaction,) = ops.clients.reactions_of(drifting)
    assert (reaction.plan, reaction.employee_id) == ("win_back", ANNA)
    assert reaction.topic == "Позвонить уходящему клиенту: выяснить причину"
    # the feed has the change with it
    assert "RetentionChanged" in [e.kind for e in Feed(ops).read(after=0)]

    recorder.events.clear()
    assert retention.scan(by=PETROV) == ()
    assert recorder.events == []
    assert len(ops.clients.reactions_of(drifting)) == 1


def test_the_win_back_campaign_calls_the_leaving_and_records_stayed_left_and_paused(
    ops: ClientOps, clock: Clock
) -> None:
    retention = Retention(ops)
    ids = []
    for name, manager in (("ООО «Ромашка»", ANNA), ("АО «Лютик»", ANNA), ("ИП Васильев", None)):
        card = ops.clients.add(a_client(name=name, manager_id=manager))
        retention.announce_termination(card.id, date(2025, 7, 31), by=ANNA, reason="Переезд")
        ids.append(card.id)
    campaign = _win_back(ops)
    assert retention.win_back(campaign.id, by=ANNA) == 3
    assert retention.win_back(campaign.id, by=ANNA) == 0

    stayed, left, paused = ids
    ops.campaigns.record_outcome(campaign.id, stayed, Stayed(offer="Скидка 5 %"), by=OLGA)
    ops.campaigns.record_outcome(campaign.id, left, Left(reason="Ушли к конкуренту"), by=ANNA)
    ops.campaigns.record_outcome(campaign.id, paused, Paused(until=date(2025, 7, 1)), by=OLGA)
    statuses = {r.client_id: r for r in retention.records()}
    assert statuses[stayed].status is RetentionStatus.STAYED
    assert statuses[stayed].reason == "Скидка 5 %"
    assert (statuses[left].status, statuses[left].reason) == (
        RetentionStatus.LEFT,
        "Ушли к конкуренту",
    )
    assert (statuses[paused].status, statuses[paused].until) == (
        RetentionStatus.PAUSED,
        date(2025, 7, 1),
    )
    # the termination day is kept through the outcome
    assert statuses[left].termination_on == date(2025, 7, 31)
    assert [(f.manager_id, f.leaving, f.stayed, f.left, f.paused) for f in retention.figures()] == [
        (None, 0, 0, 0, 1),
        (ANNA, 0, 1, 1, 0),
    ]
    assert retention.figures()[1].won_back_share == Decimal("0.5")
    assert [c.outcome for c in ops.campaigns.calls(campaign.id)] == [
        OutcomeKind.STAYED,
        OutcomeKind.LEFT,
        OutcomeKind.PAUSED,
    ]
    # a client that left counts as lost; announcing termination again is refused
    assert [r.client_id for r in retention.lost()] == [left]
    with pytest.raises(TransitionError):
        retention.announce_termination(left, date(2025, 8, 1), by=ANNA)

    # after the pause, the scan marks the paused client leaving again
    clock.now = T0 + timedelta(days=9)
    marked = retention.scan(by=ANNA)
    assert [r.client_id for r in marked] == [paused]
    record = retention.record(paused)
    assert record is not None
    assert record.status is RetentionStatus.LEAVING


def test_a_win_back_outcome_is_refused_on_another_campaign_and_bad_input_stores_nothing(
    ops: ClientOps,
) -> None:
    retention = Retention(ops)
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    cold = _win_back(ops, id=CampaignId("cold"), purpose=CampaignPurpose.COLD_CALLS)
    with pytest.raises(ValidationError) as err:
        retention.win_back(cold.id, by=ANNA)
    assert err.value.errors[0].path == "campaign_id"
    ops.campaigns.add_targets(cold.id, [card.id], by=ANNA)
    with pytest.raises(ValidationError, match="stayed is not an outcome"):
        ops.campaigns.record_outcome(cold.id, card.id, Stayed(), by=ANNA)
    with pytest.raises(ValidationError, match="reason"):
        Left(reason="  ")
    with pytest.raises(ValidationError) as err:
        retention.announce_termination(card.id, "2025-07-31", by=ANNA)  # type: ignore[arg-type]
    assert err.value.errors[0].path == "on"
    with pytest.raises(NotFoundError):
        retention.announce_termination(ClientId("nobody"), date(2025, 7, 31), by=ANNA)
    assert retention.records() == ()
    # a not-interested client on a win-back list is not marked anything
    campaign = _win_back(ops)
    ops.campaigns.add_targets(campaign.id, [card.id], by=ANNA)
    ops.campaigns.record_outcome(campaign.id, card.id, NotInterested(), by=ANNA)
    assert retention.records() == ()


def test_unhappy_calls_and_open_claims_come_from_the_stored_claims(ops: ClientOps) -> None:
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    with ops.context.storage.unit_of_work() as uow:
        uow.orders.add(an_order(card, now=T0 - timedelta(days=3)))
        uow.claims.add(a_claim(card, occasion=ClaimOccasion.SATISFACTION_CALL))
        uow.claims.add(a_claim(card, now=T0 - timedelta(days=200)))
    risk = Retention(ops).risk(card.id)
    assert [s.kind for s in risk.signals] == [SignalKind.UNHAPPY_CALLS, SignalKind.OPEN_CLAIMS]
    assert f"2{NBSP}открытые рекламации" in risk.explain()
    assert risk.leaving


def test_the_risks_read_set_by_set_say_what_each_clients_risk_says(ops: ClientOps) -> None:
    """``risks()`` reads orders, open invoices, claims and records for all clients at once:
    the same facts as ``risk(client_id)``, client by client."""
    drifting = _drifting(ops)
    unhappy = ops.clients.add(a_client(name="АО «Лютик»", manager_id=ANNA))
    quiet = ops.clients.add(a_client(name="ИП Иванов", manager_id=ANNA))
    with ops.context.storage.unit_of_work() as uow:
        uow.orders.add(an_order(unhappy, now=T0 - timedelta(days=3)))
        uow.claims.add(a_claim(unhappy, occasion=ClaimOccasion.SATISFACTION_CALL))
        uow.claims.add(a_claim(unhappy, now=T0 - timedelta(days=200)))
        # an unhappy call too long ago to count
        uow.claims.add(
            a_claim(
                drifting_card := uow.clients.get(drifting),
                now=T0 - timedelta(days=400),
                occasion=ClaimOccasion.SATISFACTION_CALL,
            )
        )
        uow.orders.add(an_order(quiet, now=T0 - timedelta(days=10)))
    retention = Retention(ops)
    retention.announce_termination(quiet.id, date(2025, 12, 31), by=ANNA)
    together = retention.risks()
    one_by_one = sorted(
        (retention.risk(c) for c in (drifting_card.id, unhappy.id, quiet.id)),
        key=lambda r: (-r.score, r.name, r.client_id),
    )
    assert list(together) == one_by_one
    assert {r.client_id for r in together if r.signals} == {drifting, unhappy.id, quiet.id}


def test_clients_without_a_manager_are_listed_called_and_assigned(
    ops: ClientOps, recorder: Recorder
) -> None:
    retention = Retention(ops)
    orphan = ops.clients.add(a_client(name="ООО «Сирота»"))
    gone = ops.clients.add(a_client(name="АО «Бывший»", manager_id=EmployeeId("uvolen")))
    ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    assert [c.name for c in retention.unassigned()] == ["АО «Бывший»", "ООО «Сирота»"]

    calls = ops.campaigns.create(
        Campaign(
            id=CampaignId("orphans"),
            name="Клиенты без менеджера",
            purpose=CampaignPurpose.LOYALTY,
            script=CallScript((ScriptPoint("hello", "Здравствуйте! {company}, {caller:nom}."),)),
            assignees=(OLGA,),
            start=date(2025, 6, 1),
            end=date(2025, 6, 30),
        ),
        by=ANNA,
    )
    assert retention.call_unassigned(calls.id, by=ANNA) == 2
    assert retention.call_unassigned(calls.id, by=ANNA) == 0

    with pytest.raises(ValidationError) as err:
        retention.assign(orphan.id, EmployeeId("nobody"), by=ANNA)
    assert err.value.errors[0].path == "manager_id"
    assert ops.clients.get(orphan.id).manager_id is None
    recorder.events.clear()
    assigned = retention.assign(orphan.id, ANNA, by=PETROV)
    assert assigned.manager_id == ANNA
    assert [type(e).__name__ for e in recorder.events] == ["ClientUpdated"]
    assert [c.id for c in retention.unassigned()] == [gone.id]
    # the change is on the card's history
    page = ops.clients.timeline(orphan.id)
    assert any("менеджер" in entry.summary for entry in page.entries)


def test_win_back_figures_count_per_manager() -> None:
    def record(manager: str | None, status: RetentionStatus) -> Any:
        from clientops.retention import RetentionRecord

        return RetentionRecord(
            ClientId(f"c-{manager}-{status.value}"),
            status,
            since=T0,
            by=ANNA,
            manager_id=EmployeeId(manager) if manager else None,
        )

    rows = win_back_figures(
        [
            record("anna", RetentionStatus.LEAVING),
            record("anna", RetentionStatus.STAYED),
            record("petrov", RetentionStatus.LEFT),
            record(None, RetentionStatus.PAUSED),
        ]
    )
    assert [(r.manager_id, r.leaving, r.stayed, r.left, r.paused) for r in rows] == [
        (None, 0, 0, 0, 1),
        ("anna", 1, 1, 0, 0),
        ("petrov", 0, 0, 1, 0),
    ]
    assert rows[2].won_back_share == 0
    assert Policy().retention.leaving_plan in {p.name for p in Policy().follow_up_plans.plans}


@pytest.mark.parametrize(
    ("city", "loads", "chosen"),
    [
        pytest.param("Омск", {"anna": 3, "boris": 1, "olga": 9}, "olga", id="the city's manager"),
        pytest.param("ОМСК", {"anna": 3, "olga": 9}, "olga", id="the city in capitals"),
        pytest.param("Тара", {"anna": 3, "boris": 1}, "boris", id="the least loaded"),
        pytest.param("Омск", {"anna": 3, "boris": 3}, "anna", id="city manager away: by load"),
        pytest.param("Тара", {"boris": 2, "anna": 2}, "anna", id="a tie: by id"),
        pytest.param("Тара", {}, None, id="nobody to give it to"),
    ],
)
def test_a_client_without_a_manager_is_given_one_by_city_then_by_load(
    city: str, loads: dict[str, int], chosen: str | None
) -> None:
    mine = RetentionPolicy(city_managers=(("Омск", EmployeeId("olga")),))
    found = choose_manager(
        a_client(city=city), {EmployeeId(k): v for k, v in loads.items()}, policy=mine
    )
    assert found == chosen
    with pytest.raises(ValidationError, match="city_managers"):
        RetentionPolicy(city_managers=(("Омск",),))  # type: ignore[arg-type]


def test_assignment_by_rule_spreads_the_unassigned_over_the_client_managers(
    ops: ClientOps,
) -> None:
    ops.clients.add_employee(
        Employee(
            EmployeeId("boris"),
            "Борисов Борис Петрович",
            "Борис",
            DepartmentId("client"),
            (Role.CLIENT_MANAGER,),
        )
    )
    ops.clients.add(a_client(name="ООО «Старый»", manager_id=ANNA))
    for name, city in (("ООО «Омич»", "Омск"), ("ООО «Альфа»", "Тара"), ("ООО «Бета»", "Тара")):
        ops.clients.add(a_client(name=name, city=city))
    given = Retention(ops).assign_by_rule(by=ANNA)
    # Анна has one client already: Борис gets the first, then they alternate by load and id
    assert [(card.name, manager) for card, manager in given] == [
        ("ООО «Альфа»", "boris"),
        ("ООО «Бета»", "anna"),
        ("ООО «Омич»", "boris"),
    ]
    assert Retention(ops).unassigned() == ()
    assert Retention(ops).assign_by_rule(by=ANNA) == ()


# --------------------------------------------------------------------------- creditworthiness

CREDIT = Policy().retention.credit


def invoice(
    due: date, total: int, owed: int = 0, payments: int = 1, paid_on: date | None = None
) -> InvoiceFact:
    return InvoiceFact("2025-00001", due, Money(total), Money(owed), payments, paid_on)


@pytest.mark.parametrize(
    ("invoices", "score", "reasons"),
    [
        pytest.param((), 100, (), id="a new client: nothing against it"),
        pytest.param(
            (invoice(ago(60), 50_000, paid_on=ago(58)),), 100, (), id="paid within the grace days"
        ),
        pytest.param(
            (invoice(ago(60), 50_000, paid_on=ago(40)),),
            66,
            (f"оплачивает в среднем на 17{NBSP}дней позже срока",),
            id="paid 20 days late",
        ),
        pytest.param(
            (invoice(ago(60), 50_000, payments=3, paid_on=ago(60)),),
            95,
            (f"1{NBSP}счёт оплачен частями",),
            id="paid in parts",
        ),
        pytest.param(
            (
                invoice(ago(30), 80_000, owed=30_000, payments=1),
                invoice(ago(10), 20_000, owed=20_000, payments=0),
            ),
            65,
            (
                f"1{NBSP}счёт оплачен частями",
                f"просрочено 2{NBSP}счёта на 50{NBSP}000,00{NBSP}руб.",
            ),
            id="debt overdue now",
        ),
    ],
)
def test_the_payment_discipline_score_in_the_seeds_words(
    invoices: tuple[InvoiceFact, ...], score: int, reasons: tuple[str, ...]
) -> None:
    standing = payment_discipline(ClientId("c1"), invoices, today=TODAY, policy=CREDIT)
    assert standing.score == score
    assert standing.reasons == reasons
    assert standing.limit == CREDIT.default_limit
    assert not standing.own_limit


@pytest.mark.parametrize(
    ("score", "debt", "amount", "decision"),
    [
        pytest.param(90, 0, 100_000, CreditDecision.ALLOW, id="good payer within the limit"),
        pytest.param(90, 250_000, 100_000, CreditDecision.APPROVAL, id="over the limit"),
        pytest.param(50, 0, 10_000, CreditDecision.APPROVAL, id="a poor score"),
        pytest.param(20, 0, 10_000, CreditDecision.REFUSE, id="a bad score"),
    ],
)
def test_a_new_order_goes_ahead_needs_the_director_or_is_refused(
    score: int, debt: int, amount: int, decision: CreditDecision
) -> None:
    standing = CreditStanding(
        ClientId("c1"), score, 0, 0, Money(debt), Money(0), Money(300_000), own_limit=False
    )
    check = check_order(standing, Money(amount), policy=CREDIT)
    assert check.decision is decision
    assert check.explain().startswith(decision.label)
    if debt:
        assert (
            f"долг с этим заказом 350{NBSP}000,00{NBSP}руб. больше кредитного лимита "
            f"300{NBSP}000,00{NBSP}руб." in check.reasons
        )


def test_credit_is_read_from_the_stored_invoices_and_a_limit_of_its_own(
    ops: ClientOps, clock: Clock
) -> None:
    retention = Retention(ops)
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    turnstile = InvoiceLine("Турникет", "шт", Decimal(1), Money("100000"))
    clock.now = T0 - timedelta(days=90)
    first = ops.billing.issue_invoice(card.id, [turnstile])
    second = ops.billing.issue_invoice(card.id, [turnstile])
    clock.now = T0 - timedelta(days=30)
    for paid, pays in ((Money("100000"), first), (Money("40000"), second)):
        payment = a_payment(None, amount=paid, date=clock.now.date())
        with ops.context.storage.unit_of_work() as uow:
            uow.payments.add(payment)
        ops.billing.assign_payment(payment.id, card.id, invoice_number=pays.number)
    clock.now = T0
    standing = retention.credit(card.id)
    late = (T0 - timedelta(days=30)).date() - first.due_date
    assert standing.days_late == late.days - CREDIT.grace_days
    assert (standing.partial, standing.debt, standing.overdue) == (
        1,
        Money("60000"),
        Money("60000"),
    )
    assert standing.score == max(
        0,
        100 - standing.days_late * 2 - 5 - 15,
    )
    assert retention.check_order(card.id, Money(10_000)).decision is CreditDecision.REFUSE

    with pytest.raises(ValidationError) as err:
        retention.set_credit_limit(card.id, Money(-1), by=ANNA)
    assert err.value.errors[0].path == "limit"
    with pytest.raises(ValidationError) as err:
        retention.check_order(card.id, Money(0))
    assert err.value.errors[0].path == "amount"
    assert not retention.credit(card.id).own_limit
    retention.set_credit_limit(card.id, Money(1_000_000), by=ANNA, note="крупный клиент")
    retention.set_credit_limit(card.id, Money(500_000), by=ANNA)
    assert (retention.credit(card.id).limit, retention.credit(card.id).own_limit) == (
        Money(500_000),
        True,
    )
    with pytest.raises(NotFoundError):
        retention.set_credit_limit(ClientId("nobody"), Money(1), by=ANNA)


# --------------------------------------------------------------------------- renewals


def test_contracts_ending_soon_go_on_the_agenda_with_a_renewal_letter_once(
    ops: ClientOps, recorder: Recorder
) -> None:
    retention = Retention(ops)
    romashka = ops.clients.add(
        a_client(
            name="ООО «Ромашка»",
            manager_id=ANNA,
            emails=("info@romashka.ru",),
            contacts=(Contact("Иван Петрович"),),
        )
    )
    lutik = ops.clients.add(a_client(name="АО «Лютик»"))
    soon = ops.service.add_contract(
        a_service_contract(romashka, number="СО-7/25", ends_on=date(2025, 7, 13))
    )
    ops.service.add_contract(
        a_service_contract(romashka, number="СО-8/25", ends_on=date(2025, 9, 1))
    )
    ops.service.add_contract(a_service_contract(romashka, number="СО-9/25"))  # open-ended
    ops.service.add_contract(a_service_contract(lutik, number="СО-2/25", ends_on=date(2025, 6, 30)))
    recorder.events.clear()

    made = retention.plan_renewals(by=PETROV)
    assert [(r.number, r.ends_on, r.letter_key is not None) for r in made] == [
        ("СО-2/25", date(2025, 6, 30), False),
        ("СО-7/25", date(2025, 7, 13), True),
    ]
    (reaction,) = [r for r in ops.clients.reactions_of(romashka.id) if r.id == made[1].reaction_id]
    assert reaction.topic == "Продлить договор № СО-7/25 (действует до 13.07.2025)"
    assert (reaction.employee_id, reaction.due_at) == (ANNA, T0)
    # a client without a manager: the call is for whoever ran the job
    (other,) = [r for r in ops.clients.reactions_of(lutik.id) if r.id == made[0].reaction_id]
    assert other.employee_id == PETROV
    (letter,) = ops.outbox.messages()
    assert letter.topic == "clientops.email.renewal"
    assert letter.data()["to"] == "info@romashka.ru"
    assert letter.data()["subject"] == "Продление договора № СО-7/25"
    assert letter.data()["body"].startswith(
        "Здравствуйте, Иван Петрович!\n\nСрок действия договора № СО-7/25 с компанией MLS IT "
        "истекает 13.07.2025."
    )
    assert "Ваш менеджер Смирнова Анна Сергеевна" in letter.data()["body"]
    assert sum(isinstance(e, ReactionScheduled) for e in recorder.events) == 2
    assert soon.id == made[1].contract_id

    recorder.events.clear()
    assert retention.plan_renewals(by=PETROV) == ()
    assert recorder.events == []
    assert len(ops.outbox.messages()) == 1


def test_an_upsell_goes_to_sales_for_an_assigned_client_and_stays_with_the_client_department(
    ops: ClientOps, recorder: Recorder
) -> None:
    retention = Retention(ops)
    assigned = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    orphan = ops.clients.add(a_client(name="ИП Васильев"))
    recorder.events.clear()
    to_sales = retention.upsell(assigned.id, "второй турникет на склад", by=ANNA)
    # like an order's upsell: the head of sales
    assert (to_sales.employee_id, to_sales.department_id) == (PETROV, "sales")
    assert to_sales.topic == "Допродажа клиенту ООО «Ромашка»: второй турникет на склад"
    own = retention.upsell(orphan.id, "оборудование для проходной", by=OLGA)
    assert (own.employee_id, own.department_id) == (None, "client")
    assert own.topic == "Допродажа клиенту без менеджера ИП Васильев: оборудование для проходной"
    assert [type(e).__name__ for e in recorder.events] == [
        "AppealOpened",
        "ReactionScheduled",
        "AppealOpened",
        "ReactionScheduled",
    ]
    with pytest.raises(ValidationError) as err:
        retention.upsell(orphan.id, "  ", by=ANNA)
    assert err.value.errors[0].path == "detail"
    assert len(ops.clients.reactions_of(orphan.id)) == 1


# --------------------------------------------------------------------------- marketing


def test_wishes_cases_and_letters_of_thanks_are_kept_and_exported_for_marketing(
    ops: ClientOps, clock: Clock
) -> None:
    retention = Retention(ops)
    card = ops.clients.add(a_client(name="ООО «Ромашка»", city="Омск", manager_id=ANNA))
    retention.add_marketing(card.id, MarketingKind.WISH, "Хотят оплату по QR-коду", by=OLGA)
    clock.now = T0 + timedelta(days=1)
    retention.add_marketing(
        card.id,
        MarketingKind.THANKS_LETTER,
        "Благодарим за быструю установку турникетов",
        by=ANNA,
        source="почта",
        reference="letters/romashka-2025.pdf",
    )
    assert [i.kind for i in retention.marketing(client_id=card.id)] == [
        MarketingKind.WISH,
        MarketingKind.THANKS_LETTER,
    ]
    assert retention.export_marketing(kind=MarketingKind.WISH) == (
        "Дата;Клиент;Город;Что;Текст;Источник;Документ\n"
        "23.06.2025;ООО «Ромашка»;Омск;Пожелание клиента;Хотят оплату по QR-коду;звонок;\n"
    )
    assert retention.export_marketing().count("\n") == 3
    with pytest.raises(ValidationError) as err:
        retention.add_marketing(card.id, MarketingKind.CASE, " ", by=ANNA)
    assert err.value.errors[0].path == "text"
    with pytest.raises(NotFoundError):
        retention.add_marketing(ClientId("nobody"), MarketingKind.CASE, "Кейс", by=ANNA)
    assert len(retention.marketing()) == 2


def test_the_renewal_letter_declines_its_persons_and_never_the_client_s_name() -> None:
    from clientops.rules.retention import renewal_words
    from clientops.service_visits import ServiceContractId

    policy = RetentionPolicy(
        renewal_letter="Уважаемой {contact:dat}: {manager:nom} позвонит. Связь с {manager:ins}."
    )
    card = a_client(
        name="ООО «Ромашка»", contacts=(Contact("Кузнецова Мария Павловна", "директор"),)
    )
    contract = attrs.evolve(
        a_service_contract(card), id=ServiceContractId("sc"), ends_on=date(2025, 7, 13)
    )
    manager = Employee(ANNA, "Смирнова Анна Сергеевна", "Анна", DepartmentId("client"))
    _, _, body = renewal_words(contract, card, manager=manager.person, company="MLS", policy=policy)
    assert body == (
        "Уважаемой Кузнецовой Марии Павловне: Смирнова Анна Сергеевна позвонит. "
        "Связь с Смирновой Анной Сергеевной."
    )
    no_contact = attrs.evolve(card, contacts=())
    _, _, body = renewal_words(
        contract, no_contact, manager="Смирнова Анна Сергеевна", company="MLS", policy=policy
    )
    assert body.startswith("Уважаемой ООО «Ромашка»:")  # an organisation is never declined
    with pytest.raises(ValueError, match="renewal_letter") as bare:
        RetentionPolicy(renewal_letter="Здравствуйте, {contact}!")
    assert "{contact:nom}" in str(bare.value)
