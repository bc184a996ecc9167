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

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clientops import _redact
from clientops.adapters._sql import BACKFILLS, SQLUnitOfWork, StaffCache, UniqueKey, unique_key
from clientops.errors import ConfigurationError, SchemaVersionError, StorageError
from clientops.hookspecs import RegisterStorage, hookimpl
from clientops.ports import READ_ONLY

__all__ = ["MIGRATIONS", "SQLiteStorage"]

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
    (
        # idempotency keys of batches (imports, billing runs) that have committed
        "CREATE TABLE batch_keys (key TEXT PRIMARY KEY) WITHOUT ROWID",
        # side effects waiting for delivery, see clientops.outbox
        """CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            key TEXT NOT NULL UNIQUE,
            topic TEXT NOT NULL,
            status TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            lease_until TEXT,
            attempts INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX outbox_due ON outbox(status, next_attempt_at)",
    ),
    (
        # columns the agenda reads without parsing whole records
        "ALTER TABLE clients ADD COLUMN name TEXT",
        "UPDATE clients SET name=json_extract(doc, '$.name')",
        "ALTER TABLE reactions ADD COLUMN kind TEXT",
        "ALTER TABLE reactions ADD COLUMN topic TEXT",
        "UPDATE reactions SET kind=json_extract(doc, '$.kind'), topic=json_extract(doc, '$.topic')",
    ),
    (
        # client folders on their way through the onboarding checklist
        """CREATE TABLE onboardings (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            manager_id TEXT NOT NULL,
            finished INTEGER NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX onboardings_client ON onboardings(client_id)",
        "CREATE INDEX onboardings_manager ON onboardings(manager_id, finished)",
    ),
    (
        # client orders on their way from the preliminary request to the closed deal
        """CREATE TABLE orders (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            number TEXT NOT NULL UNIQUE,
            stage TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX orders_client ON orders(client_id)",
        "CREATE INDEX orders_stage ON orders(stage)",
    ),
    (
        # the call log: one entry per call, folded from the PBX's events
        """CREATE TABLE calls (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT REFERENCES clients(id),
            employee_id TEXT,
            at TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX calls_at ON calls(at)",
        "CREATE INDEX calls_client ON calls(client_id, at)",
    ),
    (
        # billing: subscriptions, invoices, payments with their allocations and the credits
        # they leave, the bills of suppliers
        """CREATE TABLE subscriptions (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX subscriptions_client ON subscriptions(client_id)",
        """CREATE TABLE invoices (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            number TEXT NOT NULL,
            number_key TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            subscription_id TEXT,
            period TEXT NOT NULL,
            status TEXT NOT NULL,
            issue_date TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX invoices_client ON invoices(client_id)",
        "CREATE INDEX invoices_period ON invoices(period)",
        "CREATE INDEX invoices_status ON invoices(status)",
        "CREATE INDEX invoices_issue_date ON invoices(issue_date)",
        """CREATE TABLE payments (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT REFERENCES clients(id),
            date TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX payments_client ON payments(client_id, date)",
        """CREATE TABLE allocations (
            seq INTEGER PRIMARY KEY,
            payment_id TEXT NOT NULL,
            invoice_id TEXT NOT NULL,
            client_id TEXT NOT NULL,
            doc TEXT NOT NULL,
            UNIQUE (payment_id, invoice_id))""",
        "CREATE INDEX allocations_client ON allocations(client_id)",
        """CREATE TABLE credits (
            seq INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX credits_client ON credits(client_id)",
        """CREATE TABLE supplier_bills (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
    ),
    (
        # claims, the satisfaction round's assignments, service contracts, visits, trainings
        """CREATE TABLE claims (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            stage TEXT NOT NULL,
            department_id TEXT NOT NULL,
            manager_id TEXT,
            filed_at TEXT NOT NULL,
            closed_at TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX claims_client ON claims(client_id)",
        "CREATE INDEX claims_stage ON claims(stage, department_id)",
        "CREATE INDEX claims_filed ON claims(filed_at)",
        "CREATE INDEX claims_closed ON claims(closed_at)",
        """CREATE TABLE satisfaction (
            client_id TEXT PRIMARY KEY REFERENCES clients(id),
            manager_id TEXT NOT NULL,
            assigned_on TEXT NOT NULL,
            last_call TEXT) WITHOUT ROWID""",
        "CREATE INDEX satisfaction_last_call ON satisfaction(manager_id, last_call)",
        "CREATE INDEX satisfaction_assigned ON satisfaction(manager_id, assigned_on)",
        """CREATE TABLE service_contracts (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            number TEXT NOT NULL,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX service_contracts_client ON service_contracts(client_id)",
        """CREATE TABLE visits (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            contract_id TEXT NOT NULL REFERENCES service_contracts(id),
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            engineer_id TEXT,
            planned_on TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX visits_client ON visits(client_id)",
        "CREATE INDEX visits_status ON visits(status, planned_on)",
        """CREATE TABLE trainings (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            client_id TEXT NOT NULL REFERENCES clients(id),
            manager_id TEXT NOT NULL,
            status TEXT NOT NULL,
            starts_at TEXT,
            version INTEGER NOT NULL,
            doc TEXT NOT NULL)""",
        "CREATE INDEX trainings_client ON trainings(client_id)",
        "CREATE INDEX trainings_manager ON trainings(manager_id, status, starts_at)",
    ),
    (
        # the agenda's touches: a card's birthday and company day as MM-DD, by manager
        "ALTER TABLE clients ADD COLUMN birthday_md TEXT",
        "ALTER TABLE clients ADD COLUMN company_day_md TEXT",
        "UPDATE clients SET birthday_md=substr(json_extract(doc, '$.birthday'), 6, 5), "
        "company_day_md=substr(json_extract(doc, '$.company_day'), 6, 5)",
        "CREATE INDEX clients_birthday ON clients(birthday_md, manager_id)",
        "CREATE INDEX clients_company_day ON clients(company_day_md, manager_id)",
    ),
    (
        # the agenda's debts by manager, and one index for both branches of the satisfaction
        # calls due
        "ALTER TABLE invoices ADD COLUMN manager_id TEXT",
        "UPDATE invoices SET manager_id=(SELECT manager_id FROM clients "
        "WHERE clients.id=invoices.client_id)",
        "CREATE INDEX invoices_manager ON invoices(manager_id, status)",
        "DROP INDEX satisfaction_last_call",
        "DROP INDEX satisfaction_assigned",
        "CREATE INDEX satisfaction_due ON satisfaction(manager_id, last_call, assigned_on)",
    ),
    (
        # the agenda without joins or whole records: the client's name kept on its reactions,
        # satisfaction row and invoices (in step with the card), an invoice's due date and
        # the amount still owed as columns (the amounts are filled in by
        # clientops.adapters._sql.BACKFILLS[11]), and covering indexes for the three lists
        "ALTER TABLE reactions ADD COLUMN client_name TEXT NOT NULL DEFAULT ''",
        "UPDATE reactions SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=reactions.client_id), '')",
        "DROP INDEX reactions_employee_due",
        "CREATE INDEX reactions_open ON reactions(employee_id, due_at, client_name, id, done, "
        "client_id, kind, topic) WHERE done=0",
        "ALTER TABLE satisfaction ADD COLUMN client_name TEXT NOT NULL DEFAULT ''",
        "UPDATE satisfaction SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=satisfaction.client_id), '')",
        "DROP INDEX satisfaction_due",
        "CREATE INDEX satisfaction_due ON satisfaction(manager_id, last_call, assigned_on, "
        "client_name)",
        "ALTER TABLE invoices ADD COLUMN client_name TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE invoices ADD COLUMN due_date TEXT",
        "ALTER TABLE invoices ADD COLUMN owed TEXT",
        "ALTER TABLE invoices ADD COLUMN currency TEXT",
        "UPDATE invoices SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=invoices.client_id), ''), due_date=json_extract(doc, '$.due_date')",
        "DROP INDEX invoices_manager",
        "CREATE INDEX invoices_manager ON invoices(manager_id, status, period, due_date, "
        "issue_date, client_id, number, id, owed, currency, client_name)",
    ),
    (
        # the last number taken in each number sequence (an invoice number format and year),
        # taken under the write lock; a sequence is seeded from the stored invoices on its
        # first use (only the billing policy can read its numbers)
        "CREATE TABLE number_sequences (scope TEXT PRIMARY KEY, last INTEGER)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


#: SQLite's account of a unique violation: ``UNIQUE constraint failed: orders.number``
_UNIQUE_FAILED = re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+(?:, \w+\.\w+)*)")


def _utc(moment: datetime) -> str:
    """A fixed-width UTC text that sorts like the instant it names."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


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
        self, conn: sqlite3.Connection, store: SQLiteStorage, *, readonly: bool = False
    ) -> None:
        super().__init__(store._staff)
        self._db = conn
        self._readonly = readonly

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

    def _ts(self, moment: datetime) -> str:
        return _utc(moment)

    def _from_ts(self, value: Any) -> datetime:
        # the stored text is UTC (see _utc); parsing it with its offset is several times
        # faster than parsing it naive and replacing the tzinfo
        return datetime.fromisoformat(value + "+00:00")

    def _day(self, day: date) -> str:
        return day.isoformat()


class SQLiteStorage:
    """A clientops store in one SQLite file."""

    name = "sqlite"

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        self.path = str(path)
        self._closed = False
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StorageError(self.name, "open", f"{self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._staff = StaffCache()
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
                    backfill = BACKFILLS.get(version + 1)
                    if backfill is not None:
                        backfill(_SQLiteUnitOfWork(db, self))
                    db.execute(f"PRAGMA user_version={version + 1}")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StorageError(self.name, "migrate", f"{self.path}: {exc}") from exc

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[_SQLiteUnitOfWork]:
        """A write takes the database's write lock at once (``BEGIN IMMEDIATE``), so two
        writers never deadlock; a read-only one (``readonly=True``) is a deferred transaction:
        it reads one WAL snapshot, never waits for a writer, and ``PRAGMA query_only`` refuses
        its writes."""
        with self._lock:
            db = self._db
            if self._closed:
                raise StorageError(self.name, "begin", "the store is closed")
            if db.in_transaction:
                raise StorageError(self.name, "begin", "a unit of work is already open")
            try:
                if readonly:
                    db.execute("PRAGMA query_only=ON")
                    db.execute("BEGIN DEFERRED")
                else:
                    db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                self._writable(readonly)
                raise StorageError(self.name, "begin", str(exc)) from exc
            try:
                yield _SQLiteUnitOfWork(db, self, readonly=readonly)
            except sqlite3.Error as exc:
                db.execute("ROLLBACK")
                raise StorageError(self.name, "write", str(exc)) from exc
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                try:
                    db.execute("COMMIT")
                except sqlite3.Error as exc:
                    db.execute("ROLLBACK")
                    raise StorageError(self.name, "commit", str(exc)) from exc
            finally:
                self._writable(readonly)

    def _writable(self, readonly: bool) -> None:
        """The connection writable again after a read-only unit of work."""
        if readonly:
            self._db.execute("PRAGMA query_only=OFF")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()


@hookimpl
def clientops_register_storage(register: RegisterStorage) -> None:
    register("sqlite", SQLiteStorage.from_url)
