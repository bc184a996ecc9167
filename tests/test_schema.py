"""One schema source: a database of every past version, on both engines, upgraded to the head,
is the schema a new store creates from the declaration (``clientops.adapters._schema``).

The past databases are built with the statements clientops really shipped
(``tests/schema_history.py``), not with the declaration's own history, and a new store is
created from the head declaration at once, so neither side of a comparison is the other's
copy: a column, index, collation, ``INCLUDE``, ``WHERE``, default or constraint name that an
upgrade misses or a new store gets wrong fails here.
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from tests import schema_history

from clientops.adapters import _schema
from clientops.adapters import sqlite as sqlite_store
from clientops.adapters.sqlite import SQLiteStorage

#: the versions a store may be at before the head (each upgrades to it)
PAST = range(1, _schema.HEAD)
#: the versions schema_history keeps as they shipped (13 changed no table); from 14 on the
#: declaration is the history
SHIPPED = range(1, 14)


def _as_shipped(shipped: Any, declared: Any) -> tuple[Any, ...]:
    """The migrations users ran: as shipped up to the frozen history's end, then declared."""
    return tuple(shipped) + tuple(declared)[len(shipped) :]


# -- SQLite ---------------------------------------------------------------------------------
def _sqlite_schema(path: Path) -> dict[str, Any]:
    """Everything of a SQLite file's schema that a query or a constraint can tell apart."""
    found: dict[str, Any] = {}
    with sqlite3.connect(path) as db:
        found["version"] = db.execute("PRAGMA user_version").fetchone()[0]
        found["tables"] = {}
        tables = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        for table in tables:
            (without_rowid,) = db.execute(
                "SELECT wr FROM pragma_table_list WHERE name=?", (table,)
            ).fetchone()
            indexes = {}
            for _, index, unique, origin, partial in db.execute(f"PRAGMA index_list({table})"):
                where = None
                if partial:
                    (sql,) = db.execute(
                        "SELECT sql FROM sqlite_master WHERE type='index' AND name=?", (index,)
                    ).fetchone()
                    where = re.sub(r"\s+", " ", sql.split(" WHERE ", 1)[1])
                columns = db.execute(f"PRAGMA index_xinfo({index})").fetchall()
                indexes[index] = (unique, origin, where, columns)
            found["tables"][table] = {
                "columns": db.execute(f"PRAGMA table_xinfo({table})").fetchall(),
                "without_rowid": without_rowid,
                "foreign_keys": sorted(db.execute(f"PRAGMA foreign_key_list({table})")),
                "indexes": indexes,
            }
        found["rows of meta"] = db.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
    return found


def _past_sqlite_file(path: Path, version: int, migrations: Any) -> None:
    with sqlite3.connect(path) as db:
        for migration in migrations[:version]:
            for statement in migration:
                db.execute(statement)
        db.execute(f"PRAGMA user_version={version}")


@pytest.fixture(scope="module")
def new_sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("schema") / "new.db"
    SQLiteStorage(path).close()
    return _sqlite_schema(path)


@pytest.mark.parametrize("version", PAST)
def test_a_sqlite_file_of_every_past_version_upgrades_to_the_new_schema(
    version: int, tmp_path: Path, new_sqlite_schema: dict[str, Any]
) -> None:
    old = tmp_path / "old.db"
    _past_sqlite_file(
        old, version, _as_shipped(schema_history.SQLITE, _schema.migrations(_schema.SQLITE))
    )
    SQLiteStorage(old).close()
    assert _sqlite_schema(old) == new_sqlite_schema
    assert new_sqlite_schema["version"] == _schema.HEAD


@pytest.mark.parametrize("version", SHIPPED)
def test_the_declared_sqlite_history_is_the_shipped_one(version: int, tmp_path: Path) -> None:
    shipped, declared = tmp_path / "shipped.db", tmp_path / "declared.db"
    _past_sqlite_file(shipped, version, schema_history.SQLITE)
    _past_sqlite_file(declared, version, sqlite_store.MIGRATIONS)
    assert _sqlite_schema(declared) == _sqlite_schema(shipped)


def test_a_new_sqlite_file_is_created_from_the_head_declaration(tmp_path: Path) -> None:
    """Not by replaying the versions: no step of the history runs on a new file."""
    path = tmp_path / "new.db"
    SQLiteStorage(path).close()
    with sqlite3.connect(path) as db:
        created = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE sql NOT NULL")]
    assert created == [s for s in sqlite_store.CREATE_ALL if not s.startswith("INSERT")]


