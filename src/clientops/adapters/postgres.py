"""The store for teams (``postgresql://user@host:5432/dbname``), on psycopg 3 with a pool.

Install it with ``pip install 'clientops[postgresql]'``. The tables are the SQLite store's, at
the same schema versions (:data:`MIGRATIONS`), in the PostgreSQL schema the URL names::

    postgresql://crm@db.example.ru/crm?schema=clientops&pool_max_size=20

Query options that clientops reads and removes before the rest goes to libpq:

``schema``
    the PostgreSQL schema holding the tables (default ``public``); created when missing.
``pool_min_size``, ``pool_max_size``
    connections kept open and the most opened at once (default 1 and 10).
``pool_timeout``
    seconds to wait for a free connection, and for the first one when the store opens
    (default 30).

Every other option (``sslmode``, ``connect_timeout``, ``application_name``…) is libpq's own.

A unit of work is one transaction at ``READ COMMITTED`` on one pooled connection. Updates are
checked against the record's version inside the ``UPDATE`` itself, so two managers who saved the
same card at once get one success and one :class:`~clientops.errors.ConflictError`, never a
lost write. Opening a store takes a transaction-scoped advisory lock while it migrates, so
processes that start together migrate once. After a :class:`~clientops.errors.DuplicateError`
PostgreSQL has aborted the transaction: end the unit of work (it is rolled back).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from clientops import _redact
from clientops._feed import FeedRecord
from clientops.adapters import _schema
from clientops.adapters._sql import (
    BACKFILLS,
    UNIQUE_KEYS,
    SQLClients,
    SQLFeed,
    SQLUnitOfWork,
    StaffCache,
    UniqueKey,
    load,
)
from clientops.adapters._sql_planning import SQLPlanning
from clientops.adapters._sql_supply import SQLSupply
from clientops.errors import (
    ClientopsError,
    ConfigurationError,
    DuplicateError,
    SchemaVersionError,
    StorageError,
)
from clientops.model import Client
from clientops.ports import READ_ONLY

try:
    import psycopg
    from psycopg import pq, sql
    from psycopg.conninfo import conninfo_to_dict
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ConfigurationError(
        "the PostgreSQL store needs psycopg 3: pip install 'clientops[postgresql]'"
    ) from exc

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "PostgresStorage"]

#: Schema migrations: ``MIGRATIONS[i]`` takes a schema from version ``i`` to ``i + 1``. The
#: versions are the SQLite store's: the same records and indexes, in PostgreSQL's types, both
#: rendered from one declaration (:mod:`clientops.adapters._schema`).
MIGRATIONS = _schema.migrations(_schema.POSTGRESQL)
#: The head schema, what a new database is created with.
CREATE_ALL = _schema.create_all(_schema.POSTGRESQL)
SCHEMA_VERSION = len(MIGRATIONS)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_OPTIONS = ("schema", "pool_min_size", "pool_max_size", "pool_timeout")
#: PostgreSQL's account of the values of a unique violation (``message_detail``)
_KEY_DETAIL = re.compile(r"Key \(.*?\)=\((.*)\) already exists\.$", re.DOTALL)


@functools.lru_cache(maxsize=512)
def _pg(statement: str) -> str:
    """A statement written with ``?`` placeholders, in psycopg's ``%s`` style."""
    return statement.replace("?", "%s")


