"""The SQL schema of both SQL stores, written once, and its history.

Every table, column and index of the SQLite and PostgreSQL stores is declared here once, in
neutral types, with the schema version that added it (``since``) and, for an index that was
replaced, the version that dropped it (``until``). Two things are rendered from it for each
dialect:

* :func:`create_all`: the schema at the head version, what a new database is created with;
* :func:`migrations`: ``migrations(d)[i]`` takes a database from version ``i`` to ``i + 1``,
  derived from the same declarations (the tables, columns and indexes of version ``i + 1``)
  plus that version's SQL data steps (:data:`DATA_STEPS`); the stores run the Python data
  steps (``clientops.adapters._sql.BACKFILLS``) after them, in the same transaction.

A new schema version is one edit here: declare the new table, column or index with
``since=HEAD + 1`` (a replaced index gets ``until=`` the new version and a second entry), add
the SQL that fills new columns of existing rows to :data:`DATA_STEPS`, and bump :data:`HEAD`.
``tests/test_schema.py`` upgrades a database of every past version, on both engines, and
compares it with a new one.

>>> [s for s in migrations(POSTGRESQL)[4] if "INDEX" in s]
['CREATE INDEX orders_client ON orders(client_id)', 'CREATE INDEX orders_stage ON orders(stage)']
"""

from __future__ import annotations

import enum
from typing import Literal

import attrs

__all__ = [
    "HEAD",
    "INDEXES",
    "POSTGRESQL",
    "SQLITE",
    "TABLES",
    "Column",
    "Dialect",
    "Index",
    "Table",
    "Type",
    "create_all",
    "migrations",
]

Dialect = Literal["sqlite", "postgresql"]
SQLITE: Dialect = "sqlite"
POSTGRESQL: Dialect = "postgresql"


class Type(enum.Enum):
    """A column's neutral type, and what each dialect stores it as."""

    #: the row's insertion order: SQLite's rowid, an identity column in PostgreSQL
    SEQ = ("INTEGER", "bigint GENERATED ALWAYS AS IDENTITY")
    TEXT = ("TEXT", "text")
    INTEGER = ("INTEGER", "integer")
    #: a counter that may outgrow 32 bits
    BIGINT = ("INTEGER", "bigint")
    #: an instant: fixed-width UTC text in SQLite (it sorts like the instant)
    MOMENT = ("TEXT", "timestamptz")
    #: an instant as whole microseconds since 1970-01-01 UTC in SQLite (8 bytes rather than
    #: the 26 of a MOMENT's text; it sorts like the instant too)
    MICROS = ("INTEGER", "timestamptz")
    #: a calendar day: ISO text in SQLite
    DAY = ("TEXT", "date")
    #: a decimal amount: its exact text in SQLite
    AMOUNT = ("TEXT", "numeric")

    def render(self, dialect: Dialect) -> str:
        sqlite, postgresql = self.value
        return sqlite if dialect == SQLITE else postgresql


@attrs.frozen
class Column:
    name: str
    type: Type
    null: bool = False
    #: an SQL literal, the same in both dialects (``"''"``)
    default: str | None = None
    primary_key: bool = False
    unique: bool = False
    #: ``"clients(id)"``
    references: str | None = None
    on_delete: str | None = None
    #: the version that added the column to an existing table (``None``: with its table)
    since: int | None = None
    #: compared by its bytes (PostgreSQL's ``COLLATE "C"``; SQLite's ``BINARY`` already is),
    #: so a key over it serves ``ORDER BY`` the same in both stores (see :class:`Key`)
    by_code: bool = False

    def render(self, dialect: Dialect) -> str:
        parts = [self.name, self.type.render(dialect)]
        if self.by_code and dialect == POSTGRESQL:
            parts.append('COLLATE "C"')
        if self.primary_key:
            parts.append("PRIMARY KEY")
        elif not self.null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if self.unique:
            parts.append("UNIQUE")
        if self.references is not None:
            parts.append(f"REFERENCES {self.references}")
        if self.on_delete is not None:
            parts.append(f"ON DELETE {self.on_delete}")
        return " ".join(parts)


def seq() -> Column:
    """The ``seq`` column: the insertion order ("oldest first"), kept by an update."""
    return Column("seq", Type.SEQ, primary_key=True)


def record(*columns: Column) -> tuple[Column, ...]:
    """The columns of a versioned record: ``seq``, a unique ``id``, ``columns``, ``version``
    and the record as JSON in ``doc`` (the columns added later follow them)."""
    head = [c for c in columns if c.since is None]
    later = [c for c in columns if c.since is not None]
    return (
        seq(),
        Column("id", Type.TEXT, unique=True),
        *head,
        Column("version", Type.INTEGER),
        Column("doc", Type.TEXT),
        *later,
    )