# -- PostgreSQL -----------------------------------------------------------------------------
def _postgres_schema(conninfo: str, schema: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        columns = conn.execute(
            "SELECT table_name, ordinal_position, column_name, data_type, is_nullable, "
            "column_default, is_identity, identity_generation, collation_name "
            "FROM information_schema.columns WHERE table_schema=%s "
            "ORDER BY table_name, ordinal_position",
            (schema,),
        ).fetchall()
        constraints = conn.execute(
            "SELECT t.relname, c.conname, c.contype, "
            "replace(pg_get_constraintdef(c.oid), %s, 'S.') "
            "FROM pg_constraint c JOIN pg_class t ON t.oid=c.conrelid "
            "JOIN pg_namespace s ON s.oid=t.relnamespace WHERE s.nspname=%s "
            "ORDER BY t.relname, c.conname",
            (f"{schema}.", schema),
        ).fetchall()
        indexes = conn.execute(
            "SELECT tablename, indexname, replace(indexdef, %s, 'S.') FROM pg_indexes "
            "WHERE schemaname=%s ORDER BY tablename, indexname",
            (f"{schema}.", schema),
        ).fetchall()
        version = conn.execute(f'SELECT version FROM "{schema}".clientops_schema').fetchall()
        meta = conn.execute(f'SELECT key, value FROM "{schema}".meta ORDER BY key').fetchall()
    return {
        "columns": columns,
        "constraints": constraints,
        "indexes": indexes,
        "version": version,
        "meta": meta,
    }


def _new_schema_name() -> str:
    # the conftest's prefix: the session drops every schema of the run at its end
    return f"clientops_t{os.getpid()}_{uuid.uuid4().hex[:12]}"


def _past_postgres_schema(conninfo: str, schema: str, version: int, migrations: Any) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        for migration in migrations[:version]:
            for statement in migration:
                conn.execute(statement.encode())
        conn.execute("CREATE TABLE clientops_schema (version integer)")
        conn.execute("INSERT INTO clientops_schema VALUES (%s)", (version,))


@pytest.fixture(scope="module")
def new_postgres_schema(postgres_server: str) -> dict[str, Any]:
    from clientops.adapters.postgres import PostgresStorage

    schema = _new_schema_name()
    PostgresStorage(postgres_server, schema=schema, min_size=0).close()
    return _postgres_schema(postgres_server, schema)


@pytest.mark.parametrize("version", PAST)
def test_a_postgresql_schema_of_every_past_version_upgrades_to_the_new_schema(
    version: int, postgres_server: str, new_postgres_schema: dict[str, Any]
) -> None:
    from clientops.adapters.postgres import PostgresStorage

    schema = _new_schema_name()
    _past_postgres_schema(
        postgres_server,
        schema,
        version,
        _as_shipped(schema_history.POSTGRESQL, _schema.migrations(_schema.POSTGRESQL)),
    )
    PostgresStorage(postgres_server, schema=schema, min_size=0).close()
    assert _postgres_schema(postgres_server, schema) == new_postgres_schema
    assert new_postgres_schema["version"] == [(_schema.HEAD,)]


@pytest.mark.parametrize("version", SHIPPED)
def test_the_declared_postgresql_history_is_the_shipped_one(
    version: int, postgres_server: str
) -> None:
    from clientops.adapters import postgres

    shipped, declared = _new_schema_name(), _new_schema_name()
    _past_postgres_schema(postgres_server, shipped, version, schema_history.POSTGRESQL)
    _past_postgres_schema(postgres_server, declared, version, postgres.MIGRATIONS)
    assert _postgres_schema(postgres_server, declared) == _postgres_schema(postgres_server, shipped)


# -- the declaration --------------------------------------------------------------------------
def test_both_engines_have_every_declared_column_in_its_type(
    new_sqlite_schema: dict[str, Any], new_postgres_schema: dict[str, Any]
) -> None:
    declared = {
        (table.name, column.name): column.type.value
        for table in _schema.TABLES
        if table.until is None  # not a table a later version replaced
        for column in table.columns
    }
    in_sqlite = {
        (table, name): kind
        for table, found in new_sqlite_schema["tables"].items()
        for _, name, kind, *_ in found["columns"]
    }
    pg_types = {"bigint": "bigint", "integer": "integer", "text": "text", "date": "date"}
    pg_types |= {"timestamp with time zone": "timestamptz", "numeric": "numeric"}
    in_postgresql = {
        (table, name): pg_types[kind] + (" GENERATED ALWAYS AS IDENTITY" if generated else "")
        for table, _, name, kind, _, _, _, generated, _ in new_postgres_schema["columns"]
        if table != "clientops_schema"
    }
    assert in_sqlite == {key: sqlite for key, (sqlite, _) in declared.items()}
    assert in_postgresql == {key: postgresql for key, (_, postgresql) in declared.items()}
