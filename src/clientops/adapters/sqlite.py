"""The embedded default store (``sqlite:///path/to/clientops.db``).

One file, WAL journal, ``synchronous=NORMAL``, foreign keys on. Each record is kept whole as
JSON (the clientops wire form) beside the columns it is looked up by: phone numbers, contract
numbers, the organisation-name key, due times. The schema is versioned with
``PRAGMA user_version``; missing migrations are applied when the file is opened, and a file
written by a newer clientops is refused with :class:`~clientops.errors.SchemaVersionError`.

URLs follow the usual convention: ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``,
``sqlite://`` (or ``sqlite:///:memory:``) for a private in-memory database.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import attrs

from clientops.errors import (
    ConfigurationError,
    ConflictError,
    DuplicateError,
    NotFoundError,
    SchemaVersionError,
    StorageError,
)
from clientops.hookspecs import RegisterStorage, hookimpl
from clientops.model import (
    Absence,
    Appeal,
    AppealId,
    Client,
    ClientId,
    ClientQuery,
    Department,
    Employee,
    Reaction,
    ReactionId,
    StaffDirectory,
    city_key,
    contract_key,
    organisation_key,
)
from clientops.serialization import make_converter

__all__ = ["MIGRATIONS", "SQLiteStorage"]

T = TypeVar("T")

#: Schema migrations: ``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE clients (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            name_key TEXT NOT NULL,
            city_key TEXT NOT NULL,
            manager_id TEXT,
            doc TEXT NOT NULL)""",
        "CREATE INDEX clients_name ON clients(name_key, city_key)",
        "CREATE INDEX clients_manager ON clients(manager_id)",
        """CREATE TABLE client_phones (
            e164 TEXT NOT NULL,
            client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            PRIMARY KEY (e164, client_id)) WITHOUT ROWID""",
        "CREATE INDEX client_phones_client ON client_phones(client_id)",
        """CREATE TABLE client_contracts (
            contract_key TEXT PRIMARY KEY,
            client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE) WITHOUT ROWID""",
        "CREATE INDEX client_contracts_client ON client_contracts(client_id)",
        """CREATE TABLE appeals (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX appeals_client ON appeals(client_id)",
        """CREATE TABLE reactions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            appeal_id TEXT NOT NULL REFERENCES appeals(id),
            client_id TEXT NOT NULL REFERENCES clients(id),
            department_id TEXT,
            employee_id TEXT,
            due_at TEXT NOT NULL,
            done INTEGER NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX reactions_employee_due ON reactions(employee_id, done, due_at)",
        "CREATE INDEX reactions_department_due ON reactions(department_id, done, due_at)",
        "CREATE INDEX reactions_client ON reactions(client_id, due_at)",
        "CREATE INDEX reactions_appeal ON reactions(appeal_id)",
        "CREATE TABLE departments (id TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        """CREATE TABLE employees (
            id TEXT PRIMARY KEY,
            department_id TEXT NOT NULL REFERENCES departments(id),
            doc TEXT NOT NULL)""",
        """CREATE TABLE absences (
            seq INTEGER PRIMARY KEY,
            employee_id TEXT NOT NULL REFERENCES employees(id),
            doc TEXT NOT NULL)""",
        # counts changes to the staff tables, so a store can keep its directory cached
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO meta(key, value) VALUES ('staff_rev', 0)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_CONVERTER = make_converter()


def _utc(moment: datetime) -> str:
    """A fixed-width UTC text that sorts like the instant it names."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _dump(obj: object) -> str:
    return json.dumps(_CONVERTER.unstructure(obj), ensure_ascii=False, separators=(",", ":"))


def _load(doc: str, cls: type[T]) -> T:
    return _CONVERTER.structure(json.loads(doc), cls)


