"""Contractors (``clientops.contractors``) on memory, SQLite and PostgreSQL: prices with their
history, a visit to a client agreed inside the contract's dates and put on the manager's
agenda, its work recorded, accepted with an act and its bill in the payment plan; bad input
refused with nothing stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import clientops
from clientops import ClientOps, PluginHost, hookimpl
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import EmployeeId, ReactionKind
from clientops.contractors import (
    Contractor,
    ContractorContract,
    ContractorId,
    ContractorPrice,
    Contractors,
    ContractorVisitChanged,
    ContractorVisitStatus,
)
from clientops.errors import NotFoundError, TransitionError, ValidationError
from clientops.events import Event
from clientops.model import Money
from clientops.ports import Storage
from clientops.testing import T0, a_client, a_staff

ANNA, PETROV = EmployeeId("anna"), EmployeeId("petrov")
MONTAZH = ContractorId("montazh")
TURNSTILE = "монтаж турникета"


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    @hookimpl
    def clientops_event(self, event: Event) -> None:
        self.events.append(event)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Storage]:
    if request.param == "memory":
        return MemoryStorage
    if request.param == "sqlite":
        return lambda: SQLiteStorage(tmp_path / "contractors.db")
    url = request.getfixturevalue("postgres_url")
    return lambda: clientops.connect(url).storage


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def ops(make_storage: Callable[[], Storage], recorder: Recorder) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    host.register(recorder, name="recorder")
    with ClientOps(make_storage(), host=host, clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def _montazh() -> Contractor:
    return Contractor(
        MONTAZH,
        "ООО «Монтаж-Сервис»",
        (TURNSTILE, "замена считывателя"),
        contract=ContractorContract("П-3/25", date(2025, 1, 1), date(2025, 12, 31)),
        prices=(ContractorPrice(TURNSTILE, Money("12000"), date(2025, 1, 1)),),
        inn="5501100012",
    )


def test_a_contractors_visit_from_the_agreed_day_to_the_bill_in_the_payment_plan(
    ops: ClientOps, recorder: Recorder
) -> None:
    contractors = Contractors(ops)
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    contractors.add(_montazh(), by=ANNA)
    # the price went up from June: the old one stays as its history
    priced = contractors.set_price(
        MONTAZH, TURNSTILE, Money("14000"), since=date(2025, 6, 1), by=ANNA
    )
    assert [(p.price, p.since) for p in priced.prices] == [
        (Money("12000"), date(2025, 1, 1)),
        (Money("14000"), date(2025, 6, 1)),
    ]
    assert priced.price_of(TURNSTILE, date(2025, 5, 31)) == Money("12000")
    recorder.events.clear()

    visit = contractors.schedule_visit(MONTAZH, card.id, TURNSTILE, date(2025, 7, 1), by=PETROV)
    assert (visit.status, visit.price) == (ContractorVisitStatus.PLANNED, Money("14000"))
    (reaction,) = ops.clients.reactions_of(card.id)
    assert reaction.topic == (
        "Проконтролировать визит подрядчика ООО «Монтаж-Сервис» 01.07.2025: монтаж турникета"
    )
    assert (reaction.kind, reaction.employee_id) == (ReactionKind.TASK, ANNA)
    assert reaction.due_at == datetime(2025, 7, 1, 6, 0, tzinfo=UTC)  # 9:00 in Moscow

    done = contractors.record_done(visit.id, "Турникет смонтирован, проверен", by=ANNA)
    assert done.status is ContractorVisitStatus.DONE
    accepted = contractors.accept(visit.id, act_number="А-17", by=ANNA)
    assert (accepted.status, accepted.act_number, accepted.accepted_on) == (
        ContractorVisitStatus.ACCEPTED,
        "А-17",
        T0.date(),
    )
    plan = ops.billing.payment_plan(date(2025, 6, 25))
    (row,) = plan.rows
    assert (row.bill.supplier, row.bill.amount, row.bill.number) == (
        "ООО «Монтаж-Сервис»",
        Money("14000"),
        "А-17",
    )
    assert row.days_left == 3  # due five days after the act of 23 June
    assert row.bill.purpose == "монтаж турникета (01.07.2025), акт № А-17"
    assert plan.by_supplier == (("ООО «Монтаж-Сервис»", Money("14000")),)
    assert contractors.visits_of(card.id) == (accepted,)
    assert [e.status for e in recorder.events if isinstance(e, ContractorVisitChanged)] == [
        ContractorVisitStatus.PLANNED,
        ContractorVisitStatus.DONE,
        ContractorVisitStatus.ACCEPTED,
    ]
    with pytest.raises(TransitionError):
        contractors.accept(visit.id, act_number="А-18", by=ANNA)


def test_a_visit_outside_the_contract_or_of_another_service_is_refused_with_nothing_stored(
    ops: ClientOps,
) -> None:
    contractors = Contractors(ops)
    card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id=ANNA))
    contractors.add(_montazh(), by=ANNA)
    for service, day, path in (
        (TURNSTILE, date(2026, 1, 15), "day"),
        (TURNSTILE, date(2024, 12, 31), "day"),
        ("мойка окон", date(2025, 7, 1), "service"),
    ):
        with pytest.raises(ValidationError) as err:
            contractors.schedule_visit(MONTAZH, card.id, service, day, by=ANNA)
        assert err.value.errors[0].path == path
    with pytest.raises(NotFoundError):
        contractors.schedule_visit(ContractorId("nobody"), card.id, TURNSTILE, T0.date(), by=ANNA)
    with pytest.raises(ValidationError) as err:
        contractors.set_price(MONTAZH, TURNSTILE, Money("-1"), since=date(2025, 6, 1), by=ANNA)
    assert err.value.errors[0].path == "price"
    assert contractors.visits_of(card.id) == ()
    assert ops.clients.reactions_of(card.id) == ()
    assert contractors.get(MONTAZH).version == 0

    # no price for the service and none given: the act is refused, the visit stays done
    visit = contractors.schedule_visit(MONTAZH, card.id, "замена считывателя", T0.date(), by=ANNA)
    with pytest.raises(TransitionError):
        contractors.accept(visit.id, act_number="А-1", by=ANNA)
    contractors.record_done(visit.id, "Считыватель заменён", by=ANNA)
    with pytest.raises(ValidationError) as err:
        contractors.accept(visit.id, act_number="А-1", by=ANNA)
    assert err.value.errors[0].path == "amount"
    with pytest.raises(ValidationError) as err:
        contractors.accept(visit.id, act_number=" ", by=ANNA, amount=Money("3000"))
    assert err.value.errors[0].path == "act_number"
    assert contractors.visits_of(card.id)[0].status is ContractorVisitStatus.DONE
    assert contractors.accept(visit.id, act_number="А-1", by=ANNA, amount=Money("3000")).price == (
        Money("3000")
    )