@attrs.frozen
class Table:
    name: str
    since: int
    columns: tuple[Column, ...]
    #: a primary key of several columns
    primary_key: tuple[str, ...] = ()
    #: unique keys of several columns
    unique: tuple[tuple[str, ...], ...] = ()
    #: SQLite keeps the rows in the primary key's b-tree (a table with a text key)
    without_rowid: bool = False
    #: rows every new table starts with
    rows: tuple[tuple[str | int, ...], ...] = ()
    #: the version that replaced the table by a new one of the same name (declared later in
    #: :data:`TABLES` with ``since`` that version): the migration renames the old one
    #: ``<name>_<until - 1>``, creates the new one, and a Python data step
    #: (``clientops.adapters._sql.BACKFILLS``) copies the rows and drops the old table
    until: int | None = None

    def live_at(self, version: int) -> bool:
        return self.since <= version and (self.until is None or version < self.until)

    def retire(self, dialect: Dialect) -> tuple[str, ...]:
        """The statements putting the table aside before its replacement is created: renamed
        ``<name>_<version>``; on PostgreSQL without its key constraints, whose names (made
        from the table's) the new table's take."""
        assert self.until is not None
        old = f"{self.name}_{self.until - 1}"
        statements = [f"ALTER TABLE {self.name} RENAME TO {old}"]
        if dialect == POSTGRESQL:
            names = [f"{self.name}_pkey"] if self._has_primary_key() else []
            names += [f"{self.name}_{c.name}_key" for c in self.columns if c.unique]
            names += [f"{self.name}_{'_'.join(key)}_key" for key in self.unique]
            names += [f"{self.name}_{c.name}_fkey" for c in self.columns if c.references]
            statements.extend(f"ALTER TABLE {old} DROP CONSTRAINT {name}" for name in names)
        return tuple(statements)

    def _has_primary_key(self) -> bool:
        return bool(self.primary_key) or any(c.primary_key for c in self.columns)

    def columns_at(self, version: int) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.since is None or c.since <= version)

    def create(self, dialect: Dialect, version: int = 0) -> tuple[str, ...]:
        """The statements creating the table as it was at ``version`` (the head: 0)."""
        columns = self.columns_at(version) if version else self.columns
        lines = [c.render(dialect) for c in columns]
        if self.primary_key:
            lines.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        lines.extend(f"UNIQUE ({', '.join(key)})" for key in self.unique)
        body = ",\n    ".join(lines)
        suffix = " WITHOUT ROWID" if self.without_rowid and dialect == SQLITE else ""
        create = f"CREATE TABLE {self.name} (\n    {body}){suffix}"
        return (create, *(self._insert(row) for row in self.rows))

    def _insert(self, row: tuple[str | int, ...]) -> str:
        names = ", ".join(c.name for c in self.columns[: len(row)])
        values = ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in row)
        return f"INSERT INTO {self.name}({names}) VALUES ({values})"

    def row_key(self) -> tuple[str, ...]:
        """The columns every SQLite index of the table holds anyway: the rowid (``seq``) or
        the primary key of a table without one."""
        if self.without_rowid:
            return self.primary_key or tuple(c.name for c in self.columns if c.primary_key)
        return tuple(c.name for c in self.columns if c.type is Type.SEQ)


@attrs.frozen
class Key:
    """An index column compared by its bytes (PostgreSQL's ``COLLATE "C"``; SQLite's default
    ``BINARY`` already is), so an index serves ``ORDER BY`` the same in both stores."""

    name: str


@attrs.frozen
class Index:
    name: str
    table: str
    columns: tuple[str | Key, ...]
    #: columns stored in the index only to answer a query from it (PostgreSQL's ``INCLUDE``;
    #: SQLite has none and keeps them as trailing key columns)
    include: tuple[str, ...] = ()
    #: a partial index: the rows where each column equals the value (``None``: is NULL)
    where: tuple[tuple[str, int | None], ...] = ()
    since: int = 1
    #: the version that dropped the index (to replace it by a new one of the same name)
    until: int | None = None

    def live_at(self, version: int) -> bool:
        return self.since <= version and (self.until is None or version < self.until)

    def create(self, dialect: Dialect) -> str:
        condition = " AND ".join(
            f"{column} IS NULL" if value is None else f"{column}={value}"
            for column, value in self.where
        )
        keys = [c if isinstance(c, str) else c.name for c in self.columns]
        if dialect == SQLITE:
            # SQLite answers from a partial index alone only when it holds the columns of
            # its condition too; the row's key is in every index already
            implicit = _TABLES[self.table].row_key()
            columns = list(keys)
            for column in (*(c for c, _ in self.where), *self.include):
                if column not in columns and column not in implicit:
                    columns.append(column)
            body = ", ".join(columns)
        else:
            body = ", ".join(
                c if isinstance(c, str) else f'{c.name} COLLATE "C"' for c in self.columns
            )
        sql = f"CREATE INDEX {self.name} ON {self.table}({body})"
        if self.include and dialect == POSTGRESQL:
            sql += f" INCLUDE ({', '.join(self.include)})"
        if condition:
            sql += f" WHERE {condition}"
        return sql


