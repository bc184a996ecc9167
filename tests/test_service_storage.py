"""The satisfaction round through a store: ``satisfaction_calls_due`` (one set-based query) selects
exactly the clients that :func:`~clientops.rules.satisfaction.satisfaction_due` selects in
memory, on working days, weekends and holidays, with and without the shift to a working day."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientops.adapters.memory import MemoryStorage
from clientops.adapters.postgres import PostgresStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.model import ClientId, EmployeeId
from clientops.ports import Storage
from clientops.rules.satisfaction import satisfaction_due, satisfaction_due_bounds
from clientops.satisfaction import AssignedClient, SatisfactionPolicy
from clientops.testing import a_client
from clientops.workdays import russian_calendar

ANNA, PETROV = EmployeeId("anna"), EmployeeId("petrov")
ROUND = SatisfactionPolicy()
BARE = attrs.evolve(ROUND, shift_to_working_day=False)
CALENDAR = russian_calendar()
#: around the New Year holidays of 2027 and the 8 March of 2026 moved to Monday 9 March
FIRST = date(2026, 2, 1)


def store_rows(storage: Storage, rows: Sequence[AssignedClient]) -> None:
    with storage.unit_of_work() as uow:
        for row in rows:
            uow.clients.add(a_client(id=row.client_id, name=row.client_name))
            uow.claims.put_satisfaction(
                row.client_id, row.manager_id, row.assigned_on, row.last_call
            )


def due_through_the_store(
    storage: Storage, day: date, policy: SatisfactionPolicy, manager: EmployeeId | None
) -> tuple[AssignedClient, ...]:
    bounds = satisfaction_due_bounds(day, policy, CALENDAR)
    with storage.unit_of_work() as uow:
        return uow.agenda.satisfaction_calls_due(bounds, manager_id=manager)


def check(
    storage: Storage,
    rows: Sequence[AssignedClient],
    day: date,
    policy: SatisfactionPolicy,
    manager: EmployeeId | None,
) -> None:
    mine = [r for r in rows if manager in (None, r.manager_id)]
    expected = satisfaction_due(mine, day, policy=policy, calendar=CALENDAR)
    found = due_through_the_store(storage, day, policy, manager)
    # by client name, then id: the order the agenda lists calls due on the same day in
    assert list(found) == sorted(found, key=lambda r: (r.client_name, r.client_id))
    assert sorted(found, key=lambda r: r.client_id) == sorted(
        (r for r in mine if r.client_id in {d.client_id for d in expected}),
        key=lambda r: r.client_id,
    )
    assert satisfaction_due(found, day, policy=policy, calendar=CALENDAR) == expected


def _row(
    n: int, manager: EmployeeId, assigned: int, last: int | None, first: date = FIRST
) -> AssignedClient:
    assigned_on = first + timedelta(days=assigned)
    return AssignedClient(
        ClientId(f"c{n:03d}"),
        manager,
        assigned_on,
        None if last is None else assigned_on + timedelta(days=last),
        f"ООО «Клиент {n}»",
    )


#: the weeks around 23 February and 8 March 2026, and around the New Year holidays of 2027
STARTS = (FIRST, date(2026, 12, 1))

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from((ANNA, PETROV)),
        st.integers(min_value=0, max_value=40),
        st.none() | st.integers(min_value=-10, max_value=30),
    ),
    max_size=12,
)


@pytest.mark.parametrize("make", [MemoryStorage, lambda: SQLiteStorage(":memory:")])
@settings(max_examples=60, deadline=None)
@given(
    first=st.sampled_from(STARTS),
    specs=rows_strategy,
    offset=st.integers(min_value=0, max_value=80),
    policy=st.sampled_from((ROUND, BARE)),
    manager=st.sampled_from((None, ANNA, PETROV)),
)
def test_the_store_selects_what_the_rule_selects(
    make: type[Storage],
    first: date,
    specs: list[tuple[EmployeeId, int, int | None]],
    offset: int,
    policy: SatisfactionPolicy,
    manager: EmployeeId | None,
) -> None:
    rows = [_row(n, m, a, last, first) for n, (m, a, last) in enumerate(specs)]
    storage = make()
    try:
        store_rows(storage, rows)
        check(storage, rows, first + timedelta(days=offset), policy, manager)
    finally:
        storage.close()


# A table around the day off: one client per way of being due (or not), the days asked the
# working days and days off around 8 March 2026 (a Sunday; the day off moved to Monday 9th) and
# the New Year holidays of 2027 (1-10 January).
TABLE = [
    _row(1, ANNA, 0, 26),  # last call Fri 27.02: due 13.03
    _row(2, ANNA, 0, 21),  # last call Sun 22.02: due Sun 08.03 -> Tue 10.03
    _row(3, ANNA, 22, None),  # assigned 23.02 (a holiday): first call due 09.03 -> 10.03
    _row(4, PETROV, 7, None),  # assigned 08.02: due 22.02 (Sun) -> 24.02 (23.02 a holiday)
    _row(5, PETROV, 310, 0),  # assigned and called 08.12.2026: due 22.12.2026
    _row(6, ANNA, 320, 5),  # called 23.12.2026: due 06.01.2027 -> 11.01.2027
    _row(7, PETROV, 326, None),  # assigned 24.12.2026: due 07.01.2027 -> 11.01.2027
]
DAYS = [
    date(2026, 2, 20),
    date(2026, 2, 22),
    date(2026, 2, 24),
    date(2026, 3, 6),
    date(2026, 3, 8),
    date(2026, 3, 9),
    date(2026, 3, 10),
    date(2026, 3, 13),
    date(2026, 12, 31),
    date(2027, 1, 6),
    date(2027, 1, 10),
    date(2027, 1, 11),
]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Storage]:
    storage: Storage
    if request.param == "memory":
        storage = MemoryStorage()
    elif request.param == "sqlite":
        storage = SQLiteStorage(":memory:")
    else:
        storage = PostgresStorage.from_url(request.getfixturevalue("postgres_url"))
    store_rows(storage, TABLE)
    yield storage
    storage.close()


def test_the_table_around_days_off_agrees_with_the_rule(store: Storage) -> None:
    for day in DAYS:
        for policy in (ROUND, BARE):
            for manager in (None, ANNA, PETROV):
                check(store, TABLE, day, policy, manager)


def test_the_table_is_due_on_the_working_day_after_the_day_off(store: Storage) -> None:
    def due(day: date) -> list[str]:
        return [r.client_id for r in due_through_the_store(store, day, ROUND, None)]

    assert due(date(2026, 2, 20)) == []
    assert due(date(2026, 2, 24)) == ["c004"]
    assert due(date(2026, 3, 9)) == ["c004"]  # the 8th moved to Monday: not a working day
    assert due(date(2026, 3, 10)) == ["c002", "c003", "c004"]
    assert due(date(2026, 3, 13)) == ["c001", "c002", "c003", "c004"]
    assert "c006" not in due(date(2027, 1, 10))
    assert {"c005", "c006", "c007"} <= set(due(date(2027, 1, 11)))
    bare = [r.client_id for r in due_through_the_store(store, date(2026, 3, 8), BARE, None)]
    assert bare == ["c002", "c004"]
