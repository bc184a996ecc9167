"""The in-memory store (``memory://``): for tests, examples and trying things out.

Units of work are all-or-nothing: writes go to copies of the tables they touch, which replace
the committed ones only when the unit of work ends without an exception. One unit of work runs
at a time. Everything is lost when the process ends.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections import ChainMap
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import attrs

from clientops._agenda import ClientTouch, client_touches
from clientops._billing import (
    Allocation,
    BilledInvoice,
    Credit,
    Invoice,
    InvoiceId,
    Month,
    OwedInvoice,
    Payment,
    PaymentId,
    Subscription,
    SubscriptionId,
    SupplierBill,
    SupplierBillId,
)
from clientops._campaigns import (
    CallCard,
    Campaign,
    CampaignCall,
    CampaignId,
    CampaignTarget,
    DoNotCall,
    TargetStatus,
    call_card,
)
from clientops._claims import Claim, ClaimId
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
from clientops._supply import KINDS
from clientops._sync import ListFilter
from clientops._telephony import CallLogEntry
from clientops._timeline import (
    TimelineEntry,
    TimelinePage,
    TimelineQuery,
    satisfaction_entry,
    timeline_entries,
)
from clientops.bank_statements import invoice_number_key
from clientops.errors import ConflictError, DuplicateError, NotFoundError, StorageError
from clientops.hookspecs import RegisterStorage, hookimpl
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
    Reaction,
    ReactionId,
    StaffDirectory,
    city_key,
    contract_key,
    organisation_key,
)
from clientops.ports import READ_ONLY, SupplyRecord
from clientops.satisfaction import AssignedClient, SatisfactionDueBounds
from clientops.service_visits import (
    ServiceContract,
    ServiceContractId,
    Training,
    TrainingId,
    TrainingStatus,
    Visit,
    VisitId,
)

__all__ = ["MemoryStorage"]

_R = TypeVar("_R", bound=SupplyRecord)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_TABLES = (
    "clients",
    "appeals",
    "reactions",
    "departments",
    "employees",
    "absences",
    "batch_keys",
    "outbox",
    "onboardings",
    "orders",
    "calls",
    "subscriptions",
    "invoices",
    "payments",
    "allocations",
    "credits",
    "supplier_bills",
    "claims",
    "satisfaction",
    "service_contracts",
    "visits",
    "trainings",
    "number_sequences",
    "campaigns",
    "campaign_targets",
    "campaign_calls",
    "do_not_call",
    "job_runs",
    # client id -> {entry id: TimelineEntry}
    "timeline",
    # entry id -> client id
    "timeline_owners",
    "calendar_published",
    # (kind, source, external id) -> record id, and (kind, record id) -> (source, external id)
    "external_ids",
    "external_of",
    # client id -> when the card was last written (the listing's ``changed_since``)
    "client_changes",
    "feed_cursors",
    # sheet id -> MonthlySheet
    "plan_sheets",
    # client id -> RetentionRecord
    "retention",
    # case id -> LegalCase
    "legal_cases",
    # client id -> CreditLimit
    "credit_limits",
    "contractors",
    "contractor_visits",
    "marketing",
    # client id -> ClientTerms
    "client_terms",
    # agreement id -> PartnerAgreement
    "partner_agreements",
    # (kind, id) -> a supply record (clientops.supply)
    "supply",
)


class _MemoryUnitOfWork:
    def __init__(
        self,
        committed: dict[str, dict[Any, Any]],
        *,
        readonly: bool = False,
        feed: list[FeedEntry] | None = None,
    ) -> None:
        self._base = committed
        # table -> what this unit of work wrote over it: a ChainMap of the changed keys over
        # the committed table (a write costs the key, not the table), or a whole copy where a
        # key is deleted
        self._written: dict[str, MutableMapping[Any, Any]] = {}
        self._readonly = readonly
        # the feed only grows: its committed entries are shared, this unit of work's appended
        # to them on commit (not copied like the tables)
        self._feed: list[FeedEntry] = [] if feed is None else feed
        self._feed_pending: list[FeedEntry] = []

    def _read(self, table: str) -> Mapping[Any, Any]:
        written: Mapping[Any, Any] | None = self._written.get(table)
        return self._base[table] if written is None else written

    def _write(self, table: str, *, deleting: bool = False) -> MutableMapping[Any, Any]:
        if self._readonly:
            raise StorageError(MemoryStorage.name, "write", READ_ONLY)
        written = self._written.get(table)
        if written is None:
            base = self._base[table]
            written = self._written[table] = dict(base) if deleting else ChainMap({}, base)
        elif deleting and isinstance(written, ChainMap):
            written = self._written[table] = dict(written)
        return written

    def _commit_into(self, committed: dict[str, dict[Any, Any]]) -> None:
        """Write what this unit of work changed into the committed tables (on success only)."""
        for table, written in self._written.items():
            if isinstance(written, ChainMap):
                committed[table].update(written.maps[0])
            else:
                committed[table] = dict(written)

    def _get(self, table: str, kind: str, key: Any) -> Any:
        try:
            return self._read(table)[key]
        except KeyError:
            raise NotFoundError(kind, key) from None

    def _insert(self, table: str, kind: str, key: Any, value: Any) -> None:
        if key in self._read(table):
            raise DuplicateError(kind, key)
        self._write(table)[key] = value
        self.chronicle(value)

    def _replace(self, table: str, kind: str, key: Any, value: Any, version: int) -> Any:
        stored = self._get(table, kind, key)
        if stored.version != version:
            raise ConflictError(kind, key, expected=version, found=stored.version)
        new = attrs.evolve(value, version=version + 1)
        self._write(table)[key] = new
        self.chronicle(new)
        return new

    def chronicle(self, record: object) -> None:
        """Record the timeline entries of ``record`` (just written)."""
        entries = timeline_entries(record)
        if entries:
            self.timeline.record(entries)

    def _check_external(self, kind: str, record_id: str, ext: ExternalId | None) -> None:
        if ext is None:
            return
        owner = self._read("external_ids").get((kind, ext.source, ext.id))
        if owner is not None and owner != record_id:
            raise DuplicateError("external id", str(ext), owner=owner)

    def _put_external(self, kind: str, record_id: str, ext: ExternalId | None) -> None:
        """Record the external id a record carries now (dropping the one it carried)."""
        before = self._read("external_of").get((kind, record_id))
        now = None if ext is None else (ext.source, ext.id)
        if before == now:
            return
        dropping = before is not None
        ids = self._write("external_ids", deleting=dropping)
        of = self._write("external_of", deleting=dropping)
        if before is not None:
            del ids[(kind, *before)]
            del of[(kind, record_id)]
        if now is not None:
            ids[(kind, *now)] = record_id
            of[(kind, record_id)] = now

    def _page(self, table: str, keep: Any, after: int, limit: int) -> tuple[tuple[int, Any], ...]:
        """Up to ``limit`` records of ``table`` that ``keep`` keeps, after the ``after``-th:
        a record's position is its place in the table (an update keeps it)."""
        rows = itertools.islice(enumerate(self._read(table).values(), start=1), after, None)
        return tuple(itertools.islice(((n, r) for n, r in rows if keep(r)), limit))

    # -- the repositories (made on first use)
    @functools.cached_property
    def clients(self) -> _Clients:
        return _Clients(self)

    @functools.cached_property
    def appeals(self) -> _Appeals:
        return _Appeals(self)

    @functools.cached_property
    def staff(self) -> _Staff:
        return _Staff(self)

    @functools.cached_property
    def onboarding(self) -> _Onboarding:
        return _Onboarding(self)

    @functools.cached_property
    def orders(self) -> _Orders:
        return _Orders(self)

    @functools.cached_property
    def calls(self) -> _Calls:
        return _Calls(self)

    @functools.cached_property
    def subscriptions(self) -> _Subscriptions:
        return _Subscriptions(self)

    @functools.cached_property
    def invoices(self) -> _Invoices:
        return _Invoices(self)

    @functools.cached_property
    def payments(self) -> _Payments:
        return _Payments(self)

    @functools.cached_property
    def claims(self) -> _Claims:
        return _Claims(self)

    @functools.cached_property
    def service(self) -> _Service:
        return _Service(self)

    @functools.cached_property
    def outbox(self) -> _Outbox:
        return _Outbox(self)

    @functools.cached_property
    def feed(self) -> _Feed:
        return _Feed(self)

    @functools.cached_property
    def supply(self) -> _Supply:
        return _Supply(self)

    @functools.cached_property
    def agenda(self) -> _Agenda:
        return _Agenda(self)

    @functools.cached_property
    def campaigns(self) -> _Campaigns:
        return _Campaigns(self)

    @functools.cached_property
    def jobs(self) -> _JobRuns:
        return _JobRuns(self)

    @functools.cached_property
    def plans(self) -> _PlanSheets:
        return _PlanSheets(self)

    @functools.cached_property
    def retention(self) -> _Retention:
        return _Retention(self)

    @functools.cached_property
    def legal(self) -> _LegalCases:
        return _LegalCases(self)

    @functools.cached_property
    def contractors(self) -> _Contractors:
        return _Contractors(self)

    @functools.cached_property
    def timeline(self) -> _Timeline:
        return _Timeline(self)


