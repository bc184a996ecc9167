"""Every unique key of the SQL stores, lost in a race, is a DuplicateError naming the key.

The checks a write makes before it cannot see a row another transaction has not committed
yet: on PostgreSQL two writers get past them together and the second one's ``INSERT`` waits
for the first to commit, then fails on the unique index. That failure must come out as the
documented :class:`~clientops.DuplicateError`, never as a raw ``StorageError``."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from clientops import DuplicateError
from clientops.adapters._sql import UNIQUE_KEYS
from clientops.adapters.postgres import PostgresStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.model import ClientId, contract_key
from clientops.ports import Storage, UnitOfWork
from clientops.testing import (
    a_call,
    a_claim,
    a_client,
    a_payment,
    a_reaction,
    a_service_contract,
    a_subscription,
    a_supplier_bill,
    a_training,
    an_appeal,
    an_emergency_visit,
    an_invoice,
    an_onboarding,
    an_order,
)

#: the client, appeal and service contract every racing record belongs to
_CLIENT = a_client(id=ClientId("owner"))
_APPEAL = an_appeal(_CLIENT)
_CONTRACT = a_service_contract(_CLIENT)


def _twins(make: Callable[[], Any], **same: Any) -> tuple[Any, Any]:
    """Two records that differ in everything but the fields in ``same``."""
    return attrs.evolve(make(), **same), attrs.evolve(make(), **same)


#: name: (the two colliding records, how one is written, the kind and key the loser is told)
RACES: dict[str, tuple[tuple[Any, Any], Callable[[UnitOfWork, Any], None], str, object]] = {
    "client id": (
        _twins(a_client, id=ClientId("c-1")),
        lambda uow, r: uow.clients.add(r),
        "client",
        "c-1",
    ),
    "contract number": (
        (
            a_client(contract_numbers=("Д-17",)),
            a_client(contract_numbers=("Д-17",)),
        ),
        lambda uow, r: uow.clients.add(r),
        "contract",
        contract_key("Д-17"),
    ),
    "contract number (bulk)": (
        (
            a_client(contract_numbers=("Д-18",)),
            a_client(contract_numbers=("Д-18",)),
        ),
        lambda uow, r: uow.clients.add_many([r]),
        "contract",
        contract_key("Д-18"),
    ),
    "appeal id": (
        _twins(lambda: an_appeal(_CLIENT), id="a-1"),
        lambda uow, r: uow.appeals.add(r),
        "appeal",
        "a-1",
    ),
    "reaction id": (
        _twins(lambda: a_reaction(_APPEAL), id="r-1"),
        lambda uow, r: uow.appeals.add_reaction(r),
        "reaction",
        "r-1",
    ),
    "onboarding id": (
        _twins(lambda: an_onboarding(_CLIENT), id="o-1"),
        lambda uow, r: uow.onboarding.add(r),
        "onboarding",
        "o-1",
    ),
    "order id": (
        _twins(lambda: an_order(_CLIENT), id="z-1"),
        lambda uow, r: uow.orders.add(r),
        "order",
        "z-1",
    ),
    "order number": (
        _twins(lambda: an_order(_CLIENT), number="З-77"),
        lambda uow, r: uow.orders.add(r),
        "order number",
        "З-77",
    ),
    "call id": (
        (a_call(call_id="call-77", client=_CLIENT), a_call(call_id="call-77", client=_CLIENT)),
        lambda uow, r: uow.calls.add(r),
        "call",
        "call-77",
    ),
    "subscription id": (
        _twins(lambda: a_subscription(_CLIENT), id="s-1"),
        lambda uow, r: uow.subscriptions.add(r),
        "subscription",
        "s-1",
    ),
    "invoice id": (
        _twins(lambda: an_invoice(_CLIENT), id="i-1"),
        lambda uow, r: uow.invoices.add(r),
        "invoice",
        "i-1",
    ),
    "invoice number": (
        (an_invoice(_CLIENT, number="2025-0077"), an_invoice(_CLIENT, number="2025-0077")),
        lambda uow, r: uow.invoices.add(r),
        "invoice number",
        "2025-0077",
    ),
    "payment id": (
        _twins(lambda: a_payment(_CLIENT), id="p-1"),
        lambda uow, r: uow.payments.add(r),
        "payment",
        "p-1",
    ),
    "supplier bill id": (
        _twins(a_supplier_bill, id="b-1"),
        lambda uow, r: uow.payments.add_supplier_bill(r),
        "supplier bill",
        "b-1",
    ),
    "claim id": (
        _twins(lambda: a_claim(_CLIENT), id="k-1"),
        lambda uow, r: uow.claims.add(r),
        "claim",
        "k-1",
    ),
    "service contract id": (
        _twins(lambda: a_service_contract(_CLIENT), id="sc-1"),
        lambda uow, r: uow.service.add_contract(r),
        "service contract",
        "sc-1",
    ),
    "visit id": (
        _twins(lambda: an_emergency_visit(_CONTRACT), id="v-1"),
        lambda uow, r: uow.service.add_visit(r),
        "visit",
        "v-1",
    ),
    "training id": (
        _twins(lambda: a_training(_CLIENT), id="t-1"),
        lambda uow, r: uow.service.add_training(r),
        "training",
        "t-1",
    ),
}


@pytest.fixture
def postgres(postgres_url: str) -> Iterator[PostgresStorage]:
    store = PostgresStorage.from_url(postgres_url)
    with store.unit_of_work() as uow:
        uow.clients.add(_CLIENT)
        uow.appeals.add(_APPEAL)
        uow.service.add_contract(_CONTRACT)
    yield store
    store.close()


def _waiting_for_a_lock(store: PostgresStorage, pid: int) -> bool:
    with store._pool.connection() as conn:
        row = conn.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid=%s", (pid,)
        ).fetchone()
    return row is not None and row[0] == "Lock"


@pytest.mark.parametrize("race", list(RACES))
def test_the_loser_of_a_race_on_a_unique_key_is_told_which_key(
    postgres: PostgresStorage, race: str
) -> None:
    (first, second), write, kind, key = RACES[race]
    written, commit = threading.Event(), threading.Event()
    loser_pid: list[int] = []
    outcome: list[BaseException | None] = []

    def winner() -> None:
        with postgres.unit_of_work() as uow:
            write(uow, first)
            written.set()
            assert commit.wait(60)

    def loser() -> None:
        assert written.wait(60)
        try:
            with postgres.unit_of_work() as uow:
                loser_pid.append(uow._conn.info.backend_pid)  # type: ignore[attr-defined]
                write(uow, second)
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    threads = [threading.Thread(target=winner), threading.Thread(target=loser)]
    for thread in threads:
        thread.start()
    try:
        # the loser got past its checks and waits on the winner's uncommitted row
        deadline = time.monotonic() + 60
        while not (loser_pid and _waiting_for_a_lock(postgres, loser_pid[0])):
            assert not outcome, f"the loser finished without waiting: {outcome}"
            assert time.monotonic() < deadline, "the loser never reached the unique index"
            time.sleep(0.01)
    finally:
        commit.set()
        for thread in threads:
            thread.join(60)
    [error] = outcome
    assert isinstance(error, DuplicateError), repr(error)
    assert (error.kind, error.key) == (kind, key)


def test_every_unique_key_of_the_postgresql_schema_is_mapped(
    postgres: PostgresStorage,
) -> None:
    with postgres._pool.connection() as conn:
        rows = conn.execute(
            "SELECT c.conname, t.relname, array_agg(a.attname ORDER BY k.n) "
            "FROM pg_constraint c JOIN pg_class t ON t.oid=c.conrelid "
            "JOIN pg_namespace s ON s.oid=t.relnamespace "
            "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid=t.oid AND a.attnum=k.attnum "
            "WHERE s.nspname=%s AND c.contype IN ('p', 'u') AND t.relname<>'clientops_schema' "
            "GROUP BY c.conname, t.relname",
            (postgres.schema,),
        ).fetchall()
    found = {name: (table, tuple(columns)) for name, table, columns in rows}
    found = {name: key for name, key in found.items() if key[1] != ("seq",)}
    assert found == {name: (k.table, k.columns) for name, k in UNIQUE_KEYS.items()}


def test_every_unique_key_of_the_sqlite_schema_is_mapped(tmp_path: Path) -> None:
    SQLiteStorage(tmp_path / "keys.db").close()
    found: set[tuple[str, tuple[str, ...]]] = set()
    with sqlite3.connect(tmp_path / "keys.db") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for _, index, unique, *_ in db.execute(f"PRAGMA index_list({table})"):
                if unique:
                    columns = tuple(r[2] for r in db.execute(f"PRAGMA index_info({index})"))
                    found.add((table, columns))
    assert found == {(k.table, k.columns) for k in UNIQUE_KEYS.values()}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_batch_holding_one_id_twice_names_it(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store: Storage = (
        SQLiteStorage(tmp_path / "batch.db")
        if backend == "sqlite"
        else request.getfixturevalue("postgres")
    )
    twins = _twins(a_client, id=ClientId("twin"))
    with pytest.raises(DuplicateError) as err, store.unit_of_work() as uow:
        uow.clients.add_many([a_client(), *twins])
    assert (err.value.kind, err.value.key) == ("client", "twin")
    with store.unit_of_work() as uow:
        assert uow.clients.count() == (0 if backend == "sqlite" else 1)