def path_from_url(url: str) -> str:
    """The database path an ``sqlite:`` URL names (``:memory:`` for an in-memory one)."""
    if not url.startswith("sqlite:"):
        raise ConfigurationError(f"not an sqlite URL: {url!r}")
    rest = url[len("sqlite:") :]
    if rest in ("", "//", "///:memory:", "//:memory:"):
        return ":memory:"
    if not rest.startswith("///"):
        raise ConfigurationError(
            f"sqlite URL {url!r} must look like 'sqlite:///relative.db' or "
            "'sqlite:////absolute/path.db'"
        )
    path = rest[3:]
    if "?" in path:
        raise ConfigurationError(f"sqlite URL {url!r}: query options are not supported")
    if not path:
        raise ConfigurationError(f"sqlite URL {url!r} names no file")
    return path


class _SQLiteUnitOfWork:
    def __init__(self, conn: sqlite3.Connection, store: SQLiteStorage) -> None:
        self._db = conn
        self._store = store
        self._staff_changed = False

    def _staff_write(self) -> None:
        self._staff_changed = True
        self._db.execute("UPDATE meta SET value=value+1 WHERE key='staff_rev'")

    def _one(self, sql: str, params: tuple[Any, ...]) -> Any:
        row = self._db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- clients
    def _check_contracts(self, client: Client) -> list[str]:
        keys: list[str] = []
        for number in client.contract_numbers:
            key = contract_key(number)
            owner = self._one("SELECT client_id FROM client_contracts WHERE contract_key=?", (key,))
            if owner is not None and owner != client.id:
                raise DuplicateError("contract", number, owner=owner)
            if key not in keys:
                keys.append(key)
        return keys

    def _index_client(self, client: Client, keys: list[str]) -> None:
        db = self._db
        db.executemany(
            "INSERT OR IGNORE INTO client_phones(e164, client_id) VALUES (?, ?)",
            [(p.e164, client.id) for p in client.phones],
        )
        db.executemany(
            "INSERT INTO client_contracts(contract_key, client_id) VALUES (?, ?)",
            [(k, client.id) for k in keys],
        )

    def add_client(self, client: Client) -> None:
        keys = self._check_contracts(client)
        try:
            self._db.execute(
                "INSERT INTO clients(id, version, name_key, city_key, manager_id, doc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    client.id,
                    client.version,
                    organisation_key(client.name),
                    city_key(client.city),
                    client.manager_id,
                    _dump(client),
                ),
            )
        except sqlite3.IntegrityError:
            raise DuplicateError("client", client.id) from None
        self._index_client(client, keys)

    def get_client(self, client_id: ClientId) -> Client:
        doc = self._one("SELECT doc FROM clients WHERE id=?", (client_id,))
        if doc is None:
            raise NotFoundError("client", client_id)
        return _load(doc, Client)

    def _bump(
        self, table: str, kind: str, key: str, version: int, sets: str, params: tuple[Any, ...]
    ) -> None:
        cur = self._db.execute(
            f"UPDATE {table} SET version=version+1, {sets} WHERE id=? AND version=?",
            (*params, key, version),
        )
        if cur.rowcount == 0:
            found = self._one(f"SELECT version FROM {table} WHERE id=?", (key,))
            if found is None:
                raise NotFoundError(kind, key)
            raise ConflictError(kind, key, expected=version, found=found)

    def update_client(self, client: Client) -> Client:
        keys = self._check_contracts(client)
        new = attrs.evolve(client, version=client.version + 1)
        self._bump(
            "clients",
            "client",
            client.id,
            client.version,
            "name_key=?, city_key=?, manager_id=?, doc=?",
            (organisation_key(new.name), city_key(new.city), new.manager_id, _dump(new)),
        )
        self._db.execute("DELETE FROM client_phones WHERE client_id=?", (client.id,))
        self._db.execute("DELETE FROM client_contracts WHERE client_id=?", (client.id,))
        self._index_client(new, keys)
        return new

    def find_clients(self, query: ClientQuery) -> tuple[Client, ...]:
        where: list[str] = []
        params: list[Any] = []
        if query.phone is not None:
            where.append("id IN (SELECT client_id FROM client_phones WHERE e164=?)")
            params.append(query.phone.e164)
        if query.contract is not None:
            where.append("id IN (SELECT client_id FROM client_contracts WHERE contract_key=?)")
            params.append(contract_key(query.contract))
        if query.name is not None:
            where.append("name_key=?")
            params.append(organisation_key(query.name))
        if query.city is not None:
            where.append("city_key=?")
            params.append(city_key(query.city))
        rows = self._db.execute(
            f"SELECT doc FROM clients WHERE {' AND '.join(where)} ORDER BY seq", params
        )
        return tuple(_load(doc, Client) for (doc,) in rows)

    def count_clients(self) -> int:
        count: int = self._one("SELECT count(*) FROM clients", ())
        return count

    # -- appeals, reactions
    def add_appeal(self, appeal: Appeal) -> None:
        if self._one("SELECT 1 FROM clients WHERE id=?", (appeal.client_id,)) is None:
            raise NotFoundError("client", appeal.client_id)
        try:
            self._db.execute(
                "INSERT INTO appeals(id, client_id, version, doc) VALUES (?, ?, ?, ?)",
                (appeal.id, appeal.client_id, appeal.version, _dump(appeal)),
            )
        except sqlite3.IntegrityError:
            raise DuplicateError("appeal", appeal.id) from None

    def get_appeal(self, appeal_id: AppealId) -> Appeal:
        doc = self._one("SELECT doc FROM appeals WHERE id=?", (appeal_id,))
        if doc is None:
            raise NotFoundError("appeal", appeal_id)
        return _load(doc, Appeal)

    def appeals_of(self, client_id: ClientId) -> tuple[Appeal, ...]:
        rows = self._db.execute(
            "SELECT doc FROM appeals WHERE client_id=? ORDER BY seq", (client_id,)
        )
        return tuple(_load(doc, Appeal) for (doc,) in rows)

    def add_reaction(self, reaction: Reaction) -> None:
        owner = self._one("SELECT client_id FROM appeals WHERE id=?", (reaction.appeal_id,))
        if owner != reaction.client_id:
            raise NotFoundError("appeal of client", (reaction.client_id, reaction.appeal_id))
        try:
            self._db.execute(
                "INSERT INTO reactions(id, appeal_id, client_id, department_id, employee_id, "
                "due_at, done, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reaction.id,
                    reaction.appeal_id,
                    reaction.client_id,
                    reaction.department_id,
                    reaction.employee_id,
                    _utc(reaction.due_at),
                    int(reaction.done),
                    reaction.version,
                    _dump(reaction),
                ),
            )
        except sqlite3.IntegrityError:
            raise DuplicateError("reaction", reaction.id) from None

    def get_reaction(self, reaction_id: ReactionId) -> Reaction:
        doc = self._one("SELECT doc FROM reactions WHERE id=?", (reaction_id,))
        if doc is None:
            raise NotFoundError("reaction", reaction_id)
        return _load(doc, Reaction)

    def update_reaction(self, reaction: Reaction) -> Reaction:
        new = attrs.evolve(reaction, version=reaction.version + 1)
        self._bump(
            "reactions",
            "reaction",
            reaction.id,
            reaction.version,
            "department_id=?, employee_id=?, due_at=?, done=?, doc=?",
            (new.department_id, new.employee_id, _utc(new.due_at), int(new.done), _dump(new)),
        )
        return new

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        rows = self._db.execute(
            "SELECT doc FROM reactions WHERE client_id=? ORDER BY due_at, seq", (client_id,)
        )
        return tuple(_load(doc, Reaction) for (doc,) in rows)

    # -- staff
    def put_department(self, department: Department) -> None:
        self._db.execute(
            "INSERT INTO departments(id, doc) VALUES (?, ?) "
            "ON CONFLICT(id) DO UPDATE SET doc=excluded.doc",
            (department.id, _dump(department)),
        )
        self._staff_write()

    def put_employee(self, employee: Employee) -> None:
        if self._one("SELECT 1 FROM departments WHERE id=?", (employee.department_id,)) is None:
            raise NotFoundError("department", employee.department_id)
        self._db.execute(
            "INSERT INTO employees(id, department_id, doc) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET department_id=excluded.department_id, doc=excluded.doc",
            (employee.id, employee.department_id, _dump(employee)),
        )
        self._staff_write()

    def add_absence(self, absence: Absence) -> None:
        if self._one("SELECT 1 FROM employees WHERE id=?", (absence.employee_id,)) is None:
            raise NotFoundError("employee", absence.employee_id)
        self._db.execute(
            "INSERT INTO absences(employee_id, doc) VALUES (?, ?)",
            (absence.employee_id, _dump(absence)),
        )
        self._staff_write()

    def staff(self) -> StaffDirectory:
        """Served from the store's cache while the staff tables are unchanged (a counter in
        ``meta`` says so, also for changes made by other processes)."""
        rev: int = self._one("SELECT value FROM meta WHERE key='staff_rev'", ())
        cached = self._store._staff_cache
        if not self._staff_changed and cached is not None and cached[0] == rev:
            return cached[1]
        directory = self._load_staff()
        if not self._staff_changed:
            self._store._staff_cache = (rev, directory)
        return directory

    def _load_staff(self) -> StaffDirectory:
        db = self._db
        return StaffDirectory(
            departments=tuple(
                _load(d, Department)
                for (d,) in db.execute("SELECT doc FROM departments ORDER BY id")
            ),
            employees=tuple(
                _load(d, Employee) for (d,) in db.execute("SELECT doc FROM employees ORDER BY id")
            ),
            absences=tuple(
                _load(d, Absence) for (d,) in db.execute("SELECT doc FROM absences ORDER BY seq")
            ),
        )


