"""Orders in storage (schema version 5): the wire form of an order, the upgrade of a version 4
database in place, and what only a real server can show (two transactions racing for one order
number). The behaviour every store shares is in :class:`clientops.testing.StorageContract`."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.test_orders import (
    BUILDERS,
    TO_CLOSED,
    TO_PRODUCTION,
    TO_QUOTED,
    an_order,
    closed_order,
    walk,
)

from clientops import ClientId, ClientopsError, DuplicateError, EmployeeId
from clientops.adapters import postgres, sqlite
from clientops.adapters.postgres import PostgresStorage, _split_url
from clientops.adapters.sqlite import SQLiteStorage
from clientops.onboarding import OnboardingId
from clientops.orders import (
    Order,
    OrderId,
    OrderPolicy,
    OrderStage,
    RejectQuality,
    SpecialConditions,
    StartReplacement,
    advance,
    allowed_actions,
    repeat_order,
)
from clientops.ports import Storage
from clientops.serialization import from_json, to_json
from clientops.testing import T0, a_client, an_onboarding
from clientops.testing import an_order as stored_order

ANNA = EmployeeId("anna")


# --------------------------------------------------------------------------- the wire form


def _round_trips(order: Order) -> None:
    text = to_json(order)
    assert from_json(text, Order) == order
    assert to_json(from_json(text, Order)) == text  # the wire form is stable too


def _rich_orders() -> list[Order]:
    closed = closed_order(vip=True, note="по звонку")
    rejected = walk(an_order(), *TO_PRODUCTION, RejectQuality("брак"), StartReplacement())
    repeat = repeat_order(
        closed,
        new_id=OrderId("o2"),
        number="З-102",
        now=closed.history[-1].at + timedelta(days=1),
        by=ANNA,
        policy=OrderPolicy(),
        changes={"quantity": 1000, "production_deadline": closed.specification.delivery_deadline},
    )
    bare = attrs.evolve(
        repeat,
        special_conditions=SpecialConditions(discount=Decimal("0"), keep_previous_price=False),
    )
    return [an_order(), walk(an_order(), *TO_QUOTED), closed, rejected, repeat, bare]


@pytest.mark.parametrize("index", range(6))
def test_an_order_round_trips_through_json(index: int) -> None:
    order = _rich_orders()[index]
    _round_trips(order)


def test_the_wire_form_keeps_stages_money_and_dates_readable() -> None:
    order = closed_order()
    data: dict[str, Any] = json.loads(to_json(order))
    assert data["stage"] == "closed"
    assert data["history"][0] == {
        "stage": "preliminary_request",
        "at": "2025-06-02T09:00:00+00:00",
        "by": "anna",
        "action": "open",
        "note": "",
    }
    assert data["quote"]["cost"] == {"amount": "10000", "currency": "RUB"}
    assert data["price"] == {"amount": "13000.00", "currency": "RUB"}
    assert [c["outcome"] for c in data["quality_checks"]] == ["accepted"]


ZONES = st.sampled_from([UTC, timezone(timedelta(hours=6)), ZoneInfo("Asia/Omsk")])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_order_the_process_can_make_round_trips(data: st.DataObject) -> None:
    policy = OrderPolicy()
    zone = data.draw(ZONES)
    now = T0.astimezone(zone)
    order = an_order(now=now)
    for _ in range(data.draw(st.integers(1, 60))):
        allowed = allowed_actions(order, policy)
        if not allowed:
            break
        name = data.draw(st.sampled_from(allowed))
        now += timedelta(minutes=data.draw(st.integers(0, 600)))
        try:
            order = advance(order, BUILDERS[name](data, order), now=now, by=ANNA, policy=policy)
        except ClientopsError:  # a value the action's own checks refuse
            continue
        _round_trips(order)
    _round_trips(attrs.evolve(order, version=data.draw(st.integers(0, 10**6))))


def test_a_store_keeps_the_order_in_the_wire_form(tmp_path: Path) -> None:
    card = a_client()
    order = attrs.evolve(walk(stored_order(card), *TO_CLOSED), version=0)
    store = SQLiteStorage(tmp_path / "wire.db")
    try:
        with store.unit_of_work() as uow:
            uow.clients.add(card)
            uow.orders.add(order)
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "wire.db") as raw:
        row = raw.execute("SELECT client_id, number, stage, version, doc FROM orders").fetchone()
    assert row == (card.id, order.number, "closed", 0, to_json(order))


# --------------------------------------------------------------------------- migrations


def test_the_orders_migration_is_the_same_version_in_both_stores() -> None:
    assert sqlite.SCHEMA_VERSION == postgres.SCHEMA_VERSION >= 5
    for migrations in (sqlite.MIGRATIONS, postgres.MIGRATIONS):
        (table, *indexes) = migrations[4]
        assert "CREATE TABLE orders" in table
        assert indexes == [
            "CREATE INDEX orders_client ON orders(client_id)",
            "CREATE INDEX orders_stage ON orders(stage)",
        ]


def _check_upgraded(store: Storage, card_id: ClientId, onboarding_id: OnboardingId) -> None:
    card = a_client()
    with store.unit_of_work() as uow:
        assert uow.onboarding.get(onboarding_id).client_id == card_id
        assert uow.orders.open() == ()
        uow.clients.add(card)
        order = stored_order(card)
        uow.orders.add(order)
        old = stored_order(uow.clients.get(card_id))
        uow.orders.add(old)
    with store.unit_of_work() as uow:
        assert uow.orders.of_client(card.id) == (order,)
        assert uow.orders.find(old.number) == old
        assert uow.orders.in_stages([OrderStage.PRELIMINARY_REQUEST]) == (order, old)
        with pytest.raises(DuplicateError):
            uow.orders.add(attrs.evolve(old, id=OrderId("other")))


def test_a_version_4_file_is_upgraded_in_place(db_path: Path) -> None:
    card = a_client(name="ООО «Старое»")
    onboarding = an_onboarding(card)
    with sqlite3.connect(db_path) as raw:  # a file as the previous clientops (schema 4) left it
        for migration in sqlite.MIGRATIONS[:4]:
            for statement in migration:
                raw.execute(statement)
        raw.execute("PRAGMA user_version=4")
        raw.execute(
            "INSERT INTO clients(id, version, name_key, city_key, doc, name) "
            "VALUES (?, 0, 'старое', 'омск', ?, ?)",
            (card.id, to_json(card), card.name),
        )
        raw.execute(
            "INSERT INTO onboardings(id, client_id, manager_id, finished, version, doc) "
            "VALUES (?, ?, 'anna', 0, 0, ?)",
            (onboarding.id, card.id, to_json(onboarding)),
        )
    store = SQLiteStorage(db_path)
    try:
        assert store.schema_version == sqlite.SCHEMA_VERSION
        _check_upgraded(store, card.id, onboarding.id)
    finally:
        store.close()
    with sqlite3.connect(db_path) as raw:
        indexes = {
            r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE tbl_name='orders'")
        }
    assert {"orders_client", "orders_stage"} <= indexes
    again = SQLiteStorage(db_path)  # a second open migrates nothing and loses nothing
    try:
        assert again.schema_version == sqlite.SCHEMA_VERSION
        with again.unit_of_work() as uow:
            assert len(uow.orders.of_client(card.id)) == 1
    finally:
        again.close()


def test_a_version_4_schema_is_upgraded_in_place(postgres_url: str) -> None:
    card = a_client(name="ООО «Старое»")
    onboarding = an_onboarding(card)
    conninfo, options = _split_url(postgres_url)
    schema = options["schema"]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        for migration in postgres.MIGRATIONS[:4]:
            for statement in migration:
                conn.execute(statement.encode())
        conn.execute("CREATE TABLE clientops_schema (version integer)")
        conn.execute("INSERT INTO clientops_schema VALUES (4)")
        conn.execute(
            "INSERT INTO clients(id, version, name_key, city_key, doc, name) "
            "VALUES (%s, 0, 'старое', 'омск', %s, %s)",
            (card.id, to_json(card), card.name),
        )
        conn.execute(
            "INSERT INTO onboardings(id, client_id, manager_id, finished, version, doc) "
            "VALUES (%s, %s, 'anna', 0, 0, %s)",
            (onboarding.id, card.id, to_json(onboarding)),
        )
    store = PostgresStorage.from_url(postgres_url)
    try:
        assert store.schema_version == sqlite.SCHEMA_VERSION
        _check_upgraded(store, card.id, onboarding.id)
    finally:
        store.close()
    with psycopg.connect(conninfo) as conn:
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname=%s AND tablename='orders'",
                (schema,),
            )
        }
    assert {"orders_client", "orders_stage", "orders_number_key", "orders_id_key"} <= indexes


# --------------------------------------------------------------------------- races


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[PostgresStorage]:
    store = PostgresStorage.from_url(postgres_url + "&pool_max_size=4")
    yield store
    store.close()


def _wait_until_blocked_by(store: PostgresStorage, pid: int) -> None:
    """Until another connection waits for a lock that the backend ``pid`` holds (the second
    insert of a key the first, uncommitted transaction has written)."""
    deadline = time.monotonic() + 10
    with psycopg.connect(store.conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                (pid,),
            ).fetchone()
            if row is not None and row[0] > 0:
                return
            time.sleep(0.02)
    raise AssertionError("the second transaction never waited for the first")


@pytest.mark.parametrize(
    ("same", "kind"), [("number", "order number"), ("id", "order")], ids=["number", "id"]
)
def test_two_transactions_racing_for_one_order_get_one_duplicate(
    pg_store: PostgresStorage, same: str, kind: str
) -> None:
    card = a_client()
    with pg_store.unit_of_work() as uow:
        uow.clients.add(card)
    first = stored_order(card, number="З-1")
    second = (
        stored_order(card, number="З-1") if same == "number" else attrs.evolve(first, number="З-2")
    )
    outcome: list[BaseException | None] = []

    def racer() -> None:
        try:
            with pg_store.unit_of_work() as uow:
                uow.orders.add(second)  # its checks see nothing: the first is not committed
            outcome.append(None)
        except BaseException as exc:  # reported below
            outcome.append(exc)

    thread = threading.Thread(target=racer)
    with pg_store.unit_of_work() as uow:
        uow.orders.add(first)
        thread.start()
        _wait_until_blocked_by(pg_store, uow._conn.info.backend_pid)
    thread.join(timeout=10)
    (err,) = outcome
    assert isinstance(err, DuplicateError), err
    assert err.kind == kind
    with pg_store.unit_of_work() as uow:
        assert uow.orders.of_client(card.id) == (first,)