def _statements(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


@attrs.frozen
class DataStep:
    """SQL that fills the new columns of the rows a database already has, in each dialect
    (a step that needs Python is one of ``clientops.adapters._sql.BACKFILLS``)."""

    version: int
    sqlite: tuple[str, ...] = attrs.field(converter=_statements)
    postgresql: tuple[str, ...] = attrs.field(converter=_statements)

    def render(self, dialect: Dialect) -> tuple[str, ...]:
        return self.sqlite if dialect == SQLITE else self.postgresql


T = Type

TABLES: tuple[Table, ...] = (
    # -- 1: cards with their phones and contract numbers, appeals, reactions, the staff
    Table(
        "clients",
        1,
        (
            seq(),
            Column("id", T.TEXT, unique=True),
            Column("version", T.INTEGER),
            Column("name_key", T.TEXT),
            Column("city_key", T.TEXT),
            Column("manager_id", T.TEXT, null=True),
            Column("doc", T.TEXT),
            Column("name", T.TEXT, null=True, since=3),
            # the agenda's touches: a card's birthday and company day as MM-DD
            Column("birthday_md", T.TEXT, null=True, since=9),
            Column("company_day_md", T.TEXT, null=True, since=9),
            # 14: the listing's filters: the category, and when the card was last written
            Column("category", T.TEXT, null=True, since=18),
            Column("changed_at", T.MOMENT, null=True, since=18),
        ),
    ),
    Table(
        "client_phones",
        1,
        (
            Column("e164", T.TEXT),
            Column("client_id", T.TEXT, references="clients(id)", on_delete="CASCADE"),
        ),
        primary_key=("e164", "client_id"),
        without_rowid=True,
    ),
    Table(
        "client_contracts",
        1,
        (
            Column("contract_key", T.TEXT, primary_key=True),
            Column("client_id", T.TEXT, references="clients(id)", on_delete="CASCADE"),
        ),
        without_rowid=True,
    ),
    Table(
        "appeals",
        1,
        (
            seq(),
            Column("id", T.TEXT, unique=True),
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("version", T.INTEGER),
            Column("doc", T.TEXT),
        ),
    ),
    Table(
        "reactions",
        1,
        (
            seq(),
            Column("id", T.TEXT, unique=True),
            Column("appeal_id", T.TEXT, references="appeals(id)"),
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("department_id", T.TEXT, null=True),
            Column("employee_id", T.TEXT, null=True),
            Column("due_at", T.MOMENT),
            Column("done", T.INTEGER),
            Column("version", T.INTEGER),
            Column("doc", T.TEXT),
            Column("kind", T.TEXT, null=True, since=3),
            Column("topic", T.TEXT, null=True, since=3),
            # the client's name, kept in step with the card, for the agenda
            Column("client_name", T.TEXT, default="''", since=11),
        ),
    ),
    Table("departments", 1, (Column("id", T.TEXT, primary_key=True), Column("doc", T.TEXT))),
    Table(
        "employees",
        1,
        (
            Column("id", T.TEXT, primary_key=True),
            Column("department_id", T.TEXT, references="departments(id)"),
            Column("doc", T.TEXT),
        ),
    ),
    Table(
        "absences",
        1,
        (
            seq(),
            Column("employee_id", T.TEXT, references="employees(id)"),
            Column("doc", T.TEXT),
        ),
    ),
    # counts changes to the staff tables, so a store can keep its directory cached
    Table(
        "meta",
        1,
        (Column("key", T.TEXT, primary_key=True), Column("value", T.BIGINT)),
        without_rowid=True,
        rows=(("staff_rev", 0),),
    ),
    # -- 2: idempotency keys of batches (imports, billing runs) that have committed, and
    # side effects waiting for delivery (clientops.outbox)
    Table("batch_keys", 2, (Column("key", T.TEXT, primary_key=True),), without_rowid=True),
    Table(
        "outbox",
        2,
        (
            seq(),
            Column("id", T.TEXT, unique=True),
            Column("key", T.TEXT, unique=True),
            Column("topic", T.TEXT),
            Column("status", T.TEXT),
            Column("next_attempt_at", T.MOMENT),
            Column("lease_until", T.MOMENT, null=True),
            Column("attempts", T.INTEGER),
            Column("doc", T.TEXT),
        ),
    ),
    # -- 4: client folders on their way through the onboarding checklist
    Table(
        "onboardings",
        4,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("manager_id", T.TEXT),
            Column("finished", T.INTEGER),
        ),
    ),
    # -- 5: client orders, from the preliminary request to the closed deal
    Table(
        "orders",
        5,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("number", T.TEXT, unique=True),
            Column("stage", T.TEXT),
        ),
    ),
    # -- 6: the call log, one entry per call folded from the PBX's events
    Table(
        "calls",
        6,
        record(
            Column("client_id", T.TEXT, null=True, references="clients(id)"),
            Column("employee_id", T.TEXT, null=True),
            Column("at", T.MOMENT, null=True),
        ),
    ),
    # -- 7: billing: subscriptions, invoices, payments with their allocations and the credits
    # they leave, the bills of suppliers
    Table(
        "subscriptions",
        7,
        record(Column("client_id", T.TEXT, references="clients(id)")),
    ),
    Table(
        "invoices",
        7,
        record(
            Column("number", T.TEXT),
            Column("number_key", T.TEXT, unique=True),
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("subscription_id", T.TEXT, null=True),
            Column("period", T.TEXT),
            Column("status", T.TEXT),
            Column("issue_date", T.DAY),
            # the card's manager, kept in step with the card, for the agenda's debts
            Column("manager_id", T.TEXT, null=True, since=10),
            # the agenda without joins: the client's name, the due date and what is still
            # owed (computed in Python: clientops.adapters._sql.BACKFILLS[11])
            Column("client_name", T.TEXT, default="''", since=11),
            Column("due_date", T.DAY, null=True, since=11),
            Column("owed", T.AMOUNT, null=True, since=11),
            Column("currency", T.TEXT, null=True, since=11),
        ),
    ),
    Table(
        "payments",
        7,
        record(
            Column("client_id", T.TEXT, null=True, references="clients(id)"),
            Column("date", T.DAY),
        ),
    ),
    Table(
        "allocations",
        7,
        (
            seq(),
            Column("payment_id", T.TEXT),
            Column("invoice_id", T.TEXT),
            Column("client_id", T.TEXT),
            Column("doc", T.TEXT),
        ),
        unique=(("payment_id", "invoice_id"),),
    ),
    Table("credits", 7, (seq(), Column("client_id", T.TEXT), Column("doc", T.TEXT))),
    Table("supplier_bills", 7, record()),
    # -- 8: claims, the satisfaction round's assignments, service contracts, visits, trainings
    Table(
        "claims",
        8,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("stage", T.TEXT),
            Column("department_id", T.TEXT),
            Column("manager_id", T.TEXT, null=True),
            Column("filed_at", T.MOMENT),
            Column("closed_at", T.MOMENT, null=True),
        ),
    ),
    Table(
        "satisfaction",
        8,
        (
            Column("client_id", T.TEXT, primary_key=True, references="clients(id)"),
            Column("manager_id", T.TEXT),
            Column("assigned_on", T.DAY),
            Column("last_call", T.DAY, null=True),
            Column("client_name", T.TEXT, default="''", since=11),
        ),
        without_rowid=True,
    ),
    Table(
        "service_contracts",
        8,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("number", T.TEXT),
        ),
    ),
    Table(
        "visits",
        8,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("contract_id", T.TEXT, references="service_contracts(id)"),
            Column("kind", T.TEXT),
            Column("status", T.TEXT),
            Column("engineer_id", T.TEXT, null=True),
            Column("planned_on", T.DAY, null=True),
        ),
    ),
    Table(
        "trainings",
        8,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("manager_id", T.TEXT),
            Column("status", T.TEXT),
            Column("starts_at", T.MOMENT, null=True),
        ),
    ),
    # -- 12: the last number taken in each number sequence (an invoice number format and
    # year), taken under the write lock; a sequence is seeded from the stored invoices on its
    # first use (only the billing policy can read its numbers)
    Table(
        "number_sequences",
        12,
        (Column("scope", T.TEXT, primary_key=True), Column("last", T.BIGINT, null=True)),
    ),
    # -- 14: call campaigns, their call lists (one row per client: when to call next, in
    # which time zone), their calls with outcomes and answers, the do-not-call flags
    Table("campaigns", 14, record()),
    Table(
        "campaign_targets",
        14,
        (
            seq(),
            Column("campaign_id", T.TEXT, references="campaigns(id)"),
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("timezone", T.TEXT),
            Column("status", T.TEXT),
            # 1 while the row is to be called (status "open"): the partial index's condition
            Column("open", T.INTEGER),
            Column("next_call_at", T.MOMENT),
            Column("attempts", T.INTEGER),
            Column("last_outcome", T.TEXT, null=True),
            Column("claimed_by", T.TEXT, null=True),
            Column("version", T.INTEGER),
        ),
        unique=(("campaign_id", "client_id"),),
    ),
    Table(
        "campaign_calls",
        14,
        record(
            Column("campaign_id", T.TEXT, references="campaigns(id)"),
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("caller_id", T.TEXT),
            Column("at", T.MOMENT),
            Column("outcome", T.TEXT),
        ),
    ),
    Table(
        "do_not_call",
        14,
        (
            Column("client_id", T.TEXT, primary_key=True, references="clients(id)"),
            Column("doc", T.TEXT),
        ),
    ),
    # -- 15: the record of the scheduled jobs' runs (clientops.jobs), one per job and day
    Table(
        "job_runs",
        15,
        (
            Column("job", T.TEXT),
            Column("day", T.DAY),
            Column("status", T.TEXT),
            Column("attempts", T.INTEGER),
            Column("owner", T.TEXT),
            Column("started_at", T.MOMENT),
            Column("lease_until", T.MOMENT, null=True),
            Column("finished_at", T.MOMENT, null=True),
            Column("summary", T.TEXT, default="''"),
            Column("error", T.TEXT, null=True),
        ),
        primary_key=("job", "day"),
        without_rowid=True,
    ),
    # -- 16: the card's timeline, one row per event of a client's history, written with the
    # records it comes from (clientops._timeline.entries_of), read newest first by page
    Table(
        "timeline",
        16,
        (
            seq(),
            Column("id", T.TEXT, unique=True),
            Column("client_id", T.TEXT),
            Column("at", T.MOMENT),
            Column("kind", T.TEXT),
            Column("ref", T.TEXT),
            Column("summary", T.TEXT),
            Column("who", T.TEXT, null=True),
            Column("link", T.TEXT, null=True),
            Column("all_day", T.INTEGER),
            # a note's text and attachments as JSON; NULL for every other entry
            Column("doc", T.TEXT, null=True),
        ),
        until=27,
    ),
    # -- 17: what was last published of each event of a manager's calendar (its SEQUENCE,
    # the digest of its state, cancelled or not), so a publication reads the manager's
    # current events only, not the outbox's history
    Table(
        "calendar_published",
        17,
        (Column("manager", T.TEXT), Column("uid", T.TEXT), Column("doc", T.TEXT)),
        primary_key=("manager", "uid"),
        without_rowid=True,
    ),
    # -- 18: the ids host systems give cards, employees and orders (unique per source and
    # kind of record), what an upsert finds a record by
    Table(
        "external_ids",
        18,
        (
            Column("kind", T.TEXT),
            Column("source", T.TEXT),
            Column("external_id", T.TEXT),
            Column("record_id", T.TEXT),
        ),
        primary_key=("kind", "source", "external_id"),
        without_rowid=True,
    ),
    # -- 19: the change feed (clientops.feed): every event at a gapless position (``seq``,
    # given by clientops, not by the database: on PostgreSQL taken from the ``feed_head`` row
    # of ``meta`` under its lock); and the consumers' saved positions
    Table(
        "feed",
        19,
        (
            Column("seq", T.BIGINT, primary_key=True),
            Column("kind", T.TEXT),
            Column("schema_version", T.INTEGER),
            Column("at", T.MOMENT),
            Column("doc", T.TEXT),
        ),
    ),
    Table(
        "feed_cursors",
        19,
        (
            Column("name", T.TEXT, primary_key=True),
            Column("position", T.BIGINT),
            Column("message_id", T.TEXT, null=True),
            Column("batch_after", T.BIGINT, null=True),
        ),
        without_rowid=True,
    ),
    # -- 20: the managers' monthly plans and reports with their approval (clientops.planning),
    # one of each kind per manager and month; the figures and the approval steps as JSON
    Table(
        "plan_sheets",
        20,
        (
            Column("id", T.TEXT, primary_key=True),
            Column("kind", T.TEXT),
            Column("manager_id", T.TEXT),
            Column("month", T.TEXT),
            Column("state", T.TEXT),
            Column("version", T.INTEGER),
            Column("doc", T.TEXT),
        ),
        unique=(("kind", "manager_id", "month"),),
        without_rowid=True,
    ),
    # -- 21: equipment supply (clientops.supply): purchases, stock levels, shipments, sites,
    # installations, pilots and clouds, one JSON document a record, unique per kind and id
    Table(
        "supply",
        21,
        (
            seq(),
            Column("kind", T.TEXT),
            Column("id", T.TEXT),
            Column("client_id", T.TEXT, null=True),
            Column("is_open", T.INTEGER),
            Column("version", T.INTEGER),
            Column("doc", T.TEXT),
        ),
        unique=(("kind", "id"),),
    ),
    # -- 22: keeping clients (clientops.retention): each client's retention status
    Table(
        "retention",
        22,
        (
            Column("client_id", T.TEXT, primary_key=True, references="clients(id)"),
            Column("status", T.TEXT),
            Column("manager_id", T.TEXT, null=True),
            Column("version", T.INTEGER),
            Column("doc", T.TEXT),
        ),
    ),
    # ... the clients' own credit limits
    Table(
        "credit_limits",
        22,
        (
            Column("client_id", T.TEXT, primary_key=True, references="clients(id)"),
            Column("doc", T.TEXT),
        ),
    ),
    # ... what marketing gets: clients' wishes, client cases, letters of thanks
    Table(
        "marketing",
        22,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("kind", T.TEXT),
        ),
    ),
    # ... contractors and their visits to clients
    Table("contractors", 22, record()),
    Table(
        "contractor_visits",
        22,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("contractor_id", T.TEXT, references="contractors(id)"),
        ),
    ),
    # ... and the legal cases of claims taken to court
    Table(
        "legal_cases",
        22,
        record(
            Column("client_id", T.TEXT, references="clients(id)"),
            Column("claim_id", T.TEXT),
        ),
    ),
    # 24: the clients' special conditions (a discount with its validity), one row each
    Table(
        "client_terms",
        24,
        (
            Column("client_id", T.TEXT, primary_key=True, references="clients(id)"),
            Column("doc", T.TEXT),
        ),
    ),
    # ... and agreements with suppliers, dealers and other organisations (cards of the base)
    Table(
        "partner_agreements",
        24,
        record(Column("counterparty_id", T.TEXT, references="clients(id)")),
    ),
    # -- 27: the timeline again, smaller: its rows kept in the order its page reads them
    # (a client's, newest first: the primary key; SQLite keeps the rows in it, so neither a
    # rowid nor the index ``timeline_client`` beside it), the instant as microseconds in
    # SQLite, the kind as a number, the record's id only when the entry's id does not hold
    # it, the summary's fixed words as one character each (``clientops.adapters._sql``'s
    # ``TimelineRows``); the entry's id stays unique (an entry written again replaces it)
    Table(
        "timeline",
        27,
        (
            Column("client_id", T.TEXT),
            Column("at", T.MICROS),
            Column("id", T.TEXT, unique=True, by_code=True),
            Column("kind", T.INTEGER),
            Column("ref", T.TEXT, null=True),
            Column("summary", T.TEXT),
            Column("who", T.TEXT, null=True),
            Column("link", T.TEXT, null=True),
            Column("all_day", T.INTEGER),
            Column("doc", T.TEXT, null=True),
        ),
        primary_key=("client_id", "at", "id"),
        without_rowid=True,
    ),
)
_TABLES = {table.name: table for table in TABLES if table.until is None}

