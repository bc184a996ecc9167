"""The daily agenda through ClientOps on a real SQLite file (and PostgreSQL): every source
appears with its reason, in order of urgency, for a manager, a department and everyone; an
unknown manager is an error, not an empty list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pytest

import clientops
from clientops import ClientOps, EmployeeId, Money, PluginHost
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.agenda import Agenda, AgendaItem, AgendaKind, build_agenda
from clientops.billing import Month, Subscription, SubscriptionId
from clientops.claims import ClaimSource
from clientops.errors import NotFoundError, ValidationError
from clientops.model import ClientId, DepartmentId
from clientops.ports import Storage
from clientops.testing import a_client, a_reaction, a_service_contract, a_staff, an_appeal

ANNA = EmployeeId("anna")
PETROV = EmployeeId("petrov")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday, 9:00 in Moscow

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date, hour: int = 9) -> None:
        self.now = datetime(day.year, day.month, day.day, hour - 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ops(db_path: Path, clock: Clock) -> Iterator[ClientOps]:
    with ClientOps(SQLiteStorage(db_path), host=PluginHost(entry_points=False), clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def reaction_due(ops: ClientOps, client: clientops.Client, due: datetime, topic: str) -> str:
    with ops.storage.unit_of_work() as uow:
        appeal = an_appeal(client)
        uow.appeals.add(appeal)
        reaction = a_reaction(appeal, employee_id=ANNA, due_at=due, topic=topic)
        uow.appeals.add_reaction(reaction)
    return reaction.id


# ------------------------------------------------------------------------ the rule


def test_overdue_first_then_by_kind_then_by_time() -> None:
    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    day = date(2026, 11, 24)

    def item(kind: AgendaKind, ref: str, **due: object) -> AgendaItem:
        return AgendaItem(kind, "why", ClientId(ref), ref, ref=ref, **due)  # type: ignore[arg-type]

    items = [
        item(AgendaKind.TOUCH, "touch", due_on=day),
        item(AgendaKind.REACTION, "later", due_at=now + timedelta(hours=3)),
        item(AgendaKind.REACTION, "sooner", due_at=now + timedelta(hours=1)),
        item(AgendaKind.SATISFACTION_CALL, "late-call", due_on=day - timedelta(days=3)),
        item(AgendaKind.REACTION, "late-reaction", due_at=now - timedelta(hours=1)),
        item(AgendaKind.CLAIM, "claim", due_at=now + timedelta(minutes=5)),
        item(AgendaKind.REACTION, "sooner", due_at=now + timedelta(hours=1)),  # twice: once
    ]
    agenda = build_agenda(ANNA, day, items, now=now)
    assert [i.ref for i in agenda.items] == [
        "late-call",
        "late-reaction",
        "claim",
        "sooner",
        "later",
        "touch",
    ]
    assert [i.ref for i in agenda.overdue] == ["late-call", "late-reaction"]
    with pytest.raises(ValidationError):
        build_agenda(ANNA, day, items, now=now.replace(tzinfo=None))


# ------------------------------------------------------------------------ the sources


def test_each_source_on_the_agenda_with_its_reason(ops: ClientOps, clock: Clock) -> None:
    tz = ops.policy.tz
    romashka = ops.clients.add(
        a_client(
            name="ООО «Ромашка»", manager_id=ANNA, inn="5501100012", birthday=date(1975, 11, 24)
        )
    )
    lyutik = ops.clients.add(a_client(name="ООО «Лютик»", manager_id=ANNA, inn="5501100020"))
    theirs = ops.clients.add(a_client(name="ООО «Чужой»", manager_id=PETROV))
    late = reaction_due(ops, romashka, clock.now - timedelta(days=1), "Выслать договор")
    soon = reaction_due(ops, lyutik, clock.now + timedelta(hours=4), "Согласовать макет")
    reaction_due(ops, lyutik, clock.now + timedelta(days=2), "Не сегодня")
    ops.claims.assign_client(lyutik.id, ANNA, on=date(2026, 11, 1))  # first call due 15.11
    ops.billing.add_subscription(
        Subscription(SubscriptionId("s1"), romashka.id, Money("9000"), date(2026, 1, 1))
    )
    clock.to(date(2026, 11, 13))
    ops.billing.run(Month(2026, 11))
    clock.to(date(2026, 11, 24))
    ops.claims.file(
        theirs.id,
        department_id=DepartmentId("sales"),
        source=ClaimSource.client_words("Привезли не тот цвет"),
        by=ANNA,
    )
    claim = ops.claims.file(
        lyutik.id,
        department_id=DepartmentId("sales"),
        source=ClaimSource.client_words("Сорвали сроки"),
        by=ANNA,
    ).claim
    contract = ops.service.add_contract(a_service_contract(romashka))
    clock.to(date(2026, 11, 23))
    visit = ops.service.request_emergency_visit(
        contract.id, problem="Не работает турникет", by=ANNA
    )
    clock.to(date(2026, 11, 24))
    training = ops.service.open_training(
        romashka.id, manager=ANNA, by=ANNA, topic="Работа с отчётами"
    )
    ops.service.schedule_training(
        training.id, starts_at=datetime(2026, 11, 24, 15, 0, tzinfo=tz), by=ANNA
    )

    agenda = ops.agenda.for_manager(ANNA, date(2026, 11, 24))
    kinds = [(i.kind, i.ref) for i in agenda.items]
    refs = {ref for _, ref in kinds}
    assert late in refs
    assert soon in refs
    assert "Не сегодня" not in {i.why for i in agenda.items}
    assert (AgendaKind.CLAIM, claim.id) in kinds
    assert all(i.client_id != theirs.id for i in agenda.items)  # Petrov's client
    assert (AgendaKind.SERVICE_DEADLINE, visit.id) in kinds
    assert (AgendaKind.TRAINING, training.id) in kinds
    touch = agenda.of_kind(AgendaKind.TOUCH)
    assert [(t.client_name, t.why) for t in touch] == [
        ("ООО «Ромашка»", "день рождения: поздравить")
    ]
    calls = agenda.of_kind(AgendaKind.SATISFACTION_CALL)
    assert [(c.client_id, c.due_on) for c in calls] == [(lyutik.id, date(2026, 11, 16))]
    reminders = agenda.of_kind(AgendaKind.PAYMENT_REMINDER)
    assert [r.client_id for r in reminders] == [romashka.id]
    assert "к оплате 9" in reminders[0].why
    # urgency: the overdue ones first (the satisfaction call of the 16th, the reaction of
    # yesterday), then by kind: the claim, the emergency visit (due at midnight), the rest
    assert [i.overdue for i in agenda.items][:2] == [True, True]
    assert not any(i.overdue for i in agenda.items[2:])
    assert [i.kind for i in agenda.items[2:4]] == [AgendaKind.CLAIM, AgendaKind.SERVICE_DEADLINE]
    rest = [i.kind for i in agenda.items[2:]]
    assert rest == sorted(rest, key=lambda k: k.rank)
    lines = agenda.lines(tz)
    assert lines[0].startswith("ПРОСРОЧЕНО 16.11 весь день Звонок удовлетворённости")
    assert any("Обучение — ООО «Ромашка»: обучение: Работа с отчётами" in x for x in lines)


def test_a_scheduled_reminder_and_the_billing_rule_give_one_item(
    ops: ClientOps, clock: Clock
) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA, inn="5501100012"))
    ops.billing.add_subscription(
        Subscription(SubscriptionId("s1"), card.id, Money("9000"), date(2026, 1, 1))
    )
    clock.to(date(2026, 11, 13))
    ops.billing.run(Month(2026, 11))
    clock.to(date(2026, 11, 20))
    before = ops.agenda.for_manager(ANNA).of_kind(AgendaKind.PAYMENT_REMINDER)
    ops.billing.reminders(date(2026, 11, 20))
    after = ops.agenda.for_manager(ANNA).of_kind(AgendaKind.PAYMENT_REMINDER)
    assert len(before) == len(after) == 1
    assert before[0].ref == after[0].ref == f"billing-reminder-{card.id}-2026-11-20"
    assert (
        ops.agenda.for_manager(ANNA, date(2026, 11, 19)).of_kind(AgendaKind.PAYMENT_REMINDER) == ()
    )
    clock.to(date(2026, 11, 21))
    saturday = ops.agenda.for_manager(ANNA, date(2026, 11, 21)).of_kind(AgendaKind.PAYMENT_REMINDER)
    assert [(r.ref, r.overdue) for r in saturday] == [(after[0].ref, True)]  # none new today


def test_holidays_are_greeted_on_the_working_day_before(ops: ClientOps) -> None:
    eve = ops.agenda.for_manager(ANNA, date(2026, 11, 3))
    assert [i.why for i in eve.of_kind(AgendaKind.TOUCH)] == [
        "поздравить клиентов: День народного единства"
    ]
    assert ops.agenda.for_manager(ANNA, date(2026, 11, 2)).of_kind(AgendaKind.TOUCH) == ()
    new_year = ops.agenda.for_manager(ANNA, date(2026, 12, 30))  # the 31st is a day off in 2026
    assert [i.why for i in new_year.of_kind(AgendaKind.TOUCH)] == [
        "поздравить клиентов: Новогодние каникулы",
        "поздравить клиентов: Рождество Христово",
    ]


def test_a_leap_day_birthday_is_greeted_on_the_28th(ops: ClientOps) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA, birthday=date(1992, 2, 29)))
    # 2024, not 2028: the production calendar knows no days off of a year before its decree
    touches = ops.agenda.for_manager(ANNA, date(2023, 2, 28)).of_kind(AgendaKind.TOUCH)
    assert [t.client_id for t in touches] == [card.id]
    assert ops.agenda.for_manager(ANNA, date(2024, 2, 28)).of_kind(AgendaKind.TOUCH) == ()
    assert [t.client_id for t in ops.agenda.for_manager(ANNA, date(2024, 2, 29)).items] == [card.id]


def test_the_satisfaction_cadence_runs_across_a_month_end(ops: ClientOps, clock: Clock) -> None:
    card = ops.clients.add(a_client(manager_id=ANNA))
    ops.claims.assign_client(
        card.id, ANNA, on=date(2026, 10, 20)
    )  # first call due 03.11 (a working day)
    assert (
        ops.agenda.for_manager(ANNA, date(2026, 11, 2)).of_kind(AgendaKind.SATISFACTION_CALL) == ()
    )
    due = ops.agenda.for_manager(ANNA, date(2026, 11, 3)).of_kind(AgendaKind.SATISFACTION_CALL)
    assert [(i.client_id, i.due_on, i.overdue) for i in due] == [
        (card.id, date(2026, 11, 3), False)
    ]


# ------------------------------------------------------------------------ bad input, scope


def test_an_unknown_manager_or_department_is_an_error(ops: ClientOps) -> None:
    with pytest.raises(NotFoundError) as err:
        ops.agenda.for_manager(EmployeeId("nobody"))
    assert (err.value.kind, err.value.key) == ("employee", "nobody")
    with pytest.raises(NotFoundError):
        ops.agenda.for_department(DepartmentId("nowhere"))


def test_a_department_and_everyone(ops: ClientOps, clock: Clock) -> None:
    mine = ops.clients.add(a_client(manager_id=ANNA))
    reaction_due(ops, mine, clock.now + timedelta(hours=1), "Позвонить")
    department = ops.agenda.for_department(DepartmentId("client"))
    assert [a.employee_id for a in department] == [ANNA]
    everyone = ops.agenda.for_everyone()
    assert [a.employee_id for a in everyone] == sorted(e.id for e in a_staff().employees)
    by_id: dict[str, Agenda] = {a.employee_id: a for a in everyone}
    assert [i.why for i in by_id[ANNA].items] == ["Позвонить"]
    assert by_id[PETROV].items == ()


def test_the_agenda_on_postgresql(postgres_url: str, clock: Clock) -> None:
    with clientops.connect(postgres_url, clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        card = ops.clients.add(a_client(manager_id=ANNA, birthday=date(1980, 11, 24)))
        ops.claims.assign_client(card.id, ANNA, on=date(2026, 11, 1))
        agenda = ops.agenda.for_manager(ANNA, date(2026, 11, 24))
        assert [i.kind for i in agenda.items] == [AgendaKind.SATISFACTION_CALL, AgendaKind.TOUCH]
        assert attrs.evolve(agenda, items=()).employee_id == ANNA


# ------------------------------------------------------------------- one order, two paths


@pytest.mark.parametrize("store", ["sqlite", "memory"])
def test_the_stored_agenda_is_in_the_order_of_build_agenda(
    store: str, db_path: Path, clock: Clock
) -> None:
    """The use case puts store rows straight into order (the store sorts the big lists);
    build_agenda sorts whatever it is given. The two must agree, ties included: reactions
    due at one moment for clients whose names and ids sort differently, late and today's
    satisfaction calls, reminders from the billing rule and from a scheduled reaction."""
    storage: Storage = SQLiteStorage(db_path) if store == "sqlite" else MemoryStorage()
    with ClientOps(storage, host=PluginHost(entry_points=False), clock=clock) as ops:
        ops.clients.add_staff(a_staff())
        names = ["ООО «Яблоко»", "ООО «Арбуз»", "ООО «арбуз»", "ИП Ёлкин", "ООО «Арбуз»"]
        cards = [
            ops.clients.add(a_client(id=ClientId(f"c{9 - n}"), name=name, manager_id=ANNA))
            for n, name in enumerate(names)
        ]
        same = clock.now - timedelta(hours=2)
        for n, card in enumerate(cards):
            reaction_due(ops, card, same, f"Одновременно {n}")
            reaction_due(ops, card, clock.now + timedelta(hours=n % 3), f"Сегодня {n}")
            ops.claims.assign_client(
                card.id, ANNA, on=date(2026, 11, 1) + timedelta(days=n % 3 * 3)
            )
        for card in cards[:2]:
            ops.billing.add_subscription(
                Subscription(SubscriptionId(f"s-{card.id}"), card.id, Money(900), date(2026, 1, 1))
            )
        clock.to(date(2026, 11, 13))
        ops.billing.run(Month(2026, 11))
        clock.to(date(2026, 11, 23))
        ops.billing.reminders()  # one of the two reminders is scheduled as a reaction today
        clock.to(date(2026, 11, 24), hour=12)
        agenda = ops.agenda.for_manager(ANNA)
        kinds = {i.kind for i in agenda.items}
        assert {AgendaKind.REACTION, AgendaKind.SATISFACTION_CALL} <= kinds
        assert AgendaKind.PAYMENT_REMINDER in kinds
        assert any(i.overdue for i in agenda.of_kind(AgendaKind.SATISFACTION_CALL))
        assert build_agenda(ANNA, agenda.day, agenda.items, now=clock.now, tz=ops.policy.tz) == (
            agenda
        )
        # and everyone's agenda is the same agendas
        by_id = {a.employee_id: a for a in ops.agenda.for_everyone()}
        assert by_id[ANNA] == agenda


def test_everyone_leaves_the_garbage_collector_as_it_found_it(ops: ClientOps) -> None:
    import gc

    assert gc.isenabled()
    ops.agenda.for_everyone()
    assert gc.isenabled()
    ops.agenda.for_manager(ANNA)
    assert gc.isenabled()
    with pytest.raises(NotFoundError):
        ops.agenda.for_manager(EmployeeId("nobody"))
    assert gc.isenabled()
    with pytest.raises(NotFoundError):
        ops.agenda.for_department(DepartmentId("nowhere"))
    assert gc.isenabled()
    gc.disable()
    try:
        ops.agenda.for_everyone()
        assert not gc.isenabled()  # the application's choice is kept
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ("не пункт", "items[1]"),
        (AgendaItem("reaction", "why", None, ""), "items[1].kind"),  # type: ignore[arg-type]
        (
            AgendaItem(AgendaKind.REACTION, "why", None, "", due_at=datetime(2026, 11, 24, 9)),
            "items[1].due_at",
        ),
        (
            AgendaItem(AgendaKind.TOUCH, "why", None, "", due_on=datetime(2026, 11, 24, 9)),
            "items[1].due_on",
        ),
    ],
)
def test_build_agenda_names_the_wrong_item(item: object, path: str) -> None:
    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    good = AgendaItem(AgendaKind.TOUCH, "why", None, "", due_on=date(2026, 11, 24))
    with pytest.raises(ValidationError) as err:
        build_agenda(ANNA, date(2026, 11, 24), [good, item], now=now)  # type: ignore[list-item]
    assert [e.path for e in err.value.errors] == [path]


# ------------------------------------------------------- the probe of the small sources


def _every_source_kind(ops: ClientOps, clock: Clock) -> None:
    """A claim, an emergency visit, a training today, a birthday today and an untaken
    reaction of Anna's department: a row in each small source but the plans and supply."""
    tz = ops.policy.tz
    card = ops.clients.add(a_client(manager_id=ANNA, birthday=date(1975, 11, 24)))
    ops.claims.file(
        card.id,
        department_id=DepartmentId("sales"),
        source=ClaimSource.client_words("Сорвали сроки"),
        by=ANNA,
    )
    contract = ops.service.add_contract(a_service_contract(card))
    ops.service.request_emergency_visit(contract.id, problem="Не работает турникет", by=ANNA)
    training = ops.service.open_training(card.id, manager=ANNA, by=ANNA, topic="Отчёты")
    ops.service.schedule_training(
        training.id, starts_at=datetime(2026, 11, 24, 15, 0, tzinfo=tz), by=ANNA
    )
    with ops.storage.unit_of_work() as uow:
        appeal = an_appeal(card, department_id=DepartmentId("client"))
        uow.appeals.add(appeal)
        uow.appeals.add_reaction(a_reaction(appeal, due_at=clock.now - timedelta(hours=1)))
    reaction_due(ops, card, clock.now + timedelta(hours=1), "Позвонить")
    ops.claims.assign_client(card.id, ANNA, on=date(2026, 11, 1))
    reaction_due(ops, card, clock.now - timedelta(hours=3), "Выслать договор")


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_the_probe_says_which_sources_have_rows_and_skips_only_empty_ones(
    store: str, db_path: Path, clock: Clock, request: pytest.FixtureRequest
) -> None:
    """The SQL stores tell in one statement which small sources have rows for the day
    (``uow.agenda.sources``); the agenda reads only those, and is the same agenda as when it
    reads every source. The plain reaction rows are the reactions ``due_reactions`` gives."""
    from clientops._agenda import EVERY_SOURCE, AgendaSources
    from clientops.adapters._sql import SQLAgenda
    from clientops.adapters.postgres import PostgresStorage
    from clientops.rules.satisfaction import satisfaction_due_bounds

    url = request.getfixturevalue("postgres_url") if store == "postgresql" else None
    storage: Storage = SQLiteStorage(db_path) if url is None else PostgresStorage.from_url(url)
    day = date(2026, 11, 24)
    with ClientOps(storage, host=PluginHost(entry_points=False), clock=clock) as ops:
        ops.clients.add_staff(a_staff())

        def probe() -> AgendaSources:
            start = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
            with ops.storage.unit_of_work(readonly=True) as uow:
                found: AgendaSources = uow.agenda.sources(  # type: ignore[attr-defined]
                    start=start,
                    end=start + timedelta(days=1),
                    month_days=("11-24",),
                    months=(Month(2026, 10), Month(2026, 11), Month(2026, 12)),
                    manager_id=ANNA,
                    departments=(DepartmentId("client"),),
                )
                return found

        assert probe() == AgendaSources(*(False,) * len(EVERY_SOURCE))
        _every_source_kind(ops, clock)
        assert probe() == AgendaSources(plans=False, supply=False)

        def agendas() -> tuple[Agenda, ...]:
            return (
                ops.agenda.for_manager(ANNA, day),
                *ops.agenda.for_department(DepartmentId("client"), day),
                *ops.agenda.for_everyone(day),
            )

        probed = agendas()
        kinds = {i.kind for i in probed[0].items}
        assert {AgendaKind.CLAIM, AgendaKind.SERVICE_DEADLINE, AgendaKind.TRAINING} <= kinds
        assert {AgendaKind.TOUCH, AgendaKind.REACTION} <= kinds
        original = SQLAgenda.sources
        try:
            del SQLAgenda.sources  # the agenda then reads every source
            assert agendas() == probed
        finally:
            SQLAgenda.sources = original  # type: ignore[method-assign]
        with ops.storage.unit_of_work(readonly=True) as uow:
            until = clock.now + timedelta(days=1)
            rows = list(uow.agenda.due_reaction_rows(ANNA, until=until))  # type: ignore[attr-defined]
            due = uow.agenda.due_reactions(ANNA, until=until)  # type: ignore[attr-defined]
            bounds = satisfaction_due_bounds(day, ops.policy.satisfaction, ops.policy.calendar)
            calls = list(uow.agenda.satisfaction_rows(bounds, manager_id=ANNA))  # type: ignore[attr-defined]
            assigned = uow.agenda.satisfaction_calls_due(bounds, manager_id=ANNA)  # type: ignore[attr-defined]
        assert rows == [(r.reaction_id, r.client_id, r.client_name, r.topic, r.due_at) for r in due]
        assert len(rows) == 2
        assert calls == [(a.client_id, a.client_name, a.assigned_on, a.last_call) for a in assigned]
        assert len(calls) == 1


