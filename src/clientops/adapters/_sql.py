"""What the SQLite and PostgreSQL stores share: one unit of work written against a DB-API
connection, with the few dialect differences left to subclasses.

Statements are written with ``?`` placeholders; the PostgreSQL store turns them into ``%s``.
Each record is kept whole as JSON (the clientops wire form) beside the columns it is looked up
by, so a new field of a record never needs a schema migration.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from clientops._agenda import AgendaSources, ClientTouch, TouchKind
from clientops._billing import (
    Allocation,
    BilledInvoice,
    Credit,
    FeeChange,
    Invoice,
    InvoiceId,
    InvoiceStatus,
    Month,
    OwedInvoice,
    Pause,
    Payment,
    PaymentId,
    Subscription,
    SubscriptionId,
    SupplierBill,
    SupplierBillId,
    amounts_total,
)
from clientops._campaigns import (
    CallCard,
    Campaign,
    CampaignCall,
    CampaignId,
    CampaignTarget,
    DoNotCall,
    OutcomeKind,
    TargetStatus,
    trusted_target,
    upgrade_script_text,
)
from clientops._checks import trusted
from clientops._claims import Claim, ClaimId, ClaimStage
from clientops._contractors import Contractor, ContractorId, ContractorVisit
from clientops._credit import CreditLimit
from clientops._feed import FeedCursor, FeedEntry, FeedRecord
from clientops._jobs import JobRun, JobStatus
from clientops._legal import LegalCase, LegalCaseId
from clientops._onboarding import Onboarding, OnboardingId
from clientops._orders import Order, OrderId, OrderStage
from clientops._outbox import OutboxMessage, OutboxStatus
from clientops._partners import PartnerAgreement
from clientops._planning import MonthlySheet, SheetKind
from clientops._retention import (
    ClientTerms,
    MarketingItem,
    MarketingKind,
    RetentionRecord,
    RetentionStatus,
)
from clientops._sync import ListFilter
from clientops._telephony import CallLogEntry
from clientops._timeline import (
    TimelineEntry,
    TimelineKind,
    TimelinePage,
    TimelineQuery,
    entry_from_row,
    note_json,
    satisfaction_entry,
    timeline_entries,
)
from clientops.bank_statements import invoice_number_key
from clientops.errors import (
    ConflictError,
    DuplicateError,
    FieldError,
    NotFoundError,
    ValidationError,
)
from clientops.model import (
    Absence,
    Appeal,
    AppealId,
    Client,
    ClientId,
    ClientQuery,
    Department,
    DepartmentId,
    DueReaction,
    Employee,
    EmployeeId,
    ExternalId,
    Money,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    StaffDirectory,
    city_key,
    contract_key,
    organisation_key,
)
from clientops.satisfaction import AssignedClient, SatisfactionDueBounds
from clientops.serialization import compact_encoder, make_converter
from clientops.service_visits import (
    ServiceContract,
    ServiceContractId,
    Training,
    TrainingId,
    TrainingStatus,
    Visit,
    VisitId,
    VisitStatus,
)

T = TypeVar("T")

CONVERTER = make_converter()
_OPEN_STAGES = tuple(stage for stage in OrderStage if stage is not OrderStage.CLOSED)
_REACTION_KINDS = {kind.value: kind for kind in ReactionKind}
_OPEN_INVOICES = tuple(status.value for status in InvoiceStatus if status.open)
_OPEN_CLAIMS = tuple(stage.value for stage in ClaimStage if not stage.closed)
_OPEN_VISITS = (VisitStatus.NEW.value, VisitStatus.PLANNED.value)


#: One encoder for every stored document (``json.dumps`` with options builds a new one per call,
#: ``JSONEncoder.encode`` a new C encoder).
_ENCODE = compact_encoder()
#: A text as ``_ENCODE`` writes it (quoted, escaped, not ASCII-only): the encoder's own function.
_ESCAPE: Callable[[str], str] = json.encoder.encode_basestring
#: ``json.loads`` without its look for white space before and after the value (see
#: ``SQLCampaigns.call_card``): the value and where it ends.
_RAW_DECODE: Callable[[str], tuple[Any, int]] = json.JSONDecoder().raw_decode


class UniqueKey(NamedTuple):
    """A unique key of the schema, as a :class:`~clientops.errors.DuplicateError` names it."""

    table: str
    columns: tuple[str, ...]
    #: the kind of record the error names (``"contract"``, ``"order number"``)
    kind: str
    #: the columns whose values the error names, when not ``columns``: the key as the caller
    #: gave it (an invoice's ``number``, not the ``number_key`` it is compared by)
    shown: tuple[str, ...] = ()


#: Every unique key of both SQL schemas (the ids of rows, ``seq``, aside), by the name
#: PostgreSQL gives its constraint (``{table}_pkey``, ``{table}_{columns}_key``). SQLite names
#: the table and columns instead; both are looked up here, so a write that loses a race on any
#: of them raises :class:`~clientops.errors.DuplicateError` (see ``SQLUnitOfWork._duplicate``).
#: A new unique key needs its line here (a test compares this with both schemas).
UNIQUE_KEYS: dict[str, UniqueKey] = {
    "clients_id_key": UniqueKey("clients", ("id",), "client"),
    "client_phones_pkey": UniqueKey("client_phones", ("e164", "client_id"), "client phone"),
    "client_contracts_pkey": UniqueKey("client_contracts", ("contract_key",), "contract"),
    "appeals_id_key": UniqueKey("appeals", ("id",), "appeal"),
    "reactions_id_key": UniqueKey("reactions", ("id",), "reaction"),
    "departments_pkey": UniqueKey("departments", ("id",), "department"),
    "employees_pkey": UniqueKey("employees", ("id",), "employee"),
    "meta_pkey": UniqueKey("meta", ("key",), "store setting"),
    "batch_keys_pkey": UniqueKey("batch_keys", ("key",), "batch key"),
    "outbox_id_key": UniqueKey("outbox", ("id",), "outbox message"),
    "outbox_key_key": UniqueKey("outbox", ("key",), "outbox key"),
    "onboardings_id_key": UniqueKey("onboardings", ("id",), "onboarding"),
    "orders_id_key": UniqueKey("orders", ("id",), "order"),
    "orders_number_key": UniqueKey("orders", ("number",), "order number"),
    "supply_kind_id_key": UniqueKey("supply", ("kind", "id"), "supply record", shown=("id",)),
    "calls_id_key": UniqueKey("calls", ("id",), "call"),
    "subscriptions_id_key": UniqueKey("subscriptions", ("id",), "subscription"),
    "invoices_id_key": UniqueKey("invoices", ("id",), "invoice"),
    "invoices_number_key_key": UniqueKey(
        "invoices", ("number_key",), "invoice number", shown=("number",)
    ),
    "payments_id_key": UniqueKey("payments", ("id",), "payment"),
    "allocations_payment_id_invoice_id_key": UniqueKey(
        "allocations", ("payment_id", "invoice_id"), "allocation"
    ),
    "supplier_bills_id_key": UniqueKey("supplier_bills", ("id",), "supplier bill"),
    "claims_id_key": UniqueKey("claims", ("id",), "claim"),
    "satisfaction_pkey": UniqueKey("satisfaction", ("client_id",), "satisfaction assignment"),
    "service_contracts_id_key": UniqueKey("service_contracts", ("id",), "service contract"),
    "visits_id_key": UniqueKey("visits", ("id",), "visit"),
    "trainings_id_key": UniqueKey("trainings", ("id",), "training"),
    "calendar_published_pkey": UniqueKey(
        "calendar_published", ("manager", "uid"), "calendar publication"
    ),
    "number_sequences_pkey": UniqueKey("number_sequences", ("scope",), "number sequence"),
    "campaigns_id_key": UniqueKey("campaigns", ("id",), "campaign"),
    "campaign_targets_campaign_id_client_id_key": UniqueKey(
        "campaign_targets", ("campaign_id", "client_id"), "campaign target"
    ),
    "campaign_calls_id_key": UniqueKey("campaign_calls", ("id",), "campaign call"),
    "do_not_call_pkey": UniqueKey("do_not_call", ("client_id",), "do-not-call flag"),
    "job_runs_pkey": UniqueKey("job_runs", ("job", "day"), "job run"),
    "timeline_id_key": UniqueKey("timeline", ("id",), "timeline entry"),
    "timeline_pkey": UniqueKey("timeline", ("client_id", "at", "id"), "timeline entry"),
    "external_ids_pkey": UniqueKey(
        "external_ids",
        ("kind", "source", "external_id"),
        "external id",
        shown=("source", "external_id"),
    ),
    "feed_cursors_pkey": UniqueKey("feed_cursors", ("name",), "feed cursor"),
    "plan_sheets_pkey": UniqueKey("plan_sheets", ("id",), "plan sheet"),
    "plan_sheets_kind_manager_id_month_key": UniqueKey(
        "plan_sheets", ("kind", "manager_id", "month"), "plan sheet", shown=("kind", "month")
    ),
    "retention_pkey": UniqueKey("retention", ("client_id",), "retention record"),
    "credit_limits_pkey": UniqueKey("credit_limits", ("client_id",), "credit limit"),
    "client_terms_pkey": UniqueKey("client_terms", ("client_id",), "client terms"),
    "marketing_id_key": UniqueKey("marketing", ("id",), "marketing item"),
    "contractors_id_key": UniqueKey("contractors", ("id",), "contractor"),
    "contractor_visits_id_key": UniqueKey("contractor_visits", ("id",), "contractor visit"),
    "legal_cases_id_key": UniqueKey("legal_cases", ("id",), "legal case"),
    "partner_agreements_id_key": UniqueKey("partner_agreements", ("id",), "partner agreement"),
}
#: The same keys by table and columns, as SQLite reports them.
_UNIQUE_BY_COLUMNS = {(k.table, k.columns): k for k in UNIQUE_KEYS.values()}
_INSERT_COLUMNS = re.compile(r"INSERT INTO \w+\s*\(([^)]*)\)", re.IGNORECASE)


def unique_key(table: str, columns: Sequence[str]) -> UniqueKey | None:
    """The registered unique key of ``table`` over ``columns`` (SQLite's way of naming it)."""
    return _UNIQUE_BY_COLUMNS.get((table, tuple(columns)))


def statement_values(statement: str, params: Sequence[Any], columns: Sequence[str]) -> Any:
    """The values a single-row ``INSERT`` or ``UPDATE`` writes into ``columns`` (one value for
    one column, a tuple for several), or ``None`` when the statement does not say."""
    insert = _INSERT_COLUMNS.search(statement)
    values: list[Any] = []
    for column in columns:
        if insert is not None:
            names = [name.strip() for name in insert.group(1).split(",")]
            if column not in names:
                return None
            at = names.index(column)
        else:
            found = re.search(rf"\b{re.escape(column)}\s*=\s*\?", statement)
            if found is None:
                return None
            at = statement.count("?", 0, found.start())
        if at >= len(params):
            return None
        values.append(params[at])
    return values[0] if len(values) == 1 else tuple(values)


def _month_day(day: date | None) -> str | None:
    """A yearly date as the agenda looks it up: ``MM-DD``."""
    return None if day is None else day.strftime("%m-%d")


#: :func:`organisation_key` remembered for the last names: an incoming call looks a new
#: caller up by name, then stores the card under the same key
_name_key = functools.lru_cache(maxsize=1024)(organisation_key)


def dump(obj: object) -> str:
    return _ENCODE(CONVERTER.unstructure(obj))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """An aware instant as whole microseconds since 1970-01-01 UTC (exact, no float)."""
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """The instant :func:`micros` gave ``value`` for, in UTC."""
    seconds, rest = divmod(value, 1_000_000)  # whole seconds: timedelta makes them faster
    return _EPOCH + timedelta(0, seconds, rest)


def load(doc: str, cls: type[T]) -> T:
    return CONVERTER.structure(json.loads(doc), cls)


class Compact(Generic[T]):
    """The stored document of a record of ``cls`` whose row holds some of its fields as
    ``columns``: the document keeps neither those fields nor any field at its default (a
    ``None``, an empty tuple, version 0), so a row does not hold a value twice. A record is
    read back from its columns and its document (:meth:`load`); a document written before
    (every field in it) reads the same, its columns taking precedence."""

    def __init__(self, cls: type[T], columns: tuple[str, ...]) -> None:
        self.cls = cls
        self.columns = columns
        defaults: list[tuple[str, Any]] = []
        fields: Any = attrs.fields(cls)  # type: ignore[arg-type]
        for field in fields:
            default = field.default
            if default is attrs.NOTHING or field.name in columns:
                continue
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                if default.takes_self:
                    continue
                default = default.factory()
            defaults.append((field.name, CONVERTER.unstructure(default)))
        self._defaults = tuple(defaults)
        #: the converter's unstructuring of ``cls`` without the columns (the same dict as
        #: unstructuring the record whole and dropping them, not made first)
        omitted: dict[str, Any] = {name: override(omit=True) for name in columns}
        self._unstructure = make_dict_unstructure_fn(cls, CONVERTER, **omitted)
        #: the columns to select before ``doc``, in :meth:`load`'s order
        self.select = ", ".join((*columns, "doc"))

    def dump(self, obj: T) -> str:
        return _ENCODE(self.strip(self._unstructure(obj)))

    def strip(self, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` (a record unstructured) without the fields at their defaults."""
        for name, default in self._defaults:
            value = data.get(name, default)
            if value is default or (type(value) is type(default) and value == default):
                data.pop(name, None)
        return data

    def load(self, row: Sequence[Any]) -> T:
        """The record of a row selected as :attr:`select` (its columns, then ``doc``)."""
        data = json.loads(row[-1])
        data.update(zip(self.columns, row, strict=False))
        return CONVERTER.structure(data, self.cls)


class _ReadOnce(dict[Any, T]):
    """Stored values (days, months) converted once each: a list of thousands of rows holds a
    few dozen distinct ones."""

    def __init__(self, read: Callable[[Any], T]) -> None:
        super().__init__()
        self._read = read

    def __missing__(self, value: Any) -> T:
        found = self[value] = self._read(value)
        return found


class _PerUnit(Generic[T]):
    """A repository of a unit of work, made on first use: ``functools.cached_property``
    without its lock (a unit of work is one thread's; a call of a call list opens two, each
    asking for its repositories anew)."""

    def __init__(self, make: Callable[[Any], T]) -> None:
        self._make = make
        self._name = make.__name__

    def __get__(self, uow: Any, owner: Any = None) -> T:
        made = uow.__dict__[self._name] = self._make(uow)
        return made


class StaffCache:
    """A store's cached staff directory, valid while ``meta.staff_rev`` is unchanged."""

    def __init__(self) -> None:
        self.entry: tuple[int, StaffDirectory] | None = None


class SQLUnitOfWork:
    """The unit of work of a SQL store. Subclasses set the dialect hooks below."""

    #: the exception(s) the driver raises for a unique or foreign key violation
    integrity_errors: ClassVar[tuple[type[Exception], ...]] = ()
    #: appended to the outbox claim's inner SELECT (PostgreSQL: ``FOR UPDATE SKIP LOCKED``)
    claim_lock: ClassVar[str] = ""
    #: appended to a text column ordered by code point (PostgreSQL: ``COLLATE "C"``; SQLite
    #: compares UTF-8 bytes, which is the same order)
    by_code: ClassVar[str] = ""
    #: appended to a locking read of one row (PostgreSQL: ``FOR UPDATE``; SQLite's units of
    #: work hold the database's write lock from their start)
    row_lock: ClassVar[str] = ""
    #: a timestamp column as a list read selects it for :attr:`aware` (SQLite: its UTC text
    #: with the offset appended by the database, so reading it is one C call a row)
    ts_column: ClassVar[str] = "{}"

    #: whether this unit of work wrote the staff (set on the unit of work when it does)
    _staff_changed: bool = False
    #: ``meta.staff_rev`` as a statement of this unit of work read it along with what it
    #: read (``SQLCampaigns.get``), for the next ``uow.staff.directory()`` (set on the unit of
    #: work; the class's ``None`` until then: a call of a call list opens two units of work)
    _staff_rev: int | None = None

    def __init__(self, staff_cache: StaffCache) -> None:
        self._staff_cache = staff_cache
        #: the stored value of :attr:`ts_column` to an aware datetime, ``None`` when the
        #: driver gives one already (PostgreSQL)
        self.aware: Callable[[Any], datetime] | None = None

    #: cards and appeals this unit of work wrote or found (with their client): a later write
    #: that needs them does not ask again. Nothing deletes either, so what was there stays
    #: there until the unit of work ends (a rolled-back one is discarded whole). Made on
    #: first use.
    @_PerUnit
    def _present_clients(self) -> set[str]:
        return set()

    @_PerUnit
    def _appeal_owners(self) -> dict[str, str]:
        return {}

    def _release(self) -> None:
        """Forget the repositories made for this unit of work, once it is over: each refers
        back to it (its bound hooks), so until then the unit of work and its repositories are
        a cycle that only the garbage collector frees (70 objects of every incoming call).
        Asked for again, a repository is made again."""
        made = self.__dict__
        for name in [name for name, value in made.items() if getattr(value, "_uow", None) is self]:
            del made[name]

    # -- dialect -------------------------------------------------------------------------
    def _x(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Execute one statement; return a cursor (iterable of tuples, ``rowcount``)."""
        raise NotImplementedError

    def _xmany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _ts(self, moment: datetime) -> Any:
        """A timestamp as the driver stores it."""
        raise NotImplementedError

    def _amount(self, value: Decimal) -> Any:
        """An amount as the driver stores it (SQLite: exact decimal text)."""
        return str(value)

    def _micros(self, moment: datetime) -> Any:
        """An instant of a ``MICROS`` column as the driver stores it (SQLite: whole
        microseconds since 1970 UTC, :func:`micros`; here a timestamp, as :meth:`_ts`)."""
        return self._ts(moment)

    def _from_micros(self, value: Any) -> datetime:
        """A stored ``MICROS`` instant, aware."""
        return self._from_ts(value)

    def _from_ts(self, value: Any) -> datetime:
        """A stored timestamp, aware."""
        raise NotImplementedError

    def _day(self, day: date) -> Any:
        """A calendar day as the driver stores it."""
        raise NotImplementedError

    def _from_day(self, value: Any) -> date:
        """A stored calendar day (SQLite keeps ISO text, PostgreSQL a ``date``)."""
        if isinstance(value, str):
            return date.fromisoformat(value)
        day: date = value
        return day

    def _violated(self, exc: Exception) -> str:
        """What an integrity error says it violated: SQLite names the column
        (``orders.number``), PostgreSQL the constraint (``orders_number_key``)."""
        return str(exc)

    def _unique_violation(self, exc: Exception) -> tuple[UniqueKey, Any] | None:
        """Dialect: the unique key an error says a write collided on, with the values the
        driver reports (``None`` when it does not), or ``None`` for any other error."""
        return None

    def _duplicate(
        self, exc: Exception, statement: str, rows: Sequence[Sequence[Any]]
    ) -> DuplicateError | None:
        """The :class:`DuplicateError` for a unique violation by ``statement`` (one row of
        parameters, or the rows of a batch up to and including the one that failed), naming
        the kind of record and its key; ``None`` when ``exc`` is not a unique violation.

        This is where every write learns it lost a race: the checks before a write cannot
        see a row another transaction has not committed yet."""
        found = self._unique_violation(exc)
        if found is None:
            return None
        key, reported = found
        value = None
        if rows:
            value = statement_values(statement, rows[-1], key.shown or key.columns)
        if value is None:
            value = reported
        return DuplicateError(key.kind, "?" if value is None else value)

    # -- helpers -------------------------------------------------------------------------
    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._x(sql, params).fetchone()
        return None if row is None else row[0]

    def _need_client(self, client_id: ClientId) -> None:
        if client_id in self._present_clients:
            return
        if self._one("SELECT 1 FROM clients WHERE id=?", (client_id,)) is None:
            raise NotFoundError("client", client_id)
        self._present_clients.add(client_id)

    def _race_error(
        self, exc: Exception, kind: str, key: object, client_id: ClientId | None
    ) -> Exception:
        """The clientops error for an integrity error of a write of a record with a client: a
        race the checks before it could not see (another transaction took the id, or removed
        the client, meanwhile)."""
        what = self._violated(exc)
        if "client" in what or "FOREIGN KEY" in what:
            return NotFoundError("client", client_id or "")
        return DuplicateError(kind, key)

    def _stamp(self) -> Any:
        """The moment a write of a card is stamped with (``changed_at``): the store's clock."""
        return self._ts(datetime.now(UTC))

    def _external_owner(self, kind: str, ext: ExternalId) -> str | None:
        owner: str | None = self._one(
            "SELECT record_id FROM external_ids WHERE kind=? AND source=? AND external_id=?",
            (kind, ext.source, ext.id),
        )
        return owner

    def _check_external(self, kind: str, record_id: str, ext: ExternalId | None) -> None:
        """DuplicateError when another record of ``kind`` carries ``ext``."""
        if ext is None:
            return
        owner = self._external_owner(kind, ext)
        if owner is not None and owner != record_id:
            raise DuplicateError("external id", str(ext), owner=owner)

    def _put_external(
        self, kind: str, record_id: str, ext: ExternalId | None, *, replace: bool
    ) -> None:
        """Record the external id of a record (checked with :meth:`_check_external` first);
        ``replace``: the one it carried before is dropped."""
        if replace:
            self._x("DELETE FROM external_ids WHERE kind=? AND record_id=?", (kind, record_id))
        if ext is not None:
            self._x(
                "INSERT INTO external_ids(kind, source, external_id, record_id) "
                "VALUES (?, ?, ?, ?)",
                (kind, ext.source, ext.id, record_id),
            )

    def _page(
        self,
        table: str,
        conditions: Sequence[tuple[str, Any]],
        after: int,
        limit: int,
        cls: type[T],
    ) -> tuple[tuple[int, T], ...]:
        """Up to ``limit`` records of ``table`` after ``seq`` ``after`` where every
        ``column=?`` condition (a condition with an operator is written whole) holds."""
        where = ["seq > ?"]
        params: list[Any] = [after]
        for condition, value in conditions:
            where.append(condition if "?" in condition else f"{condition}=?")
            params.append(value)
        params.append(limit)
        rows = self._x(
            f"SELECT seq, doc FROM {table} WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",
            params,
        )
        return tuple((int(seq), load(doc, cls)) for seq, doc in rows)

    def _staff_write(self) -> None:
        self._staff_changed = True
        self._x("UPDATE meta SET value=value+1 WHERE key='staff_rev'")

    def _bump(
        self, table: str, kind: str, key: str, version: int, sets: str, params: tuple[Any, ...]
    ) -> None:
        cur = self._x(
            f"UPDATE {table} SET version=version+1, {sets} WHERE id=? AND version=?",
            (*params, key, version),
        )
        if cur.rowcount == 0:
            found = self._one(f"SELECT version FROM {table} WHERE id=?", (key,))
            if found is None:
                raise NotFoundError(kind, key)
            raise ConflictError(kind, key, expected=version, found=found)

    # -- the repositories (made on first use) ---------------
    @_PerUnit
    def clients(self) -> SQLClients:
        return SQLClients(self)

    @_PerUnit
    def appeals(self) -> SQLAppeals:
        return SQLAppeals(self)

    @_PerUnit
    def timeline(self) -> SQLTimeline:
        return SQLTimeline(self)

    def chronicle(self, record: object) -> None:
        """Record the timeline entries of ``record`` (just written) in this unit of work."""
        entries = timeline_entries(record)
        if entries:
            self.timeline.record(entries)

    @_PerUnit
    def staff(self) -> SQLStaff:
        return SQLStaff(self)

    @_PerUnit
    def onboarding(self) -> SQLOnboarding:
        return SQLOnboarding(self)

    @_PerUnit
    def orders(self) -> SQLOrders:
        return SQLOrders(self)

    @_PerUnit
    def calls(self) -> SQLCalls:
        return SQLCalls(self)

    @_PerUnit
    def subscriptions(self) -> SQLSubscriptions:
        return SQLSubscriptions(self)

    @_PerUnit
    def invoices(self) -> SQLInvoices:
        return SQLInvoices(self)

    @_PerUnit
    def payments(self) -> SQLPayments:
        return SQLPayments(self)

    @_PerUnit
    def claims(self) -> SQLClaims:
        return SQLClaims(self)

    @_PerUnit
    def service(self) -> SQLService:
        return SQLService(self)

    @_PerUnit
    def outbox(self) -> SQLOutbox:
        return SQLOutbox(self)

    @_PerUnit
    def feed(self) -> SQLFeed:
        return SQLFeed(self)

    @_PerUnit
    def agenda(self) -> SQLAgenda:
        return SQLAgenda(self)

    @_PerUnit
    def campaigns(self) -> SQLCampaigns:
        return SQLCampaigns(self)

    @_PerUnit
    def jobs(self) -> SQLJobRuns:
        return SQLJobRuns(self)

    @_PerUnit
    def plans(self) -> SQLPlanSheets:
        return SQLPlanSheets(self)

    @_PerUnit
    def retention(self) -> SQLRetention:
        return SQLRetention(self)

    @_PerUnit
    def legal(self) -> SQLLegalCases:
        return SQLLegalCases(self)

    @_PerUnit
    def contractors(self) -> SQLContractors:
        return SQLContractors(self)

    # -- data migrations -----------------------------------------------------------------
    def backfill_timeline(self) -> None:
        """Schema 16: the timeline entries of every record stored before it, a batch at a
        time (records read one table at a time, entries written as they come)."""
        tables: tuple[tuple[str, type], ...] = (
            ("appeals", Appeal),
            ("reactions", Reaction),
            ("calls", CallLogEntry),
            ("onboardings", Onboarding),
            ("orders", Order),
            ("invoices", Invoice),
            ("payments", Payment),
            ("claims", Claim),
            ("visits", Visit),
            ("trainings", Training),
        )
        compact: dict[str, Compact[Any]] = {"appeals": APPEAL_DOC, "reactions": REACTION_DOC}
        for table, cls in tables:
            last = 0
            read = compact.get(table)
            select = "doc" if read is None else read.select
            while True:
                rows = self._x(
                    f"SELECT seq, {select} FROM {table} WHERE seq>? ORDER BY seq LIMIT 1000",
                    (last,),
                ).fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                records = [load(r[1], cls) if read is None else read.load(r[1:]) for r in rows]
                entries = [e for record in records for e in timeline_entries(record)]
                if entries:
                    _legacy_record(self, entries)
        for client_id, manager_id, last_call in self._x(
            "SELECT client_id, manager_id, last_call FROM satisfaction WHERE last_call IS NOT NULL"
        ).fetchall():
            entry = satisfaction_entry(client_id, manager_id, self._from_day(last_call))
            _legacy_record(self, [entry])

    def backfill_compact(self) -> None:
        """Schema 27: the timeline's rows copied from the table of schema 26 (renamed
        ``timeline_26``) into the new one, a batch at a time, in its compact form, and the old
        table dropped; the cards' documents rewritten without their fields at defaults."""
        last = -1
        timeline = self.timeline
        moment = self._from_ts
        while True:
            rows = self._x(
                "SELECT seq, id, client_id, at, kind, ref, summary, who, link, all_day, doc "
                "FROM timeline_26 WHERE seq>? ORDER BY seq LIMIT 2000",
                (last,),
            ).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            entries = [entry_from_row(r[1], r[2], moment(r[3]), *r[4:]) for r in rows]
            self._xmany(_TIMELINE_INSERT, [timeline.row(e) for e in entries])
        self._x("DROP TABLE timeline_26")
        last = -1
        strip = CLIENT_DOC.strip
        while True:
            rows = self._x(
                "SELECT seq, doc FROM clients WHERE seq>? ORDER BY seq LIMIT 2000", (last,)
            ).fetchall()
            if not rows:
                break
            last = rows[-1][0]
            updates = []
            for seq, doc in rows:
                compact = _ENCODE(strip(json.loads(doc)))
                if compact != doc:
                    updates.append((compact, seq))
            if updates:
                self._xmany("UPDATE clients SET doc=? WHERE seq=?", updates)

    def backfill_invoice_amounts(self) -> None:
        """Schema 11: what is still owed on every invoice, and its currency, as columns (the
        amount needs the invoice's lines and VAT, so it is computed here, not in SQL)."""
        rows = self._x("SELECT id, doc FROM invoices").fetchall()
        updates = []
        for invoice_id, doc in rows:
            owed = load(doc, Invoice).outstanding
            updates.append((self._amount(owed.amount), owed.currency, invoice_id))
        if updates:
            self._xmany("UPDATE invoices SET owed=?, currency=? WHERE id=?", updates)

    def backfill_publications(self) -> None:
        """Schema 17: the last ``calendar.publish`` state of each event of each manager's
        calendar, read once from the outbox's history (later publications read it from
        ``calendar_published``)."""
        last: dict[tuple[str, str], str] = {}
        rows = self._x("SELECT doc FROM outbox WHERE topic='calendar.publish' ORDER BY seq")
        for (doc,) in rows.fetchall():
            data = load(doc, OutboxMessage).data()
            state = {k: data[k] for k in ("sequence", "digest", "cancelled")}
            last[str(data["manager"]), str(data["uid"])] = json.dumps(state, sort_keys=True)
        if last:
            self._xmany(
                "INSERT INTO calendar_published(manager, uid, doc) VALUES (?, ?, ?)",
                [(m, u, doc) for (m, u), doc in last.items()],
            )

    def backfill_script_placeholders(self) -> None:
        """Schema 25: the stored campaigns' scripts with each person's placeholder saying its
        case, a bare ``{contact}`` or ``{caller}`` made the nominative it always printed
        (:func:`~clientops.campaigns.upgrade_script_text`); the campaign is read back through
        its checks before it is written, so a script that cannot be read stops the migration
        (rolled back), never half-written."""
        updates = []
        for campaign_id, doc in self._x("SELECT id, doc FROM campaigns ORDER BY seq").fetchall():
            raw = json.loads(doc)
            points = (raw.get("script") or {}).get("points") or []
            texts = [point.get("text") for point in points]
            for point in points:
                if isinstance(point.get("text"), str):
                    point["text"] = upgrade_script_text(point["text"])
            if [point.get("text") for point in points] != texts:
                try:
                    campaign = CONVERTER.structure(raw, Campaign)
                except Exception as exc:  # cattrs groups what the script's checks raised
                    raise ValidationError(
                        [FieldError(f"campaigns[{campaign_id}].script", _innermost(exc))],
                        subject="stored campaign",
                    ) from exc
                updates.append((dump(campaign), campaign_id))
        if updates:
            self._xmany("UPDATE campaigns SET doc=? WHERE id=?", updates)

    def backfill_number_keys(self) -> None:
        """Schema 13: the keys contract and invoice numbers and organisation names are stored
        under, recomputed with the one normalisation (:func:`clientops.model.number_key`:
        «д 2025/117» is «Д-2025/117»; :func:`~clientops.model.organisation_key` now also
        folds Latin look-alikes). Two records whose numbers now share a key raise
        :class:`~clientops.errors.DuplicateError` naming the number and its holder, and the
        migration is rolled back: nothing is dropped."""
        owners: dict[str, tuple[str, str]] = {}
        names = []
        for client_id, doc in self._x("SELECT id, doc FROM clients ORDER BY seq").fetchall():
            client = load(doc, Client)
            names.append((organisation_key(client.name), client_id))
            for number in client.contract_numbers:
                held = owners.setdefault(contract_key(number), (client_id, number))
                if held[0] != client_id:
                    raise DuplicateError("contract", number, owner=held[0])
        self._x("DELETE FROM client_contracts")
        if owners:
            self._xmany(
                "INSERT INTO client_contracts(contract_key, client_id) VALUES (?, ?)",
                [(key, client_id) for key, (client_id, _) in owners.items()],
            )
        if names:
            self._xmany("UPDATE clients SET name_key=? WHERE id=?", names)
        numbers: dict[str, str] = {}
        rows = self._x("SELECT id, number FROM invoices ORDER BY seq").fetchall()
        for invoice_id, number in rows:
            held_by = numbers.setdefault(invoice_number_key(number), invoice_id)
            if held_by != invoice_id:
                raise DuplicateError("invoice number", number, owner=held_by)
        if numbers:  # through a key no number has, so no two rows ever hold one key
            self._x("UPDATE invoices SET number_key='#' || id")
            self._xmany("UPDATE invoices SET number_key=? WHERE id=?", list(numbers.items()))


def _innermost(exc: BaseException) -> str:
    """The message of the first clientops error inside ``exc`` (a cattrs exception group)."""
    if isinstance(exc, ValidationError) and exc.errors:
        return exc.errors[0].message
    for inner in getattr(exc, "exceptions", ()):
        return _innermost(inner)
    return str(exc)


class SQLRepository:
    """A repository of one SQL unit of work: its statements run on the unit of work's
    connection, through its dialect hooks (bound here once, as they are called per row)."""

    def __init__(self, uow: SQLUnitOfWork) -> None:
        self._uow = uow
        self._x = uow._x
        self._xmany = uow._xmany
        self._one = uow._one
        self._ts = uow._ts
        self._from_ts = uow._from_ts
        self._day = uow._day
        self._from_day = uow._from_day
        self._amount = uow._amount
        self._violated = uow._violated
        self._need_client = uow._need_client
        self._race_error = uow._race_error
        self._bump = uow._bump
        self._staff_write = uow._staff_write
        self._page = uow._page
        self._check_external = uow._check_external
        self._put_external = uow._put_external
        self.integrity_errors = uow.integrity_errors
        self.claim_lock = uow.claim_lock
        self.by_code = uow.by_code
        self.row_lock = uow.row_lock
        self.ts_column = uow.ts_column
        self.aware = uow.aware

    def _ids_in(self, table: str, column: str, ids: Iterable[str]) -> list[tuple[Any, ...]]:
        """The rows ``(id, column)`` of ``table`` whose id is one of ``ids`` (500 a query)."""
        wanted = sorted(set(ids))
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            found.extend(self._x(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", chunk))
        return found

    _SATISFACTION = (
        # the client's name is kept on the row (in step with the card): no join
        "SELECT client_id, manager_id, assigned_on, last_call, client_name FROM satisfaction "
    )

    def _assigned(self, rows: Iterable[Sequence[Any]]) -> tuple[AssignedClient, ...]:
        day = _ReadOnce(self._from_day).__getitem__
        return tuple(
            AssignedClient(cid, manager, day(assigned), None if last is None else day(last), name)
            for cid, manager, assigned, last, name in rows
        )


#: A card's document (schema 27): every field but those at their defaults (no null, no
#: empty list); read back with :func:`load`, which puts the defaults back.
CLIENT_DOC = Compact(Client, ())


class SQLClients(SQLRepository):
    """The cards."""

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
        if client.phones:
            self._xmany(
                "INSERT INTO client_phones(e164, client_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(p.e164, client.id) for p in client.phones],
            )
        if keys:
            self._xmany(
                "INSERT INTO client_contracts(contract_key, client_id) VALUES (?, ?)",
                [(k, client.id) for k in keys],
            )

    #: the columns of a card's row, in the order of :meth:`_client_row`
    COLUMNS = (
        "id, version, name_key, city_key, manager_id, doc, name, birthday_md, company_day_md, "
        "category, changed_at"
    )
    _INSERT = f"INSERT INTO clients({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    @staticmethod
    def _client_row(client: Client, stamp: Any) -> tuple[Any, ...]:
        return (
            client.id,
            client.version,
            _name_key(client.name),
            city_key(client.city),
            client.manager_id,
            CLIENT_DOC.dump(client),
            client.name,
            _month_day(client.birthday),
            _month_day(client.company_day),
            client.category.value,
            stamp,
        )

    def add(self, client: Client) -> None:
        keys = self._check_contracts(client)
        self._check_external("client", client.id, client.external_id)
        try:
            self._x(self._INSERT, self._client_row(client, self._uow._stamp()))
        except self.integrity_errors:
            raise DuplicateError("client", client.id) from None
        self._uow._present_clients.add(client.id)
        self._index_client(client, keys)
        self._put_external("client", client.id, client.external_id, replace=False)

    def _bulk_externals(self, clients: Sequence[Client]) -> list[tuple[str, str, str, str]]:
        """The external id rows of a batch, refusing an id two cards of the batch carry
        (another stored card's is refused by the table's key)."""
        rows: dict[ExternalId, tuple[str, str, str, str]] = {}
        for client in clients:
            ext = client.external_id
            if ext is None:
                continue
            held = rows.setdefault(ext, ("client", ext.source, ext.id, client.id))
            if held[3] != client.id:
                raise DuplicateError("external id", str(ext), owner=held[3])
        return list(rows.values())

    def _bulk_keys(self, clients: Sequence[Client]) -> list[tuple[str, str]]:
        """The (contract_key, client_id) pairs of a batch, refusing a number that another
        stored card or another card of the batch holds."""
        pairs: dict[str, tuple[str, str]] = {}
        for client in clients:
            for number in client.contract_numbers:
                key = contract_key(number)
                held = pairs.get(key)
                if held is not None and held[1] != client.id:
                    raise DuplicateError("contract", number, owner=held[1])
                pairs[key] = (key, client.id)
        owners = self.contract_owners(pairs)
        if owners:
            key, owner = min(owners.items())
            raise DuplicateError("contract", key, owner=owner)
        return list(pairs.values())

    def managed_by(self, manager_id: EmployeeId) -> tuple[Client, ...]:
        rows = self._x("SELECT doc FROM clients WHERE manager_id=? ORDER BY seq", (manager_id,))
        return tuple(load(doc, Client) for (doc,) in rows)

    def add_many(self, clients: Sequence[Client]) -> None:
        pairs = self._bulk_keys(clients)
        externals = self._bulk_externals(clients)
        stamp = self._uow._stamp()
        try:
            self._xmany(self._INSERT, [self._client_row(c, stamp) for c in clients])
        except self.integrity_errors:
            raise DuplicateError("client", "one of the batch") from None
        if externals:
            self._xmany(
                "INSERT INTO external_ids(kind, source, external_id, record_id) "
                "VALUES (?, ?, ?, ?)",
                externals,
            )
        self._xmany(
            "INSERT INTO client_phones(e164, client_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(p.e164, c.id) for c in clients for p in c.phones],
        )
        if pairs:
            self._xmany(
                "INSERT INTO client_contracts(contract_key, client_id) VALUES (?, ?)", pairs
            )

    def contract_owners(self, numbers: Iterable[str]) -> Mapping[str, ClientId]:
        keys = sorted({contract_key(n) for n in numbers})
        owners: dict[str, ClientId] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._x(
                f"SELECT contract_key, client_id FROM client_contracts "
                f"WHERE contract_key IN ({marks})",
                chunk,
            )
            owners.update((key, ClientId(owner)) for key, owner in rows)
        return owners

    def get(self, client_id: ClientId) -> Client:
        doc = self._one("SELECT doc FROM clients WHERE id=?", (client_id,))
        if doc is None:
            raise NotFoundError("client", client_id)
        return load(doc, Client)

    def update(self, client: Client) -> Client:
        keys = self._check_contracts(client)
        self._check_external("client", client.id, client.external_id)
        new = attrs.evolve(client, version=client.version + 1)
        self._bump(
            "clients",
            "client",
            client.id,
            client.version,
            "name_key=?, city_key=?, manager_id=?, doc=?, name=?, birthday_md=?, "
            "company_day_md=?, category=?, changed_at=?",
            (
                organisation_key(new.name),
                city_key(new.city),
                new.manager_id,
                CLIENT_DOC.dump(new),
                new.name,
                _month_day(new.birthday),
                _month_day(new.company_day),
                new.category.value,
                self._uow._stamp(),
            ),
        )
        self._put_external("client", new.id, new.external_id, replace=True)
        self._x("DELETE FROM client_phones WHERE client_id=?", (client.id,))
        self._x("DELETE FROM client_contracts WHERE client_id=?", (client.id,))
        self._index_client(new, keys)
        # the copies the agenda reads without joining the card (unchanged rows left alone)
        self._x(
            "UPDATE invoices SET manager_id=?, client_name=? WHERE client_id=?",
            (new.manager_id, new.name, new.id),
        )
        self._x(
            "UPDATE reactions SET client_name=? WHERE client_id=? AND client_name<>?",
            (new.name, new.id, new.name),
        )
        self._x(
            "UPDATE satisfaction SET client_name=? WHERE client_id=? AND client_name<>?",
            (new.name, new.id, new.name),
        )
        return new

    def find(self, query: ClientQuery) -> tuple[Client, ...]:
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
            params.append(_name_key(query.name))
        if query.city is not None:
            where.append("city_key=?")
            params.append(city_key(query.city))
        rows = self._x(f"SELECT doc FROM clients WHERE {' AND '.join(where)} ORDER BY seq", params)
        return tuple(load(doc, Client) for (doc,) in rows)

    def count(self) -> int:
        return int(self._one("SELECT count(*) FROM clients"))

    def all(self) -> tuple[Client, ...]:
        rows = self._x("SELECT doc FROM clients ORDER BY seq")
        return tuple(load(doc, Client) for (doc,) in rows)

    def by_external(self, source: str, ids: Iterable[str]) -> Mapping[str, Client]:
        wanted = sorted(set(ids))
        owners: dict[str, str] = {}
        for start in range(0, len(wanted), 500):  # the key's index alone: cheap when none is
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._x(
                "SELECT external_id, record_id FROM external_ids WHERE kind='client' "
                f"AND source=? AND external_id IN ({marks})",
                [source, *chunk],
            )
            owners.update(rows)
        found: dict[str, Client] = {}
        holders = sorted(owners.values())
        cards: dict[str, Client] = {}
        for start in range(0, len(holders), 500):
            chunk = holders[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._x(f"SELECT id, doc FROM clients WHERE id IN ({marks})", chunk)
            cards.update((client_id, load(doc, Client)) for client_id, doc in rows)
        for ext, client_id in owners.items():
            found[ext] = cards[client_id]
        return found

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Client], ...]:
        conditions: list[tuple[str, Any]] = []
        if where.manager_id is not None:
            conditions.append(("manager_id", where.manager_id))
        if where.city is not None:
            conditions.append(("city_key", city_key(where.city)))
        if where.category is not None:
            conditions.append(("category", where.category.value))
        if where.changed_since is not None:
            conditions.append(("changed_at >= ?", self._ts(where.changed_since)))
        return self._page("clients", conditions, after, limit, Client)


#: An appeal's and a reaction's documents without what their rows hold as columns.
APPEAL_DOC = Compact(Appeal, ("id", "client_id", "version"))
REACTION_DOC = Compact(
    Reaction,
    ("id", "appeal_id", "client_id", "department_id", "employee_id", "kind", "topic", "version"),
)
_REACTIONS_INSERT = (
    "INSERT INTO reactions(id, appeal_id, client_id, department_id, employee_id, due_at, done, "
    "version, doc, kind, topic, client_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: ... one reaction, the client's name read by the statement itself (one round trip)
_REACTION_INSERT = _REACTIONS_INSERT.replace(
    "?)", "coalesce((SELECT name FROM clients WHERE id=?), ''))"
)


class SQLAppeals(SQLRepository):
    """Appeals and reactions. Their documents are compact (:class:`Compact`): the columns
    are read with them."""

    def _appeals(self, sql: str, params: Sequence[Any]) -> tuple[Appeal, ...]:
        load_row = APPEAL_DOC.load
        return tuple(load_row(row) for row in self._x(sql, params))

    def _reactions(self, sql: str, params: Sequence[Any]) -> tuple[Reaction, ...]:
        load_row = REACTION_DOC.load
        return tuple(load_row(row) for row in self._x(sql, params))

    def add(self, appeal: Appeal) -> None:
        self._need_client(appeal.client_id)
        try:
            self._x(
                "INSERT INTO appeals(id, client_id, version, doc) VALUES (?, ?, ?, ?)",
                (appeal.id, appeal.client_id, appeal.version, APPEAL_DOC.dump(appeal)),
            )
        except self.integrity_errors:
            raise DuplicateError("appeal", appeal.id) from None
        self._uow._appeal_owners[appeal.id] = appeal.client_id
        self._uow.chronicle(appeal)

    def _client_names(self, client_ids: Iterable[str]) -> dict[str, str]:
        """The names of these cards (a missing card raises NotFoundError naming the first)."""
        wanted = set(client_ids)
        names = {cid: name or "" for cid, name in self._ids_in("clients", "name", wanted)}
        missing = sorted(wanted - names.keys())
        if missing:
            raise NotFoundError("client", missing[0])
        self._uow._present_clients.update(names)
        return names

    def add_many(self, appeals: Sequence[Appeal]) -> None:
        if not appeals:
            return
        seen: set[str] = set()
        for appeal in appeals:
            if appeal.id in seen:
                raise DuplicateError("appeal", appeal.id)
            seen.add(appeal.id)
        present = self._uow._present_clients
        self._client_names(a.client_id for a in appeals if a.client_id not in present)
        stored = self._ids_in("appeals", "client_id", seen)
        if stored:
            raise DuplicateError("appeal", min(row[0] for row in stored))
        dump_doc = APPEAL_DOC.dump
        try:
            self._xmany(
                "INSERT INTO appeals(id, client_id, version, doc) VALUES (?, ?, ?, ?)",
                [(a.id, a.client_id, a.version, dump_doc(a)) for a in appeals],
            )
        except self.integrity_errors:
            raise DuplicateError("appeal", "one of the batch") from None
        owners = self._uow._appeal_owners
        entries: list[TimelineEntry] = []
        for appeal in appeals:
            owners[appeal.id] = appeal.client_id
            entries.extend(timeline_entries(appeal))
        if entries:
            self._uow.timeline.record(entries)

    def get(self, appeal_id: AppealId) -> Appeal:
        found = self._appeals(f"SELECT {APPEAL_DOC.select} FROM appeals WHERE id=?", (appeal_id,))
        if not found:
            raise NotFoundError("appeal", appeal_id)
        return found[0]

    def of_client(self, client_id: ClientId) -> tuple[Appeal, ...]:
        return self._appeals(
            f"SELECT {APPEAL_DOC.select} FROM appeals WHERE client_id=? ORDER BY seq",
            (client_id,),
        )

    def _reaction_row(self, reaction: Reaction, client_name: str) -> tuple[Any, ...]:
        return (
            reaction.id,
            reaction.appeal_id,
            reaction.client_id,
            reaction.department_id,
            reaction.employee_id,
            self._ts(reaction.due_at),
            int(reaction.done),
            reaction.version,
            REACTION_DOC.dump(reaction),
            reaction.kind.value,
            reaction.topic,
            client_name,
        )

    def add_reaction(self, reaction: Reaction) -> None:
        owner = self._uow._appeal_owners.get(reaction.appeal_id)
        if owner is None:
            owner = self._one("SELECT client_id FROM appeals WHERE id=?", (reaction.appeal_id,))
            if owner is not None:
                self._uow._appeal_owners[reaction.appeal_id] = owner
        if owner != reaction.client_id:
            raise NotFoundError("appeal of client", (reaction.client_id, reaction.appeal_id))
        try:
            self._x(_REACTION_INSERT, self._reaction_row(reaction, reaction.client_id))
        except self.integrity_errors:
            raise DuplicateError("reaction", reaction.id) from None
        self._uow.chronicle(reaction)

    def add_many_reactions(self, reactions: Sequence[Reaction]) -> None:
        if not reactions:
            return
        seen: set[str] = set()
        for reaction in reactions:
            if reaction.id in seen:
                raise DuplicateError("reaction", reaction.id)
            seen.add(reaction.id)
        owners = self._uow._appeal_owners
        unknown = {r.appeal_id for r in reactions if r.appeal_id not in owners}
        owners.update(self._ids_in("appeals", "client_id", unknown))
        for reaction in reactions:
            if owners.get(reaction.appeal_id) != reaction.client_id:
                raise NotFoundError("appeal of client", (reaction.client_id, reaction.appeal_id))
        names = self._client_names(r.client_id for r in reactions)
        stored = self._ids_in("reactions", "appeal_id", seen)
        if stored:
            raise DuplicateError("reaction", min(row[0] for row in stored))
        row = self._reaction_row
        try:
            self._xmany(_REACTIONS_INSERT, [row(r, names[r.client_id]) for r in reactions])
        except self.integrity_errors:
            raise DuplicateError("reaction", "one of the batch") from None
        entries = [e for r in reactions for e in timeline_entries(r)]
        if entries:
            self._uow.timeline.record(entries)

    def get_reaction(self, reaction_id: ReactionId) -> Reaction:
        found = self._reactions(
            f"SELECT {REACTION_DOC.select} FROM reactions WHERE id=?", (reaction_id,)
        )
        if not found:
            raise NotFoundError("reaction", reaction_id)
        return found[0]

    def update_reaction(self, reaction: Reaction) -> Reaction:
        new = attrs.evolve(reaction, version=reaction.version + 1)
        self._bump(
            "reactions",
            "reaction",
            reaction.id,
            reaction.version,
            "department_id=?, employee_id=?, due_at=?, done=?, doc=?, kind=?, topic=?",
            (
                new.department_id,
                new.employee_id,
                self._ts(new.due_at),
                int(new.done),
                REACTION_DOC.dump(new),
                new.kind.value,
                new.topic,
            ),
        )
        self._uow.chronicle(new)
        return new

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        return self._reactions(
            f"SELECT {REACTION_DOC.select} FROM reactions WHERE client_id=? ORDER BY due_at, seq",
            (client_id,),
        )

    def _paged(
        self,
        table: str,
        compact: Compact[T],
        conditions: Sequence[tuple[str, Any]],
        after: int,
        limit: int,
    ) -> tuple[tuple[int, T], ...]:
        """As :meth:`SQLUnitOfWork._page`, the rows read with their columns."""
        where = ["seq > ?", *(f"{column}=?" for column, _ in conditions)]
        params = [after, *(value for _, value in conditions), limit]
        rows = self._x(
            f"SELECT seq, {compact.select} FROM {table} WHERE {' AND '.join(where)} "
            "ORDER BY seq LIMIT ?",
            params,
        )
        return tuple((int(row[0]), compact.load(row[1:])) for row in rows)

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Appeal], ...]:
        conditions = [] if where.client_id is None else [("client_id", where.client_id)]
        return self._paged("appeals", APPEAL_DOC, conditions, after, limit)

    def reactions_page(
        self, where: ListFilter, *, after: int, limit: int
    ) -> tuple[tuple[int, Reaction], ...]:
        conditions: list[tuple[str, Any]] = []
        if where.client_id is not None:
            conditions.append(("client_id", where.client_id))
        if where.manager_id is not None:
            conditions.append(("employee_id", where.manager_id))
        if where.status is not None:
            conditions.append(("done", int(where.status == "done")))
        return self._paged("reactions", REACTION_DOC, conditions, after, limit)

    def open_reactions(self, employee_id: EmployeeId) -> tuple[Reaction, ...]:
        return self._reactions(
            f"SELECT {REACTION_DOC.select} FROM reactions WHERE employee_id=? AND done=0 "
            "ORDER BY due_at, seq",
            (employee_id,),
        )

    def department_reactions(self, department_id: DepartmentId) -> tuple[Reaction, ...]:
        return self._reactions(
            f"SELECT {REACTION_DOC.select} FROM reactions WHERE department_id=? AND done=0 "
            "AND employee_id IS NULL ORDER BY due_at, seq",
            (department_id,),
        )


#: The timeline's kinds as its rows store them (schema 27): a number each, never reused.
TIMELINE_KIND_CODES: dict[TimelineKind, int] = {
    TimelineKind.APPEAL: 1,
    TimelineKind.REACTION: 2,
    TimelineKind.CALL: 3,
    TimelineKind.FOLDER: 4,
    TimelineKind.ORDER: 5,
    TimelineKind.INVOICE: 6,
    TimelineKind.PAYMENT: 7,
    TimelineKind.CLAIM: 8,
    TimelineKind.SATISFACTION_CALL: 9,
    TimelineKind.VISIT: 10,
    TimelineKind.TRAINING: 11,
    TimelineKind.NOTE: 12,
    TimelineKind.CARD: 13,
}
_KIND_VALUES = {code: kind.value for kind, code in TIMELINE_KIND_CODES.items()}
#: The fixed words of the summaries ``clientops._timeline`` writes, each stored as one
#: control character (no summary holds one: its checks refuse them), in this order. Stored
#: rows depend on it: append only, never reorder or change a word.
_SUMMARY_WORDS = (
    "Звонок удовлетворённости сделан",
    "Запланировано: ",
    "Обращение: ",
    " — ",
    "входящий звонок",
    "Входящий звонок",
    "исходящий звонок",
    "Исходящий звонок",
    "Папка клиента: ",
    "Заказ № ",
    ": этап «",
    "Счёт № ",
    ": выставлен, оплатить до ",
    "Претензия: ",
    "Обучение «",
    "Карточка изменена: ",
    "Заметка: ",
    "Оплата ",
    "письмо",
    "Письмо",
    "встреча",
    "Встреча",
    "задача",
    "Задача",
    ", есть запись",
    "без ответа",
)
#: ... their characters: U+0001…U+0008 and U+000E…U+001F (not a tab, line or page break)
_WORD_CODES = tuple(chr(c) for c in (*range(1, 9), *range(14, 32)))[: len(_SUMMARY_WORDS)]
_WORD_OF_CODE = dict(zip(_WORD_CODES, _SUMMARY_WORDS, strict=True))
_A_CODE = re.compile(f"[{''.join(_WORD_CODES)}]")


def pack_summary(summary: str) -> str:
    """A summary as a timeline row stores it: its fixed words one character each."""
    for word, code in zip(_SUMMARY_WORDS, _WORD_CODES, strict=True):
        if word in summary:
            summary = summary.replace(word, code)
    return summary


def _word(found: re.Match[str]) -> str:
    return _WORD_OF_CODE[found.group()]


@functools.lru_cache(maxsize=4096)
def unpack_summary(stored: str) -> str:
    """The summary :func:`pack_summary` stored (a row written before schema 27, with no
    code in it, reads as it is). Remembered for the last few thousand: a page repeats them
    (a round's satisfaction calls, an appeal's topic in its reactions)."""
    return stored if stored.isprintable() else _A_CODE.sub(_word, stored)


def _stored_ref(entry_id: str, ref: str) -> str | None:
    """An entry's ``ref`` as its row stores it: ``NULL`` when the id holds it (``kind:ref``,
    ``kind:ref:…``, the form of nearly every id)."""
    parts = entry_id.split(":", 2)
    return None if len(parts) > 1 and parts[1] == ref else ref


def _legacy_record(uow: SQLUnitOfWork, entries: Sequence[TimelineEntry]) -> None:
    """Write entries into the timeline table of schemas 16 to 26 (its backfill, run when an
    older database migrates, comes before schema 27 replaces the table)."""
    ts = uow._ts
    uow._xmany(
        "INSERT INTO timeline(id, client_id, at, kind, ref, summary, who, link, all_day, "
        "doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
        "client_id=excluded.client_id, at=excluded.at, kind=excluded.kind, "
        "ref=excluded.ref, summary=excluded.summary, who=excluded.who, link=excluded.link, "
        "all_day=excluded.all_day, doc=excluded.doc",
        [
            (
                e.id,
                e.client_id,
                ts(e.at),
                e.kind.value,
                e.ref,
                e.summary,
                e.who,
                e.link,
                int(e.all_day),
                note_json(e),
            )
            for e in entries
        ],
    )


_TIMELINE_INSERT = (
    "INSERT INTO timeline(client_id, at, id, kind, ref, summary, who, link, all_day, doc) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_TIMELINE_UPSERT = (
    f"{_TIMELINE_INSERT} ON CONFLICT(id) DO UPDATE SET "
    "client_id=excluded.client_id, at=excluded.at, kind=excluded.kind, ref=excluded.ref, "
    "summary=excluded.summary, who=excluded.who, link=excluded.link, "
    "all_day=excluded.all_day, doc=excluded.doc"
)


class SQLTimeline(SQLRepository):
    """The card's timeline: entries written with the records, read a page at a time.

    A row (schema 27) is kept under its client, its instant and its id (the table's primary
    key, in the order a page reads it) and holds the rest compactly: the kind as a number
    (:data:`TIMELINE_KIND_CODES`), ``ref`` only when the id does not hold it, the summary's
    fixed words one character each (:func:`pack_summary`), a note's text and files as JSON."""

    def row(self, e: TimelineEntry) -> tuple[Any, ...]:
        """The values of an entry's row, as :meth:`record` writes them."""
        return (
            e.client_id,
            self._uow._micros(e.at),
            e.id,
            TIMELINE_KIND_CODES[e.kind],
            _stored_ref(e.id, e.ref),
            pack_summary(e.summary),
            e.who,
            e.link,
            int(e.all_day),
            note_json(e),
        )

    #: the statement :meth:`record` writes an entry's row with, its values by :meth:`row`
    #: (an entry written again, its record's new version, is rewritten in place, moved
    #: when its instant or its client changed)
    INSERT = _TIMELINE_UPSERT

    def record(self, entries: Sequence[TimelineEntry]) -> None:
        row = self.row
        self._xmany(_TIMELINE_UPSERT, [row(e) for e in entries])

    def page(self, client_id: ClientId, query: TimelineQuery) -> TimelinePage:
        sql, params = timeline_sql(client_id, query, self.by_code, self._uow._micros)
        moment = _ReadOnce(self._uow._from_micros).__getitem__
        rows = self._x(sql, params).fetchall()
        return timeline_page([_timeline_entry(r, moment) for r in rows], query)


_KIND_OF_CODE = {code: kind for kind, code in TIMELINE_KIND_CODES.items()}
_new_object = object.__new__
_set_field = object.__setattr__


def _timeline_entry(row: Sequence[Any], moment: Callable[[Any], datetime]) -> TimelineEntry:
    """The entry of a row of :meth:`SQLTimeline.page`, made without checking again what was
    checked when it was written (a note's, with its JSON, by :func:`entry_from_row`)."""
    entry_id, client_id, at, kind, ref, summary, who, link, all_day, doc = row
    if ref is None:
        ref = entry_id.split(":", 2)[1]
    if doc is not None:
        return entry_from_row(
            entry_id,
            client_id,
            moment(at),
            _KIND_VALUES[kind],
            ref,
            unpack_summary(summary),
            who,
            link,
            all_day,
            doc,
        )
    entry: TimelineEntry = _new_object(TimelineEntry)
    _set_field(entry, "id", entry_id)
    _set_field(entry, "client_id", client_id)
    _set_field(entry, "at", moment(at))
    _set_field(entry, "kind", _KIND_OF_CODE[kind])
    _set_field(entry, "ref", ref)
    _set_field(entry, "summary", unpack_summary(summary))
    _set_field(entry, "who", who)
    _set_field(entry, "link", link)
    _set_field(entry, "attachments", ())
    _set_field(entry, "body", None)
    _set_field(entry, "all_day", bool(all_day))
    return entry


def timeline_sql(
    client_id: ClientId, query: TimelineQuery, by_code: str, ts: Callable[[datetime], Any]
) -> tuple[str, list[Any]]:
    """The one statement reading a page of the timeline (a range of its primary key, the
    client's rows newest first): the cursor a keyset (``at``, ``id``), one row more than the
    page to know whether another page follows."""
    sql = (
        "SELECT id, client_id, at, kind, ref, summary, who, link, all_day, doc FROM timeline "
        "WHERE client_id=?"
    )
    params: list[Any] = [client_id]
    if query.kinds:
        sql += f" AND kind IN ({', '.join('?' * len(query.kinds))})"
        params += [TIMELINE_KIND_CODES[k] for k in query.kinds]
    if query.since is not None:
        sql += " AND at>=?"
        params.append(ts(query.since))
    if query.until is not None:
        sql += " AND at<?"
        params.append(ts(query.until))
    if query.after is not None:
        at, entry_id = query.after
        # at<=? bounds the range read; the OR picks the rows after the cursor in it
        sql += f" AND at<=? AND (at<? OR (at=? AND id{by_code}<?))"
        params += [ts(at), ts(at), ts(at), entry_id]
    sql += f" ORDER BY at DESC, id{by_code} DESC LIMIT {query.limit + 1}"
    return sql, params


def timeline_page(entries: Sequence[TimelineEntry], query: TimelineQuery) -> TimelinePage:
    """The page of ``entries`` (the query's rows, one more than a page when another follows)."""
    page = tuple(entries[: query.limit])
    more = len(entries) > query.limit
    return TimelinePage(page, (page[-1].at, page[-1].id) if more else None)


@functools.lru_cache(maxsize=64)
def _sources_sql(mine: bool, days: int, sheets: int, departments: int) -> str:
    """The statement of :meth:`SQLAgenda.sources` for its shape: one EXISTS per source (a
    source with nothing to look for is ``1=0``)."""
    by = " AND manager_id=?" if mine else ""

    def marks(count: int) -> str:
        return ", ".join("?" * count)

    parts = [
        f"EXISTS(SELECT 1 FROM claims WHERE stage IN ({marks(len(_OPEN_CLAIMS))}))",
        f"EXISTS(SELECT 1 FROM visits WHERE status IN ({marks(len(_OPEN_VISITS))}))",
        f"EXISTS(SELECT 1 FROM trainings WHERE status=? AND starts_at>=? AND starts_at<?{by})",
        f"EXISTS(SELECT 1 FROM clients WHERE birthday_md IN ({marks(days)}){by}) OR "
        f"EXISTS(SELECT 1 FROM clients WHERE company_day_md IN ({marks(days)}){by})"
        if days
        else "1=0",
        f"EXISTS(SELECT 1 FROM plan_sheets WHERE month IN ({marks(sheets)}))" if sheets else "1=0",
        "EXISTS(SELECT 1 FROM supply)",
        f"EXISTS(SELECT 1 FROM reactions WHERE department_id IN ({marks(departments)}) "
        "AND done=0 AND employee_id IS NULL)"
        if departments
        else "1=0",
    ]
    return "SELECT " + ", ".join(parts)


#: :class:`Money` without its checks, for amounts a store wrote (and checked) itself
trusted_money: Callable[[Decimal, str], Money] = trusted(Money)


def _stored_money(text: str) -> Money:
    """``RUB1200.00`` (the currency, then the amount as stored) as :class:`Money`."""
    return trusted_money(Decimal(text[3:]), text[:3])


class SQLAgenda(SQLRepository):
    """The agenda's read model: one set-based query each, on copied columns and
    covering indexes."""

    def due_reactions(self, employee_id: EmployeeId, *, until: datetime) -> tuple[DueReaction, ...]:
        """The staff revision is read with the rows (one round trip fewer for a caller that
        checks the employee against the staff directory next, in the same unit of work)."""
        rows = self._x(
            # one covering index (reactions_open), no join: the name is kept on the reaction
            "SELECT id, client_id, client_name, kind, topic, due_at, "
            "(SELECT value FROM meta WHERE key='staff_rev') FROM reactions "
            "WHERE employee_id=? AND done=0 AND due_at<=? "
            f"ORDER BY due_at, client_name{self.by_code}, id{self.by_code}",
            (employee_id, self._ts(until)),
        )
        kinds = _REACTION_KINDS
        ts = self._from_ts
        found = rows.fetchall()
        if found:
            self._uow._staff_rev = int(found[0][6])  # for the next uow.staff.directory()
        return tuple(
            DueReaction(rid, cid, name, kinds[kind], topic, ts(due))
            for rid, cid, name, kind, topic, due, _ in found
        )

    def due_reaction_rows(
        self, employee_id: EmployeeId, *, until: datetime
    ) -> list[tuple[ReactionId, ClientId, str, str, datetime]]:
        """:meth:`due_reactions` as plain tuples (id, client, client name, topic, due
        moment): what the agenda turns straight into its items, without a
        :class:`DueReaction` and its kind per row."""
        rows = self._x(
            f"SELECT id, client_id, client_name, topic, {self.ts_column.format('due_at')} "
            "FROM reactions WHERE employee_id=? AND done=0 AND due_at<=? "
            f"ORDER BY due_at, client_name{self.by_code}, id{self.by_code}",
            (employee_id, self._ts(until)),
        )
        aware = self.aware
        if aware is None:
            return rows.fetchall()  # type: ignore[no-any-return]
        return [(rid, cid, name, topic, aware(due)) for rid, cid, name, topic, due in rows]

    def open_invoices_managed_by(self, manager_id: EmployeeId) -> tuple[OwedInvoice, ...]:
        # one covering index (invoices_manager); manager_id and client_name follow the card
        # (set on every invoice write and card update), owed and due_date the invoice
        marks = ", ".join("?" * len(_OPEN_INVOICES))
        rows = self._x(
            "SELECT id, number, client_id, period, issue_date, due_date, owed, currency, "
            f"client_name FROM invoices WHERE manager_id=? AND status IN ({marks}) "
            "ORDER BY seq",
            (manager_id, *_OPEN_INVOICES),
        )
        month = _ReadOnce(Month.parse).__getitem__
        day = _ReadOnce(self._from_day).__getitem__
        # values the store checked when it wrote them; a month's invoices owe a few amounts
        money = _ReadOnce(_stored_money).__getitem__
        new = tuple.__new__
        return tuple(
            new(
                OwedInvoice,
                (
                    iid,
                    number,
                    cid,
                    month(period),
                    day(issued),
                    day(due),
                    money(f"{currency}{owed}"),
                    name,
                ),
            )
            for iid, number, cid, period, issued, due, owed, currency, name in rows
        )

    def satisfaction_calls_due(
        self, bounds: SatisfactionDueBounds, *, manager_id: EmployeeId | None = None
    ) -> tuple[AssignedClient, ...]:
        return self._assigned(self._satisfaction_due(bounds, manager_id))

    def satisfaction_rows(
        self, bounds: SatisfactionDueBounds, *, manager_id: EmployeeId | None = None
    ) -> list[tuple[ClientId, str, date, date | None]]:
        """:meth:`satisfaction_calls_due` as plain tuples (client, client name, assigned on,
        last call): what the agenda turns straight into its items, without an
        :class:`AssignedClient` per row."""
        day = _ReadOnce(self._from_day).__getitem__
        return [
            (cid, name, day(assigned), None if last is None else day(last))
            for cid, _, assigned, last, name in self._satisfaction_due(bounds, manager_id)
        ]

    def _satisfaction_due(
        self, bounds: SatisfactionDueBounds, manager_id: EmployeeId | None
    ) -> Any:
        # two range conditions, each answered by an index on (manager_id, ...)
        mine = "" if manager_id is None else "manager_id=? AND "
        who: tuple[Any, ...] = () if manager_id is None else (manager_id,)
        return self._x(
            f"SELECT * FROM ({self._SATISFACTION}WHERE {mine}last_call<=? UNION ALL "
            f"{self._SATISFACTION}WHERE {mine}last_call IS NULL AND assigned_on<=?) due "
            f"ORDER BY client_name{self.by_code}, client_id{self.by_code}",
            (
                *who,
                self._day(bounds.last_call_until),
                *who,
                self._day(bounds.assigned_until),
            ),
        )

    def client_touches(
        self, month_days: Sequence[str], *, manager_id: EmployeeId | None = None
    ) -> tuple[ClientTouch, ...]:
        days = sorted(set(month_days))
        if not days:
            return ()
        marks = ", ".join("?" * len(days))
        found: list[ClientTouch] = []
        for column, kind in (
            ("birthday_md", TouchKind.BIRTHDAY),
            ("company_day_md", TouchKind.COMPANY_DAY),
        ):
            where = f"{column} IN ({marks})"
            params: list[Any] = list(days)
            if manager_id is not None:
                where += " AND manager_id=?"
                params.append(manager_id)
            rows = self._x(f"SELECT id, name, manager_id FROM clients WHERE {where}", params)
            found += [ClientTouch(ClientId(i), n, m, kind) for i, n, m in rows]
        return tuple(sorted(found, key=lambda t: (t.kind.value, t.client_name, t.client_id)))

    def sources(
        self,
        *,
        start: datetime,
        end: datetime,
        month_days: Sequence[str],
        months: Sequence[Month],
        manager_id: EmployeeId | None = None,
        departments: Sequence[DepartmentId] = (),
    ) -> AgendaSources:
        """Which of the agenda's small sources have rows for the day from ``start`` to
        ``end``, in one statement of one EXISTS each, on the index its own query uses: the
        agenda skips the queries of the empty ones (most days most of them are). Trainings
        and touches of ``manager_id`` only when given; ``departments``: whose untaken
        reactions."""
        who: tuple[Any, ...] = () if manager_id is None else (manager_id,)
        days = sorted(set(month_days))
        sheets = sorted({str(m) for m in months})
        params: list[Any] = [*_OPEN_CLAIMS, *_OPEN_VISITS]
        params += [TrainingStatus.SCHEDULED.value, self._ts(start), self._ts(end), *who]
        params += [*days, *who, *days, *who] if days else []
        params += [*sheets, *departments]
        statement = _sources_sql(bool(who), len(days), len(sheets), len(departments))
        row = self._x(statement, params).fetchone()
        return AgendaSources(*(bool(flag) for flag in row))


class SQLOnboarding(SQLRepository):
    """Onboardings."""

    def add(self, onboarding: Onboarding) -> None:
        self._need_client(onboarding.client_id)
        try:
            self._x(
                "INSERT INTO onboardings(id, client_id, manager_id, finished, version, doc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    onboarding.id,
                    onboarding.client_id,
                    onboarding.manager_id,
                    int(onboarding.finished),
                    onboarding.version,
                    dump(onboarding),
                ),
            )
        except self.integrity_errors:
            raise DuplicateError("onboarding", onboarding.id) from None
        self._uow.chronicle(onboarding)

    def get(self, onboarding_id: OnboardingId) -> Onboarding:
        doc = self._one("SELECT doc FROM onboardings WHERE id=?", (onboarding_id,))
        if doc is None:
            raise NotFoundError("onboarding", onboarding_id)
        return load(doc, Onboarding)

    def update(self, onboarding: Onboarding) -> Onboarding:
        new = attrs.evolve(onboarding, version=onboarding.version + 1)
        self._bump(
            "onboardings",
            "onboarding",
            onboarding.id,
            onboarding.version,
            "manager_id=?, finished=?, doc=?",
            (new.manager_id, int(new.finished), dump(new)),
        )
        self._uow.chronicle(new)
        return new

    def of_client(self, client_id: ClientId) -> tuple[Onboarding, ...]:
        rows = self._x("SELECT doc FROM onboardings WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Onboarding) for (doc,) in rows)

    def open(self, manager_id: EmployeeId) -> tuple[Onboarding, ...]:
        rows = self._x(
            "SELECT doc FROM onboardings WHERE manager_id=? AND finished=0 ORDER BY seq",
            (manager_id,),
        )
        return tuple(load(doc, Onboarding) for (doc,) in rows)


class SQLOrders(SQLRepository):
    """Orders."""

    #: the statement :meth:`add` writes an order's row with, its values by :meth:`row`
    INSERT = (
        "INSERT INTO orders(id, client_id, number, stage, version, doc) VALUES (?, ?, ?, ?, ?, ?)"
    )

    @staticmethod
    def row(order: Order) -> tuple[Any, ...]:
        """The values of an order's row, as :meth:`add` writes them."""
        return (
            order.id,
            order.client_id,
            order.number,
            order.stage.value,
            order.version,
            dump(order),
        )

    def _check_number(self, order: Order) -> None:
        owner = self._one("SELECT id FROM orders WHERE number=?", (order.number,))
        if owner is not None and owner != order.id:
            raise DuplicateError("order number", order.number, owner=owner)

    def _order_error(self, exc: Exception, order: Order) -> Exception:
        """The clientops error for an integrity error of an order write: a race the checks
        before it could not see (another transaction took the id or the number meanwhile)."""
        what = self._violated(exc)
        if "number" in what:
            return DuplicateError("order number", order.number)
        if "client" in what or "FOREIGN KEY" in what:
            return NotFoundError("client", order.client_id)
        return DuplicateError("order", order.id)

    def add(self, order: Order) -> None:
        self._need_client(order.client_id)
        taken = self._x(
            "SELECT id, number FROM orders WHERE id=? OR number=?", (order.id, order.number)
        ).fetchall()
        if any(key == order.id for key, _ in taken):
            raise DuplicateError("order", order.id)
        if taken:
            raise DuplicateError("order number", order.number, owner=taken[0][0])
        self._check_external("order", order.id, order.external_id)
        try:
            self._x(self.INSERT, self.row(order))
        except self.integrity_errors as exc:
            raise self._order_error(exc, order) from None
        self._uow.chronicle(order)
        self._put_external("order", order.id, order.external_id, replace=False)

    def get(self, order_id: OrderId) -> Order:
        doc = self._one("SELECT doc FROM orders WHERE id=?", (order_id,))
        if doc is None:
            raise NotFoundError("order", order_id)
        return load(doc, Order)

    def update(self, order: Order) -> Order:
        self._check_number(order)
        self._need_client(order.client_id)  # checked: PostgreSQL would abort
        self._check_external("order", order.id, order.external_id)
        new = attrs.evolve(order, version=order.version + 1)
        try:
            self._bump(
                "orders",
                "order",
                order.id,
                order.version,
                "client_id=?, number=?, stage=?, doc=?",
                (new.client_id, new.number, new.stage.value, dump(new)),
            )
        except self.integrity_errors as exc:
            raise self._order_error(exc, order) from None
        self._uow.chronicle(new)
        self._put_external("order", new.id, new.external_id, replace=True)
        return new

    def find(self, number: str) -> Order | None:
        doc = self._one("SELECT doc FROM orders WHERE number=?", (number,))
        return None if doc is None else load(doc, Order)

    def of_client(self, client_id: ClientId) -> tuple[Order, ...]:
        rows = self._x("SELECT doc FROM orders WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Order) for (doc,) in rows)

    def open(self) -> tuple[Order, ...]:
        # named stages, not ``stage<>'closed'``: the index on stage serves them
        return self.in_stages(_OPEN_STAGES)

    def in_stages(self, stages: Iterable[OrderStage]) -> tuple[Order, ...]:
        values = sorted({OrderStage(stage).value for stage in stages})
        if not values:
            return ()
        marks = ", ".join("?" * len(values))
        rows = self._x(f"SELECT doc FROM orders WHERE stage IN ({marks}) ORDER BY seq", values)
        return tuple(load(doc, Order) for (doc,) in rows)

    def by_external(self, source: str, external_id: str) -> Order | None:
        doc = self._one(
            "SELECT o.doc FROM external_ids e JOIN orders o ON o.id=e.record_id "
            "WHERE e.kind='order' AND e.source=? AND e.external_id=?",
            (source, external_id),
        )
        return None if doc is None else load(doc, Order)

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Order], ...]:
        conditions: list[tuple[str, Any]] = []
        if where.client_id is not None:
            conditions.append(("client_id", where.client_id))
        if where.status is not None:
            conditions.append(("stage", where.status))
        return self._page("orders", conditions, after, limit, Order)


class SQLCalls(SQLRepository):
    """The call log."""

    #: the statement :meth:`add` writes an entry's row with, its values by :meth:`row`
    INSERT = (
        "INSERT INTO calls(id, client_id, employee_id, at, version, doc) VALUES (?, ?, ?, ?, ?, ?)"
    )

    def row(self, entry: CallLogEntry) -> tuple[Any, ...]:
        """The values of an entry's row, as :meth:`add` writes them."""
        return (entry.call_id, *self._call_params(entry), entry.version, dump(entry))

    def _call_params(self, entry: CallLogEntry) -> tuple[Any, ...]:
        at = entry.at
        return (entry.client_id, entry.employee_id, None if at is None else self._ts(at))

    def _call_client(self, entry: CallLogEntry) -> None:
        if entry.client_id is not None:
            self._need_client(entry.client_id)

    def add(self, entry: CallLogEntry) -> None:
        self._call_client(entry)
        if self._one("SELECT 1 FROM calls WHERE id=?", (entry.call_id,)) is not None:
            raise DuplicateError("call", entry.call_id)
        try:
            self._x(self.INSERT, self.row(entry))
        except self.integrity_errors as exc:
            raise self._race_error(exc, "call", entry.call_id, entry.client_id) from None
        self._uow.chronicle(entry)

    def find(self, call_id: str) -> CallLogEntry | None:
        doc = self._one("SELECT doc FROM calls WHERE id=?", (call_id,))
        return None if doc is None else load(doc, CallLogEntry)

    def update(self, entry: CallLogEntry) -> CallLogEntry:
        self._call_client(entry)
        new = attrs.evolve(entry, version=entry.version + 1)
        try:
            self._bump(
                "calls",
                "call",
                entry.call_id,
                entry.version,
                "client_id=?, employee_id=?, at=?, doc=?",
                (*self._call_params(new), dump(new)),
            )
        except self.integrity_errors as exc:
            raise self._race_error(exc, "call", entry.call_id, entry.client_id) from None
        self._uow.chronicle(new)
        return new

    def between(self, start: datetime, end: datetime) -> tuple[CallLogEntry, ...]:
        rows = self._x(
            "SELECT doc FROM calls WHERE at>=? AND at<? ORDER BY at, id",
            (self._ts(start), self._ts(end)),
        )
        return tuple(load(doc, CallLogEntry) for (doc,) in rows)

    def of_client(self, client_id: ClientId) -> tuple[CallLogEntry, ...]:
        rows = self._x(
            "SELECT doc FROM calls WHERE client_id=? ORDER BY at IS NULL, at, id", (client_id,)
        )
        return tuple(load(doc, CallLogEntry) for (doc,) in rows)


#: how many cards ``SQLSubscriptions.payers`` asks for in one statement
_PAYERS_AT_ONCE = 500


def _vat_rate(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


_SUBSCRIPTION_KEYS = frozenset(f.name for f in attrs.fields(Subscription))


class _SubscriptionReader:
    """Stored subscriptions made from their JSON documents directly (what cattrs's
    ``load(doc, Subscription)`` makes, in a third of its time: a billing run reads every
    subscription), their days and fees converted once per list; a document of any other
    shape (a key missing or unknown) is read by ``load``."""

    def __init__(self) -> None:
        self._day = _ReadOnce(date.fromisoformat)
        self._money = _ReadOnce(lambda pair: Money(Decimal(pair[0]), pair[1]))

    def __call__(self, doc: str) -> Subscription:
        data = json.loads(doc)
        if data.keys() != _SUBSCRIPTION_KEYS:
            return load(doc, Subscription)
        try:
            day, money = self._day, self._money
            fee = data["fee"]
            end = data["end"]
            return Subscription(
                id=data["id"],
                client_id=data["client_id"],
                fee=money[fee["amount"], fee["currency"]],
                start=day[data["start"]],
                end=None if end is None else day[end],
                pauses=tuple(
                    Pause(day[p["start"]], day[p["end"]], p["reason"]) for p in data["pauses"]
                ),
                fee_changes=tuple(
                    FeeChange(day[c["since"]], money[c["fee"]["amount"], c["fee"]["currency"]])
                    for c in data["fee_changes"]
                ),
                service=data["service"],
                unit=data["unit"],
                payer_inn=data["payer_inn"],
                version=data["version"],
            )
        except (KeyError, TypeError):
            return load(doc, Subscription)


class SQLSubscriptions(SQLRepository):
    """Subscriptions."""

    def add(self, subscription: Subscription) -> None:
        self._need_client(subscription.client_id)
        if self._one("SELECT 1 FROM subscriptions WHERE id=?", (subscription.id,)) is not None:
            raise DuplicateError("subscription", subscription.id)
        try:
            self._x(
                "INSERT INTO subscriptions(id, client_id, version, doc) VALUES (?, ?, ?, ?)",
                (
                    subscription.id,
                    subscription.client_id,
                    subscription.version,
                    dump(subscription),
                ),
            )
        except self.integrity_errors as exc:
            raise self._race_error(
                exc, "subscription", subscription.id, subscription.client_id
            ) from None

    def get(self, subscription_id: SubscriptionId) -> Subscription:
        doc = self._one("SELECT doc FROM subscriptions WHERE id=?", (subscription_id,))
        if doc is None:
            raise NotFoundError("subscription", subscription_id)
        return load(doc, Subscription)

    def update(self, subscription: Subscription) -> Subscription:
        self._need_client(subscription.client_id)  # checked: PostgreSQL would abort
        new = attrs.evolve(subscription, version=subscription.version + 1)
        try:
            self._bump(
                "subscriptions",
                "subscription",
                subscription.id,
                subscription.version,
                "client_id=?, doc=?",
                (new.client_id, dump(new)),
            )
        except self.integrity_errors as exc:
            raise self._race_error(
                exc, "subscription", subscription.id, subscription.client_id
            ) from None
        return new

    def of_client(self, client_id: ClientId) -> tuple[Subscription, ...]:
        rows = self._x("SELECT doc FROM subscriptions WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Subscription) for (doc,) in rows)

    def all(self) -> tuple[Subscription, ...]:
        rows = self._x("SELECT doc FROM subscriptions ORDER BY seq")
        read = _SubscriptionReader()
        return tuple(read(doc) for (doc,) in rows)

    def payers(self, client_ids: Iterable[ClientId]) -> dict[ClientId, tuple[str, str | None]]:
        # the name from its column, the INN from the card's document, parsed as JSON only
        # (not made into a Client), a few hundred cards a statement
        wanted = sorted(set(client_ids))
        found: dict[ClientId, tuple[str, str | None]] = {}
        for at in range(0, len(wanted), _PAYERS_AT_ONCE):
            part = wanted[at : at + _PAYERS_AT_ONCE]
            rows = self._x(
                f"SELECT id, name, doc FROM clients WHERE id IN ({', '.join('?' * len(part))})",
                part,
            )
            for client_id, name, doc in rows:
                card = json.loads(doc)
                found[client_id] = (name if name is not None else card["name"], card.get("inn"))
        return found


class SQLInvoices(SQLRepository):
    """Invoices and their number sequences."""

    #: the statement :meth:`add` writes an invoice's row with (the manager and the client's
    #: name from the card), its values by :meth:`row`
    INSERT = (
        "INSERT INTO invoices(id, number, number_key, client_id, subscription_id, "
        "period, status, issue_date, due_date, owed, currency, version, doc, manager_id, "
        "client_name) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, manager_id, "
        "coalesce(name, '') FROM clients WHERE id=?"
    )

    def row(self, invoice: Invoice, key: str | None = None) -> tuple[Any, ...]:
        """The values of :data:`INSERT` for an invoice, as :meth:`add` writes them (``key``:
        its number's :func:`invoice_number_key`, when already known)."""
        return (
            invoice.id,
            *self._invoice_params(invoice, key),
            invoice.version,
            dump(invoice),
            invoice.client_id,
        )

    def _invoice_params(self, invoice: Invoice, key: str | None = None) -> tuple[Any, ...]:
        owed = invoice.outstanding
        return (
            invoice.number,
            invoice_number_key(invoice.number) if key is None else key,
            invoice.client_id,
            invoice.subscription_id,
            str(invoice.period),
            invoice.status.value,
            self._day(invoice.issue_date),
            self._day(invoice.due_date),
            self._amount(owed.amount),
            owed.currency,
        )

    def _check_invoice_number(self, invoice: Invoice) -> None:
        key = invoice_number_key(invoice.number)
        owner = self._one("SELECT id FROM invoices WHERE number_key=?", (key,))
        if owner is not None and owner != invoice.id:
            raise DuplicateError("invoice number", invoice.number, owner=owner)

    def _invoice_error(self, exc: Exception, invoice: Invoice) -> Exception:
        if "number" in self._violated(exc):
            return DuplicateError("invoice number", invoice.number)
        return self._race_error(exc, "invoice", invoice.id, invoice.client_id)

    def add(self, invoice: Invoice) -> None:
        self._need_client(invoice.client_id)
        taken = self._x(
            "SELECT id FROM invoices WHERE id=? OR number_key=?",
            (invoice.id, invoice_number_key(invoice.number)),
        ).fetchall()
        if any(key == invoice.id for (key,) in taken):
            raise DuplicateError("invoice", invoice.id)
        if taken:
            raise DuplicateError("invoice number", invoice.number, owner=taken[0][0])
        try:
            self._x(self.INSERT, self.row(invoice))
        except self.integrity_errors as exc:
            raise self._invoice_error(exc, invoice) from None
        self._uow.chronicle(invoice)

    def add_many(self, invoices: Sequence[Invoice]) -> None:
        # add's checks for the whole batch in a few statements, then one executemany for the
        # rows and one for their timeline entries
        if not invoices:
            return
        ids: set[str] = set()
        keys: dict[str, Invoice] = {}
        for invoice in invoices:
            if invoice.id in ids:
                raise DuplicateError("invoice", invoice.id)
            ids.add(invoice.id)
            key = invoice_number_key(invoice.number)
            if key in keys:
                raise DuplicateError("invoice number", invoice.number, owner=keys[key].id)
            keys[key] = invoice
        present = self._uow._present_clients
        wanted = {i.client_id for i in invoices if i.client_id not in present}
        found = {row[0] for row in self._ids_in("clients", "id", wanted)}
        missing = sorted(wanted - found)
        if missing:
            raise NotFoundError("client", missing[0])
        present.update(found)
        taken_ids = self._ids_in("invoices", "number", ids)
        if taken_ids:
            raise DuplicateError("invoice", min(row[0] for row in taken_ids))
        wanted_keys = sorted(keys)
        for at in range(0, len(wanted_keys), 500):
            part = wanted_keys[at : at + 500]
            row = self._x(
                f"SELECT id, number_key FROM invoices WHERE number_key IN "
                f"({', '.join('?' * len(part))}) LIMIT 1",
                part,
            ).fetchone()
            if row is not None:
                raise DuplicateError("invoice number", keys[row[1]].number, owner=row[0])
        rows = [self.row(invoice, key) for key, invoice in keys.items()]
        try:
            self._xmany(self.INSERT, rows)
        except self.integrity_errors as exc:  # a race the checks could not see
            kind = "invoice number" if "number" in self._violated(exc) else "invoice"
            raise DuplicateError(kind, "one of the batch") from None
        entries = [entry for invoice in invoices for entry in timeline_entries(invoice)]
        if entries:
            self._uow.timeline.record(entries)

    def get(self, invoice_id: InvoiceId) -> Invoice:
        doc = self._one("SELECT doc FROM invoices WHERE id=?", (invoice_id,))
        if doc is None:
            raise NotFoundError("invoice", invoice_id)
        return load(doc, Invoice)

    def update(self, invoice: Invoice) -> Invoice:
        # the number and client do not change; were they changed, the lookups follow the
        # record, with the checks of add_invoice
        self._check_invoice_number(invoice)
        self._need_client(invoice.client_id)
        new = attrs.evolve(invoice, version=invoice.version + 1)
        try:
            self._bump(
                "invoices",
                "invoice",
                invoice.id,
                invoice.version,
                "number=?, number_key=?, client_id=?, subscription_id=?, period=?, status=?, "
                "issue_date=?, due_date=?, owed=?, currency=?, doc=?, "
                "manager_id=(SELECT manager_id FROM clients WHERE id=?), "
                "client_name=coalesce((SELECT name FROM clients WHERE id=?), '')",
                (*self._invoice_params(new), dump(new), new.client_id, new.client_id),
            )
        except self.integrity_errors as exc:
            raise self._invoice_error(exc, invoice) from None
        self._uow.chronicle(new)
        return new

    def find(self, number: str) -> Invoice | None:
        doc = self._one(
            "SELECT doc FROM invoices WHERE number_key=?", (invoice_number_key(number),)
        )
        return None if doc is None else load(doc, Invoice)

    def of_client(self, client_id: ClientId) -> tuple[Invoice, ...]:
        rows = self._x("SELECT doc FROM invoices WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Invoice) for (doc,) in rows)

    def for_period(self, period: Month) -> tuple[Invoice, ...]:
        rows = self._x("SELECT doc FROM invoices WHERE period=? ORDER BY seq", (str(period),))
        return tuple(load(doc, Invoice) for (doc,) in rows)

    def billed(self, period: Month) -> tuple[BilledInvoice, ...]:
        # the columns as they are; the VAT and the lines' prices and quantities from the
        # document, parsed as JSON only, for the total (no Invoice, no line is built)
        rows = self._x(
            "SELECT id, number, subscription_id, status, issue_date, doc FROM invoices "
            "WHERE period=? AND subscription_id IS NOT NULL ORDER BY seq",
            (str(period),),
        )
        day = _ReadOnce(self._from_day).__getitem__
        status = _ReadOnce(InvoiceStatus).__getitem__
        rate = _ReadOnce(_vat_rate).__getitem__
        out = []
        for invoice_id, number, subscription_id, state, issued, doc in rows:
            data = json.loads(doc)
            lines = data["lines"]
            vat_rate = rate(data["vat_rate"])
            included = data.get("vat_included", True)  # its default
            total = amounts_total(
                (Decimal(line["price"]["amount"]) * Decimal(line["quantity"]) for line in lines),
                lines[0]["price"]["currency"],
                vat_rate,
                vat_included=included,
            )
            out.append(
                BilledInvoice(
                    invoice_id,
                    number,
                    subscription_id,
                    status(state),
                    day(issued),
                    vat_rate,
                    included,
                    total,
                )
            )
        return tuple(out)

    def open(self) -> tuple[Invoice, ...]:
        # named statuses, not ``status NOT IN (...)``: the index on status serves them
        marks = ", ".join("?" * len(_OPEN_INVOICES))
        rows = self._x(
            f"SELECT doc FROM invoices WHERE status IN ({marks}) ORDER BY seq", _OPEN_INVOICES
        )
        return tuple(load(doc, Invoice) for (doc,) in rows)

    def numbers(self, year: int) -> tuple[str, ...]:
        first, last = self._day(date(year, 1, 1)), self._day(date(year, 12, 31))
        rows = self._x(
            "SELECT number FROM invoices WHERE issue_date>=? AND issue_date<=?", (first, last)
        )
        return tuple(number for (number,) in rows)

    def numbers_from(self, prefix: str) -> tuple[str, ...]:
        rows = self._x(
            "SELECT number FROM invoices WHERE substr(number, 1, ?)=?", (len(prefix), prefix)
        )
        return tuple(number for (number,) in rows)

    def sequence(self, scope: str, *, lock: bool = True) -> int | None:
        if not lock:
            last = self._one("SELECT last FROM number_sequences WHERE scope=?", (scope,))
            return None if last is None else int(last)
        # the row is made first, so there is always a row to lock: a second transaction's
        # insert waits for the first one's to commit, then its locking read sees the first
        # one's number (PostgreSQL: row lock; SQLite: the write lock of BEGIN IMMEDIATE)
        self._x(
            "INSERT INTO number_sequences(scope, last) VALUES (?, NULL) "
            "ON CONFLICT (scope) DO NOTHING",
            (scope,),
        )
        last = self._one(
            f"SELECT last FROM number_sequences WHERE scope=?{self.row_lock}", (scope,)
        )
        return None if last is None else int(last)

    def set_sequence(self, scope: str, last: int) -> None:
        self._x(
            "INSERT INTO number_sequences(scope, last) VALUES (?, ?) "
            "ON CONFLICT (scope) DO UPDATE SET last=excluded.last",
            (scope, last),
        )

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Invoice], ...]:
        conditions: list[tuple[str, Any]] = []
        if where.client_id is not None:
            conditions.append(("client_id", where.client_id))
        if where.manager_id is not None:
            conditions.append(("manager_id", where.manager_id))
        if where.status is not None:
            conditions.append(("status", where.status))
        return self._page("invoices", conditions, after, limit, Invoice)


class SQLPayments(SQLRepository):
    """Payments, allocations, credits and supplier bills."""

    #: the statement :meth:`add` writes a payment's row with, its values by :meth:`row`
    INSERT = "INSERT INTO payments(id, client_id, date, version, doc) VALUES (?, ?, ?, ?, ?)"
    #: the statement :meth:`add_allocation` writes with, its values by :meth:`allocation_row`
    ALLOCATE = (
        "INSERT INTO allocations(payment_id, invoice_id, client_id, doc) "
        "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
    )

    def row(self, payment: Payment) -> tuple[Any, ...]:
        """The values of a payment's row, as :meth:`add` writes them."""
        return (
            payment.id,
            payment.client_id,
            self._day(payment.date),
            payment.version,
            dump(payment),
        )

    @staticmethod
    def allocation_row(allocation: Allocation) -> tuple[Any, ...]:
        """The values of an allocation's row, as :meth:`add_allocation` writes them."""
        return (
            allocation.payment_id,
            allocation.invoice_id,
            allocation.client_id,
            dump(allocation),
        )

    def _payment_client(self, payment: Payment) -> None:
        if payment.client_id is not None:
            self._need_client(payment.client_id)

    def add(self, payment: Payment) -> None:
        self._payment_client(payment)
        if self._one("SELECT 1 FROM payments WHERE id=?", (payment.id,)) is not None:
            raise DuplicateError("payment", payment.id)
        try:
            self._x(self.INSERT, self.row(payment))
        except self.integrity_errors as exc:
            raise self._race_error(exc, "payment", payment.id, payment.client_id) from None
        self._uow.chronicle(payment)

    def find(self, payment_id: PaymentId) -> Payment | None:
        doc = self._one("SELECT doc FROM payments WHERE id=?", (payment_id,))
        return None if doc is None else load(doc, Payment)

    def update(self, payment: Payment) -> Payment:
        self._payment_client(payment)
        new = attrs.evolve(payment, version=payment.version + 1)
        try:
            self._bump(
                "payments",
                "payment",
                payment.id,
                payment.version,
                "client_id=?, date=?, doc=?",
                (new.client_id, self._day(new.date), dump(new)),
            )
        except self.integrity_errors as exc:
            raise self._race_error(exc, "payment", payment.id, payment.client_id) from None
        self._uow.chronicle(new)
        return new

    def of_client(self, client_id: ClientId) -> tuple[Payment, ...]:
        rows = self._x(
            "SELECT doc FROM payments WHERE client_id=? ORDER BY date, seq", (client_id,)
        )
        return tuple(load(doc, Payment) for (doc,) in rows)

    def unmatched(self) -> tuple[Payment, ...]:
        rows = self._x("SELECT doc FROM payments WHERE client_id IS NULL ORDER BY date, seq")
        return tuple(load(doc, Payment) for (doc,) in rows)

    def add_allocation(self, allocation: Allocation) -> None:
        # ON CONFLICT: a pair taken by a transaction racing this one is a duplicate too
        cur = self._x(self.ALLOCATE, self.allocation_row(allocation))
        if cur.rowcount != 1:
            raise DuplicateError("allocation", (allocation.payment_id, allocation.invoice_id))

    def allocations_of(self, client_id: ClientId) -> tuple[Allocation, ...]:
        rows = self._x("SELECT doc FROM allocations WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Allocation) for (doc,) in rows)

    def add_credit(self, credit: Credit) -> None:
        self._x(
            "INSERT INTO credits(client_id, doc) VALUES (?, ?)", (credit.client_id, dump(credit))
        )

    def credits(self, client_id: ClientId | None = None) -> tuple[Credit, ...]:
        if client_id is None:
            rows = self._x("SELECT doc FROM credits ORDER BY seq")
        else:
            rows = self._x("SELECT doc FROM credits WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Credit) for (doc,) in rows)

    def add_supplier_bill(self, bill: SupplierBill) -> None:
        if self._one("SELECT 1 FROM supplier_bills WHERE id=?", (bill.id,)) is not None:
            raise DuplicateError("supplier bill", bill.id)
        try:
            self._x(
                "INSERT INTO supplier_bills(id, version, doc) VALUES (?, ?, ?)",
                (bill.id, bill.version, dump(bill)),
            )
        except self.integrity_errors:
            raise DuplicateError("supplier bill", bill.id) from None

    def get_supplier_bill(self, bill_id: SupplierBillId) -> SupplierBill:
        doc = self._one("SELECT doc FROM supplier_bills WHERE id=?", (bill_id,))
        if doc is None:
            raise NotFoundError("supplier bill", bill_id)
        return load(doc, SupplierBill)

    def update_supplier_bill(self, bill: SupplierBill) -> SupplierBill:
        new = attrs.evolve(bill, version=bill.version + 1)
        self._bump("supplier_bills", "supplier bill", bill.id, bill.version, "doc=?", (dump(new),))
        return new

    def supplier_bills(self) -> tuple[SupplierBill, ...]:
        rows = self._x("SELECT doc FROM supplier_bills ORDER BY seq")
        return tuple(load(doc, SupplierBill) for (doc,) in rows)


class SQLClaims(SQLRepository):
    """Claims and the satisfaction round."""

    def _claim_params(self, claim: Claim) -> tuple[Any, ...]:
        closed = claim.closed_at
        return (
            claim.client_id,
            claim.stage.value,
            claim.department_id,
            claim.manager_id,
            self._ts(claim.filed_at),
            None if closed is None else self._ts(closed),
        )

    def add(self, claim: Claim) -> None:
        self._need_client(claim.client_id)
        if self._one("SELECT 1 FROM claims WHERE id=?", (claim.id,)) is not None:
            raise DuplicateError("claim", claim.id)
        try:
            self._x(
                "INSERT INTO claims(id, client_id, stage, department_id, manager_id, filed_at, "
                "closed_at, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (claim.id, *self._claim_params(claim), claim.version, dump(claim)),
            )
        except self.integrity_errors as exc:
            raise self._race_error(exc, "claim", claim.id, claim.client_id) from None
        self._uow.chronicle(claim)

    def get(self, claim_id: ClaimId) -> Claim:
        doc = self._one("SELECT doc FROM claims WHERE id=?", (claim_id,))
        if doc is None:
            raise NotFoundError("claim", claim_id)
        return load(doc, Claim)

    def update(self, claim: Claim) -> Claim:
        self._need_client(claim.client_id)  # checked: PostgreSQL would abort
        new = attrs.evolve(claim, version=claim.version + 1)
        try:
            self._bump(
                "claims",
                "claim",
                claim.id,
                claim.version,
                "client_id=?, stage=?, department_id=?, manager_id=?, filed_at=?, closed_at=?, "
                "doc=?",
                (*self._claim_params(new), dump(new)),
            )
        except self.integrity_errors as exc:
            raise self._race_error(exc, "claim", claim.id, claim.client_id) from None
        self._uow.chronicle(new)
        return new

    def of_client(self, client_id: ClientId) -> tuple[Claim, ...]:
        rows = self._x("SELECT doc FROM claims WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Claim) for (doc,) in rows)

    def open(self, *, department_id: DepartmentId | None = None) -> tuple[Claim, ...]:
        # named stages, not ``stage NOT IN (...)``: the index on stage serves them
        marks = ", ".join("?" * len(_OPEN_CLAIMS))
        sql = f"SELECT doc FROM claims WHERE stage IN ({marks})"
        params: list[Any] = list(_OPEN_CLAIMS)
        if department_id is not None:
            sql += " AND department_id=?"
            params.append(department_id)
        rows = self._x(sql + " ORDER BY seq", params)
        return tuple(load(doc, Claim) for (doc,) in rows)

    def between(self, start: datetime, end: datetime) -> tuple[Claim, ...]:
        # two ranges, each served by its index, not one OR that neither can serve
        first, last = self._ts(start), self._ts(end)
        rows = self._x(
            "SELECT doc FROM claims WHERE seq IN ("
            "SELECT seq FROM claims WHERE filed_at>=? AND filed_at<? UNION "
            "SELECT seq FROM claims WHERE closed_at>=? AND closed_at<?) ORDER BY seq",
            (first, last, first, last),
        )
        return tuple(load(doc, Claim) for (doc,) in rows)

    def put_satisfaction(
        self,
        client_id: ClientId,
        manager_id: EmployeeId,
        assigned_on: date,
        last_call: date | None,
    ) -> None:
        row = AssignedClient(client_id, manager_id, assigned_on, last_call)
        self._need_client(row.client_id)
        self._x(
            "INSERT INTO satisfaction(client_id, manager_id, assigned_on, last_call, client_name) "
            "VALUES (?, ?, ?, ?, coalesce((SELECT name FROM clients WHERE id=?), '')) "
            "ON CONFLICT(client_id) DO UPDATE SET "
            "manager_id=excluded.manager_id, assigned_on=excluded.assigned_on, "
            "last_call=excluded.last_call, client_name=excluded.client_name",
            (
                row.client_id,
                row.manager_id,
                self._day(row.assigned_on),
                None if row.last_call is None else self._day(row.last_call),
                row.client_id,
            ),
        )
        if row.last_call is not None:
            self._uow.timeline.record([satisfaction_entry(client_id, manager_id, row.last_call)])

    def satisfaction_of(self, client_id: ClientId) -> AssignedClient | None:
        rows = self._x(self._SATISFACTION + "WHERE client_id=?", (client_id,)).fetchall()
        found = self._assigned(rows)
        return found[0] if found else None

    def assigned(self, *, manager_id: EmployeeId | None = None) -> tuple[AssignedClient, ...]:
        if manager_id is None:
            return self._assigned(self._x(self._SATISFACTION).fetchall())
        rows = self._x(self._SATISFACTION + "WHERE manager_id=?", (manager_id,)).fetchall()
        return self._assigned(rows)

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Claim], ...]:
        conditions: list[tuple[str, Any]] = []
        if where.client_id is not None:
            conditions.append(("client_id", where.client_id))
        if where.manager_id is not None:
            conditions.append(("manager_id", where.manager_id))
        if where.status is not None:
            conditions.append(("stage", where.status))
        return self._page("claims", conditions, after, limit, Claim)


class SQLService(SQLRepository):
    """Service contracts, visits and trainings."""

    def add_contract(self, contract: ServiceContract) -> None:
        self._need_client(contract.client_id)
        if self._one("SELECT 1 FROM service_contracts WHERE id=?", (contract.id,)) is not None:
            raise DuplicateError("service contract", contract.id)
        try:
            self._x(
                "INSERT INTO service_contracts(id, client_id, number, version, doc) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    contract.id,
                    contract.client_id,
                    contract.number,
                    contract.version,
                    dump(contract),
                ),
            )
        except self.integrity_errors as exc:
            raise self._race_error(
                exc, "service contract", contract.id, contract.client_id
            ) from None

    def get_contract(self, contract_id: ServiceContractId) -> ServiceContract:
        doc = self._one("SELECT doc FROM service_contracts WHERE id=?", (contract_id,))
        if doc is None:
            raise NotFoundError("service contract", contract_id)
        return load(doc, ServiceContract)

    def update_contract(self, contract: ServiceContract) -> ServiceContract:
        self._need_client(contract.client_id)  # checked: PostgreSQL would abort
        new = attrs.evolve(contract, version=contract.version + 1)
        self._bump(
            "service_contracts",
            "service contract",
            contract.id,
            contract.version,
            "client_id=?, number=?, doc=?",
            (new.client_id, new.number, dump(new)),
        )
        return new

    def contracts_of(self, client_id: ClientId) -> tuple[ServiceContract, ...]:
        rows = self._x(
            "SELECT doc FROM service_contracts WHERE client_id=? ORDER BY seq", (client_id,)
        )
        return tuple(load(doc, ServiceContract) for (doc,) in rows)

    def _visit_params(self, visit: Visit) -> tuple[Any, ...]:
        return (
            visit.client_id,
            visit.contract_id,
            visit.kind.value,
            visit.status.value,
            visit.engineer_id,
            None if visit.planned_on is None else self._day(visit.planned_on),
        )

    def _visit_refs(self, visit: Visit) -> None:
        self._need_client(visit.client_id)
        if self._one("SELECT 1 FROM service_contracts WHERE id=?", (visit.contract_id,)) is None:
            raise NotFoundError("service contract", visit.contract_id)

    def _visit_error(self, exc: Exception, visit: Visit) -> Exception:
        if "contract" in self._violated(exc):
            return NotFoundError("service contract", visit.contract_id)
        return self._race_error(exc, "visit", visit.id, visit.client_id)

    def add_visit(self, visit: Visit) -> None:
        self._visit_refs(visit)
        if self._one("SELECT 1 FROM visits WHERE id=?", (visit.id,)) is not None:
            raise DuplicateError("visit", visit.id)
        try:
            self._x(
                "INSERT INTO visits(id, client_id, contract_id, kind, status, engineer_id, "
                "planned_on, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (visit.id, *self._visit_params(visit), visit.version, dump(visit)),
            )
        except self.integrity_errors as exc:
            raise self._visit_error(exc, visit) from None
        self._uow.chronicle(visit)

    def get_visit(self, visit_id: VisitId) -> Visit:
        doc = self._one("SELECT doc FROM visits WHERE id=?", (visit_id,))
        if doc is None:
            raise NotFoundError("visit", visit_id)
        return load(doc, Visit)

    def update_visit(self, visit: Visit) -> Visit:
        self._visit_refs(visit)  # checked: PostgreSQL would abort
        new = attrs.evolve(visit, version=visit.version + 1)
        try:
            self._bump(
                "visits",
                "visit",
                visit.id,
                visit.version,
                "client_id=?, contract_id=?, kind=?, status=?, engineer_id=?, planned_on=?, doc=?",
                (*self._visit_params(new), dump(new)),
            )
        except self.integrity_errors as exc:
            raise self._visit_error(exc, visit) from None
        self._uow.chronicle(new)
        return new

    def visits_of(self, client_id: ClientId) -> tuple[Visit, ...]:
        rows = self._x("SELECT doc FROM visits WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Visit) for (doc,) in rows)

    def open_visits(self) -> tuple[Visit, ...]:
        marks = ", ".join("?" * len(_OPEN_VISITS))
        rows = self._x(
            f"SELECT doc FROM visits WHERE status IN ({marks}) ORDER BY seq", _OPEN_VISITS
        )
        return tuple(load(doc, Visit) for (doc,) in rows)

    def _training_params(self, training: Training) -> tuple[Any, ...]:
        starts = training.starts_at
        return (
            training.client_id,
            training.manager_id,
            training.status.value,
            None if starts is None else self._ts(starts),
        )

    def add_training(self, training: Training) -> None:
        self._need_client(training.client_id)
        if self._one("SELECT 1 FROM trainings WHERE id=?", (training.id,)) is not None:
            raise DuplicateError("training", training.id)
        try:
            self._x(
                "INSERT INTO trainings(id, client_id, manager_id, status, starts_at, version, "
                "doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (training.id, *self._training_params(training), training.version, dump(training)),
            )
        except self.integrity_errors as exc:
            raise self._race_error(exc, "training", training.id, training.client_id) from None
        self._uow.chronicle(training)

    def get_training(self, training_id: TrainingId) -> Training:
        doc = self._one("SELECT doc FROM trainings WHERE id=?", (training_id,))
        if doc is None:
            raise NotFoundError("training", training_id)
        return load(doc, Training)

    def update_training(self, training: Training) -> Training:
        self._need_client(training.client_id)  # checked: PostgreSQL would abort
        new = attrs.evolve(training, version=training.version + 1)
        try:
            self._bump(
                "trainings",
                "training",
                training.id,
                training.version,
                "client_id=?, manager_id=?, status=?, starts_at=?, doc=?",
                (*self._training_params(new), dump(new)),
            )
        except self.integrity_errors as exc:
            raise self._race_error(exc, "training", training.id, training.client_id) from None
        self._uow.chronicle(new)
        return new

    def trainings_of(self, client_id: ClientId) -> tuple[Training, ...]:
        rows = self._x("SELECT doc FROM trainings WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, Training) for (doc,) in rows)

    def trainings_between(
        self, start: datetime, end: datetime, *, manager_id: EmployeeId
    ) -> tuple[Training, ...]:
        rows = self._x(
            "SELECT doc FROM trainings WHERE manager_id=? AND status=? AND starts_at>=? "
            "AND starts_at<? ORDER BY starts_at, seq",
            (manager_id, TrainingStatus.SCHEDULED.value, self._ts(start), self._ts(end)),
        )
        return tuple(load(doc, Training) for (doc,) in rows)


class SQLStaff(SQLRepository):
    """The staff directory, cached by the store."""

    def __init__(self, uow: SQLUnitOfWork) -> None:
        # asked for on most calls of a call list: the hooks looked up when used (directory()
        # takes its one from the unit of work, the others come through __getattr__)
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def put_department(self, department: Department) -> None:
        self._x(
            "INSERT INTO departments(id, doc) VALUES (?, ?) "
            "ON CONFLICT(id) DO UPDATE SET doc=excluded.doc",
            (department.id, dump(department)),
        )
        self._staff_write()

    def put_employee(self, employee: Employee) -> None:
        if self._one("SELECT 1 FROM departments WHERE id=?", (employee.department_id,)) is None:
            raise NotFoundError("department", employee.department_id)
        self._check_external("employee", employee.id, employee.external_id)
        self._x(
            "INSERT INTO employees(id, department_id, doc) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET department_id=excluded.department_id, doc=excluded.doc",
            (employee.id, employee.department_id, dump(employee)),
        )
        self._put_external("employee", employee.id, employee.external_id, replace=True)
        self._staff_write()

    def add_absence(self, absence: Absence) -> None:
        if self._one("SELECT 1 FROM employees WHERE id=?", (absence.employee_id,)) is None:
            raise NotFoundError("employee", absence.employee_id)
        self._x(
            "INSERT INTO absences(employee_id, doc) VALUES (?, ?)",
            (absence.employee_id, dump(absence)),
        )
        self._staff_write()

    def directory(self) -> StaffDirectory:
        """Served from the store's cache while the staff tables are unchanged (a counter in
        ``meta`` says so, also for changes made by other processes)."""
        uow = self._uow
        rev = uow._staff_rev
        if rev is None:
            rev = int(uow._one("SELECT value FROM meta WHERE key='staff_rev'"))
        else:
            uow._staff_rev = None
        cached = uow._staff_cache.entry
        if not uow._staff_changed and cached is not None and cached[0] == rev:
            return cached[1]
        directory = StaffDirectory(
            departments=tuple(
                load(d, Department) for (d,) in self._x("SELECT doc FROM departments ORDER BY id")
            ),
            employees=tuple(
                load(d, Employee) for (d,) in self._x("SELECT doc FROM employees ORDER BY id")
            ),
            absences=tuple(
                load(d, Absence) for (d,) in self._x("SELECT doc FROM absences ORDER BY seq")
            ),
        )
        if not self._uow._staff_changed:
            self._uow._staff_cache.entry = (rev, directory)
        return directory


class SQLOutbox(SQLRepository):
    """Batch keys and the outbox."""

    def record_key(self, key: str) -> bool:
        cur = self._x(
            "INSERT INTO batch_keys(key) VALUES (?) ON CONFLICT DO NOTHING",
            (key,),
        )
        return bool(cur.rowcount == 1)

    def enqueue(self, message: OutboxMessage) -> bool:
        cur = self._x(
            "INSERT INTO outbox(id, key, topic, status, next_attempt_at, attempts, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                message.id,
                message.key,
                message.topic,
                message.status.value,
                self._ts(message.next_attempt_at),
                message.attempts,
                dump(message),
            ),
        )
        return bool(cur.rowcount == 1)

    def claim(self, *, now: datetime, lease: timedelta, limit: int) -> tuple[OutboxMessage, ...]:
        at = self._ts(now)
        rows = self._x(
            "UPDATE outbox SET attempts=attempts+1, lease_until=? WHERE seq IN ("
            "SELECT seq FROM outbox WHERE status='pending' AND next_attempt_at<=? "
            "AND (lease_until IS NULL OR lease_until<=?) "
            f"ORDER BY next_attempt_at, seq LIMIT ?{self.claim_lock}) "
            "RETURNING doc, attempts",
            (self._ts(now + lease), at, at, limit),
        ).fetchall()
        claimed = [attrs.evolve(load(doc, OutboxMessage), attempts=n) for doc, n in rows]
        claimed.sort(key=lambda m: (m.next_attempt_at, m.created_at, m.id))
        return tuple(claimed)

    def finish(self, message: OutboxMessage) -> bool:
        cur = self._x(
            "UPDATE outbox SET status=?, next_attempt_at=?, lease_until=NULL, doc=? "
            "WHERE id=? AND attempts=? AND lease_until IS NOT NULL",
            (
                message.status.value,
                self._ts(message.next_attempt_at),
                dump(message),
                message.id,
                message.attempts,
            ),
        )
        return bool(cur.rowcount == 1)

    def publications(self, manager: str) -> dict[str, dict[str, Any]]:
        rows = self._x("SELECT uid, doc FROM calendar_published WHERE manager=?", (manager,))
        return {uid: json.loads(doc) for uid, doc in rows}

    def record_publication(self, manager: str, uid: str, state: Mapping[str, Any]) -> None:
        self._x(
            "INSERT INTO calendar_published(manager, uid, doc) VALUES (?, ?, ?) "
            "ON CONFLICT (manager, uid) DO UPDATE SET doc=excluded.doc",
            (manager, uid, json.dumps(dict(state), sort_keys=True)),
        )

    def revive(self, message: OutboxMessage) -> bool:
        cur = self._x(
            "UPDATE outbox SET status=?, attempts=?, next_attempt_at=?, lease_until=NULL, doc=? "
            "WHERE id=? AND status='dead'",
            (
                message.status.value,
                message.attempts,
                self._ts(message.next_attempt_at),
                dump(message),
                message.id,
            ),
        )
        return bool(cur.rowcount == 1)

    def messages(
        self,
        status: OutboxStatus | None = None,
        *,
        after: str | None = None,
        limit: int | None = None,
    ) -> tuple[OutboxMessage, ...]:
        where: list[str] = []
        params: list[Any] = []
        if status is not None:
            where.append("status=?")
            params.append(status.value)
        if after is not None:
            found = self._x("SELECT seq FROM outbox WHERE id=?", (after,)).fetchone()
            if found is None:
                raise NotFoundError("outbox message", after)
            where.append("seq>?")
            params.append(found[0])
        sql = "SELECT doc, attempts FROM outbox"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = self._x(sql, params)
        return tuple(attrs.evolve(load(doc, OutboxMessage), attempts=n) for doc, n in rows)


class SQLJobRuns(SQLRepository):
    """The record of the scheduled jobs' runs (``job_runs``, schema 15)."""

    _COLUMNS = (
        "SELECT job, day, status, attempts, owner, started_at, lease_until, finished_at, "
        "summary, error FROM job_runs "
    )

    def _run(self, row: Sequence[Any]) -> JobRun:
        job, day, status, attempts, owner, started, lease, finished, summary, error = row
        return JobRun(
            job=job,
            day=self._from_day(day),
            status=JobStatus(status),
            attempts=attempts,
            owner=owner,
            started_at=self._from_ts(started),
            lease_until=None if lease is None else self._from_ts(lease),
            finished_at=None if finished is None else self._from_ts(finished),
            summary=summary,
            error=error,
        )

    def claim(
        self, job: str, day: date, *, owner: str, now: datetime, lease: timedelta
    ) -> JobRun | None:
        at, until, key = self._ts(now), self._ts(now + lease), self._day(day)
        cur = self._x(
            "INSERT INTO job_runs(job, day, status, attempts, owner, started_at, lease_until) "
            "VALUES (?, ?, 'running', 1, ?, ?, ?) ON CONFLICT DO NOTHING",
            (job, key, owner, at, until),
        )
        if cur.rowcount != 1:
            # PostgreSQL: the INSERT waited for a concurrent claim to commit; this UPDATE
            # reads its row as committed and takes it only under the same conditions
            cur = self._x(
                "UPDATE job_runs SET status='running', attempts=attempts+1, owner=?, "
                "started_at=?, lease_until=?, finished_at=NULL "
                "WHERE job=? AND day=? AND (status='failed' OR (status='running' AND "
                "(lease_until<=? OR owner=?)))",
                (owner, at, until, job, key, at, owner),
            )
            if cur.rowcount != 1:
                return None
        return self.get(job, day)

    def finish(
        self,
        job: str,
        day: date,
        *,
        owner: str,
        attempts: int,
        status: JobStatus,
        now: datetime,
        summary: str = "",
        error: str | None = None,
    ) -> bool:
        cur = self._x(
            "UPDATE job_runs SET status=?, finished_at=?, lease_until=NULL, summary=?, error=? "
            "WHERE job=? AND day=? AND owner=? AND attempts=? AND status='running'",
            (status.value, self._ts(now), summary, error, job, self._day(day), owner, attempts),
        )
        return bool(cur.rowcount == 1)

    def get(self, job: str, day: date) -> JobRun | None:
        row = self._x(self._COLUMNS + "WHERE job=? AND day=?", (job, self._day(day))).fetchone()
        return None if row is None else self._run(row)

    def runs(self, first: date, last: date) -> tuple[JobRun, ...]:
        rows = self._x(
            self._COLUMNS + f"WHERE day>=? AND day<=? ORDER BY day, job{self.by_code}",
            (self._day(first), self._day(last)),
        ).fetchall()
        return tuple(self._run(row) for row in rows)


class SQLRetention(SQLRepository):
    """Clients' retention statuses, one row per client."""

    def get(self, client_id: ClientId) -> RetentionRecord | None:
        doc = self._one("SELECT doc FROM retention WHERE client_id=?", (client_id,))
        return None if doc is None else load(doc, RetentionRecord)

    def add(self, record: RetentionRecord) -> None:
        self._need_client(record.client_id)
        try:
            self._x(
                "INSERT INTO retention(client_id, status, manager_id, version, doc) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    record.client_id,
                    record.status.value,
                    record.manager_id,
                    record.version,
                    dump(record),
                ),
            )
        except self.integrity_errors:
            raise DuplicateError("retention record", record.client_id) from None

    def update(self, record: RetentionRecord) -> RetentionRecord:
        new = attrs.evolve(record, version=record.version + 1)
        cur = self._x(
            "UPDATE retention SET version=version+1, status=?, manager_id=?, doc=? "
            "WHERE client_id=? AND version=?",
            (new.status.value, new.manager_id, dump(new), record.client_id, record.version),
        )
        if cur.rowcount == 0:
            found = self._one(
                "SELECT version FROM retention WHERE client_id=?", (record.client_id,)
            )
            if found is None:
                raise NotFoundError("retention record", record.client_id)
            raise ConflictError(
                "retention record", record.client_id, expected=record.version, found=found
            )
        return new

    def all(self, *, status: RetentionStatus | None = None) -> tuple[RetentionRecord, ...]:
        if status is None:
            rows = self._x("SELECT doc FROM retention")
        else:
            rows = self._x("SELECT doc FROM retention WHERE status=?", (status.value,))
        records = [load(doc, RetentionRecord) for (doc,) in rows]
        return tuple(sorted(records, key=lambda r: r.client_id))

    def credit_limit(self, client_id: ClientId) -> CreditLimit | None:
        doc = self._one("SELECT doc FROM credit_limits WHERE client_id=?", (client_id,))
        return None if doc is None else load(doc, CreditLimit)

    def put_credit_limit(self, limit: CreditLimit) -> None:
        self._need_client(limit.client_id)
        self._x(
            "INSERT INTO credit_limits(client_id, doc) VALUES (?, ?) "
            "ON CONFLICT (client_id) DO UPDATE SET doc=excluded.doc",
            (limit.client_id, dump(limit)),
        )

    def add_marketing(self, item: MarketingItem) -> None:
        self._need_client(item.client_id)
        try:
            self._x(
                "INSERT INTO marketing(id, client_id, kind, version, doc) VALUES (?, ?, ?, 0, ?)",
                (item.id, item.client_id, item.kind.value, dump(item)),
            )
        except self.integrity_errors:
            raise DuplicateError("marketing item", item.id) from None

    def marketing(
        self, *, kind: MarketingKind | None = None, client_id: ClientId | None = None
    ) -> tuple[MarketingItem, ...]:
        where, params = [], []
        if kind is not None:
            where.append("kind=?")
            params.append(kind.value)
        if client_id is not None:
            where.append("client_id=?")
            params.append(client_id)
        sql = "SELECT doc FROM marketing"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._x(sql + " ORDER BY seq", params)
        return tuple(load(doc, MarketingItem) for (doc,) in rows)

    def client_terms(self, client_id: ClientId) -> ClientTerms | None:
        doc = self._one("SELECT doc FROM client_terms WHERE client_id=?", (client_id,))
        return None if doc is None else load(doc, ClientTerms)

    def all_client_terms(self) -> tuple[ClientTerms, ...]:
        rows = self._x(f"SELECT doc FROM client_terms ORDER BY client_id{self.by_code}")
        return tuple(load(doc, ClientTerms) for (doc,) in rows)

    def put_client_terms(self, terms: ClientTerms) -> None:
        self._need_client(terms.client_id)
        self._x(
            "INSERT INTO client_terms(client_id, doc) VALUES (?, ?) "
            "ON CONFLICT (client_id) DO UPDATE SET doc=excluded.doc",
            (terms.client_id, dump(terms)),
        )

    def add_agreement(self, agreement: PartnerAgreement) -> None:
        self._need_client(agreement.counterparty_id)
        try:
            self._x(
                "INSERT INTO partner_agreements(id, counterparty_id, version, doc) "
                "VALUES (?, ?, ?, ?)",
                (agreement.id, agreement.counterparty_id, agreement.version, dump(agreement)),
            )
        except self.integrity_errors:
            raise DuplicateError("partner agreement", agreement.id) from None

    def agreement(self, agreement_id: str) -> PartnerAgreement:
        doc = self._one("SELECT doc FROM partner_agreements WHERE id=?", (agreement_id,))
        if doc is None:
            raise NotFoundError("partner agreement", agreement_id)
        return load(doc, PartnerAgreement)

    def update_agreement(self, agreement: PartnerAgreement) -> PartnerAgreement:
        new = attrs.evolve(agreement, version=agreement.version + 1)
        self._bump(
            "partner_agreements",
            "partner agreement",
            agreement.id,
            agreement.version,
            "doc=?",
            (dump(new),),
        )
        return new

    def agreements(
        self, *, counterparty_id: ClientId | None = None
    ) -> tuple[PartnerAgreement, ...]:
        if counterparty_id is None:
            rows = self._x("SELECT doc FROM partner_agreements ORDER BY seq")
        else:
            rows = self._x(
                "SELECT doc FROM partner_agreements WHERE counterparty_id=? ORDER BY seq",
                (counterparty_id,),
            )
        return tuple(load(doc, PartnerAgreement) for (doc,) in rows)


class SQLContractors(SQLRepository):
    """Contractors and their visits."""

    def add(self, contractor: Contractor) -> None:
        try:
            self._x(
                "INSERT INTO contractors(id, version, doc) VALUES (?, ?, ?)",
                (contractor.id, contractor.version, dump(contractor)),
            )
        except self.integrity_errors:
            raise DuplicateError("contractor", contractor.id) from None

    def get(self, contractor_id: ContractorId) -> Contractor:
        doc = self._one("SELECT doc FROM contractors WHERE id=?", (contractor_id,))
        if doc is None:
            raise NotFoundError("contractor", contractor_id)
        return load(doc, Contractor)

    def update(self, contractor: Contractor) -> Contractor:
        new = attrs.evolve(contractor, version=contractor.version + 1)
        self._bump(
            "contractors", "contractor", contractor.id, contractor.version, "doc=?", (dump(new),)
        )
        return new

    def all(self) -> tuple[Contractor, ...]:
        rows = self._x("SELECT doc FROM contractors ORDER BY seq")
        return tuple(load(doc, Contractor) for (doc,) in rows)

    def add_visit(self, visit: ContractorVisit) -> None:
        self._need_client(visit.client_id)
        if self._one("SELECT 1 FROM contractors WHERE id=?", (visit.contractor_id,)) is None:
            raise NotFoundError("contractor", visit.contractor_id)
        try:
            self._x(
                "INSERT INTO contractor_visits(id, client_id, contractor_id, version, doc) "
                "VALUES (?, ?, ?, ?, ?)",
                (visit.id, visit.client_id, visit.contractor_id, visit.version, dump(visit)),
            )
        except self.integrity_errors:
            raise DuplicateError("contractor visit", visit.id) from None

    def get_visit(self, visit_id: str) -> ContractorVisit:
        doc = self._one("SELECT doc FROM contractor_visits WHERE id=?", (visit_id,))
        if doc is None:
            raise NotFoundError("contractor visit", visit_id)
        return load(doc, ContractorVisit)

    def update_visit(self, visit: ContractorVisit) -> ContractorVisit:
        new = attrs.evolve(visit, version=visit.version + 1)
        self._bump(
            "contractor_visits", "contractor visit", visit.id, visit.version, "doc=?", (dump(new),)
        )
        return new

    def visits_of(self, client_id: ClientId) -> tuple[ContractorVisit, ...]:
        rows = self._x(
            "SELECT doc FROM contractor_visits WHERE client_id=? ORDER BY seq", (client_id,)
        )
        return tuple(load(doc, ContractorVisit) for (doc,) in rows)


class SQLLegalCases(SQLRepository):
    """Legal cases."""

    def add(self, case: LegalCase) -> None:
        self._need_client(case.client_id)
        try:
            self._x(
                "INSERT INTO legal_cases(id, client_id, claim_id, version, doc) "
                "VALUES (?, ?, ?, ?, ?)",
                (case.id, case.client_id, case.claim_id, case.version, dump(case)),
            )
        except self.integrity_errors:
            raise DuplicateError("legal case", case.id) from None

    def get(self, case_id: LegalCaseId) -> LegalCase:
        doc = self._one("SELECT doc FROM legal_cases WHERE id=?", (case_id,))
        if doc is None:
            raise NotFoundError("legal case", case_id)
        return load(doc, LegalCase)

    def update(self, case: LegalCase) -> LegalCase:
        new = attrs.evolve(case, version=case.version + 1)
        self._bump("legal_cases", "legal case", case.id, case.version, "doc=?", (dump(new),))
        return new

    def of_client(self, client_id: ClientId) -> tuple[LegalCase, ...]:
        rows = self._x("SELECT doc FROM legal_cases WHERE client_id=? ORDER BY seq", (client_id,))
        return tuple(load(doc, LegalCase) for (doc,) in rows)


class SQLFeed(SQLRepository):
    """The change feed and its consumers' cursors. Positions are taken under a lock held until
    commit (:meth:`_take`), so they are given in commit order with no gap (a rolled-back
    writer gives its positions back); the head is the last entry."""

    _READ = "SELECT seq, kind, schema_version, at, doc FROM feed WHERE seq>? "

    def _take(self, count: int) -> int:
        """Move the head on by ``count`` (locking it until commit); the first position taken.

        Where a unit of work holds the database's write lock from its start (SQLite: no
        ``row_lock``), the last entry is the head: no other writer can append meanwhile.
        Elsewhere (PostgreSQL) the ``feed_head`` counter row is moved with an upsert, whose
        row lock keeps the next writer waiting until this one commits or rolls back."""
        if not self.row_lock:
            return self.head() + 1
        head = self._one(
            "INSERT INTO meta(key, value) VALUES ('feed_head', ?) ON CONFLICT (key) "
            "DO UPDATE SET value=meta.value+excluded.value RETURNING value",
            (count,),
        )
        return int(head) - count + 1

    def append(self, records: Sequence[FeedRecord]) -> int:
        if not records:
            return self.head()
        first = self._take(len(records))
        self._xmany(
            "INSERT INTO feed(seq, kind, schema_version, at, doc) VALUES (?, ?, ?, ?, ?)",
            [
                (first + i, r.kind, r.schema, self._ts(r.at), r.payload)
                for i, r in enumerate(records)
            ],
        )
        return first + len(records) - 1

    def read(self, *, after: int, limit: int) -> tuple[FeedEntry, ...]:
        rows = self._x(self._READ + "ORDER BY seq LIMIT ?", (after, limit)).fetchall()
        if not rows or isinstance(rows[0][3], datetime):  # the driver made them instants
            return tuple(FeedEntry(*row) for row in rows)
        moment = _ReadOnce(self._from_ts).__getitem__
        return tuple(
            FeedEntry(position, kind, schema, moment(at), doc)
            for position, kind, schema, at, doc in rows
        )

    def head(self) -> int:
        head = self._one("SELECT max(seq) FROM feed")
        return 0 if head is None else int(head)

    def cursor(self, name: str, *, lock: bool = False) -> FeedCursor:
        if lock:  # made first, so there is a row to lock (as a number sequence's)
            self._x(
                "INSERT INTO feed_cursors(name, position) VALUES (?, 0) "
                "ON CONFLICT (name) DO NOTHING",
                (name,),
            )
        lock_clause = f"{self.row_lock} OF c" if lock and self.row_lock else ""
        row = self._x(
            "SELECT c.position, c.message_id, c.batch_after, o.status FROM feed_cursors c "
            f"LEFT JOIN outbox o ON o.id=c.message_id WHERE c.name=?{lock_clause}",
            (name,),
        ).fetchone()
        if row is None:
            return FeedCursor(name)
        position, message_id, batch_after, status = row
        return FeedCursor(
            name,
            int(position),
            message_id,
            None if batch_after is None else int(batch_after),
            None if status is None else OutboxStatus(status),
        )

    def save_cursor(self, cursor: FeedCursor) -> None:
        self._x(
            "INSERT INTO feed_cursors(name, position, message_id, batch_after) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET position=excluded.position, "
            "message_id=excluded.message_id, batch_after=excluded.batch_after",
            (cursor.name, cursor.position, cursor.message_id, cursor.batch_after),
        )


#: Python steps of a schema migration, by the version they complete: run after that
#: version's statements, in the same transaction, by both SQL stores.
_TARGET_COLUMNS = (
    "campaign_id, client_id, timezone, next_call_at, status, attempts, last_outcome, "
    "claimed_by, version"
)
_TARGET_COLUMNS_OF_T = ", ".join(f"t.{c.strip()}" for c in _TARGET_COLUMNS.split(","))
_TARGET_STATUS = {status.value: status for status in TargetStatus}
#: The claim of the next row, by the dialect's lock and the number of time zones asked for.
_CLAIMS: dict[tuple[str, int | None], str] = {}
#: The card of the row a claim hands out, returned by the claim (``SQLCampaigns.call_card``).
#: The CAST: SQLite (3.40) gives a column of the updated row in RETURNING no affinity, and
#: without it scans ``clients`` instead of searching its unique index on ``id``.
_CARD_OF_ROW = "(SELECT doc FROM clients WHERE clients.id=CAST(campaign_targets.client_id AS TEXT))"
#: The same, checking the campaign's version (``SQLCampaigns.claim_next_while``).
_PINNED_CLAIMS: dict[tuple[str, int | None], str] = {}
#: Campaigns by their stored document (see ``SQLCampaigns.get``).
_CAMPAIGNS: dict[str, Campaign] = {}
_OUTCOMES = {kind.value: kind for kind in OutcomeKind}


def call_doc(call: CampaignCall, at: str | None = None) -> str:
    """A campaign call's stored document, what :func:`dump` writes: written here for a call
    without answers and review (most calls of a list), several times faster, each text
    through the encoder's own escaping. ``at``: ``call.at.isoformat()`` when the caller
    has it already."""
    if call.answers or call.review is not None:
        return dump(call)
    note, log, outbox = call.note, call.call_log_id, call.outbox_key
    return (
        f'{{"id":{_ESCAPE(call.id)},"campaign_id":{_ESCAPE(call.campaign_id)},'
        f'"client_id":{_ESCAPE(call.client_id)},"caller_id":{_ESCAPE(call.caller_id)},'
        f'"at":{_ESCAPE(call.at.isoformat() if at is None else at)},'
        f'"outcomes":[{",".join([_ESCAPE(kind._value_) for kind in call.outcomes])}],'
        f'"note":{"null" if note is None else _ESCAPE(note)},'
        f'"call_log_id":{"null" if log is None else _ESCAPE(log)},'
        f'"changed_fields":[{",".join([_ESCAPE(name) for name in call.changed_fields])}],'
        f'"reactions":[{",".join([_ESCAPE(rid) for rid in call.reactions])}],'
        f'"outbox_key":{"null" if outbox is None else _ESCAPE(outbox)},'
        f'"answers":[],"review":null,"version":{call.version}}}'
    )


def _bumped(target: CampaignTarget) -> CampaignTarget:
    """``target`` as stored by an update: its version one up (made without evolve's checks:
    the row's values were checked when it was made)."""
    return trusted_target(
        target.campaign_id,
        target.client_id,
        target.timezone,
        target.next_call_at,
        target.status,
        target.attempts,
        target.last_outcome,
        target.claimed_by,
        target.version + 1,
    )


#: A card's stored phone (checked when the card was written), made without its check.
_trusted_phone: Callable[[str], Phone] = trusted(Phone)


class SQLCampaigns(SQLRepository):
    """Call campaigns, their call lists and calls, the do-not-call flags.

    A call is a few statements, so reads that go together share one: a list's row is read
    with its campaign's document (the next :meth:`get` of that campaign in the unit of work
    takes it from there), a campaign with the staff directory's revision (the next
    ``uow.staff.directory()`` checks its cache against it), and a claimed row with its
    client's card (for the next :meth:`call_card`) and, by :meth:`claim_next_while`, with the
    staff directory's revision."""

    #: the campaign's document read with a row by :meth:`target`, for the next get (set on
    #: the repository when read)
    _read_with_row: tuple[CampaignId, str] | None = None
    #: the card's document read with the row a claim handed out, for the next call_card
    _card_with_row: tuple[ClientId, str | None] | None = None

    def __init__(self, uow: SQLUnitOfWork) -> None:
        # made twice per call of a list: only the statement hook is bound; a call's methods
        # take the others from the unit of work, the rest are looked up there when used
        # (__getattr__)
        self._uow = uow
        self._x = uow._x

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def _target(self, row: Sequence[Any]) -> CampaignTarget:
        campaign_id, client_id, zone, due, status, attempts, last, claimed, version = row[:9]
        # the row as the store wrote it, checked then
        return trusted_target(
            campaign_id,
            client_id,
            zone,
            self._uow._from_ts(due),
            _TARGET_STATUS[status],
            attempts,
            None if last is None else _OUTCOMES[last],
            claimed,
            version,
        )

    def add(self, campaign: Campaign) -> None:
        if self._one("SELECT 1 FROM campaigns WHERE id=?", (campaign.id,)) is not None:
            raise DuplicateError("campaign", campaign.id)
        try:
            self._x(
                "INSERT INTO campaigns(id, version, doc) VALUES (?, ?, ?)",
                (campaign.id, campaign.version, dump(campaign)),
            )
        except self.integrity_errors:
            raise DuplicateError("campaign", campaign.id) from None

    def get(self, campaign_id: CampaignId) -> Campaign:
        read, self._read_with_row = self._read_with_row, None
        if read is not None and read[0] == campaign_id:
            doc = read[1]
        else:
            row = self._x(
                "SELECT doc, (SELECT value FROM meta WHERE key='staff_rev') FROM campaigns "
                "WHERE id=?",
                (campaign_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError("campaign", campaign_id)
            doc = row[0]
            self._uow._staff_rev = int(row[1])
        # a campaign (its script, its questionnaire) is read on every call of its list and
        # changes rarely: each stored document is converted once (the value is frozen)
        found = _CAMPAIGNS.get(doc)
        if found is None:
            if len(_CAMPAIGNS) >= 64:
                _CAMPAIGNS.clear()
            found = _CAMPAIGNS[doc] = load(doc, Campaign)
        return found

    def update(self, campaign: Campaign) -> Campaign:
        self._read_with_row = None
        new = attrs.evolve(campaign, version=campaign.version + 1)
        self._bump("campaigns", "campaign", campaign.id, campaign.version, "doc=?", (dump(new),))
        return new

    def add_targets(self, targets: Sequence[CampaignTarget]) -> None:
        if not targets:
            return
        for campaign_id in {t.campaign_id for t in targets}:
            if self._one("SELECT 1 FROM campaigns WHERE id=?", (campaign_id,)) is None:
                raise NotFoundError("campaign", campaign_id)
        wanted = list(dict.fromkeys(t.client_id for t in targets))
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            marks = ", ".join("?" * len(chunk))
            found = {
                cid for (cid,) in self._x(f"SELECT id FROM clients WHERE id IN ({marks})", chunk)
            }
            missing = [c for c in chunk if c not in found]
            if missing:
                raise NotFoundError("client", missing[0])
        ts = self._uow._ts
        rows = [
            (
                t.campaign_id,
                t.client_id,
                t.timezone,
                ts(t.next_call_at),
                t.status.value,
                int(t.status is TargetStatus.OPEN),
                t.attempts,
                None if t.last_outcome is None else t.last_outcome.value,
                t.claimed_by,
                t.version,
            )
            for t in targets
        ]
        statement = (
            "INSERT INTO campaign_targets(campaign_id, client_id, timezone, next_call_at, "
            "status, open, attempts, last_outcome, claimed_by, version) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )
        try:
            self._xmany(statement, rows)
        except self.integrity_errors as exc:
            error = self._uow._duplicate(exc, statement, rows)
            if error is not None:
                raise error from None
            raise NotFoundError("client", targets[0].client_id) from None

    def target(self, campaign_id: CampaignId, client_id: ClientId) -> CampaignTarget:
        row = self._x(
            f"SELECT {_TARGET_COLUMNS_OF_T}, c.doc FROM campaign_targets t "
            "JOIN campaigns c ON c.id=t.campaign_id WHERE t.campaign_id=? AND t.client_id=?",
            (campaign_id, client_id),
        ).fetchone()
        if row is None:
            raise NotFoundError("campaign target", (campaign_id, client_id))
        self._read_with_row = (campaign_id, row[-1])
        return self._target(row)

    def claim_next(
        self,
        campaign_id: CampaignId,
        *,
        due_by: datetime,
        timezones: Sequence[str] | None,
        caller: EmployeeId,
        until: datetime,
    ) -> CampaignTarget | None:
        uow = self._uow
        params: tuple[Any, ...] = (uow._ts(until), caller, campaign_id, uow._ts(due_by))
        if timezones is not None:
            if not timezones:
                return None
            params += tuple(timezones)
        key = (uow.claim_lock, None if timezones is None else len(timezones))
        statement = _CLAIMS.get(key)
        if statement is None:
            zones = ""
            if timezones is not None:
                zones = f" AND timezone IN ({', '.join('?' * len(timezones))})"
            # one statement: the row due first (the partial index campaign_targets_due) is
            # claimed and returned; PostgreSQL skips a row another caller is claiming
            statement = _CLAIMS[key] = (
                "UPDATE campaign_targets SET next_call_at=?, claimed_by=?, version=version+1 "
                "WHERE seq=(SELECT seq FROM campaign_targets "
                f"WHERE campaign_id=? AND open=1 AND next_call_at<=?{zones} "
                f"ORDER BY next_call_at, seq LIMIT 1{uow.claim_lock}) "
                f"RETURNING {_TARGET_COLUMNS}, {_CARD_OF_ROW}"
            )
        row = self._x(statement, params).fetchone()
        if row is None:
            return None
        self._card_with_row = (row[1], row[9])
        return self._target(row)

    def claim_next_while(
        self,
        campaign: Campaign,
        *,
        due_by: datetime,
        timezones: Sequence[str] | None,
        caller: EmployeeId,
        until: datetime,
    ) -> CampaignTarget | None:
        """:meth:`claim_next`, only while the stored campaign is at ``campaign.version``:
        ``None`` (nothing written) when it is not or is gone, as when no row is due
        (``CampaignsRepository``). The same one statement, the check of the campaign's
        version in it; it returns the staff directory's revision too, for the next
        ``uow.staff.directory()``."""
        uow = self._uow
        params: tuple[Any, ...] = (uow._ts(until), caller, campaign.id, uow._ts(due_by))
        if timezones is not None:
            if not timezones:
                return None
            params += (*timezones, campaign.id, campaign.version)
        else:
            params += (campaign.id, campaign.version)
        key = (uow.claim_lock, None if timezones is None else len(timezones))
        statement = _PINNED_CLAIMS.get(key)
        if statement is None:
            zones = ""
            if timezones is not None:
                zones = f" AND timezone IN ({', '.join('?' * len(timezones))})"
            statement = _PINNED_CLAIMS[key] = (
                "UPDATE campaign_targets SET next_call_at=?, claimed_by=?, version=version+1 "
                "WHERE seq=(SELECT seq FROM campaign_targets "
                f"WHERE campaign_id=? AND open=1 AND next_call_at<=?{zones} "
                f"ORDER BY next_call_at, seq LIMIT 1{uow.claim_lock}) "
                "AND (SELECT version FROM campaigns WHERE id=?)=? "
                f"RETURNING {_TARGET_COLUMNS}, {_CARD_OF_ROW}, "
                "(SELECT value FROM meta WHERE key='staff_rev')"
            )
        row = self._x(statement, params).fetchone()
        if row is None:
            return None
        self._card_with_row = (row[1], row[9])
        self._uow._staff_rev = int(row[10])
        return self._target(row)

    def update_target_while(
        self, target: CampaignTarget, campaign: Campaign
    ) -> CampaignTarget | None:
        """:meth:`update_target`, only while the row is at ``target.version`` and the stored
        campaign at ``campaign.version``: ``None`` (nothing written) when either is not or
        is gone (``CampaignsRepository``). One statement."""
        cur = self._x(
            "UPDATE campaign_targets SET timezone=?, next_call_at=?, status=?, open=?, "
            "attempts=?, last_outcome=?, claimed_by=?, version=version+1 "
            "WHERE campaign_id=? AND client_id=? AND version=? "
            "AND (SELECT version FROM campaigns WHERE id=?)=?",
            (*self._target_values(target), campaign.id, campaign.version),
        )
        return None if cur.rowcount == 0 else _bumped(target)

    def _target_values(self, target: CampaignTarget) -> tuple[Any, ...]:
        """The parameters of a row's ``UPDATE``: its columns, then its key and version."""
        return (
            target.timezone,
            self._uow._ts(target.next_call_at),
            target.status._value_,  # the value without the .value descriptor
            int(target.status is TargetStatus.OPEN),
            target.attempts,
            None if target.last_outcome is None else target.last_outcome._value_,
            target.claimed_by,
            target.campaign_id,
            target.client_id,
            target.version,
        )

    def update_target(self, target: CampaignTarget) -> CampaignTarget:
        cur = self._x(
            "UPDATE campaign_targets SET timezone=?, next_call_at=?, status=?, open=?, "
            "attempts=?, last_outcome=?, claimed_by=?, version=version+1 "
            "WHERE campaign_id=? AND client_id=? AND version=?",
            self._target_values(target),
        )
        if cur.rowcount == 0:
            found = self._one(
                "SELECT version FROM campaign_targets WHERE campaign_id=? AND client_id=?",
                (target.campaign_id, target.client_id),
            )
            key = (target.campaign_id, target.client_id)
            if found is None:
                raise NotFoundError("campaign target", key)
            raise ConflictError("campaign target", key, expected=target.version, found=found)
        return _bumped(target)

    def targets_of(self, client_id: ClientId) -> tuple[CampaignTarget, ...]:
        rows = self._x(
            f"SELECT {_TARGET_COLUMNS} FROM campaign_targets WHERE client_id=? ORDER BY seq",
            (client_id,),
        )
        return tuple(self._target(row) for row in rows)

    def add_call(self, call: CampaignCall) -> None:
        at = call.at
        stamp = self._uow._ts(at)
        iso = None  # the document's time, at.isoformat(), from SQLite's UTC text of it
        if at.tzinfo is UTC and type(stamp) is str and len(stamp) == 26:
            iso = (stamp if at.microsecond else stamp[:19]) + "+00:00"
        # one statement: the unique id and the client's foreign key say what is wrong
        try:
            self._x(
                "INSERT INTO campaign_calls(id, campaign_id, client_id, caller_id, at, outcome, "
                "version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call.id,
                    call.campaign_id,
                    call.client_id,
                    call.caller_id,
                    stamp,
                    call.outcomes[0]._value_,
                    call.version,
                    call_doc(call, iso),
                ),
            )
        except self.integrity_errors as exc:
            raise self._race_error(exc, "campaign call", call.id, call.client_id) from None

    def get_call(self, call_id: str) -> CampaignCall | None:
        doc = self._one("SELECT doc FROM campaign_calls WHERE id=?", (call_id,))
        return None if doc is None else load(doc, CampaignCall)

    def update_call(self, call: CampaignCall) -> CampaignCall:
        new = attrs.evolve(call, version=call.version + 1)
        self._bump("campaign_calls", "campaign call", call.id, call.version, "doc=?", (dump(new),))
        return new

    def calls(self, campaign_id: CampaignId) -> tuple[CampaignCall, ...]:
        rows = self._x(
            f"SELECT doc FROM campaign_calls WHERE campaign_id=? ORDER BY at, id{self.by_code}",
            (campaign_id,),
        )
        return tuple(load(doc, CampaignCall) for (doc,) in rows)

    def put_do_not_call(self, client_id: ClientId, flag: DoNotCall | None) -> None:
        if flag is None:
            self._x("DELETE FROM do_not_call WHERE client_id=?", (client_id,))
            return
        self._need_client(client_id)
        self._x(
            "INSERT INTO do_not_call(client_id, doc) VALUES (?, ?) "
            "ON CONFLICT(client_id) DO UPDATE SET doc=excluded.doc",
            (client_id, dump(flag)),
        )

    def call_card(self, client_id: ClientId) -> CallCard:
        read, self._card_with_row = self._card_with_row, None
        if read is not None and read[0] == client_id and read[1] is not None:
            doc = read[1]
        else:
            doc = self._one("SELECT doc FROM clients WHERE id=?", (client_id,))
        if doc is None:
            raise NotFoundError("client", client_id)
        # the card as stored (checked when it was written): only the fields a call needs;
        # the document as this store writes it (no white space around it) decoded without
        # json.loads's two searches for white space, any other by json.loads
        try:
            card, end = _RAW_DECODE(doc)
        except ValueError:
            end = -1
        if end != len(doc):
            card = json.loads(doc)
        contacts = card.get("contacts")
        contact = None
        if contacts:
            contact = next((c["name"] for c in contacts if c.get("decision_maker")), None)
            if contact is None:
                contact = contacts[0]["name"]
        phones = tuple([_trusted_phone(e164) for e164 in card.get("phones") or ()])
        return CallCard(client_id, card["name"], card["city"], phones, contact)

    def do_not_call(self, client_id: ClientId) -> DoNotCall | None:
        doc = self._one("SELECT doc FROM do_not_call WHERE client_id=?", (client_id,))
        return None if doc is None else load(doc, DoNotCall)


BACKFILLS: dict[int, Callable[[SQLUnitOfWork], None]] = {
    11: SQLUnitOfWork.backfill_invoice_amounts,
    13: SQLUnitOfWork.backfill_number_keys,
    16: SQLUnitOfWork.backfill_timeline,
    17: SQLUnitOfWork.backfill_publications,
    25: SQLUnitOfWork.backfill_script_placeholders,
    27: SQLUnitOfWork.backfill_compact,
}


class SQLPlanSheets(SQLRepository):
    """The managers' monthly plans and reports (``plan_sheets``), each a JSON document with
    its kind, manager, month and state beside it for the lookups."""

    def add(self, sheet: MonthlySheet) -> None:
        taken = self._one(
            "SELECT id FROM plan_sheets WHERE id=? OR (kind=? AND manager_id=? AND month=?)",
            (sheet.id, sheet.kind.value, sheet.manager_id, str(sheet.month)),
        )
        if taken is not None:
            raise DuplicateError("plan sheet", sheet.id)
        try:
            self._x(
                "INSERT INTO plan_sheets(id, kind, manager_id, month, state, version, doc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    sheet.id,
                    sheet.kind.value,
                    sheet.manager_id,
                    str(sheet.month),
                    sheet.state.value,
                    sheet.version,
                    dump(sheet),
                ),
            )
        except self.integrity_errors:
            raise DuplicateError("plan sheet", sheet.id) from None

    def get(self, sheet_id: str) -> MonthlySheet:
        doc = self._one("SELECT doc FROM plan_sheets WHERE id=?", (sheet_id,))
        if doc is None:
            raise NotFoundError("plan sheet", sheet_id)
        return load(doc, MonthlySheet)

    def update(self, sheet: MonthlySheet) -> MonthlySheet:
        new = attrs.evolve(sheet, version=sheet.version + 1)
        self._bump(
            "plan_sheets",
            "plan sheet",
            sheet.id,
            sheet.version,
            "state=?, doc=?",
            (new.state.value, dump(new)),
        )
        return new

    def find(self, kind: SheetKind, manager_id: EmployeeId, month: Month) -> MonthlySheet | None:
        doc = self._one(
            "SELECT doc FROM plan_sheets WHERE kind=? AND manager_id=? AND month=?",
            (kind.value, manager_id, str(month)),
        )
        return None if doc is None else load(doc, MonthlySheet)

    def of_month(self, month: Month) -> tuple[MonthlySheet, ...]:
        rows = self._x(
            "SELECT doc FROM plan_sheets WHERE month=? ORDER BY kind, manager_id", (str(month),)
        ).fetchall()
        return tuple(load(doc, MonthlySheet) for (doc,) in rows)
