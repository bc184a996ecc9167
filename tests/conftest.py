"""Shared fixtures. The clientops pytest plugin supplies the builders and ``clientops_memory``."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientops import ClientOps, PluginHost
from clientops.adapters.sqlite import SQLiteStorage

pytest_plugins = ["clientops.testing"]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "clientops.db"


@pytest.fixture
def sqlite_ops(db_path: Path) -> Iterator[ClientOps]:
    """ClientOps over a real SQLite file holding the sample staff, clock stopped at T0."""
    from clientops.testing import T0, a_staff

    storage = SQLiteStorage(db_path)
    ops = ClientOps(storage, host=PluginHost(entry_points=False), clock=lambda: T0)
    staff = a_staff()
    ops.clients.add_staff(staff)
    yield ops
    ops.close()


# -- PostgreSQL ---------------------------------------------------------------------------
#: The server the PostgreSQL tests use; override with CLIENTOPS_TEST_POSTGRES.
POSTGRES_URL = os.environ.get(
    "CLIENTOPS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of the real PostgreSQL server. Missing: skipped, but a failure under CI=true.

    Every schema the tests make on it is named ``clientops_t<pid>_…`` and dropped at the end,
    so runs never collide."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=5).close()
    except psycopg.Error as exc:
        reason = f"no PostgreSQL server at {POSTGRES_URL}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)", pytrace=False)
        pytest.skip(reason)
    yield POSTGRES_URL
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"{_RUN_PREFIX}%",)
        ).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


_RUN_PREFIX = f"clientops_t{os.getpid()}_"
_schemas = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A ``postgresql://`` URL naming a fresh schema of its own."""
    return f"{postgres_server}?schema={_RUN_PREFIX}{next(_schemas)}"