class _Repository:
    """A repository of one memory unit of work: reads and writes its copies of the tables."""

    def __init__(self, uow: _MemoryUnitOfWork) -> None:
        self._uow = uow
        self._read = uow._read
        self._write = uow._write
        self._get = uow._get
        self._insert = uow._insert
        self._replace = uow._replace
        self._check_external = uow._check_external
        self._put_external = uow._put_external
        self._page = uow._page

    def _named(self, row: AssignedClient) -> AssignedClient:
        return attrs.evolve(row, client_name=self._read("clients")[row.client_id].name)


class _Clients(_Repository):
    """The cards."""

    def _check_contracts(self, client: Client) -> None:
        keys = {contract_key(n): n for n in client.contract_numbers}
        for other in self._read("clients").values():
            if other.id == client.id:
                continue
            for number in other.contract_numbers:
                if contract_key(number) in keys:
                    raise DuplicateError("contract", keys[contract_key(number)], owner=other.id)

    def add(self, client: Client) -> None:
        self._check_contracts(client)
        self._check_external("client", client.id, client.external_id)
        self._insert("clients", "client", client.id, client)
        self._put_external("client", client.id, client.external_id)
        self._write("client_changes")[client.id] = datetime.now(UTC)

    def managed_by(self, manager_id: EmployeeId) -> tuple[Client, ...]:
        return tuple(c for c in self._read("clients").values() if c.manager_id == manager_id)

    def add_many(self, clients: Sequence[Client]) -> None:
        seen: dict[ExternalId, ClientId] = {}
        for client in clients:
            if client.external_id is not None:
                held = seen.setdefault(client.external_id, client.id)
                if held != client.id:
                    raise DuplicateError("external id", str(client.external_id), owner=held)
        for client in clients:
            self.add(client)

    def contract_owners(self, numbers: Iterable[str]) -> Mapping[str, ClientId]:
        wanted = {contract_key(n) for n in numbers}
        return {
            contract_key(number): client.id
            for client in self._read("clients").values()
            for number in client.contract_numbers
            if contract_key(number) in wanted
        }

    def get(self, client_id: ClientId) -> Client:
        client: Client = self._get("clients", "client", client_id)
        return client

    def update(self, client: Client) -> Client:
        self._get("clients", "client", client.id)
        self._check_contracts(client)
        self._check_external("client", client.id, client.external_id)
        new: Client = self._replace("clients", "client", client.id, client, client.version)
        self._put_external("client", new.id, new.external_id)
        self._write("client_changes")[client.id] = datetime.now(UTC)
        return new

    def find(self, query: ClientQuery) -> tuple[Client, ...]:
        clients: Iterable[Client] = self._read("clients").values()
        if query.name is not None:  # a scan: the cards' name keys kept, not made per look-up
            key = organisation_key(query.name)
            clients = [c for c in clients if _name_key(c.name) == key]
        return tuple(c for c in clients if query.matches(c))

    def count(self) -> int:
        return len(self._read("clients"))

    def all(self) -> tuple[Client, ...]:
        return tuple(self._read("clients").values())

    def by_external(self, source: str, ids: Iterable[str]) -> Mapping[str, Client]:
        owners, clients = self._read("external_ids"), self._read("clients")
        found = {}
        for external_id in ids:
            owner = owners.get(("client", source, external_id))
            if owner is not None:
                found[external_id] = clients[owner]
        return found

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Client], ...]:
        changes = self._read("client_changes")
        city = None if where.city is None else city_key(where.city)
        since = where.changed_since

        def keep(card: Client) -> bool:
            return (
                (where.manager_id is None or card.manager_id == where.manager_id)
                and (city is None or city_key(card.city) == city)
                and (where.category is None or card.category is where.category)
                and (since is None or changes[card.id] >= since)
            )

        return self._page("clients", keep, after, limit)


class _Timeline(_Repository):
    """The card's timeline, by client."""

    def record(self, entries: Sequence[TimelineEntry]) -> None:
        table, owners = self._write("timeline"), self._write("timeline_owners")
        for entry in entries:
            # an entry written again replaces the old one, even under another client (a
            # call put on the right card)
            before = owners.get(entry.id)
            if before is not None and before != entry.client_id:
                table[before] = {k: v for k, v in table[before].items() if k != entry.id}
            owners[entry.id] = entry.client_id
            table[entry.client_id] = {**table.get(entry.client_id, {}), entry.id: entry}

    def page(self, client_id: ClientId, query: TimelineQuery) -> TimelinePage:
        held = self._read("timeline").get(client_id, {})
        found = sorted(
            (e for e in held.values() if query.wants(e)),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )
        page = tuple(found[: query.limit])
        more = len(found) > query.limit
        return TimelinePage(page, (page[-1].at, page[-1].id) if more else None)