class SQLiteStorage:
    """A clientops store in one SQLite file."""

    name = "sqlite"

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        self.path = str(path)
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StorageError(self.name, "open", f"{self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._staff_cache: tuple[int, StaffDirectory] | None = None
        try:
            self._configure(timeout)
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def from_url(cls, url: str) -> SQLiteStorage:
        return cls(path_from_url(url))

    def _configure(self, timeout: float) -> None:
        db = self._db
        try:
            if self.path != ":memory:":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        except sqlite3.DatabaseError as exc:
            raise StorageError(self.name, "open", f"{self.path}: {exc}") from exc

    @property
    def schema_version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        return version

    def _migrate(self) -> None:
        db = self._db
        try:
            found = self.schema_version
            if found > SCHEMA_VERSION:
                raise SchemaVersionError(self.name, found, SCHEMA_VERSION)
            if found == SCHEMA_VERSION:
                return  # up to date: opening takes no write lock
            db.execute("BEGIN IMMEDIATE")
            try:
                found = self.schema_version
                if found > SCHEMA_VERSION:
                    raise SchemaVersionError(self.name, found, SCHEMA_VERSION)
                for version in range(found, SCHEMA_VERSION):
                    for statement in MIGRATIONS[version]:
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version={version + 1}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StorageError(self.name, "migrate", f"{self.path}: {exc}") from exc

    @contextmanager
    def unit_of_work(self) -> Iterator[_SQLiteUnitOfWork]:
        with self._lock:
            db = self._db
            if db.in_transaction:
                raise StorageError(self.name, "begin", "a unit of work is already open")
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(self.name, "begin", str(exc)) from exc
            try:
                yield _SQLiteUnitOfWork(db, self)
            except sqlite3.Error as exc:
                db.execute("ROLLBACK")
                raise StorageError(self.name, "write", str(exc)) from exc
            except BaseException:
                db.execute("ROLLBACK")
                raise
            try:
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                db.execute("ROLLBACK")
                raise StorageError(self.name, "commit", str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()


@hookimpl
def clientops_register_storage(register: RegisterStorage) -> None:
    register("sqlite", SQLiteStorage.from_url)