def test_sqlite_reads_on_a_connection_of_their_own(tmp_path: Path) -> None:
    """A file store's read-only units of work run on a second connection with
    ``PRAGMA query_only`` set once (switching it expires every prepared statement): the
    writing connection is never switched, reads see each write once it is committed, and a
    write in a read-only unit of work is still refused."""
    from clientops.errors import StorageError

    storage = SQLiteStorage(tmp_path / "reads.db")
    try:
        with storage.unit_of_work() as uow:
            uow.staff.put_department(a_staff().departments[0])
        card = a_client()
        for n in range(3):
            with storage.unit_of_work(readonly=True) as uow:
                assert uow.clients.count() == n
                assert storage._db.execute("PRAGMA query_only").fetchone() == (0,)
                with pytest.raises(StorageError, match="read-only"):
                    uow.clients.add(a_client())
            with storage.unit_of_work() as uow:
                uow.clients.add(attrs.evolve(card, id=ClientId(f"c-{n}")))
        reader = storage._reader
        assert reader is not None
        assert reader is not storage._db
        assert reader.execute("PRAGMA query_only").fetchone() == (1,)
        with (
            pytest.raises(StorageError, match="already open"),
            storage.unit_of_work(readonly=True),
            storage.unit_of_work(),
        ):
            pass
    finally:
        storage.close()
    assert storage._reader is None
    memory = SQLiteStorage(":memory:")  # one connection: the pragma switched as before
    try:
        with memory.unit_of_work(readonly=True) as uow:
            assert uow.clients.count() == 0
        assert memory._reader is None
        assert memory._db.execute("PRAGMA query_only").fetchone() == (0,)
    finally:
        memory.close()