class _Appeals(_Repository):
    """Appeals and reactions."""

    def add(self, appeal: Appeal) -> None:
        self._get("clients", "client", appeal.client_id)
        self._insert("appeals", "appeal", appeal.id, appeal)

    def add_many(self, appeals: Sequence[Appeal]) -> None:
        stored = self._read("appeals")
        seen: set[str] = set()
        for appeal in appeals:  # every check before the first write
            self._get("clients", "client", appeal.client_id)
            if appeal.id in seen or appeal.id in stored:
                raise DuplicateError("appeal", appeal.id)
            seen.add(appeal.id)
        for appeal in appeals:
            self.add(appeal)

    def get(self, appeal_id: AppealId) -> Appeal:
        appeal: Appeal = self._get("appeals", "appeal", appeal_id)
        return appeal

    def of_client(self, client_id: ClientId) -> tuple[Appeal, ...]:
        return tuple(a for a in self._read("appeals").values() if a.client_id == client_id)

    def add_reaction(self, reaction: Reaction) -> None:
        appeal = self.get(reaction.appeal_id)
        if appeal.client_id != reaction.client_id:
            raise NotFoundError("appeal of client", (reaction.client_id, reaction.appeal_id))
        self._insert("reactions", "reaction", reaction.id, reaction)

    def add_many_reactions(self, reactions: Sequence[Reaction]) -> None:
        stored = self._read("reactions")
        seen: set[str] = set()
        for reaction in reactions:  # every check before the first write
            appeal = self._read("appeals").get(reaction.appeal_id)
            if appeal is None or appeal.client_id != reaction.client_id:
                raise NotFoundError("appeal of client", (reaction.client_id, reaction.appeal_id))
            if reaction.id in seen or reaction.id in stored:
                raise DuplicateError("reaction", reaction.id)
            seen.add(reaction.id)
        for reaction in reactions:
            self.add_reaction(reaction)

    def get_reaction(self, reaction_id: ReactionId) -> Reaction:
        reaction: Reaction = self._get("reactions", "reaction", reaction_id)
        return reaction

    def update_reaction(self, reaction: Reaction) -> Reaction:
        new: Reaction = self._replace(
            "reactions", "reaction", reaction.id, reaction, reaction.version
        )
        return new

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        found = [r for r in self._read("reactions").values() if r.client_id == client_id]
        return tuple(sorted(found, key=_by_due))

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Appeal], ...]:
        client = where.client_id
        return self._page(
            "appeals", lambda a: client is None or a.client_id == client, after, limit
        )

    def reactions_page(
        self, where: ListFilter, *, after: int, limit: int
    ) -> tuple[tuple[int, Reaction], ...]:
        def keep(r: Reaction) -> bool:
            return (
                (where.client_id is None or r.client_id == where.client_id)
                and (where.manager_id is None or r.employee_id == where.manager_id)
                and (where.status is None or r.done == (where.status == "done"))
            )

        return self._page("reactions", keep, after, limit)

    def open_reactions(self, employee_id: EmployeeId) -> tuple[Reaction, ...]:
        found = [
            r
            for r in self._read("reactions").values()
            if r.employee_id == employee_id and not r.done
        ]
        return tuple(sorted(found, key=_by_due))

    def department_reactions(self, department_id: DepartmentId) -> tuple[Reaction, ...]:
        found = [
            r
            for r in self._read("reactions").values()
            if r.department_id == department_id and r.employee_id is None and not r.done
        ]
        return tuple(sorted(found, key=_by_due))


class _Agenda(_Repository):
    """The agenda's read model."""

    def due_reactions(self, employee_id: EmployeeId, *, until: datetime) -> tuple[DueReaction, ...]:
        clients = self._read("clients")
        due = sorted(
            (
                r
                for r in self._read("reactions").values()
                if r.employee_id == employee_id and not r.done and r.due_at <= until
            ),
            key=lambda r: (r.due_at, clients[r.client_id].name, r.id),
        )
        return tuple(
            DueReaction(r.id, r.client_id, clients[r.client_id].name, r.kind, r.topic, r.due_at)
            for r in due
        )

    def open_invoices_managed_by(self, manager_id: EmployeeId) -> tuple[OwedInvoice, ...]:
        clients = self._read("clients")
        return tuple(
            OwedInvoice.of(i, client_name=clients[i.client_id].name)
            for i in self._read("invoices").values()
            if i.status.open and clients[i.client_id].manager_id == manager_id
        )

    def client_touches(
        self, month_days: Sequence[str], *, manager_id: EmployeeId | None = None
    ) -> tuple[ClientTouch, ...]:
        return client_touches(self._read("clients").values(), month_days, manager_id=manager_id)

    def satisfaction_calls_due(
        self, bounds: SatisfactionDueBounds, *, manager_id: EmployeeId | None = None
    ) -> tuple[AssignedClient, ...]:
        def due(row: AssignedClient) -> bool:
            if row.last_call is not None:
                return row.last_call <= bounds.last_call_until
            return row.assigned_on <= bounds.assigned_until

        rows = self._read("satisfaction")
        found = [
            self._named(row)
            for row in rows.values()
            if manager_id in (None, row.manager_id) and due(row)
        ]
        return tuple(sorted(found, key=lambda row: (row.client_name, row.client_id)))


class _Onboarding(_Repository):
    """Onboardings."""

    def add(self, onboarding: Onboarding) -> None:
        self._get("clients", "client", onboarding.client_id)
        self._insert("onboardings", "onboarding", onboarding.id, onboarding)

    def get(self, onboarding_id: OnboardingId) -> Onboarding:
        onboarding: Onboarding = self._get("onboardings", "onboarding", onboarding_id)
        return onboarding

    def update(self, onboarding: Onboarding) -> Onboarding:
        new: Onboarding = self._replace(
            "onboardings", "onboarding", onboarding.id, onboarding, onboarding.version
        )
        return new

    def of_client(self, client_id: ClientId) -> tuple[Onboarding, ...]:
        return tuple(o for o in self._read("onboardings").values() if o.client_id == client_id)

    def open(self, manager_id: EmployeeId) -> tuple[Onboarding, ...]:
        return tuple(
            o
            for o in self._read("onboardings").values()
            if o.manager_id == manager_id and not o.finished
        )


class _Orders(_Repository):
    """Orders."""

    def _check_number(self, order: Order) -> None:
        for other in self._read("orders").values():
            if other.number == order.number and other.id != order.id:
                raise DuplicateError("order number", order.number, owner=other.id)

    def add(self, order: Order) -> None:
        self._get("clients", "client", order.client_id)
        if order.id in self._read("orders"):
            raise DuplicateError("order", order.id)
        self._check_number(order)
        self._check_external("order", order.id, order.external_id)
        self._insert("orders", "order", order.id, order)
        self._put_external("order", order.id, order.external_id)

    def get(self, order_id: OrderId) -> Order:
        order: Order = self._get("orders", "order", order_id)
        return order

    def update(self, order: Order) -> Order:
        self._check_number(order)
        self._get("clients", "client", order.client_id)
        self._check_external("order", order.id, order.external_id)
        new: Order = self._replace("orders", "order", order.id, order, order.version)
        self._put_external("order", new.id, new.external_id)
        return new

    def find(self, number: str) -> Order | None:
        return next((o for o in self._read("orders").values() if o.number == number), None)

    def of_client(self, client_id: ClientId) -> tuple[Order, ...]:
        return tuple(o for o in self._read("orders").values() if o.client_id == client_id)

    def open(self) -> tuple[Order, ...]:
        return tuple(o for o in self._read("orders").values() if o.stage is not OrderStage.CLOSED)

    def in_stages(self, stages: Iterable[OrderStage]) -> tuple[Order, ...]:
        wanted = {OrderStage(stage) for stage in stages}
        return tuple(o for o in self._read("orders").values() if o.stage in wanted)

    def by_external(self, source: str, external_id: str) -> Order | None:
        owner = self._read("external_ids").get(("order", source, external_id))
        return None if owner is None else self._read("orders")[owner]

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Order], ...]:
        def keep(o: Order) -> bool:
            return (where.client_id is None or o.client_id == where.client_id) and (
                where.status is None or o.stage.value == where.status
            )

        return self._page("orders", keep, after, limit)