INDEXES: tuple[Index, ...] = (
    Index("clients_name", "clients", ("name_key", "city_key")),
    Index("clients_manager", "clients", ("manager_id",)),
    Index("client_phones_client", "client_phones", ("client_id",)),
    Index("client_contracts_client", "client_contracts", ("client_id",)),
    Index("appeals_client", "appeals", ("client_id",)),
    Index("reactions_employee_due", "reactions", ("employee_id", "done", "due_at"), until=11),
    Index("reactions_department_due", "reactions", ("department_id", "done", "due_at"), until=26),
    Index("reactions_client", "reactions", ("client_id", "due_at")),
    Index("reactions_appeal", "reactions", ("appeal_id",), until=26),
    Index("outbox_due", "outbox", ("status", "next_attempt_at"), since=2),
    Index("onboardings_client", "onboardings", ("client_id",), since=4),
    Index("onboardings_manager", "onboardings", ("manager_id", "finished"), since=4),
    Index("orders_client", "orders", ("client_id",), since=5),
    Index("plan_sheets_month", "plan_sheets", ("month", "kind", "manager_id"), since=20),
    Index("orders_stage", "orders", ("stage",), since=5),
    Index("calls_at", "calls", ("at",), since=6),
    Index("calls_client", "calls", ("client_id", "at"), since=6),
    Index("subscriptions_client", "subscriptions", ("client_id",), since=7),
    Index("invoices_client", "invoices", ("client_id",), since=7),
    Index("invoices_period", "invoices", ("period",), since=7),
    Index("invoices_status", "invoices", ("status",), since=7),
    Index("invoices_issue_date", "invoices", ("issue_date",), since=7),
    Index("payments_client", "payments", ("client_id", "date"), since=7),
    Index("allocations_client", "allocations", ("client_id",), since=7),
    Index("credits_client", "credits", ("client_id",), since=7),
    Index("claims_client", "claims", ("client_id",), since=8),
    Index("claims_stage", "claims", ("stage", "department_id"), since=8),
    Index("claims_filed", "claims", ("filed_at",), since=8),
    Index("claims_closed", "claims", ("closed_at",), since=8),
    Index("satisfaction_last_call", "satisfaction", ("manager_id", "last_call"), since=8, until=10),
    Index(
        "satisfaction_assigned", "satisfaction", ("manager_id", "assigned_on"), since=8, until=10
    ),
    Index("service_contracts_client", "service_contracts", ("client_id",), since=8),
    Index("visits_client", "visits", ("client_id",), since=8),
    Index("visits_status", "visits", ("status", "planned_on"), since=8),
    Index("trainings_client", "trainings", ("client_id",), since=8),
    Index("trainings_manager", "trainings", ("manager_id", "status", "starts_at"), since=8),
    # 9: the agenda's touches by day and manager
    Index("clients_birthday", "clients", ("birthday_md", "manager_id"), since=9),
    Index("clients_company_day", "clients", ("company_day_md", "manager_id"), since=9),
    # 10: the agenda's debts by manager; one index for both branches of the satisfaction
    # calls due (replaced by 11's covering ones)
    Index("invoices_manager", "invoices", ("manager_id", "status"), since=10, until=11),
    Index(
        "satisfaction_due",
        "satisfaction",
        ("manager_id", "last_call", "assigned_on"),
        since=10,
        until=11,
    ),
    # 11: covering indexes for the agenda's three lists
    Index(
        "reactions_open",
        "reactions",
        ("employee_id", "due_at", Key("client_name"), Key("id")),
        include=("client_id", "kind", "topic"),
        where=(("done", 0),),
        since=11,
    ),
    Index(
        "satisfaction_due",
        "satisfaction",
        ("manager_id", "last_call", "assigned_on"),
        include=("client_id", "client_name"),
        since=11,
    ),
    Index(
        "invoices_manager",
        "invoices",
        ("manager_id", "status"),
        include=(
            "seq",
            "period",
            "due_date",
            "issue_date",
            "client_id",
            "number",
            "id",
            "owed",
            "currency",
            "client_name",
        ),
        since=11,
    ),
    # 14: the next client of a call list, soonest due first, from the index alone; a
    # client's rows (the do-not-call flag); a campaign's, a client's and a caller's calls
    Index(
        "campaign_targets_due",
        "campaign_targets",
        ("campaign_id", "next_call_at", "seq"),
        include=("timezone",),
        where=(("open", 1),),
        since=14,
    ),
    Index("campaign_targets_client", "campaign_targets", ("client_id",), since=14),
    Index("campaign_calls_campaign", "campaign_calls", ("campaign_id", "at"), since=14),
    Index("campaign_calls_client", "campaign_calls", ("client_id", "at"), since=14, until=26),
    Index("campaign_calls_caller", "campaign_calls", ("caller_id", "at"), since=14, until=26),
    Index("job_runs_day", "job_runs", ("day",), since=15),
    # 16: a client's timeline, newest first, by keyset (at, id)
    Index("timeline_client", "timeline", ("client_id", "at", Key("id")), since=16, until=27),
    # 18: a record's external ids, and the cards changed since a moment
    Index("external_ids_record", "external_ids", ("kind", "record_id"), since=18),
    Index("clients_changed", "clients", ("changed_at",), since=18),
    Index("retention_status", "retention", ("status",), since=22),
    Index("legal_cases_client", "legal_cases", ("client_id",), since=22),
    Index("contractor_visits_client", "contractor_visits", ("client_id",), since=22),
    Index("marketing_kind", "marketing", ("kind",), since=22),
    Index("partner_agreements_counterparty", "partner_agreements", ("counterparty_id",), since=24),
    Index("supply_client", "supply", ("client_id", "kind"), since=21),
    Index("supply_open", "supply", ("kind", "is_open"), since=21),
    # 26: no index that no query reads (reactions_appeal, campaign_calls_client,
    # campaign_calls_caller dropped); a department's reactions waiting for someone to take
    # them: the few open ones no employee owns, not every reaction
    Index(
        "reactions_waiting",
        "reactions",
        ("department_id", "due_at"),
        where=(("done", 0), ("employee_id", None)),
        since=26,
    ),
)

