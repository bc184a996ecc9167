"""The embedded default store (``sqlite:///path/to/clientops.db``).

One file, WAL journal, ``synchronous=NORMAL``, foreign keys on. Each record is kept whole as
JSON (the clientops wire form) beside the columns it is looked up by: phone numbers, contract
numbers, the organisation-name key, due times, order numbers and stages, invoice numbers,
periods, statuses and dates. The schema is versioned with ``PRAGMA user_version``; missing
migrations are applied when the file is opened, and a file written by a newer clientops is
refused with :class:`~clientops.errors.SchemaVersionError`.

URLs follow the usual convention: ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``,
``sqlite://`` (or ``sqlite:///:memory:``) for a private in-memory database.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from clientops import _redact
from clientops.adapters import _schema
from clientops.adapters._sql import (
    BACKFILLS,
    SQLUnitOfWork,
    StaffCache,
    UniqueKey,
    from_micros,
    micros,
    unique_key,
)
from clientops.adapters._sql_planning import SQLPlanning
from clientops.adapters._sql_supply import SQLSupply
from clientops.errors import ConfigurationError, SchemaVersionError, StorageError
from clientops.hookspecs import RegisterStorage, hookimpl
from clientops.ports import READ_ONLY

__all__ = ["MIGRATIONS", "SQLiteStorage"]

#: Schema migrations: ``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``
#: (rendered from the one declaration of both SQL schemas, :mod:`clientops.adapters._schema`).
MIGRATIONS = _schema.migrations(_schema.SQLITE)
#: The head schema, what a new database is created with.
CREATE_ALL = _schema.create_all(_schema.SQLITE)
SCHEMA_VERSION = len(MIGRATIONS)


#: SQLite's account of a unique violation: ``UNIQUE constraint failed: orders.number``
_UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+(?:, \w+\.\w+)*)")


#: The last few instants written and their texts, newest first (see :func:`_utc`): one
#: tuple, replaced whole, so a thread reads a pair that belongs together.
_RECENT: tuple[tuple[datetime, str], ...] = ()


def _utc(moment: datetime) -> str:
    """A fixed-width UTC text that sorts like the instant it names
    (``%Y-%m-%dT%H:%M:%S.%f``; ``isoformat`` writes the same text several times faster).

    The texts of the last four instants are kept: a write names the same instant in
    several columns and rows (an incoming call's appeal, reaction, timeline entries and feed
    records; a campaign call's time and its row's; the rows of a batch), and comparing an
    instant costs a few per cent of writing it."""
    global _RECENT
    recent = _RECENT
    for known, text in recent:
        # the very object, or the same instant: the same text, in whatever zone it came
        # (two times of one zone compare by their fields, fold aside: the fold too, or the
        # repeated hour of a zone's autumn would be one)
        if known is moment or (known == moment and known.fold == moment.fold):
            return text
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    if utc.year < 1000:  # strftime does not pad the year to four digits
        text = utc.strftime("%Y-%m-%dT%H:%M:%S.%f")
    else:
        text = utc.isoformat(timespec="microseconds")[:-6]  # without "+00:00"
    _RECENT = ((moment, text), *recent[:3])
    return text


def path_from_url(url: str) -> str:
    """The database path an ``sqlite:`` URL names (``:memory:`` for an in-memory one)."""
    shown = _redact.connection_string(url)  # what the errors below show of it
    if not url.startswith("sqlite:"):
        raise ConfigurationError(f"not an sqlite URL: {shown!r}")
    rest = url[len("sqlite:") :]
    if rest in ("", "//", "///:memory:", "//:memory:"):
        return ":memory:"
    if not rest.startswith("///"):
        raise ConfigurationError(
            f"sqlite URL {shown!r} must look like 'sqlite:///relative.db' or "
            "'sqlite:////absolute/path.db'"
        )
    path = rest[3:]
    if "?" in path:
        raise ConfigurationError(f"sqlite URL {shown!r}: query options are not supported")
    if not path:
        raise ConfigurationError(f"sqlite URL {shown!r} names no file")
    return path


class _SQLiteUnitOfWork(SQLUnitOfWork):
    integrity_errors = (sqlite3.IntegrityError,)

    def __init__(
        self, conn: sqlite3.Connection, store: SQLiteStorage, readonly: bool = False
    ) -> None:
        # SQLUnitOfWork.__init__ written out: two of these a call of a call list
        self._staff_cache = store._staff
        self._db = conn
        self._readonly = readonly
        self.aware = datetime.fromisoformat

    @functools.cached_property
    def supply(self) -> SQLSupply:
        return SQLSupply(self)

    @functools.cached_property
    def planning(self) -> SQLPlanning:
        return SQLPlanning(self._x, postgres=False)

    def _x(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            duplicate = self._duplicate(exc, sql, [params])
            if duplicate is None:
                raise
            raise duplicate from None
        except sqlite3.OperationalError as exc:
            raise self._refused(exc) from None

    def _xmany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        before = self._db.total_changes
        try:
            self._db.executemany(sql, rows)
        except sqlite3.OperationalError as exc:
            raise self._refused(exc) from None
        except sqlite3.IntegrityError as exc:
            # the rows before the one that failed are written: one change each
            done = self._db.total_changes - before
            duplicate = self._duplicate(exc, sql, rows[: done + 1] if done < len(rows) else ())
            if duplicate is None:
                raise
            raise duplicate from None

    def _refused(self, exc: sqlite3.OperationalError) -> Exception:
        """A write refused by ``PRAGMA query_only`` as the typed error, else ``exc``."""
        if self._readonly and exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_READONLY:
            return StorageError(SQLiteStorage.name, "write", READ_ONLY)
        return exc

    def _unique_violation(self, exc: Exception) -> tuple[UniqueKey, Any] | None:
        found = _UNIQUE_FAILED.search(str(exc))
        if found is None:
            return None
        table = found.group(1)
        columns = [c.split(".")[-1] for c in found.group(2).split(", ")]
        key = unique_key(table, columns)
        return None if key is None else (key, None)

    #: the function itself, not a method calling it: several timestamps a call of a list
    _ts = staticmethod(_utc)
    #: list reads take the stored UTC text with its offset appended by SQLite: one
    #: ``fromisoformat`` (a C call) a row, no Python function around it
    ts_column = "{} || '+00:00'"
    #: the timeline's instants: whole microseconds (8 bytes a row, not 26 of text)
    _micros = staticmethod(micros)
    _from_micros = staticmethod(from_micros)

    def _from_ts(self, value: Any) -> datetime:
        # the stored text is UTC (see _utc); parsing it with its offset is several times
        # faster than parsing it naive and replacing the tzinfo
        return datetime.fromisoformat(value + "+00:00")

    def _day(self, day: date) -> str:
        return day.isoformat()


class _Transaction:
    """A unit of work of a store on its own connection (:meth:`SQLiteStorage.unit_of_work`):
    a class rather than a generator, as a call of a call list opens two of them."""

    __slots__ = ("_db", "_readonly", "_store", "_toggled", "_uow")

    def __init__(self, store: SQLiteStorage, readonly: bool) -> None:
        self._store = store
        self._readonly = readonly
        self._db = store._db
        #: whether ``PRAGMA query_only`` was switched on for this unit of work (a read-only
        #: one without the store's read connection)
        self._toggled = False
        self._uow: _SQLiteUnitOfWork | None = None

    def __enter__(self) -> _SQLiteUnitOfWork:
        store = self._store
        readonly = self._readonly
        store._lock.acquire()
        try:
            db = store._db
            if store._closed:
                raise StorageError(store.name, "begin", "the store is closed")
            reader = store._reader
            if store._open or db.in_transaction or (reader is not None and reader.in_transaction):
                raise StorageError(store.name, "begin", "a unit of work is already open")
            try:
                if readonly:
                    reader = store._read_connection()
                    if reader is None:
                        self._toggled = True
                        db.execute("PRAGMA query_only=ON")
                    else:
                        db = self._db = reader
                    db.execute("BEGIN DEFERRED")
                else:
                    db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                store._writable(self._toggled)
                raise StorageError(store.name, "begin", str(exc)) from exc
        except BaseException:
            store._lock.release()
            raise
        uow = self._uow = _SQLiteUnitOfWork(db, store, readonly=readonly)
        return uow

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        store = self._store
        db = self._db
        try:
            if kind is None:
                try:
                    db.execute("COMMIT")
                except sqlite3.Error as exc:
                    db.execute("ROLLBACK")
                    raise StorageError(store.name, "commit", str(exc)) from exc
                return
            db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise StorageError(store.name, "write", str(error)) from error
        finally:
            uow = self._uow
            if uow is not None:  # freed by reference counting, not left to the collector
                self._uow = None
                uow._release()
            try:
                store._writable(self._toggled)
            finally:
                store._lock.release()


class SQLiteStorage:
    """A clientops store in one SQLite file."""

    name = "sqlite"

    def __init__(
        self,
        path: str | Path,
        *,
        timeout: float = 10.0,
        connection: sqlite3.Connection | None = None,
    ) -> None:
        self.path = str(path)
        self._closed = False
        #: the connection is the host application's: never closed or reconfigured here
        self._borrowed = connection is not None
        try:
            self._db = connection or sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StorageError(self.name, "open", f"{self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._open = False
        self._staff = StaffCache()
        self._timeout = timeout
        #: the connection of read-only units of work, opened by the first one
        #: (:meth:`_read_connection`)
        self._reader: sqlite3.Connection | None = None
        try:
            if not self._borrowed:
                self._configure(timeout)
            elif not self._db.in_transaction:
                self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except BaseException:
            if not self._borrowed:
                self._db.close()
            raise

    @classmethod
    def over_connection(cls, connection: sqlite3.Connection) -> SQLiteStorage:
        """A store on a connection the host application owns (and closes): the clientops
        tables are created in its database, and a unit of work opened while the host's
        transaction is open JOINS it, as a savepoint: the host's commit keeps clientops's
        writes, its rollback drops them. Opened outside a transaction, a unit of work is a
        transaction of its own, as on a store clientops opened. Foreign keys are switched on
        (``PRAGMA foreign_keys=ON``) when the connection is not in a transaction; the journal
        mode and timeouts stay the host's. :meth:`close` leaves the connection open."""
        path = connection.execute("PRAGMA database_list").fetchone()[2] or ":memory:"
        return cls(path, connection=connection)

    @contextmanager
    def _transaction(self, *, immediate: bool) -> Iterator[None]:
        """A transaction of this store's own (``BEGIN``…``COMMIT``), or, when the host's
        connection is in a transaction already, a savepoint in it."""
        db = self._db
        if self._borrowed and db.in_transaction:
            db.execute("SAVEPOINT clientops")
            try:
                yield
            except BaseException:
                db.execute("ROLLBACK TO clientops")
                db.execute("RELEASE clientops")
                raise
            db.execute("RELEASE clientops")
            return
        db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN DEFERRED")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.Error:
            db.execute("ROLLBACK")
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
            with self._transaction(immediate=True):
                found = self.schema_version
                if found > SCHEMA_VERSION:
                    raise SchemaVersionError(self.name, found, SCHEMA_VERSION)
                if found == 0:  # a new file: the head schema at once
                    for statement in CREATE_ALL:
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                for version in range(found or SCHEMA_VERSION, SCHEMA_VERSION):
                    for statement in MIGRATIONS[version]:
                        db.execute(statement)
                    backfill = BACKFILLS.get(version + 1)
                    if backfill is not None:
                        backfill(_SQLiteUnitOfWork(db, self))
                    db.execute(f"PRAGMA user_version={version + 1}")
        except sqlite3.Error as exc:
            raise StorageError(self.name, "migrate", f"{self.path}: {exc}") from exc

    def unit_of_work(self, *, readonly: bool = False) -> AbstractContextManager[_SQLiteUnitOfWork]:
        """A write takes the database's write lock at once (``BEGIN IMMEDIATE``), so two
        writers never deadlock; a read-only one (``readonly=True``) is a deferred transaction:
        it reads one WAL snapshot, never waits for a writer, and ``PRAGMA query_only`` refuses
        its writes."""
        if self._borrowed:
            return self._borrowed_unit_of_work(readonly)
        return _Transaction(self, readonly)

    @contextmanager
    def _borrowed_unit_of_work(self, readonly: bool) -> Iterator[_SQLiteUnitOfWork]:
        with self._lock:
            if self._closed:
                raise StorageError(self.name, "begin", "the store is closed")
            if self._open:
                raise StorageError(self.name, "begin", "a unit of work is already open")
            yield from self._joined(readonly)

    def _joined(self, readonly: bool) -> Iterator[_SQLiteUnitOfWork]:
        """A unit of work on the host's connection: in the host's transaction when one is
        open (a savepoint), else in a transaction of its own."""
        db = self._db
        self._open = True
        try:
            if readonly:
                db.execute("PRAGMA query_only=ON")
            with self._transaction(immediate=not readonly):
                uow = _SQLiteUnitOfWork(db, self, readonly=readonly)
                try:
                    yield uow
                finally:
                    uow._release()
        except sqlite3.Error as exc:
            raise StorageError(self.name, "write", str(exc)) from exc
        finally:
            self._open = False
            self._writable(readonly)

    def _read_connection(self) -> sqlite3.Connection | None:
        """The connection read-only units of work run on, ``PRAGMA query_only`` set on it
        once: switching the pragma on and off around each one, on the one connection, made
        SQLite discard every prepared statement of the connection each time (a flag pragma
        expires them all), so each read prepared its statements again, and so did the next
        write. In WAL mode it reads the last committed state, as a read on the writing
        connection would. ``None`` for an in-memory database (a second connection would
        see another one) and a host's connection: those toggle the pragma."""
        reader = self._reader
        if reader is None and not self._borrowed and self.path not in ("", ":memory:"):
            reader = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            try:
                reader.execute("PRAGMA query_only=ON")
                reader.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
            except BaseException:
                reader.close()
                raise
            self._reader = reader
        return reader

    def _writable(self, readonly: bool) -> None:
        """The connection writable again after a read-only unit of work."""
        if readonly:
            self._db.execute("PRAGMA query_only=OFF")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            if not self._borrowed:
                self._db.close()


@hookimpl
def clientops_register_storage(register: RegisterStorage) -> None:
    register("sqlite", SQLiteStorage.from_url)