class _Calls(_Repository):
    """The call log."""

    def _call_client(self, entry: CallLogEntry) -> None:
        if entry.client_id is not None:
            self._get("clients", "client", entry.client_id)

    def add(self, entry: CallLogEntry) -> None:
        self._call_client(entry)
        self._insert("calls", "call", entry.call_id, entry)

    def find(self, call_id: str) -> CallLogEntry | None:
        found: CallLogEntry | None = self._read("calls").get(call_id)
        return found

    def update(self, entry: CallLogEntry) -> CallLogEntry:
        self._call_client(entry)
        new: CallLogEntry = self._replace("calls", "call", entry.call_id, entry, entry.version)
        return new

    @staticmethod
    def _by_time(entries: Iterable[CallLogEntry]) -> tuple[CallLogEntry, ...]:
        """Oldest first, entries without a time last (as the SQL stores order them)."""
        return tuple(
            sorted(entries, key=lambda e: (e.at is None, (e.at or _EPOCH).timestamp(), e.call_id))
        )

    def between(self, start: datetime, end: datetime) -> tuple[CallLogEntry, ...]:
        return self._by_time(
            e for e in self._read("calls").values() if e.at is not None and start <= e.at < end
        )

    def of_client(self, client_id: ClientId) -> tuple[CallLogEntry, ...]:
        return self._by_time(e for e in self._read("calls").values() if e.client_id == client_id)


class _Subscriptions(_Repository):
    """Subscriptions."""

    def add(self, subscription: Subscription) -> None:
        self._get("clients", "client", subscription.client_id)
        self._insert("subscriptions", "subscription", subscription.id, subscription)

    def get(self, subscription_id: SubscriptionId) -> Subscription:
        subscription: Subscription = self._get("subscriptions", "subscription", subscription_id)
        return subscription

    def update(self, subscription: Subscription) -> Subscription:
        self._get("clients", "client", subscription.client_id)
        new: Subscription = self._replace(
            "subscriptions", "subscription", subscription.id, subscription, subscription.version
        )
        return new

    def of_client(self, client_id: ClientId) -> tuple[Subscription, ...]:
        return tuple(s for s in self._read("subscriptions").values() if s.client_id == client_id)

    def all(self) -> tuple[Subscription, ...]:
        return tuple(self._read("subscriptions").values())

    def payers(self, client_ids: Iterable[ClientId]) -> dict[ClientId, tuple[str, str | None]]:
        clients = self._read("clients")
        return {
            c: (clients[c].name, clients[c].inn or None) for c in set(client_ids) if c in clients
        }


class _Invoices(_Repository):
    """Invoices and their number sequences."""

    def _check_invoice_number(self, invoice: Invoice) -> None:
        key = invoice_number_key(invoice.number)
        for other in self._read("invoices").values():
            if other.id != invoice.id and invoice_number_key(other.number) == key:
                raise DuplicateError("invoice number", invoice.number, owner=other.id)

    def add(self, invoice: Invoice) -> None:
        self._get("clients", "client", invoice.client_id)
        if invoice.id in self._read("invoices"):
            raise DuplicateError("invoice", invoice.id)
        self._check_invoice_number(invoice)
        self._insert("invoices", "invoice", invoice.id, invoice)

    def add_many(self, invoices: Sequence[Invoice]) -> None:
        # the stored numbers' keys read once, not once per invoice as add does
        owners = {invoice_number_key(i.number): i.id for i in self._read("invoices").values()}
        for invoice in invoices:
            self._get("clients", "client", invoice.client_id)
            key = invoice_number_key(invoice.number)
            owner = owners.get(key)
            if owner is not None and owner != invoice.id:
                raise DuplicateError("invoice number", invoice.number, owner=owner)
            self._insert("invoices", "invoice", invoice.id, invoice)
            owners[key] = invoice.id

    def get(self, invoice_id: InvoiceId) -> Invoice:
        invoice: Invoice = self._get("invoices", "invoice", invoice_id)
        return invoice

    def update(self, invoice: Invoice) -> Invoice:
        self._check_invoice_number(invoice)
        self._get("clients", "client", invoice.client_id)
        new: Invoice = self._replace("invoices", "invoice", invoice.id, invoice, invoice.version)
        return new

    def find(self, number: str) -> Invoice | None:
        key = invoice_number_key(number)
        return next(
            (i for i in self._read("invoices").values() if invoice_number_key(i.number) == key),
            None,
        )

    def of_client(self, client_id: ClientId) -> tuple[Invoice, ...]:
        return tuple(i for i in self._read("invoices").values() if i.client_id == client_id)

    def for_period(self, period: Month) -> tuple[Invoice, ...]:
        return tuple(i for i in self._read("invoices").values() if i.period == period)

    def billed(self, period: Month) -> tuple[BilledInvoice, ...]:
        return tuple(
            BilledInvoice.of(i)
            for i in self._read("invoices").values()
            if i.period == period and i.subscription_id is not None
        )

    def open(self) -> tuple[Invoice, ...]:
        return tuple(i for i in self._read("invoices").values() if i.status.open)

    def numbers(self, year: int) -> tuple[str, ...]:
        return tuple(i.number for i in self._read("invoices").values() if i.issue_date.year == year)

    def numbers_from(self, prefix: str) -> tuple[str, ...]:
        return tuple(
            i.number for i in self._read("invoices").values() if i.number.startswith(prefix)
        )

    def sequence(self, scope: str, *, lock: bool = True) -> int | None:
        # a unit of work holds the store's lock from start to end: nothing else to lock
        del lock
        last: int | None = self._read("number_sequences").get(scope)
        return last

    def set_sequence(self, scope: str, last: int) -> None:
        self._write("number_sequences")[scope] = last

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Invoice], ...]:
        clients = self._read("clients")

        def keep(i: Invoice) -> bool:
            return (
                (where.client_id is None or i.client_id == where.client_id)
                and (
                    where.manager_id is None or clients[i.client_id].manager_id == where.manager_id
                )
                and (where.status is None or i.status.value == where.status)
            )

        return self._page("invoices", keep, after, limit)