#: SQL that fills a version's new columns from the rows a database already has.
DATA_STEPS: tuple[DataStep, ...] = (
    DataStep(
        3,
        "UPDATE clients SET name=json_extract(doc, '$.name')",
        "UPDATE clients SET name=doc::json->>'name'",
    ),
    DataStep(
        3,
        "UPDATE reactions SET kind=json_extract(doc, '$.kind'), topic=json_extract(doc, '$.topic')",
        "UPDATE reactions SET kind=doc::json->>'kind', topic=doc::json->>'topic'",
    ),
    DataStep(
        9,
        "UPDATE clients SET birthday_md=substr(json_extract(doc, '$.birthday'), 6, 5), "
        "company_day_md=substr(json_extract(doc, '$.company_day'), 6, 5)",
        "UPDATE clients SET birthday_md=substr((doc::jsonb)->>'birthday', 6, 5), "
        "company_day_md=substr((doc::jsonb)->>'company_day', 6, 5)",
    ),
    DataStep(
        10,
        "UPDATE invoices SET manager_id=(SELECT manager_id FROM clients "
        "WHERE clients.id=invoices.client_id)",
        "UPDATE invoices SET manager_id=clients.manager_id FROM clients "
        "WHERE clients.id=invoices.client_id",
    ),
    DataStep(
        11,
        "UPDATE reactions SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=reactions.client_id), '')",
        "UPDATE reactions SET client_name=clients.name FROM clients "
        "WHERE clients.id=reactions.client_id AND clients.name IS NOT NULL",
    ),
    DataStep(
        11,
        "UPDATE satisfaction SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=satisfaction.client_id), '')",
        "UPDATE satisfaction SET client_name=clients.name FROM clients "
        "WHERE clients.id=satisfaction.client_id AND clients.name IS NOT NULL",
    ),
    DataStep(
        11,
        "UPDATE invoices SET client_name=coalesce((SELECT name FROM clients "
        "WHERE clients.id=invoices.client_id), ''), due_date=json_extract(doc, '$.due_date')",
        (
            "UPDATE invoices SET due_date=((doc::jsonb)->>'due_date')::date",
            "UPDATE invoices SET client_name=clients.name FROM clients "
            "WHERE clients.id=invoices.client_id AND clients.name IS NOT NULL",
        ),
    ),
)

