"""The satisfaction round, claims, service visits and trainings through ClientOps on a real
SQLite file (and PostgreSQL): an unhappy client turning into a claim escalated to the head of
the department at fault and the general director, once; the 14-day cadence through the store
across a month end and the May holidays; an emergency visit late across a weekend and a
holiday, escalated once; every refusal leaving the file byte for byte as it was."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clientops import ClientOps, EmployeeId, Money, PluginHost, hookimpl
from clientops.adapters.postgres import PostgresStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.claims import (
    ClaimId,
    ClaimSource,
    ClaimStage,
    EscalateToDirector,
    FindCauses,
    ResolveSatisfied,
)
from clientops.errors import (
    DuplicateError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from clientops.events import AppealOpened, ReactionScheduled
from clientops.model import Client, ClientId, Department, DepartmentId, Employee, Role
from clientops.ports import Storage
from clientops.satisfaction import SatisfactionCall, SatisfactionOutcome
from clientops.service_visits import ServiceContractId, TrainingStatus, VisitId
from clientops.testing import a_client, a_service_contract, a_staff

MSK = ZoneInfo("Europe/Moscow")
ANNA, PETROV, IVANOV = EmployeeId("anna"), EmployeeId("petrov"), EmployeeId("ivanov")
SIDOROV = EmployeeId("sidorov")
SALES = DepartmentId("sales")


def msk(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MSK)


class Clock:
    """A clock the test moves, in Moscow time."""

    def __init__(self) -> None:
        self.now = msk(date(2026, 3, 2))

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date, hour: int = 10, minute: int = 0) -> None:
        self.now = msk(day, hour, minute)


class Recorder:
    """A plugin keeping the events it hears."""

    def __init__(self) -> None:
        self.events: list[object] = []

    @hookimpl
    def clientops_event(self, event: object) -> None:
        self.events.append(event)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def open_ops(storage: Storage, clock: Clock, recorder: Recorder) -> ClientOps:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    ops = ClientOps(storage, host=host, clock=clock)
    ops.clients.add_staff(a_staff())
    # tech support gets a head, the engineer Сидоров: he hears of late visits
    ops.clients.add_department(
        Department(DepartmentId("tech_support"), "Техническая поддержка", SIDOROV)
    )
    ops.clients.add_employee(
        Employee(
            SIDOROV,
            "Сидоров Пётр Ильич",
            "Пётр",
            DepartmentId("tech_support"),
            (Role.TECH_SUPPORT,),
        )
    )
    return ops


@pytest.fixture
def ops(db_path: Path, clock: Clock, recorder: Recorder) -> Iterator[ClientOps]:
    with open_ops(SQLiteStorage(db_path), clock, recorder) as ops:
        yield ops


def dump(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def a_card(ops: ClientOps, name: str = "ООО «Ромашка»") -> Client:
    return ops.clients.add(a_client(name=name, manager_id=ANNA))


def unhappy(card: Client, at: datetime, **changes: object) -> SatisfactionCall:
    fields: dict[str, object] = {
        "client_id": card.id,
        "manager_id": ANNA,
        "at": at,
        "outcome": SatisfactionOutcome.UNSATISFIED,
        "notes": "Недоволен: обещанную скидку не дали",
        "department_id": SALES,
        "money": Money("45000"),
    }
    fields.update(changes)
    return SatisfactionCall(**fields)  # type: ignore[arg-type]


def reactions_by_person(ops: ClientOps, card: Client) -> list[tuple[str | None, str]]:
    return sorted((r.employee_id, r.id) for r in ops.clients.reactions_of(card.id))


# ------------------------------------------------------------------ unhappy client -> claim
def test_an_unhappy_call_files_a_claim_told_to_the_head_and_the_director_once(
    ops: ClientOps, db_path: Path, clock: Clock, recorder: Recorder
) -> None:
    card = a_card(ops)
    ops.claims.assign_client(card.id, ANNA, on=date(2026, 2, 16))
    clock.to(date(2026, 3, 2))
    recorder.events.clear()
    call = unhappy(card, clock.now)
    decision = ops.claims.record_satisfaction(card.id, call, by=ANNA)

    assert decision.claim is not None
    claim_id = decision.claim.claim.id
    (stored,) = ops.claims.claims_of(card.id)
    assert stored == decision.claim.claim
    assert (stored.stage, stored.department_id, stored.money) == (
        ClaimStage.FILED,
        SALES,
        Money("45000"),
    )
    assert ops.claims.open(department_id=SALES) == (stored,)
    told = [r for r in ops.clients.reactions_of(card.id) if r.appeal_id == f"claim-{claim_id}"]
    # the head of sales (Петров) and the general director (Иванов), at once, one each
    assert sorted((r.employee_id, r.due_at) for r in told) == [
        (IVANOV, clock.now),
        (PETROV, clock.now),
    ]
    heard = [e for e in recorder.events if isinstance(e, ReactionScheduled)]
    assert {e.employee_id for e in heard} == {ANNA, PETROV, IVANOV}
    assert sum(isinstance(e, AppealOpened) for e in recorder.events) == 2  # call and claim

    # the same call recorded again: refused, nothing stored twice
    before = dump(db_path)
    with pytest.raises(DuplicateError):
        ops.claims.record_satisfaction(card.id, call, by=ANNA)
    assert dump(db_path) == before
    assert len(ops.claims.claims_of(card.id)) == 1

    # the manager cannot resolve it: the director is brought in, once
    clock.to(date(2026, 3, 3))
    moved = ops.claims.advance(claim_id, EscalateToDirector("клиент требует возврата"), by=ANNA)
    assert (moved.claim.director_involved, moved.claim.version) == (True, 1)
    assert [r.employee_id for r in moved.reactions] == [IVANOV]
    before = dump(db_path)
    with pytest.raises(TransitionError):
        ops.claims.advance(claim_id, EscalateToDirector("ещё раз"), by=ANNA)
    assert dump(db_path) == before
    assert reactions_by_person(ops, card) == sorted(
        [
            (ANNA, f"satisfaction-{card.id}-20260302T070000-call"),
            (PETROV, f"claim-{claim_id}-notify-petrov"),
            (IVANOV, f"claim-{claim_id}-notify-ivanov"),
            (IVANOV, f"claim-{claim_id}-escalate-ivanov"),
        ]
    )
    # the call counts as the last one: the next is due two weeks later
    assert ops.claims.satisfaction_calls_due(date(2026, 3, 13), manager=ANNA) == ()
    (due,) = ops.claims.satisfaction_calls_due(date(2026, 3, 16), manager=ANNA)
    assert (due.client_id, due.last_call) == (card.id, date(2026, 3, 2))


def test_a_claim_without_a_department_is_refused_and_nothing_is_stored(
    ops: ClientOps, db_path: Path, clock: Clock
) -> None:
    card = a_card(ops)
    ops.claims.assign_client(card.id, ANNA, on=date(2026, 2, 16))
    before = dump(db_path)
    with pytest.raises(ValidationError) as err:
        ops.claims.record_satisfaction(
            card.id, unhappy(card, clock.now, department_id=None), by=ANNA
        )
    assert [e.path for e in err.value.errors] == ["department_id"]
    for department in ("", "warehouse"):
        with pytest.raises(ValidationError) as bad:
            ops.claims.file(
                card.id,
                department_id=DepartmentId(department),
                source=ClaimSource.manager_notes("Сорвали сроки"),
                by=ANNA,
            )
        assert "department_id" in [e.path for e in bad.value.errors]
    assert dump(db_path) == before
    assert ops.claims.claims_of(card.id) == ()


def test_a_claim_moves_and_adds_up_in_the_figures(ops: ClientOps, clock: Clock) -> None:
    card, other = a_card(ops), a_card(ops, "ООО «Василёк»")
    clock.to(date(2026, 2, 27))
    february = ops.claims.file(
        card.id,
        department_id=SALES,
        source=ClaimSource.client_words("Скидку не дали"),
        by=ANNA,
        money=Money("10000"),
        claim_id=ClaimId("k1"),
    )
    assert [r.employee_id for r in february.reactions] == [PETROV, IVANOV]
    clock.to(date(2026, 3, 2))
    ops.claims.file(
        other.id,
        department_id=DepartmentId("tech_support"),
        source=ClaimSource.client_words("Турникет не работает"),
        by=ANNA,
        money=Money("45000"),
        claim_id=ClaimId("k2"),
    )
    ops.claims.advance(ClaimId("k1"), FindCauses("скидку не внесли в счёт"), by=ANNA)
    clock.to(date(2026, 3, 31), 23, 30)  # still March in Moscow, April in UTC
    done = ops.claims.advance(ClaimId("k1"), ResolveSatisfied("счёт исправлен"), by=ANNA)
    assert (done.claim.stage, done.claim.version) == (ClaimStage.RESOLVED_SATISFIED, 2)
    assert [c.id for c in ops.claims.open()] == ["k2"]
    march = ops.claims.figures(date(2026, 3, 1), date(2026, 3, 31))
    assert (march.total.filed, march.total.filed_money) == (1, Money("45000"))
    assert (march.total.resolved_satisfied, march.total.satisfied_money) == (1, Money("10000"))
    assert march.for_department(DepartmentId("tech_support")).filed == 1
    assert ops.claims.figures(date(2026, 2, 1), date(2026, 2, 28)).total.filed == 1
    assert ops.claims.figures(date(2026, 4, 1), date(2026, 4, 30)).total.resolved_satisfied == 0
    with pytest.raises(NotFoundError):
        ops.claims.advance(ClaimId("k9"), FindCauses("?"), by=ANNA)


# ------------------------------------------------------------------ the 14-day cadence
def test_the_cadence_runs_through_the_store_across_a_month_end_and_the_may_holidays(
    ops: ClientOps, clock: Clock
) -> None:
    card, late = a_card(ops), a_card(ops, "ООО «Василёк»")
    ops.claims.assign_client(card.id, ANNA, on=date(2026, 3, 20))  # Friday
    ops.claims.assign_client(late.id, PETROV, on=date(2026, 3, 6))

    def due(day: date, manager: EmployeeId | None = ANNA) -> list[tuple[str, date, int]]:
        return [
            (d.client_id, d.due_on, d.days_overdue)
            for d in ops.claims.satisfaction_calls_due(day, manager=manager)
        ]

    assert ops.clients.get(card.id).manager_id == ANNA
    assert due(date(2026, 4, 2)) == []
    (first,) = ops.claims.satisfaction_calls_due(date(2026, 4, 3), manager=ANNA)
    assert (first.client_id, first.due_on, first.reason) == (
        card.id,
        date(2026, 4, 3),
        "Первый звонок удовлетворённости: клиент закреплён 20.03.2026",
    )
    # Петров's client is not Анна's; everyone's agenda has both, the longest overdue first
    assert due(date(2026, 4, 3), None) == [
        (late.id, date(2026, 3, 20), 14),
        (card.id, date(2026, 4, 3), 0),
    ]
    for day in (date(2026, 4, 3), date(2026, 4, 17)):
        clock.to(day)
        call = SatisfactionCall(card.id, ANNA, clock.now, SatisfactionOutcome.SATISFIED, "Всё ок")
        ops.claims.record_satisfaction(card.id, call, by=ANNA)
        assert due(day) == []
    # 17.04 + 14 days is Friday 1 May, a holiday, then the weekend: due Monday 4 May
    assert due(date(2026, 4, 30)) == []
    assert due(date(2026, 5, 1)) == []
    assert due(date(2026, 5, 4)) == [(card.id, date(2026, 5, 4), 0)]
    assert due(date(2026, 5, 6)) == [(card.id, date(2026, 5, 4), 2)]
    # not reached: still due, and a call again is set for the next working day
    clock.to(date(2026, 5, 4), 12)
    missed = SatisfactionCall(card.id, ANNA, clock.now, SatisfactionOutcome.NOT_REACHED)
    decision = ops.claims.record_satisfaction(card.id, missed, by=ANNA)
    assert decision.last_call is None
    assert due(date(2026, 5, 5)) == [(card.id, date(2026, 5, 4), 1)]
    # reassigned to Петров: the last call still counts
    ops.claims.assign_client(card.id, PETROV, on=date(2026, 5, 5))
    assert due(date(2026, 5, 5)) == []
    assert [d[0] for d in due(date(2026, 5, 5), PETROV)] == [late.id, card.id]


def test_an_unknown_manager_is_an_error_not_an_empty_list(ops: ClientOps, db_path: Path) -> None:
    card = a_card(ops)
    with pytest.raises(NotFoundError) as err:
        ops.claims.satisfaction_calls_due(date(2026, 3, 2), manager=EmployeeId("nobody"))
    assert (err.value.kind, err.value.key) == ("employee", "nobody")
    before = dump(db_path)
    with pytest.raises(NotFoundError):
        ops.claims.assign_client(card.id, EmployeeId("nobody"), on=date(2026, 3, 2))
    with pytest.raises(NotFoundError):
        ops.claims.assign_client(ClientId("ghost"), ANNA, on=date(2026, 3, 2))
    assert dump(db_path) == before
    assert ops.claims.satisfaction_calls_due(date(2026, 3, 2), manager=ANNA) == ()


# ------------------------------------------------------------------ service visits
def test_a_late_emergency_visit_is_escalated_once_across_a_weekend_and_a_holiday(
    ops: ClientOps, db_path: Path, clock: Clock, recorder: Recorder
) -> None:
    card = a_card(ops)
    contract = ops.service.add_contract(
        a_service_contract(card, id=ServiceContractId("sc1"), emergency_response_days=1)
    )
    clock.to(date(2026, 3, 6), 19, 30)  # Friday evening; Monday 9 March is a day off
    visit = ops.service.request_emergency_visit(
        contract.id, problem="Турникет не пропускает", by=ANNA, visit_id=VisitId("v1")
    )
    # one working day: Tuesday 10 March, so late from midnight into Wednesday 11 March
    before = dump(db_path)
    assert ops.service.check_visit_sla(msk(date(2026, 3, 10), 23, 59)).breaches == ()
    assert dump(db_path) == before
    recorder.events.clear()
    found = ops.service.check_visit_sla(msk(date(2026, 3, 11), 0, 0))
    (breach,) = found.breaches
    assert (breach.visit.id, breach.late_by) == (visit.id, timedelta(0))
    assert sorted(r.employee_id or "" for r in found.escalated) == [ANNA, SIDOROV]
    assert {e.employee_id for e in recorder.events if isinstance(e, ReactionScheduled)} == {
        ANNA,
        SIDOROV,
    }
    # checked again later: the same breach, nothing new
    before = dump(db_path)
    again = ops.service.check_visit_sla(msk(date(2026, 3, 11), 9, 0))
    assert [b.visit.id for b in again.breaches] == ["v1"]
    assert again.escalated == ()
    assert dump(db_path) == before
    escalations = [r for r in ops.clients.reactions_of(card.id) if r.id.startswith("visit-sla-")]
    assert sorted(r.id for r in escalations) == ["visit-sla-v1-head", "visit-sla-v1-manager"]

    clock.to(date(2026, 3, 11), 10)
    ops.service.plan_visit(visit.id, engineer=SIDOROV, by=ANNA, day=date(2026, 3, 11))
    clock.to(date(2026, 3, 11), 15)
    done = ops.service.complete_visit(visit.id, works=("Заменён считыватель",), by=SIDOROV)
    assert (done.done, done.version) == (True, 2)
    assert ops.service.check_visit_sla(msk(date(2026, 3, 12))).breaches == ()
    assert ops.service.visits_of(card.id) == (done,)


def test_visit_refusals_store_nothing(ops: ClientOps, db_path: Path, clock: Clock) -> None:
    card = a_card(ops)
    ended = a_service_contract(card, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))
    ops.service.add_contract(ended)
    before = dump(db_path)
    with pytest.raises(ValidationError) as err:
        ops.service.request_emergency_visit(ended.id, problem="Не работает", by=ANNA)
    assert [e.path for e in err.value.errors] == ["contract_id"]
    with pytest.raises(NotFoundError):
        ops.service.request_emergency_visit(
            ServiceContractId("nope"), problem="Не работает", by=ANNA
        )
    with pytest.raises(NotFoundError):
        ops.service.request_emergency_visit(
            ended.id, problem="Не работает", by=EmployeeId("nobody")
        )
    assert dump(db_path) == before
    contract = ops.service.add_contract(a_service_contract(card))
    visit = ops.service.request_emergency_visit(contract.id, problem="Не работает", by=ANNA)
    before = dump(db_path)
    with pytest.raises(TransitionError):
        ops.service.complete_visit(visit.id, works=("Починили",), by=ANNA)  # not planned yet
    with pytest.raises(NotFoundError):
        ops.service.plan_visit(
            visit.id, engineer=EmployeeId("nobody"), by=ANNA, day=date(2026, 3, 3)
        )
    assert dump(db_path) == before


# ------------------------------------------------------------------ trainings
def test_a_training_is_scheduled_and_moved(ops: ClientOps, db_path: Path, clock: Clock) -> None:
    card = a_card(ops)
    training = ops.service.open_training(card.id, manager=ANNA, by=ANNA)
    assert training.status is TrainingStatus.TO_AGREE
    agreed = ops.service.schedule_training(
        training.id, starts_at=msk(date(2026, 3, 5), 11), by=ANNA
    )
    moved = ops.service.reschedule_training(
        training.id, starts_at=msk(date(2026, 3, 6), 14), reason="клиент попросил", by=ANNA
    )
    assert (agreed.version, moved.version) == (1, 2)
    assert [(m.previous, m.new) for m in moved.reschedules] == [
        (msk(date(2026, 3, 5), 11), msk(date(2026, 3, 6), 14))
    ]
    before = dump(db_path)
    with pytest.raises(ValidationError):  # in the past
        ops.service.reschedule_training(
            training.id, starts_at=msk(date(2026, 3, 1)), reason="ошибка", by=ANNA
        )
    with pytest.raises(NotFoundError):
        ops.service.open_training(card.id, manager=EmployeeId("nobody"), by=ANNA)
    assert dump(db_path) == before
    assert ops.service.trainings_of(card.id) == (moved,)


# ------------------------------------------------------------------ PostgreSQL
def test_an_unhappy_client_on_postgresql(
    postgres_url: str, clock: Clock, recorder: Recorder
) -> None:
    with open_ops(PostgresStorage.from_url(postgres_url), clock, recorder) as ops:
        card = a_card(ops)
        ops.claims.assign_client(card.id, ANNA, on=date(2026, 2, 16))
        (due,) = ops.claims.satisfaction_calls_due(date(2026, 3, 2), manager=ANNA)
        assert due.client_id == card.id
        decision = ops.claims.record_satisfaction(card.id, unhappy(card, clock.now), by=ANNA)
        assert decision.claim is not None
        claim_id = decision.claim.claim.id
        told = [r for r in ops.clients.reactions_of(card.id) if r.appeal_id == f"claim-{claim_id}"]
        assert sorted(r.employee_id or "" for r in told) == [IVANOV, PETROV]
        assert ops.claims.open() == (decision.claim.claim,)
        assert ops.claims.satisfaction_calls_due(date(2026, 3, 2), manager=ANNA) == ()
        with pytest.raises(ValidationError):
            ops.claims.record_satisfaction(
                card.id, unhappy(card, clock.now + timedelta(hours=1), department_id=None), by=ANNA
            )
        assert len(ops.claims.claims_of(card.id)) == 1
        contract = ops.service.add_contract(a_service_contract(card))
        clock.to(date(2026, 3, 6), 19, 30)
        ops.service.request_emergency_visit(contract.id, problem="Не работает", by=ANNA)
        first = ops.service.check_visit_sla(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
        assert len(first.escalated) == 2
        assert ops.service.check_visit_sla(datetime(2026, 3, 11, 10, 0, tzinfo=UTC)).escalated == ()
        march = ops.claims.figures(date(2026, 3, 1), date(2026, 3, 31))
        assert (march.total.filed, march.total.filed_money) == (1, Money("45000"))


def test_two_sla_checks_racing_on_postgresql_escalate_a_late_visit_once(
    postgres_url: str, clock: Clock, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers' ``run-due`` check the SLA together: the second commits its escalations
    between the first one's reads and its writes. The first finds them on a second look (it
    failed on the unique keys before, and ``run-due`` exited 3)."""
    import clientops._service_service as service

    first = open_ops(PostgresStorage.from_url(postgres_url), clock, recorder)
    second = ClientOps(
        PostgresStorage.from_url(postgres_url), host=PluginHost(entry_points=False), clock=clock
    )
    with first, second:
        card = a_card(first)
        contract = first.service.add_contract(a_service_contract(card))
        clock.to(date(2026, 3, 6), 19, 30)
        first.service.request_emergency_visit(contract.id, problem="Не работает", by=ANNA)
        at = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
        record = service.record_appeals_and_reactions
        escalated: list[int] = []
        started: list[bool] = []

        def interleaved(*args: object, **kwargs: object) -> object:
            if not started:
                started.append(True)
                worker = threading.Thread(
                    target=lambda: escalated.append(
                        len(second.service.check_visit_sla(at).escalated)
                    )
                )
                worker.start()
                worker.join()
            return record(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(service, "record_appeals_and_reactions", interleaved)
        late = first.service.check_visit_sla(at)
        monkeypatch.undo()
        assert escalated == [2]  # the head of tech support and the client's manager
        assert late.escalated == ()
        assert len(late.breaches) == 1
        told = [r for r in first.clients.reactions_of(card.id) if r.appeal_id.startswith("visit-")]
        assert len(told) == 2