class _PostgresUnitOfWork(SQLUnitOfWork):
    integrity_errors = (psycopg.errors.IntegrityError,)
    claim_lock = " FOR UPDATE SKIP LOCKED"
    row_lock = " FOR UPDATE"
    by_code = ' COLLATE "C"'

    def __init__(self, conn: psycopg.Connection[Any], staff: StaffCache) -> None:
        super().__init__(staff)
        self._conn = conn

    @functools.cached_property
    def supply(self) -> SQLSupply:
        return SQLSupply(self)

    @functools.cached_property
    def planning(self) -> SQLPlanning:
        return SQLPlanning(self._stream, postgres=True)

    def _stream(self, statement: str, params: Sequence[Any]) -> Iterator[Any]:
        """The rows of a long read in batches, from a server-side cursor (the read model's:
        not all rows in memory at once)."""
        with self._conn.cursor(name="clientops_stream") as cur:
            cur.itersize = 2000
            cur.execute(_pg(statement), params)
            yield from cur

    def _x(self, statement: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        try:
            # a look-up of a list of keys is never prepared: the generic plan PostgreSQL
            # would keep for it is made once, while the table may still be small (a seq scan),
            # and then used for every chunk of a bulk write as the table grows
            prepare = False if " IN (" in statement else None
            return self._conn.execute(_pg(statement), params, prepare=prepare)
        except psycopg.errors.UniqueViolation as exc:
            raise self._duplicate(exc, statement, [params]) or exc from None
        except psycopg.errors.ReadOnlySqlTransaction:
            raise StorageError(PostgresStorage.name, "write", READ_ONLY) from None

    def _xmany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            try:
                with self._conn.cursor() as cur:
                    cur.executemany(_pg(statement), rows)
            except psycopg.errors.UniqueViolation as exc:
                # which row failed: the server's account of the key says
                raise self._duplicate(exc, statement, ()) or exc from None
            except psycopg.errors.ReadOnlySqlTransaction:
                raise StorageError(PostgresStorage.name, "write", READ_ONLY) from None

    def _unique_violation(self, exc: Exception) -> tuple[UniqueKey, Any] | None:
        if not isinstance(exc, psycopg.errors.UniqueViolation):
            return None
        key = UNIQUE_KEYS.get(exc.diag.constraint_name or "")
        if key is None:
            return None
        # "Key (payment_id, invoice_id)=(p-1, i-1) already exists."
        found = _KEY_DETAIL.match(exc.diag.message_detail or "")
        if found is None:
            return key, None
        values = tuple(found.group(1).split(", "))
        return key, values[0] if len(values) == 1 else values

    def _ts(self, moment: datetime) -> datetime:
        return moment

    def _amount(self, value: Decimal) -> Decimal:
        return value

    def _from_ts(self, value: Any) -> datetime:
        moment: datetime = value
        return moment

    def _day(self, day: date) -> date:
        return day

    def _violated(self, exc: Exception) -> str:
        """The name of the violated constraint (``orders_number_key``)."""
        if isinstance(exc, psycopg.Error) and exc.diag.constraint_name:
            return exc.diag.constraint_name
        return str(exc)

    @functools.cached_property
    def clients(self) -> _PostgresClients:
        return _PostgresClients(self)

    @functools.cached_property
    def feed(self) -> _PostgresFeed:
        return _PostgresFeed(self)


class _PostgresClients(SQLClients):
    """The cards, written in bulk with ``COPY``."""

    def __init__(self, uow: _PostgresUnitOfWork) -> None:
        super().__init__(uow)
        self._conn = uow._conn
        self._duplicate = uow._duplicate

    def by_external(self, source: str, ids: Iterable[str]) -> Mapping[str, Client]:
        """Two queries with one array each (not a list of keys: a bulk upsert asks for
        thousands at a time)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        owners = dict(
            self._conn.execute(
                "SELECT external_id, record_id FROM external_ids WHERE kind='client' "
                "AND source=%s AND external_id = ANY(%s)",
                (source, wanted),
                prepare=False,
            ).fetchall()
        )
        if not owners:
            return {}
        rows = self._conn.execute(
            "SELECT id, doc FROM clients WHERE id = ANY(%s)",
            (list(owners.values()),),
            prepare=False,
        ).fetchall()
        cards = {client_id: load(doc, Client) for client_id, doc in rows}
        return {ext: cards[client_id] for ext, client_id in owners.items()}

    def add_many(self, clients: Sequence[Client]) -> None:
        """``COPY`` the cards and their lookup rows: one round trip per table."""
        pairs = self._bulk_keys(clients)
        externals = self._bulk_externals(clients)
        stamp = self._uow._stamp()
        try:
            with self._conn.cursor() as cur:
                with cur.copy(f"COPY clients({self.COLUMNS}) FROM STDIN") as copy:
                    for client in clients:
                        copy.write_row(self._client_row(client, stamp))
                with cur.copy("COPY client_phones(e164, client_id) FROM STDIN") as copy:
                    seen: set[tuple[str, str]] = set()
                    for client in clients:
                        for phone in client.phones:
                            row = (phone.e164, client.id)
                            if row not in seen:
                                seen.add(row)
                                copy.write_row(row)
                with cur.copy("COPY client_contracts(contract_key, client_id) FROM STDIN") as copy:
                    for pair in pairs:
                        copy.write_row(pair)
                if externals:
                    with cur.copy(
                        "COPY external_ids(kind, source, external_id, record_id) FROM STDIN"
                    ) as copy:
                        for external in externals:
                            copy.write_row(external)
        except psycopg.errors.UniqueViolation as exc:
            raise self._duplicate(exc, "COPY", ()) or DuplicateError("client", "?") from None
        except psycopg.errors.ReadOnlySqlTransaction:
            raise StorageError(PostgresStorage.name, "write", READ_ONLY) from None


class _PostgresFeed(SQLFeed):
    """The change feed, its entries written with ``COPY`` (an import's thousands of events)."""

    def __init__(self, uow: _PostgresUnitOfWork) -> None:
        super().__init__(uow)
        self._conn = uow._conn

    def append(self, records: Sequence[FeedRecord]) -> int:
        if len(records) < _COPY_FROM:
            return super().append(records)
        first = self._take(len(records))
        try:
            with (
                self._conn.cursor() as cur,
                cur.copy("COPY feed(seq, kind, schema_version, at, doc) FROM STDIN") as copy,
            ):
                for i, r in enumerate(records):
                    copy.write_row((first + i, r.kind, r.schema, r.at, r.payload))
        except psycopg.errors.ReadOnlySqlTransaction:
            raise StorageError(PostgresStorage.name, "write", READ_ONLY) from None
        return first + len(records) - 1


#: From how many entries an append is a ``COPY`` rather than one ``INSERT`` a row.
_COPY_FROM = 50


def _split_url(url: str) -> tuple[str, dict[str, str]]:
    """The libpq URL without clientops's own query options, and those options."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ConfigurationError(
            f"postgresql URL {_redact.connection_string(url)!r}: {exc}"
        ) from None
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigurationError(f"not a postgresql URL: {_redact.connection_string(url)!r}")
    ours: dict[str, str] = {}
    theirs: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in _OPTIONS:
            ours[key] = value
        else:
            theirs.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(theirs))), ours


class PostgresStorage:
    """A clientops store in a PostgreSQL schema, shared by many processes.

    Made from a connection string (its own pool), or over the host application's pool
    (:meth:`over_pool`) or one of its connections (:meth:`over_connection`)."""

    name = "postgresql"
    #: the host's pool, or the host's connection, when the store is opened over one
    _host_pool: ConnectionPool[psycopg.Connection[Any]] | None = None
    _host_conn: psycopg.Connection[Any] | None = None

    def __init__(
        self,
        conninfo: str,
        *,
        schema: str = "public",
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
    ) -> None:
        if not _IDENTIFIER.match(schema):
            raise ConfigurationError(
                f"postgresql schema {schema!r}: use lower-case letters, digits and _"
            )
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ConfigurationError(
                f"postgresql pool sizes: need 0 <= min ({min_size}) <= max ({max_size}), max >= 1"
            )
        secrets = _redact.secrets_of(conninfo)
        try:  # a malformed string is refused here, before libpq repeats it in an error or a log
            conninfo_to_dict(conninfo)
        except psycopg.Error as exc:
            raise ConfigurationError(
                "postgresql connection string "
                f"{_redact.connection_string(conninfo)!r}: {_redact.message(str(exc), secrets)}"
            ) from None
        self._conninfo = conninfo
        self._secrets = secrets
        self.schema = schema
        self._timeout = timeout
        self._staff = StaffCache()
        self._local = threading.local()
        self._conn_lock = threading.RLock()
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs={"options": f"-c search_path={schema}"},
            open=False,
            name=f"clientops-{schema}",
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
        except PoolTimeout as exc:
            self._pool.close()
            raise StorageError(
                self.name,
                "open",
                f"no connection to the server within {timeout} s: "
                + _redact.message(str(exc), secrets),
            ) from None
        try:
            self._migrate()
        except BaseException:
            self._pool.close()
            raise

    @classmethod
    def over_pool(
        cls, pool: ConnectionPool[psycopg.Connection[Any]], *, schema: str = "public"
    ) -> PostgresStorage:
        """A store over the host application's ``psycopg_pool.ConnectionPool`` (opened, and
        closed, by the host: :meth:`close` leaves it open). Each unit of work borrows a
        connection for its transaction and gives it back; the tables live in ``schema``,
        set for the transaction only (``set_config('search_path', …, true)``), so the
        host's own statements on the connection are not affected."""
        return cls._borrowing(schema, pool=pool)

    @classmethod
    def over_connection(
        cls, connection: psycopg.Connection[Any], *, schema: str = "public"
    ) -> PostgresStorage:
        """A store on a connection the host application owns. A unit of work opened while
        the host's transaction is open JOINS it, as a savepoint: the host writes its own rows
        and clientops's in one commit, and its rollback drops both. Opened outside a
        transaction, a unit of work is a transaction of its own. The connection is used by
        one thread at a time (units of work from several threads wait for each other);
        :meth:`close` leaves it open. A read-only unit of work inside the host's transaction
        reads at the host's isolation level."""
        return cls._borrowing(schema, connection=connection)

    @classmethod
    def _borrowing(
        cls,
        schema: str,
        *,
        pool: ConnectionPool[psycopg.Connection[Any]] | None = None,
        connection: psycopg.Connection[Any] | None = None,
    ) -> PostgresStorage:
        if not _IDENTIFIER.match(schema):
            raise ConfigurationError(
                f"postgresql schema {schema!r}: use lower-case letters, digits and _"
            )
        store = cls.__new__(cls)
        store._conninfo = ""
        store._secrets = ()
        store.schema = schema
        store._timeout = 30.0
        store._staff = StaffCache()
        store._local = threading.local()
        store._host_pool = pool
        store._host_conn = connection
        store._conn_lock = threading.RLock()
        store._migrate()
        return store

    def _connection(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        """A connection for one transaction: from the store's pool, the host's pool, or the
        host's connection (held by one thread at a time)."""
        if self._host_conn is not None:
            return self._held(self._host_conn)
        if self._host_pool is not None:
            return self._host_pool.connection()
        return self._pool.connection()

    @contextmanager
    def _held(self, conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
        with self._conn_lock:
            yield conn

    @contextmanager
    def _in_schema(self, conn: psycopg.Connection[Any]) -> Iterator[None]:
        """Inside a transaction: the store's schema first on the search path until the block
        ends (a borrowed connection's own search path is put back)."""
        if self._host_pool is None and self._host_conn is None:
            yield  # the store's own connections are opened in its schema
            return
        before = conn.execute("SELECT current_setting('search_path')").fetchone()
        conn.execute("SELECT set_config('search_path', %s, true)", (self.schema,))
        yield
        if before is not None and conn.info.transaction_status == pq.TransactionStatus.INTRANS:
            conn.execute("SELECT set_config('search_path', %s, true)", (before[0],))

    @property
    def conninfo(self) -> str:
        """The connection string, its password masked (the real one is kept private)."""
        return _redact.connection_string(self._conninfo)

    def __repr__(self) -> str:
        return f"PostgresStorage({self.conninfo!r}, schema={self.schema!r})"

    @classmethod
    def from_url(cls, url: str) -> PostgresStorage:
        conninfo, options = _split_url(url)
        try:
            return cls(
                conninfo,
                schema=options.get("schema", "public"),
                min_size=int(options.get("pool_min_size", 1)),
                max_size=int(options.get("pool_max_size", 10)),
                timeout=float(options.get("pool_timeout", 30.0)),
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"postgresql URL {_redact.connection_string(url)!r}: {exc}"
            ) from None

    @property
    def schema_version(self) -> int:
        with self._connection() as conn, conn.transaction(), self._in_schema(conn):
            return self._version(conn)

    @staticmethod
    def _version(conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(
            "SELECT version FROM clientops_schema WHERE to_regclass('clientops_schema') IS NOT NULL"
        ).fetchone()
        return 0 if row is None else int(row[0])

    def _migrate(self) -> None:
        try:
            with self._connection() as conn, conn.transaction():
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"clientops:{self.schema}",)
                )
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
                )
                with self._in_schema(conn):
                    self._migrate_in(conn)
        except psycopg.Error as exc:
            detail = _redact.message(str(exc), self._secrets)
            raise StorageError(self.name, "migrate", f"schema {self.schema}: {detail}") from None

    def _migrate_in(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS clientops_schema (version integer)")
        found = self._version(conn)
        if found > SCHEMA_VERSION:
            raise SchemaVersionError(self.name, found, SCHEMA_VERSION)
        if found == 0:  # a new schema: the head tables at once
            for statement in CREATE_ALL:
                conn.execute(statement.encode())
            conn.execute("INSERT INTO clientops_schema(version) VALUES (%s)", (SCHEMA_VERSION,))
        for version in range(found or SCHEMA_VERSION, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement.encode())
            backfill = BACKFILLS.get(version + 1)
            if backfill is not None:
                backfill(_PostgresUnitOfWork(conn, self._staff))
            conn.execute("UPDATE clientops_schema SET version=%s", (version + 1,))

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[_PostgresUnitOfWork]:
        """A write is a ``READ COMMITTED`` transaction; a read-only one (``readonly=True``)
        is ``REPEATABLE READ READ ONLY``: one snapshot for all its reads, no locks taken, and
        its writes refused."""
        if getattr(self._local, "open", False):
            raise StorageError(self.name, "begin", "a unit of work is already open")
        self._local.open = True
        try:
            with self._work(readonly) as uow:
                try:
                    yield uow
                finally:
                    uow._release()  # freed by reference counting, not left to the collector
        finally:
            self._local.open = False

    @contextmanager
    def _work(self, readonly: bool = False) -> Iterator[_PostgresUnitOfWork]:
        stage = "begin"
        try:
            with self._connection() as conn:
                stage = "write"
                joined = conn.info.transaction_status == pq.TransactionStatus.INTRANS
                if readonly and not joined:
                    with self._read(conn) as uow:
                        yield uow
                        stage = "commit"
                    return
                with conn.transaction():
                    with self._in_schema(conn):
                        yield _PostgresUnitOfWork(conn, self._staff)
                    stage = "commit"
        except ClientopsError:
            raise
        except PoolTimeout as exc:
            detail = _redact.message(str(exc), self._secrets)
            raise StorageError(self.name, "begin", f"no free connection: {detail}") from None
        except psycopg.Error as exc:
            raise StorageError(self.name, stage, _redact.message(str(exc), self._secrets)) from exc

    @contextmanager
    def _read(self, conn: psycopg.Connection[Any]) -> Iterator[_PostgresUnitOfWork]:
        """A read-only unit of work that begins in one statement, ``BEGIN ISOLATION LEVEL
        REPEATABLE READ READ ONLY`` (psycopg's own ``BEGIN``, told the level and the access
        mode), not a ``BEGIN`` then a ``SET TRANSACTION``: one round trip fewer. The
        connection's settings are put back as they were after the transaction."""
        level, read_only = conn.isolation_level, conn.read_only
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        try:
            with conn.transaction(), self._in_schema(conn):
                yield _PostgresUnitOfWork(conn, self._staff)
        finally:
            with suppress(psycopg.Error):
                conn.isolation_level, conn.read_only = level, read_only

    def close(self) -> None:
        """Close the store's own pool; a host's pool or connection is left open."""
        if self._host_pool is None and self._host_conn is None:
            self._pool.close()