DATA_STEPS += (
    DataStep(
        18,
        "UPDATE clients SET category=json_extract(doc, '$.category'), "
        "changed_at=strftime('%Y-%m-%dT%H:%M:%f000', 'now')",
        "UPDATE clients SET category=(doc::jsonb)->>'category', changed_at=now()",
    ),
)

#: The schema version of :func:`create_all`; :func:`migrations` has one step per version.
#: Version 13 changes no table: the keys of contract and invoice numbers and of organisation
#: names are recomputed with the one normalisation (``clientops.adapters._sql.BACKFILLS[13]``).
#: Version 14 adds the call campaigns' tables.
#: Version 15 adds ``job_runs``, the record of the scheduled jobs' runs.
#: Version 16 adds the card's timeline, filled from the stored records
#: (``clientops.adapters._sql.BACKFILLS[16]``).
#: Version 17 adds the calendar's publication state, filled from the outbox's
#: ``calendar.publish`` messages (``BACKFILLS[17]``).
#: Version 18 adds the external ids of records and the cards' listing columns.
#: Version 19 adds the change feed (``feed``, ``feed_cursors``).
#: Version 20 adds the monthly plans and reports (``plan_sheets``).
#: Version 21 adds equipment supply (``supply``).
#: Version 22 adds the clients' retention statuses (``retention``), their own credit limits
#: (``credit_limits``), the legal cases (``legal_cases``), the contractors and their visits
#: (``contractors``, ``contractor_visits``), the items for marketing (``marketing``).
#: Version 23 changes nothing (a number given out and not used).
#: Version 24 adds the clients' special conditions (``client_terms``) and the agreements
#: with partners (``partner_agreements``).
#: Version 25 changes no table: the campaigns' stored scripts say each person's case,
#: ``{contact}`` becoming ``{contact:nom}`` (``clientops.adapters._sql.BACKFILLS[25]``).
#: Version 26 changes no table: the indexes no query read are dropped, and a department's
#: waiting reactions get a partial index (``reactions_waiting``); appeals and reactions are
#: written with compact documents from then on (old ones read as before).
#: Version 27 makes the timeline a table kept in its page's order (``timeline`` replaced,
#: its rows copied by ``clientops.adapters._sql.BACKFILLS[27]``, ``timeline_client``
#: dropped), and the cards' documents compact (rewritten by the same step).
HEAD = 27