class _Payments(_Repository):
    """Payments, allocations, credits and supplier bills."""

    def _payment_client(self, payment: Payment) -> None:
        if payment.client_id is not None:
            self._get("clients", "client", payment.client_id)

    def add(self, payment: Payment) -> None:
        self._payment_client(payment)
        self._insert("payments", "payment", payment.id, payment)

    def find(self, payment_id: PaymentId) -> Payment | None:
        found: Payment | None = self._read("payments").get(payment_id)
        return found

    def update(self, payment: Payment) -> Payment:
        self._payment_client(payment)
        new: Payment = self._replace("payments", "payment", payment.id, payment, payment.version)
        return new

    @staticmethod
    def _by_date(payments: Iterable[Payment]) -> tuple[Payment, ...]:
        """By date, then as stored (the sort is stable), as the SQL stores order them."""
        return tuple(sorted(payments, key=lambda p: p.date))

    def of_client(self, client_id: ClientId) -> tuple[Payment, ...]:
        return self._by_date(p for p in self._read("payments").values() if p.client_id == client_id)

    def unmatched(self) -> tuple[Payment, ...]:
        return self._by_date(p for p in self._read("payments").values() if p.client_id is None)

    def add_allocation(self, allocation: Allocation) -> None:
        key = (allocation.payment_id, allocation.invoice_id)
        self._insert("allocations", "allocation", key, allocation)

    def allocations_of(self, client_id: ClientId) -> tuple[Allocation, ...]:
        return tuple(a for a in self._read("allocations").values() if a.client_id == client_id)

    def add_credit(self, credit: Credit) -> None:
        table = self._write("credits")
        table[len(table)] = credit

    def credits(self, client_id: ClientId | None = None) -> tuple[Credit, ...]:
        return tuple(c for c in self._read("credits").values() if client_id in (None, c.client_id))

    def add_supplier_bill(self, bill: SupplierBill) -> None:
        self._insert("supplier_bills", "supplier bill", bill.id, bill)

    def get_supplier_bill(self, bill_id: SupplierBillId) -> SupplierBill:
        bill: SupplierBill = self._get("supplier_bills", "supplier bill", bill_id)
        return bill

    def update_supplier_bill(self, bill: SupplierBill) -> SupplierBill:
        new: SupplierBill = self._replace(
            "supplier_bills", "supplier bill", bill.id, bill, bill.version
        )
        return new

    def supplier_bills(self) -> tuple[SupplierBill, ...]:
        return tuple(self._read("supplier_bills").values())


class _Claims(_Repository):
    """Claims and the satisfaction round."""

    def add(self, claim: Claim) -> None:
        self._get("clients", "client", claim.client_id)
        self._insert("claims", "claim", claim.id, claim)

    def get(self, claim_id: ClaimId) -> Claim:
        claim: Claim = self._get("claims", "claim", claim_id)
        return claim

    def update(self, claim: Claim) -> Claim:
        self._get("clients", "client", claim.client_id)
        new: Claim = self._replace("claims", "claim", claim.id, claim, claim.version)
        return new

    def of_client(self, client_id: ClientId) -> tuple[Claim, ...]:
        return tuple(c for c in self._read("claims").values() if c.client_id == client_id)

    def open(self, *, department_id: DepartmentId | None = None) -> tuple[Claim, ...]:
        return tuple(
            c
            for c in self._read("claims").values()
            if not c.closed and department_id in (None, c.department_id)
        )

    def between(self, start: datetime, end: datetime) -> tuple[Claim, ...]:
        def within(moment: datetime | None) -> bool:
            return moment is not None and start <= moment < end

        return tuple(
            c for c in self._read("claims").values() if within(c.filed_at) or within(c.closed_at)
        )

    def put_satisfaction(
        self,
        client_id: ClientId,
        manager_id: EmployeeId,
        assigned_on: date,
        last_call: date | None,
    ) -> None:
        row = AssignedClient(client_id, manager_id, assigned_on, last_call)
        self._get("clients", "client", client_id)
        self._write("satisfaction")[client_id] = row
        if last_call is not None:
            self._uow.timeline.record([satisfaction_entry(client_id, manager_id, last_call)])

    def satisfaction_of(self, client_id: ClientId) -> AssignedClient | None:
        row = self._read("satisfaction").get(client_id)
        return None if row is None else self._named(row)

    def assigned(self, *, manager_id: EmployeeId | None = None) -> tuple[AssignedClient, ...]:
        rows = self._read("satisfaction").values()
        return tuple(self._named(row) for row in rows if manager_id in (None, row.manager_id))

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Claim], ...]:
        def keep(c: Claim) -> bool:
            return (
                (where.client_id is None or c.client_id == where.client_id)
                and (where.manager_id is None or c.manager_id == where.manager_id)
                and (where.status is None or c.stage.value == where.status)
            )

        return self._page("claims", keep, after, limit)


class _Service(_Repository):
    """Service contracts, visits and trainings."""

    def add_contract(self, contract: ServiceContract) -> None:
        self._get("clients", "client", contract.client_id)
        self._insert("service_contracts", "service contract", contract.id, contract)

    def get_contract(self, contract_id: ServiceContractId) -> ServiceContract:
        contract: ServiceContract = self._get("service_contracts", "service contract", contract_id)
        return contract

    def update_contract(self, contract: ServiceContract) -> ServiceContract:
        self._get("clients", "client", contract.client_id)
        new: ServiceContract = self._replace(
            "service_contracts", "service contract", contract.id, contract, contract.version
        )
        return new

    def contracts_of(self, client_id: ClientId) -> tuple[ServiceContract, ...]:
        return tuple(
            c for c in self._read("service_contracts").values() if c.client_id == client_id
        )

    def _visit_refs(self, visit: Visit) -> None:
        self._get("clients", "client", visit.client_id)
        self._get("service_contracts", "service contract", visit.contract_id)

    def add_visit(self, visit: Visit) -> None:
        self._visit_refs(visit)
        self._insert("visits", "visit", visit.id, visit)

    def get_visit(self, visit_id: VisitId) -> Visit:
        visit: Visit = self._get("visits", "visit", visit_id)
        return visit

    def update_visit(self, visit: Visit) -> Visit:
        self._visit_refs(visit)
        new: Visit = self._replace("visits", "visit", visit.id, visit, visit.version)
        return new

    def visits_of(self, client_id: ClientId) -> tuple[Visit, ...]:
        return tuple(v for v in self._read("visits").values() if v.client_id == client_id)

    def open_visits(self) -> tuple[Visit, ...]:
        return tuple(v for v in self._read("visits").values() if v.open)

    def add_training(self, training: Training) -> None:
        self._get("clients", "client", training.client_id)
        self._insert("trainings", "training", training.id, training)

    def get_training(self, training_id: TrainingId) -> Training:
        training: Training = self._get("trainings", "training", training_id)
        return training

    def update_training(self, training: Training) -> Training:
        self._get("clients", "client", training.client_id)
        new: Training = self._replace(
            "trainings", "training", training.id, training, training.version
        )
        return new

    def trainings_of(self, client_id: ClientId) -> tuple[Training, ...]:
        return tuple(t for t in self._read("trainings").values() if t.client_id == client_id)

    def trainings_between(
        self, start: datetime, end: datetime, *, manager_id: EmployeeId
    ) -> tuple[Training, ...]:
        found = [
            t
            for t in self._read("trainings").values()
            if t.manager_id == manager_id
            and t.status is TrainingStatus.SCHEDULED
            and t.starts_at is not None
            and start <= t.starts_at < end
        ]
        return tuple(sorted(found, key=lambda t: t.starts_at or start))


