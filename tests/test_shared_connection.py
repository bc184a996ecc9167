"""Bring your own connection: clientops's stores over the host application's SQLite
connection, PostgreSQL connection or ``psycopg_pool`` pool, and its units of work inside the
host's open transaction (one commit for the host's rows and clientops's, one rollback)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from clientops import ClientOps, PluginHost, Policy
from clientops.adapters.sqlite import SQLiteStorage
from clientops.clients import ExternalCard, ExternalId
from clientops.errors import DuplicateError
from clientops.model import Phone
from clientops.testing import T0, a_client

POLICY = Policy(external_sources=("crm",))


def _ops(store: object) -> ClientOps:
    return ClientOps(store, host=PluginHost(entry_points=False), policy=POLICY, clock=lambda: T0)  # type: ignore[arg-type]


def _card(n: int) -> ExternalCard:
    return ExternalCard(
        ExternalId("crm", str(n)), f"ООО «Клиент {n}»", "Омск", phones=(Phone(f"+7913{n:07d}"),)
    )


# --------------------------------------------------------------------------- SQLite


@pytest.fixture
def host_db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "host.db")  # the host's own settings: implicit transactions
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    conn.commit()
    yield conn
    conn.close()


def _sqlite_counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as other:
        customers = other.execute("SELECT count(*) FROM customers").fetchone()[0]
        clients = other.execute("SELECT count(*) FROM clients").fetchone()[0]
    return customers, clients


def test_a_rolled_back_sqlite_host_transaction_takes_clientops_writes_with_it(
    host_db: sqlite3.Connection, tmp_path: Path
) -> None:
    ops = _ops(SQLiteStorage.over_connection(host_db))
    host_db.execute("INSERT INTO customers(name) VALUES ('Ромашка')")  # the host's transaction
    assert host_db.in_transaction
    ops.clients.upsert(_card(1))
    assert ops.clients.list().items  # the host's transaction sees clientops's card
    host_db.rollback()
    assert _sqlite_counts(tmp_path / "host.db") == (0, 0)

    host_db.execute("INSERT INTO customers(name) VALUES ('Ромашка')")
    ops.clients.upsert(_card(1))
    assert _sqlite_counts(tmp_path / "host.db") == (0, 0)  # nothing until the host commits
    host_db.commit()
    assert _sqlite_counts(tmp_path / "host.db") == (1, 1)
    ops.close()
    assert host_db.execute("SELECT count(*) FROM clients").fetchone() == (1,)  # still open


def test_a_failing_unit_of_work_leaves_the_sqlite_hosts_rows_alone(
    host_db: sqlite3.Connection, tmp_path: Path
) -> None:
    ops = _ops(SQLiteStorage.over_connection(host_db))
    held = a_client(contract_numbers=("Д-1",))
    ops.clients.add(held)  # outside the host's transaction: committed by clientops itself
    assert _sqlite_counts(tmp_path / "host.db") == (0, 1)
    host_db.execute("INSERT INTO customers(name) VALUES ('Лютик')")
    with pytest.raises(DuplicateError):
        ops.clients.add(a_client(contract_numbers=("д 1",)))
    ops.clients.upsert(_card(2))
    host_db.commit()
    assert _sqlite_counts(tmp_path / "host.db") == (1, 2)


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def pg(postgres_url: str) -> tuple[str, str]:
    """The server's URL (without clientops's options) and a fresh schema for the test."""
    parts = urlsplit(postgres_url)
    schema = parse_qs(parts.query)["schema"][0]
    return parts._replace(query="").geturl(), schema


def _pg_counts(url: str, schema: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url) as other:
        customers = other.execute(f"SELECT count(*) FROM {schema}.customers").fetchone()
        clients = other.execute(f"SELECT count(*) FROM {schema}.clients").fetchone()
    assert customers is not None
    assert clients is not None
    return customers[0], clients[0]


def test_a_rolled_back_postgresql_host_transaction_takes_clientops_writes_with_it(
    pg: tuple[str, str],
) -> None:
    import psycopg

    from clientops.adapters.postgres import PostgresStorage

    url, schema = pg
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE TABLE {schema}.customers (id serial PRIMARY KEY, name text)")
        conn.commit()
        ops = _ops(PostgresStorage.over_connection(conn, schema=schema))
        path = conn.execute("SHOW search_path").fetchone()
        conn.commit()

        class Abandon(Exception):
            pass

        with pytest.raises(Abandon), conn.transaction():  # noqa: PT012
            conn.execute(f"INSERT INTO {schema}.customers(name) VALUES ('Ромашка')")
            ops.clients.upsert(_card(1))
            assert len(ops.clients.list().items) == 1  # the host's transaction sees it
            assert conn.execute("SHOW search_path").fetchone() == path  # put back
            raise Abandon
        assert _pg_counts(url, schema) == (0, 0)

        with conn.transaction():
            conn.execute(f"INSERT INTO {schema}.customers(name) VALUES ('Ромашка')")
            ops.clients.upsert(_card(1))
            with pytest.raises(DuplicateError):  # a savepoint: the host's transaction lives on
                ops.clients.add(a_client(external_id=ExternalId("crm", "1")))
            ops.clients.upsert(_card(2))
            assert _pg_counts(url, schema) == (0, 0)  # not before the host commits
        assert _pg_counts(url, schema) == (1, 2)
        ops.close()
        assert not conn.closed


def test_the_postgresql_store_over_the_hosts_pool(pg: tuple[str, str]) -> None:
    from psycopg_pool import ConnectionPool

    from clientops.adapters.postgres import PostgresStorage

    url, schema = pg
    with ConnectionPool(url, min_size=1, max_size=2) as pool:
        ops = _ops(PostgresStorage.over_pool(pool, schema=schema))
        report = ops.clients.upsert_many(_card(n) for n in range(10))
        assert len(report.created) == 10
        ops.close()
        again = _ops(PostgresStorage.over_pool(pool, schema=schema))
        assert len(again.clients.list().items) == 10
        again.close()
        with pool.connection() as conn:  # the pool is the host's: still open, path untouched
            path = conn.execute("SHOW search_path").fetchone()
            assert path is not None
            assert schema not in path[0]
            found = conn.execute(f"SELECT count(*) FROM {schema}.clients").fetchone()
            assert found == (10,)
