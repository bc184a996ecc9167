"""The storage contract suite against the built-in stores, and what is SQLite's own."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from clientops import ConfigurationError, PluginHost, SchemaVersionError, StorageError
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.postgres import SCHEMA_VERSION
from clientops.adapters.sqlite import SQLiteStorage, path_from_url
from clientops.ports import Storage
from clientops.testing import (
    PersistentStorageContract,
    StorageContract,
    SupplyContract,
    a_client,
)


class TestMemoryStorage(StorageContract, SupplyContract):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        store = MemoryStorage()
        yield store
        store.close()


class TestSQLiteStorage(PersistentStorageContract, SupplyContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Iterator[Storage]:
        store = SQLiteStorage(tmp_path / "contract.db")
        yield store
        store.close()

    def reopen(self, storage: Storage) -> Storage:
        assert isinstance(storage, SQLiteStorage)
        return SQLiteStorage(storage.path)


class TestSQLiteInMemory(StorageContract):
    @pytest.fixture
    def storage(self) -> Iterator[Storage]:
        store = PluginHost(entry_points=False).load().open_storage("sqlite://")
        yield store
        store.close()


def test_sqlite_file_uses_wal_and_the_current_schema(db_path: Path) -> None:
    SQLiteStorage(db_path).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"clients", "client_phones", "client_contracts", "appeals", "reactions"} <= tables


def test_a_database_from_a_newer_clientops_is_refused_untouched(db_path: Path) -> None:
    SQLiteStorage(db_path).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaVersionError, match="newer") as err:
        SQLiteStorage(db_path)
    assert (err.value.found, err.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert err.value.backend == "sqlite"
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


def test_migrations_run_once_and_keep_data(db_path: Path) -> None:
    card = a_client()
    store = SQLiteStorage(db_path)
    with store.unit_of_work() as uow:
        uow.clients.add(card)
    store.close()
    store = SQLiteStorage(db_path)  # opening again applies nothing and loses nothing
    with store.unit_of_work() as uow:
        assert uow.clients.get(card.id) == card
    assert store.schema_version == SCHEMA_VERSION
    store.close()


def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an sqlite database at all" * 100)
    with pytest.raises(StorageError) as err:
        SQLiteStorage(junk)
    assert err.value.backend == "sqlite"


def test_an_unwritable_place_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="open"):
        SQLiteStorage(tmp_path / "no" / "such" / "dir" / "x.db")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///crm.db", "crm.db"),
        ("sqlite:////var/lib/crm.db", "/var/lib/crm.db"),
        ("sqlite://", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    assert path_from_url(url) == path


@pytest.mark.parametrize("url", ["sqlite:/crm.db", "sqlite://host/crm.db", "postgres://x"])
def test_bad_sqlite_urls(url: str) -> None:
    with pytest.raises(ConfigurationError):
        path_from_url(url)


def test_open_storage_by_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    host = PluginHost(entry_points=False).load()
    store = host.open_storage("sqlite:///relative.db")
    store.close()
    assert (tmp_path / "relative.db").exists()
    with pytest.raises(ConfigurationError, match="no scheme"):
        host.open_storage("crm.db")
    with pytest.raises(
        ConfigurationError, match="registered: memory, postgres, postgresql, sqlite"
    ):
        host.open_storage("mongodb://x")


def test_staff_changed_by_another_process_is_seen(db_path: Path) -> None:
    from clientops.testing import a_staff

    store = SQLiteStorage(db_path)
    with store.unit_of_work() as uow:
        for dept in a_staff().departments:
            uow.staff.put_department(dept)
        assert uow.staff.directory().employees == ()
    other = SQLiteStorage(db_path)  # a second connection, as another process would have
    with other.unit_of_work() as uow:
        uow.staff.put_employee(a_staff().employees[0])
    other.close()
    with store.unit_of_work() as uow:
        assert uow.staff.directory().employees == (a_staff().employees[0],)
    store.close()


def test_opening_an_up_to_date_file_waits_for_no_writer(db_path: Path) -> None:
    SQLiteStorage(db_path).close()
    writer = SQLiteStorage(db_path)
    with writer.unit_of_work() as uow:  # holds the write lock
        uow.clients.add(a_client())
        reader = SQLiteStorage(db_path, timeout=0.1)  # would fail if opening needed the lock
        assert reader.schema_version == SCHEMA_VERSION
        reader.close()
    writer.close()


def test_sqlite_url_options_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="query options"):
        path_from_url("sqlite:///crm.db?mode=ro")


class TestPostgresStorage(PersistentStorageContract, SupplyContract):
    @pytest.fixture
    def storage(self, postgres_url: str) -> Iterator[Storage]:
        store = PluginHost(entry_points=False).load().open_storage(postgres_url)
        yield store
        store.close()

    def reopen(self, storage: Storage) -> Storage:
        from clientops.adapters.postgres import PostgresStorage

        assert isinstance(storage, PostgresStorage)
        return PostgresStorage(storage.conninfo, schema=storage.schema)


def test_a_version_1_file_is_migrated_with_its_data(db_path: Path) -> None:
    from clientops import EmployeeId
    from clientops.adapters.sqlite import MIGRATIONS
    from clientops.serialization import to_json
    from clientops.testing import T0, a_reaction, an_appeal

    card = a_client(name="ООО «Старое»")
    appeal = an_appeal(card)
    reaction = a_reaction(appeal, employee_id=EmployeeId("anna"), due_at=T0)
    with sqlite3.connect(db_path) as raw:  # a file as clientops 0.1 (schema 1) left it
        for statement in MIGRATIONS[0]:
            raw.execute(statement)
        raw.execute("PRAGMA user_version=1")
        raw.execute(
            "INSERT INTO clients(id, version, name_key, city_key, doc) VALUES (?, 0, '', '', ?)",
            (card.id, to_json(card)),
        )
        raw.execute(
            "INSERT INTO appeals(id, client_id, version, doc) VALUES (?, ?, 0, ?)",
            (appeal.id, card.id, to_json(appeal)),
        )
        raw.execute(
            "INSERT INTO reactions(id, appeal_id, client_id, employee_id, due_at, done, version,"
            " doc) VALUES (?, ?, ?, 'anna', '2025-06-23T07:00:00.000000', 0, 0, ?)",
            (reaction.id, appeal.id, card.id, to_json(reaction)),
        )
    store = SQLiteStorage(db_path)
    try:
        assert store.schema_version == SCHEMA_VERSION
        with store.unit_of_work() as uow:
            assert uow.clients.get(card.id) == card
            (due,) = uow.agenda.due_reactions(EmployeeId("anna"), until=T0)
            assert (due.client_name, due.topic, due.kind) == (
                "ООО «Старое»",
                reaction.topic,
                reaction.kind,
            )
            assert uow.outbox.record_key("after the upgrade")
    finally:
        store.close()


def test_sqlite_writes_an_instant_as_one_text_whatever_its_zone() -> None:
    """SQLite's timestamps: fixed-width UTC text, the same for the same instant in any zone
    (the texts of the last instants are kept; a kept text never answers for another)."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from clientops.adapters.sqlite import _utc

    moment = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
    moscow = moment.astimezone(ZoneInfo("Europe/Moscow"))
    assert _utc(moment) == _utc(moscow) == "2025-06-23T07:00:00.000000"
    seen = {}
    for step in range(12):  # more instants than are kept, each asked twice
        for at in (moment + timedelta(microseconds=step), moscow + timedelta(minutes=step)):
            text = _utc(at)
            assert text == at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
            assert _utc(at) == seen.setdefault(at, text) == text
    # the repeated hour of an autumn: the same local fields, an hour apart
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2025, 10, 26, 2, 30, tzinfo=berlin)
    second = first.replace(fold=1)
    assert first == second  # one zone: compared by their fields
    assert _utc(first) == "2025-10-26T00:30:00.000000"
    assert _utc(second) == "2025-10-26T01:30:00.000000"
    assert _utc(first) == "2025-10-26T00:30:00.000000"