class _Staff(_Repository):
    """The staff directory, cached by the store."""

    def put_department(self, department: Department) -> None:
        self._write("departments")[department.id] = department

    def put_employee(self, employee: Employee) -> None:
        self._get("departments", "department", employee.department_id)
        self._check_external("employee", employee.id, employee.external_id)
        self._write("employees")[employee.id] = employee
        self._put_external("employee", employee.id, employee.external_id)

    def add_absence(self, absence: Absence) -> None:
        self._get("employees", "employee", absence.employee_id)
        table = self._write("absences")
        table[len(table)] = absence

    def directory(self) -> StaffDirectory:
        return StaffDirectory(
            departments=tuple(self._read("departments").values()),
            employees=tuple(self._read("employees").values()),
            absences=tuple(self._read("absences").values()),
        )


class _Outbox(_Repository):
    """Batch keys and the outbox."""

    def record_key(self, key: str) -> bool:
        if key in self._read("batch_keys"):
            return False
        self._write("batch_keys")[key] = True
        return True

    def enqueue(self, message: OutboxMessage) -> bool:
        table = self._read("outbox")
        if any(m.key == message.key for m, _ in table.values()):
            return False
        self._write("outbox")[message.id] = (message, None)
        return True

    def publications(self, manager: str) -> dict[str, dict[str, Any]]:
        return {
            uid: dict(state)
            for (who, uid), state in self._read("calendar_published").items()
            if who == manager
        }

    def record_publication(self, manager: str, uid: str, state: Mapping[str, Any]) -> None:
        self._write("calendar_published")[manager, uid] = dict(state)

    def revive(self, message: OutboxMessage) -> bool:
        stored = self._read("outbox").get(message.id)
        if stored is None or stored[0].status is not OutboxStatus.DEAD:
            return False
        self._write("outbox")[message.id] = (message, None)
        return True

    def claim(self, *, now: datetime, lease: timedelta, limit: int) -> tuple[OutboxMessage, ...]:
        due = sorted(
            (
                m
                for m, held in self._read("outbox").values()
                if m.status is OutboxStatus.PENDING
                and m.next_attempt_at <= now
                and (held is None or held <= now)
            ),
            key=lambda m: (m.next_attempt_at, m.created_at, m.id),
        )[:limit]
        table = self._write("outbox")
        claimed = tuple(attrs.evolve(m, attempts=m.attempts + 1) for m in due)
        for m in claimed:
            table[m.id] = (m, now + lease)
        return claimed

    def finish(self, message: OutboxMessage) -> bool:
        stored = self._read("outbox").get(message.id)
        if stored is None or stored[1] is None or stored[0].attempts != message.attempts:
            return False
        self._write("outbox")[message.id] = (message, None)
        return True

    def messages(
        self,
        status: OutboxStatus | None = None,
        *,
        after: str | None = None,
        limit: int | None = None,
    ) -> tuple[OutboxMessage, ...]:
        table = self._read("outbox")  # in order of creation: a finished message keeps its place
        stored = iter(table.values())
        if after is not None:
            if after not in table:
                raise NotFoundError("outbox message", after)
            for message, _ in stored:
                if message.id == after:
                    break
        found = (m for m, _ in stored if status in (None, m.status))
        return tuple(found if limit is None else itertools.islice(found, limit))


class _Campaigns(_Repository):
    """Call campaigns, their call lists and calls, the do-not-call flags."""

    def add(self, campaign: Campaign) -> None:
        self._insert("campaigns", "campaign", campaign.id, campaign)

    def get(self, campaign_id: CampaignId) -> Campaign:
        campaign: Campaign = self._get("campaigns", "campaign", campaign_id)
        return campaign

    def update(self, campaign: Campaign) -> Campaign:
        new: Campaign = self._replace(
            "campaigns", "campaign", campaign.id, campaign, campaign.version
        )
        return new

    def add_targets(self, targets: Sequence[CampaignTarget]) -> None:
        campaigns = self._read("campaigns")
        clients = self._read("clients")
        rows = self._read("campaign_targets")
        seen = set()
        for target in targets:
            key = (target.campaign_id, target.client_id)
            if target.campaign_id not in campaigns:
                raise NotFoundError("campaign", target.campaign_id)
            if target.client_id not in clients:
                raise NotFoundError("client", target.client_id)
            if key in rows or key in seen:
                raise DuplicateError("campaign target", key)
            seen.add(key)
        table = self._write("campaign_targets")
        for target in targets:
            table[(target.campaign_id, target.client_id)] = target

    def target(self, campaign_id: CampaignId, client_id: ClientId) -> CampaignTarget:
        found: CampaignTarget = self._get(
            "campaign_targets", "campaign target", (campaign_id, client_id)
        )
        return found

    def claim_next(
        self,
        campaign_id: CampaignId,
        *,
        due_by: datetime,
        timezones: Sequence[str] | None,
        caller: EmployeeId,
        until: datetime,
    ) -> CampaignTarget | None:
        best: tuple[datetime, int, CampaignTarget] | None = None
        for at, target in enumerate(self._read("campaign_targets").values()):
            if (
                target.campaign_id == campaign_id
                and target.status is TargetStatus.OPEN
                and target.next_call_at <= due_by
                and (timezones is None or target.timezone in timezones)
                and (best is None or (target.next_call_at, at) < best[:2])
            ):
                best = (target.next_call_at, at, target)
        if best is None:
            return None
        return self.update_target(attrs.evolve(best[2], next_call_at=until, claimed_by=caller))

    def claim_next_while(
        self,
        campaign: Campaign,
        *,
        due_by: datetime,
        timezones: Sequence[str] | None,
        caller: EmployeeId,
        until: datetime,
    ) -> CampaignTarget | None:
        """:meth:`claim_next` while the stored campaign is at ``campaign.version``
        (``CampaignsRepository``)."""
        if not self._current(campaign):
            return None
        return self.claim_next(
            campaign.id, due_by=due_by, timezones=timezones, caller=caller, until=until
        )

    def update_target_while(
        self, target: CampaignTarget, campaign: Campaign
    ) -> CampaignTarget | None:
        """:meth:`update_target` while the stored row and campaign are at the versions given
        (``CampaignsRepository``)."""
        stored = self._read("campaign_targets").get((target.campaign_id, target.client_id))
        if stored is None or stored.version != target.version or not self._current(campaign):
            return None
        return self.update_target(target)

    def _current(self, campaign: Campaign) -> bool:
        stored: Campaign | None = self._read("campaigns").get(campaign.id)
        return stored is not None and stored.version == campaign.version

    def update_target(self, target: CampaignTarget) -> CampaignTarget:
        key = (target.campaign_id, target.client_id)
        new: CampaignTarget = self._replace(
            "campaign_targets", "campaign target", key, target, target.version
        )
        return new

    def targets_of(self, client_id: ClientId) -> tuple[CampaignTarget, ...]:
        return tuple(t for t in self._read("campaign_targets").values() if t.client_id == client_id)

    def add_call(self, call: CampaignCall) -> None:
        self._get("clients", "client", call.client_id)
        self._insert("campaign_calls", "campaign call", call.id, call)

    def get_call(self, call_id: str) -> CampaignCall | None:
        found: CampaignCall | None = self._read("campaign_calls").get(call_id)
        return found

    def update_call(self, call: CampaignCall) -> CampaignCall:
        new: CampaignCall = self._replace(
            "campaign_calls", "campaign call", call.id, call, call.version
        )
        return new

    def calls(self, campaign_id: CampaignId) -> tuple[CampaignCall, ...]:
        found = [c for c in self._read("campaign_calls").values() if c.campaign_id == campaign_id]
        return tuple(sorted(found, key=lambda c: (c.at, c.id)))

    def put_do_not_call(self, client_id: ClientId, flag: DoNotCall | None) -> None:
        if flag is None:
            if client_id in self._read("do_not_call"):
                del self._write("do_not_call", deleting=True)[client_id]
            return
        self._get("clients", "client", client_id)
        self._write("do_not_call")[client_id] = flag

    def call_card(self, client_id: ClientId) -> CallCard:
        return call_card(self._get("clients", "client", client_id))

    def do_not_call(self, client_id: ClientId) -> DoNotCall | None:
        found: DoNotCall | None = self._read("do_not_call").get(client_id)
        return found


