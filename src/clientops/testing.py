"""Testing helpers for clientops users and adapter authors: an opt-in pytest plugin.

The storage contract suite is what every store must pass, the built-in ones included. Run it
against your own store unchanged::

    # conftest.py
    pytest_plugins = ["clientops.testing"]

    # test_my_store.py
    import pytest
    from clientops.testing import PersistentStorageContract

    class TestMyStore(PersistentStorageContract):
        @pytest.fixture
        def storage(self, tmp_path):
            store = MyStore(tmp_path / "crm")
            yield store
            store.close()

        def reopen(self, storage):
            return MyStore(storage.path)

:class:`StorageContract` is the suite for any store; :class:`PersistentStorageContract` adds the
checks for a store that keeps data across a reopen. :class:`FailingStorage` wraps a store and
makes one operation fail, to prove that a use case leaves storage as it was.

The builders ``a_client``, ``an_appeal``, ``a_reaction``, ``a_staff`` make valid records with
defaults, so that a test names only what it is about: ``a_client(city="Омск")``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import pytest

from clientops.errors import (
    ConflictError,
    DuplicateError,
    NotFoundError,
    StorageError,
)
from clientops.model import (
    Absence,
    Appeal,
    AppealId,
    Client,
    ClientId,
    ClientQuery,
    Contact,
    Department,
    DepartmentId,
    Employee,
    EmployeeId,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    Role,
    StaffDirectory,
    contract_key,
    new_id,
)
from clientops.outbox import OutboxMessage, OutboxStatus, after_failure, after_success
from clientops.policy import Policy
from clientops.ports import Storage, UnitOfWork
from clientops.services import ClientOps, put_staff

__all__ = [
    "FailingStorage",
    "PersistentStorageContract",
    "StorageContract",
    "a_client",
    "a_reaction",
    "a_staff",
    "an_appeal",
]

#: The fixed moment the builders use unless told otherwise.
T0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
_phone_seq = iter(range(10**6))


def _next_phone() -> Phone:
    return Phone(f"+7912{next(_phone_seq):07d}")


def a_client(**overrides: Any) -> Client:
    """A valid client card; every field can be overridden."""
    fields: dict[str, Any] = {
        "id": ClientId(new_id()),
        "name": "ООО «Ромашка»",
        "city": "Омск",
        "phones": (_next_phone(),),
        "created_at": T0,
    }
    fields.update(overrides)
    return Client(**fields)


def an_appeal(client: Client, **overrides: Any) -> Appeal:
    """A valid appeal of ``client`` for the sales department."""
    fields: dict[str, Any] = {
        "id": AppealId(new_id()),
        "client_id": client.id,
        "topic": "Запрос цен",
        "department_id": DepartmentId("sales"),
        "created_at": T0,
    }
    fields.update(overrides)
    return Appeal(**fields)


def a_reaction(appeal: Appeal, **overrides: Any) -> Reaction:
    """A valid reaction on ``appeal``, due a minute after :data:`T0`, for its department."""
    fields: dict[str, Any] = {
        "id": ReactionId(new_id()),
        "appeal_id": appeal.id,
        "client_id": appeal.client_id,
        "kind": ReactionKind.INCOMING_CALL,
        "topic": appeal.topic,
        "due_at": T0 + timedelta(minutes=1),
        "created_at": T0,
        "department_id": appeal.department_id,
    }
    fields.update(overrides)
    return Reaction(**fields)


def a_staff() -> StaffDirectory:
    """A small department: sales (head Петров), client department (Смирнова Анна), tech
    support, management (the general director Иванов)."""
    d = DepartmentId
    e = EmployeeId
    return StaffDirectory(
        departments=(
            Department(d("sales"), "Отдел продаж", head_id=e("petrov")),
            Department(d("client"), "Клиентский отдел", head_id=e("anna")),
            Department(d("tech_support"), "Техническая поддержка"),
            Department(d("management"), "Менеджмент", head_id=e("ivanov")),
        ),
        employees=(
            Employee(
                e("anna"), "Смирнова Анна Сергеевна", "Анна", d("client"), (Role.CLIENT_MANAGER,)
            ),
            Employee(
                e("petrov"), "Петров Игорь Олегович", "Игорь", d("sales"), (Role.SALES_MANAGER,)
            ),
            Employee(
                e("kuznetsova"),
                "Кузнецова Мария Павловна",
                "Мария",
                d("sales"),
                (Role.SALES_MANAGER,),
            ),
            Employee(
                e("ivanov"),
                "Иванов Иван Иванович",
                "Иван",
                d("management"),
                (Role.DIRECTOR, Role.MANAGEMENT),
            ),
        ),
        absences=(Absence(e("kuznetsova"), date(2025, 6, 20), date(2025, 6, 27), "отпуск"),),
    )


class _Boom(Exception):
    pass


class StorageContract:
    """The behaviour every clientops store must have. Subclass it and provide a ``storage``
    fixture that yields a fresh, empty store."""

    @pytest.fixture
    def storage(self) -> Storage:  # pragma: no cover - always overridden
        raise NotImplementedError("provide a `storage` fixture yielding an empty store")

    # -- clients ------------------------------------------------------------------------
    def test_client_round_trips(self, storage: Storage) -> None:
        card = a_client(
            contacts=(Contact("Сергей Петрович", emails=("s@romashka.ru",)),),
            emails=("info@romashka.ru",),
            contract_numbers=("12/25",),
            birthday=date(1980, 3, 8),
            inn="7701234567",
        )
        with storage.unit_of_work() as uow:
            uow.add_client(card)
        with storage.unit_of_work() as uow:
            assert uow.get_client(card.id) == card
            assert uow.count_clients() == 1

    def test_missing_client_is_not_found(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow, pytest.raises(NotFoundError, match="nobody"):
            uow.get_client(ClientId("nobody"))

    def test_same_id_twice_is_a_duplicate(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.add_client(card)
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.add_client(attrs.evolve(card, name="Другое имя"))
        with storage.unit_of_work() as uow:
            assert uow.get_client(card.id).name == card.name

    def test_contract_number_of_another_client_is_refused(self, storage: Storage) -> None:
        first = a_client(contract_numbers=("№ 12/25-А",))
        with storage.unit_of_work() as uow:
            uow.add_client(first)
        second = a_client(name="ООО «Вектор»", contract_numbers=("12/25-а",))
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.add_client(second)
        assert err.value.owner == first.id
        with storage.unit_of_work() as uow:
            assert uow.count_clients() == 1

    def test_find_by_phone_contract_and_name(self, storage: Storage) -> None:
        phone = Phone("+79123456789")
        card = a_client(name='ООО "Ромашка"', phones=(phone,), contract_numbers=("Д-7",))
        other = a_client(name="АО «Вектор»", city="Томск")
        with storage.unit_of_work() as uow:
            uow.add_client(card)
            uow.add_client(other)
        with storage.unit_of_work() as uow:
            assert uow.find_clients(ClientQuery(phone=phone)) == (card,)
            assert uow.find_clients(ClientQuery(contract="д-7")) == (card,)
            assert uow.find_clients(ClientQuery(name="ромашка ооо")) == (card,)
            assert uow.find_clients(ClientQuery(name="Ромашка", city="омск")) == (card,)
            assert uow.find_clients(ClientQuery(name="Ромашка", city="Томск")) == ()
            assert uow.find_clients(ClientQuery(phone=Phone("+79990000000"))) == ()

    def test_find_returns_oldest_first(self, storage: Storage) -> None:
        cards = [a_client(name="ИП Сидоров", city=city) for city in ("Омск", "Томск", "Тула")]
        with storage.unit_of_work() as uow:
            for card in cards:
                uow.add_client(card)
        with storage.unit_of_work() as uow:
            assert uow.find_clients(ClientQuery(name="сидоров")) == tuple(cards)

    def test_failed_unit_of_work_stores_nothing(self, storage: Storage) -> None:
        card = a_client()
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.add_client(card)
            uow.add_appeal(an_appeal(card))
            assert uow.get_client(card.id) == card  # a unit of work reads its own writes
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.count_clients() == 0
            assert uow.find_clients(ClientQuery(phone=card.phones[0])) == ()
            assert uow.appeals_of(card.id) == ()

    def test_update_bumps_version_and_reindexes(self, storage: Storage) -> None:
        card = a_client(phones=(Phone("+79120000001"),))
        with storage.unit_of_work() as uow:
            uow.add_client(card)
        changed = attrs.evolve(card, phones=(Phone("+79120000002"),), emails=("a@b.ru",))
        with storage.unit_of_work() as uow:
            stored = uow.update_client(changed)
        assert stored.version == card.version + 1
        with storage.unit_of_work() as uow:
            assert uow.get_client(card.id) == stored
            assert uow.find_clients(ClientQuery(phone=Phone("+79120000001"))) == ()
            assert uow.find_clients(ClientQuery(phone=Phone("+79120000002"))) == (stored,)

    def test_stale_update_is_a_conflict(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.add_client(card)
        with storage.unit_of_work() as uow:
            uow.update_client(attrs.evolve(card, city="Томск"))
        with pytest.raises(ConflictError) as err, storage.unit_of_work() as uow:
            uow.update_client(attrs.evolve(card, city="Тула"))
        assert (err.value.key, err.value.expected, err.value.found) == (card.id, 0, 1)
        with storage.unit_of_work() as uow:
            assert uow.get_client(card.id).city == "Томск"

    def test_update_of_missing_client_is_not_found(self, storage: Storage) -> None:
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.update_client(a_client())

    def test_a_unit_of_work_inside_another_is_refused(self, storage: Storage) -> None:
        card = a_client()
        with storage.unit_of_work() as uow:
            uow.add_client(card)
            with pytest.raises(StorageError, match="already open"), storage.unit_of_work():
                pass  # pragma: no cover
        with storage.unit_of_work() as uow:
            assert uow.get_client(card.id) == card

    def test_staff_changes_are_seen_at_once(self, storage: Storage) -> None:
        with storage.unit_of_work() as uow:
            put_staff(uow, a_staff())
            assert len(uow.staff().employees) == len(a_staff().employees)
        with storage.unit_of_work() as uow:
            before = uow.staff()
            uow.put_employee(
                Employee(EmployeeId("new"), "Новиков Олег", "Олег", DepartmentId("sales"))
            )
            assert uow.staff().employee(EmployeeId("new")) is not None
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.add_absence(Absence(EmployeeId("new"), date(2025, 7, 1), date(2025, 7, 2)))
            raise _Boom
        with storage.unit_of_work() as uow:
            after = uow.staff()
        assert after.employee(EmployeeId("new")) is not None
        assert after.absences == before.absences

    # -- appeals and reactions ------------------------------------------------------------
    def test_appeal_needs_its_client(self, storage: Storage) -> None:
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.add_appeal(an_appeal(a_client()))

    def test_reaction_needs_an_appeal_of_its_client(self, storage: Storage) -> None:
        card, other = a_client(), a_client()
        appeal = an_appeal(card)
        with storage.unit_of_work() as uow:
            uow.add_client(card)
            uow.add_client(other)
            uow.add_appeal(appeal)
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.add_reaction(a_reaction(appeal, client_id=other.id))

    def test_appeals_and_reactions_round_trip_in_order(self, storage: Storage) -> None:
        card = a_client()
        first, second = an_appeal(card, topic="Первое"), an_appeal(card, topic="Второе")
        late = a_reaction(first, due_at=T0 + timedelta(days=2))
        soon = a_reaction(second, due_at=T0 + timedelta(hours=1), employee_id=EmployeeId("anna"))
        with storage.unit_of_work() as uow:
            uow.add_client(card)
            uow.add_appeal(first)
            uow.add_appeal(second)
            uow.add_reaction(late)
            uow.add_reaction(soon)
        with storage.unit_of_work() as uow:
            assert uow.appeals_of(card.id) == (first, second)
            assert uow.reactions_of(card.id) == (soon, late)
            assert uow.get_appeal(first.id) == first
            assert uow.get_reaction(soon.id) == soon

    def test_reaction_update_and_conflict(self, storage: Storage) -> None:
        card = a_client()
        appeal = an_appeal(card)
        reaction = a_reaction(appeal)
        with storage.unit_of_work() as uow:
            uow.add_client(card)
            uow.add_appeal(appeal)
            uow.add_reaction(reaction)
        done = attrs.evolve(reaction, outcome="Перезвонили", done_at=T0 + timedelta(hours=1))
        with storage.unit_of_work() as uow:
            stored = uow.update_reaction(done)
        assert stored.done
        assert stored.version == 1
        with pytest.raises(ConflictError), storage.unit_of_work() as uow:
            uow.update_reaction(done)
        with storage.unit_of_work() as uow:
            assert uow.get_reaction(reaction.id) == stored

    # -- staff --------------------------------------------------------------------------
    def test_staff_round_trips(self, storage: Storage) -> None:
        staff = a_staff()
        with storage.unit_of_work() as uow:
            put_staff(uow, staff)
        with storage.unit_of_work() as uow:
            stored = uow.staff()
        assert sorted(stored.departments, key=lambda x: x.id) == sorted(
            staff.departments, key=lambda x: x.id
        )
        assert sorted(stored.employees, key=lambda x: x.id) == sorted(
            staff.employees, key=lambda x: x.id
        )
        assert stored.absences == staff.absences
        assert stored.is_absent(EmployeeId("kuznetsova"), date(2025, 6, 23))

    def test_employee_needs_a_department_and_absence_an_employee(self, storage: Storage) -> None:
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.put_employee(Employee(EmployeeId("x"), "Икс Икс", "Икс", DepartmentId("nowhere")))
        with pytest.raises(NotFoundError), storage.unit_of_work() as uow:
            uow.add_absence(Absence(EmployeeId("ghost"), date(2025, 1, 1), date(2025, 1, 2)))
        with storage.unit_of_work() as uow:
            assert uow.staff() == StaffDirectory()

    def test_due_reactions_are_an_employees_open_ones_most_overdue_first(
        self, storage: Storage
    ) -> None:
        card = a_client(name="ООО «Ромашка»")
        appeal = an_appeal(card)
        anna, petrov = EmployeeId("anna"), EmployeeId("petrov")
        hour = timedelta(hours=1)
        late = a_reaction(appeal, employee_id=anna, due_at=T0 - 2 * hour, topic="перезвонить")
        now = a_reaction(appeal, employee_id=anna, due_at=T0, kind=ReactionKind.EMAIL)
        earlier = a_reaction(appeal, employee_id=anna, due_at=T0 - 3 * hour)
        done = a_reaction(appeal, employee_id=anna, due_at=T0 - hour, done_at=T0 - hour)
        future = a_reaction(appeal, employee_id=anna, due_at=T0 + hour)
        other = a_reaction(appeal, employee_id=petrov, due_at=T0 - hour)
        with storage.unit_of_work() as uow:
            uow.add_client(card)
            uow.add_appeal(appeal)
            for r in (late, now, earlier, done, future, other):
                uow.add_reaction(r)
        with storage.unit_of_work() as uow:
            due = uow.due_reactions(anna, until=T0)
        assert [d.reaction_id for d in due] == [earlier.id, late.id, now.id]
        first = due[1]
        assert (first.client_id, first.client_name, first.topic, first.kind) == (
            card.id,
            "ООО «Ромашка»",
            "перезвонить",
            late.kind,
        )
        assert first.due_at == late.due_at
        assert [d.overdue(T0) for d in due] == [True, True, False]
        with storage.unit_of_work() as uow:
            uow.update_client(attrs.evolve(card, name="ООО «Лютик»"))
            uow.update_reaction(attrs.evolve(late, done_at=T0))
        with storage.unit_of_work() as uow:
            due = uow.due_reactions(anna, until=T0)
            assert [(d.reaction_id, d.client_name) for d in due] == [
                (earlier.id, "ООО «Лютик»"),
                (now.id, "ООО «Лютик»"),
            ]
            assert uow.due_reactions(EmployeeId("nobody"), until=T0) == ()

    # -- bulk writes ---------------------------------------------------------------------
    def test_bulk_add_stores_every_card_with_its_lookups(self, storage: Storage) -> None:
        cards = [a_client(name=f"ООО «Партия {i}»", contract_numbers=(f"B-{i}",)) for i in range(5)]
        with storage.unit_of_work() as uow:
            uow.add_clients(cards)
        with storage.unit_of_work() as uow:
            assert uow.count_clients() == 5
            assert uow.find_clients(ClientQuery(contract="b-3")) == (cards[3],)
            assert uow.find_clients(ClientQuery(phone=cards[4].phones[0])) == (cards[4],)
            assert uow.contract_owners(["B-1", "b-2", "нет такого"]) == {
                contract_key("B-1"): cards[1].id,
                contract_key("B-2"): cards[2].id,
            }

    def test_bulk_add_with_a_taken_contract_stores_nothing(self, storage: Storage) -> None:
        first = a_client(contract_numbers=("K-1",))
        with storage.unit_of_work() as uow:
            uow.add_client(first)
        batch = [a_client(contract_numbers=("K-2",)), a_client(contract_numbers=("k-1",))]
        with pytest.raises(DuplicateError) as err, storage.unit_of_work() as uow:
            uow.add_clients(batch)
        assert err.value.owner == first.id
        twice = [a_client(contract_numbers=("K-3",)), a_client(contract_numbers=("K-3",))]
        with pytest.raises(DuplicateError), storage.unit_of_work() as uow:
            uow.add_clients(twice)
        with storage.unit_of_work() as uow:
            assert uow.count_clients() == 1
            assert uow.contract_owners(["K-2", "K-3"]) == {}

    # -- batch keys and the outbox -------------------------------------------------------
    def test_a_batch_key_is_recorded_once_and_only_on_commit(self, storage: Storage) -> None:
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            assert uow.record_key("billing:2025-06") is True
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.record_key("billing:2025-06") is True
        with storage.unit_of_work() as uow:
            assert uow.record_key("billing:2025-06") is False
            assert uow.record_key("billing:2025-07") is True

    def test_outbox_keeps_one_message_per_key_and_only_on_commit(self, storage: Storage) -> None:
        first = OutboxMessage.new("courier.pickup", {"n": 1}, key="pickup:P-1", now=T0)
        again = OutboxMessage.new("courier.pickup", {"n": 2}, key="pickup:P-1", now=T0)
        lost = OutboxMessage.new("calendar.publish", {}, now=T0)
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.enqueue(lost)
            raise _Boom
        with storage.unit_of_work() as uow:
            assert uow.enqueue(first) is True
            assert uow.enqueue(again) is False
        with storage.unit_of_work() as uow:
            assert uow.outbox() == (first,)
            assert uow.outbox(OutboxStatus.DELIVERED) == ()

    def test_outbox_claims_are_leased(self, storage: Storage) -> None:
        lease = timedelta(minutes=5)
        due = OutboxMessage.new("t", {"due": True}, now=T0)
        later = attrs.evolve(
            OutboxMessage.new("t", {"due": False}, now=T0), next_attempt_at=T0 + timedelta(hours=1)
        )
        with storage.unit_of_work() as uow:
            uow.enqueue(due)
            uow.enqueue(later)
        with storage.unit_of_work() as uow:
            (claimed,) = uow.claim_outbox(now=T0, lease=lease, limit=10)
        assert (claimed.id, claimed.attempts) == (due.id, 1)
        with storage.unit_of_work() as uow:  # held by the first worker
            assert uow.claim_outbox(now=T0 + timedelta(minutes=1), lease=lease, limit=10) == ()
        with storage.unit_of_work() as uow:  # the first worker died: its lease ran out
            (retaken,) = uow.claim_outbox(now=T0 + timedelta(minutes=6), lease=lease, limit=1)
        assert (retaken.id, retaken.attempts) == (due.id, 2)
        with storage.unit_of_work() as uow:  # the first worker is too late to finish
            assert uow.finish_outbox(after_success(claimed, now=T0)) is False
            assert uow.finish_outbox(after_success(retaken, now=T0 + timedelta(minutes=7)))
        with storage.unit_of_work() as uow:
            (done,) = uow.outbox(OutboxStatus.DELIVERED)
            assert (done.id, done.attempts, done.delivered_at) == (
                due.id,
                2,
                T0 + timedelta(minutes=7),
            )
            assert uow.claim_outbox(now=T0 + timedelta(days=1), lease=lease, limit=10) == (
                attrs.evolve(later, attempts=1),
            )

    def test_a_failed_delivery_is_due_again_later(self, storage: Storage) -> None:
        policy = Policy(outbox_retry_delays=(timedelta(minutes=1),))
        message = OutboxMessage.new("t", {}, now=T0)
        lease = timedelta(minutes=5)
        with storage.unit_of_work() as uow:
            uow.enqueue(message)
        with storage.unit_of_work() as uow:
            (claimed,) = uow.claim_outbox(now=T0, lease=lease, limit=1)
            assert uow.finish_outbox(after_failure(claimed, "timeout", now=T0, policy=policy))
        with storage.unit_of_work() as uow:
            assert uow.claim_outbox(now=T0 + timedelta(seconds=30), lease=lease, limit=1) == ()
            (second,) = uow.claim_outbox(now=T0 + timedelta(minutes=1), lease=lease, limit=1)
            assert second.last_error == "timeout"
            assert uow.finish_outbox(after_failure(second, "500", now=T0, policy=policy))
        with storage.unit_of_work() as uow:
            (dead,) = uow.outbox(OutboxStatus.DEAD)
            assert (dead.attempts, dead.last_error) == (2, "500")
            assert uow.claim_outbox(now=T0 + timedelta(days=9), lease=lease, limit=1) == ()


class PersistentStorageContract(StorageContract):
    """The contract for a store that keeps its data: adds checks across a reopen. Implement
    :meth:`reopen` to open the same data again."""

    def reopen(self, storage: Storage) -> Storage:  # pragma: no cover - always overridden
        raise NotImplementedError("return a new store over the same data")

    def test_data_survives_a_reopen(self, storage: Storage) -> None:
        card = a_client(contract_numbers=("77/1",))
        appeal = an_appeal(card)
        reaction = a_reaction(appeal)
        with storage.unit_of_work() as uow:
            put_staff(uow, a_staff())
            uow.add_client(card)
            uow.add_appeal(appeal)
            uow.add_reaction(reaction)
        storage.close()
        again = self.reopen(storage)
        try:
            with again.unit_of_work() as uow:
                assert uow.find_clients(ClientQuery(contract="77/1")) == (card,)
                assert uow.reactions_of(card.id) == (reaction,)
                assert len(uow.staff().employees) == len(a_staff().employees)
        finally:
            again.close()

    def test_rolled_back_work_is_gone_after_a_reopen(self, storage: Storage) -> None:
        card = a_client()
        with pytest.raises(_Boom), storage.unit_of_work() as uow:  # noqa: PT012
            uow.add_client(card)
            raise _Boom
        storage.close()
        again = self.reopen(storage)
        try:
            with again.unit_of_work() as uow:
                assert uow.count_clients() == 0
        finally:
            again.close()


class _FailingUnitOfWork:
    def __init__(self, inner: UnitOfWork, owner: FailingStorage) -> None:
        self._inner = inner
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._owner.operation:
            return attr

        def failing(*args: Any, **kwargs: Any) -> Any:
            if self._owner.remaining <= 0:
                raise StorageError(self._owner.name, name, "injected failure")
            self._owner.remaining -= 1
            return attr(*args, **kwargs)

        return failing


class FailingStorage:
    """Wraps a real store; the named unit-of-work ``operation`` (``"add_reaction"``…) fails
    with :class:`StorageError` after succeeding ``after`` times. Everything else goes through
    to the wrapped store, whose own rollback undoes the partial work."""

    def __init__(self, inner: Storage, operation: str, *, after: int = 0) -> None:
        self.inner = inner
        self.name = inner.name
        self.operation = operation
        self.remaining = after

    @contextmanager
    def _work(self) -> Iterator[UnitOfWork]:
        with self.inner.unit_of_work() as uow:
            yield _FailingUnitOfWork(uow, self)

    def unit_of_work(self) -> AbstractContextManager[UnitOfWork]:
        return self._work()

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def clientops_staff() -> StaffDirectory:
    """The small department of :func:`a_staff`."""
    return a_staff()


@pytest.fixture
def clientops_memory(clientops_staff: StaffDirectory) -> Iterator[ClientOps]:
    """A :class:`~clientops.ClientOps` over an in-memory store holding :func:`a_staff`, whose
    clock stands still at :data:`T0` (until the test sets ``ops.clock``)."""
    from clientops.adapters.memory import MemoryStorage
    from clientops.host import PluginHost

    storage = MemoryStorage()
    with storage.unit_of_work() as uow:
        put_staff(uow, clientops_staff)
    ops = ClientOps(storage, host=PluginHost(entry_points=False), clock=lambda: T0)
    yield ops
    ops.close()