def create_all(dialect: Dialect) -> tuple[str, ...]:
    """The statements creating the head schema in an empty database."""
    statements: list[str] = []
    for table in TABLES:
        if table.until is None:
            statements.extend(table.create(dialect))
    statements.extend(index.create(dialect) for index in INDEXES if index.until is None)
    return tuple(statements)


def migration(dialect: Dialect, version: int) -> tuple[str, ...]:
    """The statements taking a database from ``version - 1`` to ``version``: the indexes it
    dropped, the tables and columns it added, its data steps, the indexes it added."""
    statements = [f"DROP INDEX {i.name}" for i in INDEXES if i.until == version]
    for table in TABLES:
        if table.until == version:
            statements.extend(table.retire(dialect))
    for table in TABLES:
        if table.since == version:
            statements.extend(table.create(dialect, version))
    for table in TABLES:
        if table.since < version and (table.until is None or version < table.until):
            statements.extend(
                f"ALTER TABLE {table.name} ADD COLUMN {column.render(dialect)}"
                for column in table.columns
                if column.since == version
            )
    for step in DATA_STEPS:
        if step.version == version:
            statements.extend(step.render(dialect))
    statements.extend(index.create(dialect) for index in INDEXES if index.since == version)
    return tuple(statements)


def migrations(dialect: Dialect) -> tuple[tuple[str, ...], ...]:
    """``migrations(dialect)[i]`` takes a database from version ``i`` to ``i + 1``."""
    return tuple(migration(dialect, version) for version in range(1, HEAD + 1))