class _JobRuns(_Repository):
    """The record of the scheduled jobs' runs, by (job, day)."""

    def claim(
        self, job: str, day: date, *, owner: str, now: datetime, lease: timedelta
    ) -> JobRun | None:
        found: JobRun | None = self._read("job_runs").get((job, day))
        if found is None:
            run = JobRun(job, day, JobStatus.RUNNING, 1, owner, now, now + lease)
        elif found.status is JobStatus.FAILED or (
            found.status is JobStatus.RUNNING
            and (
                found.owner == owner or (found.lease_until is not None and found.lease_until <= now)
            )
        ):
            run = attrs.evolve(
                found,
                status=JobStatus.RUNNING,
                attempts=found.attempts + 1,
                owner=owner,
                started_at=now,
                lease_until=now + lease,
                finished_at=None,
            )
        else:
            return None
        self._write("job_runs")[(job, day)] = run
        return run

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
        found: JobRun | None = self._read("job_runs").get((job, day))
        if (
            found is None
            or found.status is not JobStatus.RUNNING
            or found.owner != owner
            or found.attempts != attempts
        ):
            return False
        self._write("job_runs")[(job, day)] = attrs.evolve(
            found, status=status, finished_at=now, lease_until=None, summary=summary, error=error
        )
        return True

    def get(self, job: str, day: date) -> JobRun | None:
        found: JobRun | None = self._read("job_runs").get((job, day))
        return found

    def runs(self, first: date, last: date) -> tuple[JobRun, ...]:
        rows = [r for r in self._read("job_runs").values() if first <= r.day <= last]
        return tuple(sorted(rows, key=lambda r: (r.day, r.job.encode())))


class _PlanSheets(_Repository):
    """The managers' monthly plans and reports, by id."""

    def add(self, sheet: MonthlySheet) -> None:
        if self.find(sheet.kind, sheet.manager_id, sheet.month) is not None:
            raise DuplicateError("plan sheet", sheet.id)
        self._insert("plan_sheets", "plan sheet", sheet.id, sheet)

    def get(self, sheet_id: str) -> MonthlySheet:
        found: MonthlySheet = self._get("plan_sheets", "plan sheet", sheet_id)
        return found

    def update(self, sheet: MonthlySheet) -> MonthlySheet:
        new: MonthlySheet = self._replace(
            "plan_sheets", "plan sheet", sheet.id, sheet, sheet.version
        )
        return new

    def find(self, kind: SheetKind, manager_id: EmployeeId, month: Month) -> MonthlySheet | None:
        return next(
            (
                s
                for s in self._read("plan_sheets").values()
                if s.kind is kind and s.manager_id == manager_id and s.month == month
            ),
            None,
        )

    def of_month(self, month: Month) -> tuple[MonthlySheet, ...]:
        found = [s for s in self._read("plan_sheets").values() if s.month == month]
        return tuple(sorted(found, key=lambda s: (s.kind.value, s.manager_id)))


class _Retention(_Repository):
    """Clients' retention statuses, one record per client."""

    def get(self, client_id: ClientId) -> RetentionRecord | None:
        found: RetentionRecord | None = self._read("retention").get(client_id)
        return found

    def add(self, record: RetentionRecord) -> None:
        self._get("clients", "client", record.client_id)
        self._insert("retention", "retention record", record.client_id, record)

    def update(self, record: RetentionRecord) -> RetentionRecord:
        new: RetentionRecord = self._replace(
            "retention", "retention record", record.client_id, record, record.version
        )
        return new

    def all(self, *, status: RetentionStatus | None = None) -> tuple[RetentionRecord, ...]:
        rows = sorted(self._read("retention").values(), key=lambda r: r.client_id)
        return tuple(r for r in rows if status is None or r.status is status)

    def credit_limit(self, client_id: ClientId) -> CreditLimit | None:
        found: CreditLimit | None = self._read("credit_limits").get(client_id)
        return found

    def put_credit_limit(self, limit: CreditLimit) -> None:
        self._get("clients", "client", limit.client_id)
        self._write("credit_limits")[limit.client_id] = limit

    def add_marketing(self, item: MarketingItem) -> None:
        self._get("clients", "client", item.client_id)
        self._insert("marketing", "marketing item", item.id, item)

    def marketing(
        self, *, kind: MarketingKind | None = None, client_id: ClientId | None = None
    ) -> tuple[MarketingItem, ...]:
        return tuple(
            item
            for item in self._read("marketing").values()
            if (kind is None or item.kind is kind)
            and (client_id is None or item.client_id == client_id)
        )

    def client_terms(self, client_id: ClientId) -> ClientTerms | None:
        found: ClientTerms | None = self._read("client_terms").get(client_id)
        return found

    def all_client_terms(self) -> tuple[ClientTerms, ...]:
        found: Mapping[ClientId, ClientTerms] = self._read("client_terms")
        return tuple(found[key] for key in sorted(found))

    def put_client_terms(self, terms: ClientTerms) -> None:
        self._get("clients", "client", terms.client_id)
        self._write("client_terms")[terms.client_id] = terms

    def add_agreement(self, agreement: PartnerAgreement) -> None:
        self._get("clients", "client", agreement.counterparty_id)
        self._insert("partner_agreements", "partner agreement", agreement.id, agreement)

    def agreement(self, agreement_id: str) -> PartnerAgreement:
        found: PartnerAgreement = self._get("partner_agreements", "partner agreement", agreement_id)
        return found

    def update_agreement(self, agreement: PartnerAgreement) -> PartnerAgreement:
        new: PartnerAgreement = self._replace(
            "partner_agreements", "partner agreement", agreement.id, agreement, agreement.version
        )
        return new

    def agreements(
        self, *, counterparty_id: ClientId | None = None
    ) -> tuple[PartnerAgreement, ...]:
        return tuple(
            a
            for a in self._read("partner_agreements").values()
            if counterparty_id is None or a.counterparty_id == counterparty_id
        )


class _Contractors(_Repository):
    """Contractors and their visits."""

    def add(self, contractor: Contractor) -> None:
        self._insert("contractors", "contractor", contractor.id, contractor)

    def get(self, contractor_id: ContractorId) -> Contractor:
        found: Contractor = self._get("contractors", "contractor", contractor_id)
        return found

    def update(self, contractor: Contractor) -> Contractor:
        new: Contractor = self._replace(
            "contractors", "contractor", contractor.id, contractor, contractor.version
        )
        return new

    def all(self) -> tuple[Contractor, ...]:
        return tuple(self._read("contractors").values())

    def add_visit(self, visit: ContractorVisit) -> None:
        self._get("clients", "client", visit.client_id)
        self._get("contractors", "contractor", visit.contractor_id)
        self._insert("contractor_visits", "contractor visit", visit.id, visit)

    def get_visit(self, visit_id: str) -> ContractorVisit:
        found: ContractorVisit = self._get("contractor_visits", "contractor visit", visit_id)
        return found

    def update_visit(self, visit: ContractorVisit) -> ContractorVisit:
        new: ContractorVisit = self._replace(
            "contractor_visits", "contractor visit", visit.id, visit, visit.version
        )
        return new

    def visits_of(self, client_id: ClientId) -> tuple[ContractorVisit, ...]:
        rows = self._read("contractor_visits").values()
        return tuple(v for v in rows if v.client_id == client_id)


class _LegalCases(_Repository):
    """Legal cases."""

    def add(self, case: LegalCase) -> None:
        self._get("clients", "client", case.client_id)
        self._insert("legal_cases", "legal case", case.id, case)

    def get(self, case_id: LegalCaseId) -> LegalCase:
        case: LegalCase = self._get("legal_cases", "legal case", case_id)
        return case

    def update(self, case: LegalCase) -> LegalCase:
        new: LegalCase = self._replace("legal_cases", "legal case", case.id, case, case.version)
        return new

    def of_client(self, client_id: ClientId) -> tuple[LegalCase, ...]:
        return tuple(c for c in self._read("legal_cases").values() if c.client_id == client_id)


class _Feed(_Repository):
    """The change feed (a list that only grows) and its consumers' cursors."""

    def __init__(self, uow: _MemoryUnitOfWork) -> None:
        super().__init__(uow)
        self._uow = uow

    def append(self, records: Sequence[FeedRecord]) -> int:
        if self._uow._readonly:
            raise StorageError(MemoryStorage.name, "write", READ_ONLY)
        head = self.head()
        self._uow._feed_pending.extend(
            FeedEntry(head + i, r.kind, r.schema, r.at, r.payload)
            for i, r in enumerate(records, start=1)
        )
        return self.head()

    def read(self, *, after: int, limit: int) -> tuple[FeedEntry, ...]:
        start = max(after, 0)  # position p is at index p - 1
        committed = self._uow._feed
        found = committed[start : start + limit]
        if len(found) < limit:
            pending = self._uow._feed_pending
            skip = max(start - len(committed), 0)
            found = [*found, *pending[skip : skip + limit - len(found)]]
        return tuple(found)

    def head(self) -> int:
        return len(self._uow._feed) + len(self._uow._feed_pending)

    def cursor(self, name: str, *, lock: bool = False) -> FeedCursor:
        del lock  # a unit of work holds the store's lock from start to end
        stored: FeedCursor | None = self._read("feed_cursors").get(name)
        if stored is None:
            return FeedCursor(name)
        if stored.message_id is None:
            return stored
        message = self._read("outbox").get(stored.message_id)
        return attrs.evolve(stored, message_status=None if message is None else message[0].status)

    def save_cursor(self, cursor: FeedCursor) -> None:
        self._write("feed_cursors")[cursor.name] = attrs.evolve(cursor, message_status=None)


class _Supply(_Repository):
    """The supply records, by (kind, id), in the order they were added."""

    def add(self, record: SupplyRecord) -> None:
        kind = KINDS[type(record)]
        if (kind, record.id) in self._read("supply"):
            raise DuplicateError(kind, record.id)
        self._write("supply")[(kind, record.id)] = record

    def find(self, kind: type[_R], record_id: str, *, lock: bool = False) -> _R | None:
        del lock  # a unit of work holds the store's lock from start to end
        found: _R | None = self._read("supply").get((KINDS[kind], record_id))
        return found

    def get(self, kind: type[_R], record_id: str, *, lock: bool = False) -> _R:
        found = self.find(kind, record_id, lock=lock)
        if found is None:
            raise NotFoundError(KINDS[kind], record_id)
        return found

    def update(self, record: _R) -> _R:
        new: _R = self._replace(
            "supply", KINDS[type(record)], (KINDS[type(record)], record.id), record, record.version
        )
        return new

    def of_client(self, kind: type[_R], client_id: ClientId) -> tuple[_R, ...]:
        name = KINDS[kind]
        rows = self._read("supply").items()
        return tuple(r for (k, _), r in rows if k == name and r.client_id == client_id)

    def all(self, kind: type[_R], *, open_only: bool = False) -> tuple[_R, ...]:
        name = KINDS[kind]
        rows = self._read("supply").items()
        return tuple(r for (k, _), r in rows if k == name and (r.is_open or not open_only))


_name_key = functools.lru_cache(maxsize=65536)(organisation_key)


def _by_due(reaction: Reaction) -> Any:
    return reaction.due_at


class MemoryStorage:
    """A store that lives in this process only."""

    name = "memory"

    def __init__(self) -> None:
        self._committed: dict[str, dict[Any, Any]] = {t: {} for t in _TABLES}
        self._feed: list[FeedEntry] = []
        self._lock = threading.RLock()
        self._open = False
        self._closed = False

    @classmethod
    def from_url(cls, url: str) -> MemoryStorage:
        """``memory://`` (anything after the scheme is ignored)."""
        del url
        return cls()

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[_MemoryUnitOfWork]:
        with self._lock:
            if self._closed:  # as the SQL stores: a closed store is not used again
                raise StorageError(self.name, "begin", "the store is closed")
            if self._open:
                raise StorageError(self.name, "begin", "a unit of work is already open")
            self._open = True
            try:
                uow = _MemoryUnitOfWork(self._committed, readonly=readonly, feed=self._feed)
                yield uow
                uow._commit_into(self._committed)
                self._feed.extend(uow._feed_pending)
            finally:
                self._open = False

    def close(self) -> None:
        """Nothing to release; the store refuses units of work from now on."""
        self._closed = True


@hookimpl
def clientops_register_storage(register: RegisterStorage) -> None:
    register("memory", MemoryStorage.from_url)
