"""The ports: what clientops needs from a backend, as ``typing.Protocol`` classes.

Adapters implement these; services only ever talk to a port. A store hands out units of work::

    with storage.unit_of_work() as uow:
        uow.clients.add(card)
        uow.appeals.add(appeal)
    # committed here; an exception inside the block rolls everything back

A unit of work exposes one repository per area as an attribute (``uow.clients``,
``uow.invoices``, …), each a small :class:`~typing.Protocol` (at most 15 methods). Every
repository method sees the writes made earlier in the same unit of work, through any
repository. The agenda's set-based queries are a separate, optional port
(:class:`AgendaQueries`, ``uow.agenda``) with a generic fallback in :mod:`clientops.queries`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol, TypeVar, runtime_checkable

from clientops._agenda import ClientTouch
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
from clientops._planning import ClientMonth, MonthlySheet, SheetKind
from clientops._retention import (
    ClientTerms,
    MarketingItem,
    MarketingKind,
    RetentionRecord,
    RetentionStatus,
)
from clientops._sync import ListFilter
from clientops._telephony import CallLogEntry
from clientops._timeline import TimelineEntry, TimelinePage, TimelineQuery
from clientops.errors import ConfigurationError
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
    Reaction,
    ReactionId,
    StaffDirectory,
)
from clientops.satisfaction import AssignedClient, SatisfactionDueBounds
from clientops.service_visits import (
    ServiceContract,
    ServiceContractId,
    Training,
    TrainingId,
    Visit,
    VisitId,
)

__all__ = [
    "AgendaQueries",
    "AppealsRepository",
    "CallsRepository",
    "CampaignsRepository",
    "ClaimsRepository",
    "ClientsRepository",
    "ContractorsRepository",
    "FeedRepository",
    "InvoicesRepository",
    "JobRunsRepository",
    "LegalCasesRepository",
    "OnboardingRepository",
    "OrdersRepository",
    "OutboxRepository",
    "PaymentsRepository",
    "PlanSheetsRepository",
    "PlanningQueries",
    "RetentionRepository",
    "ServiceRepository",
    "StaffRepository",
    "Storage",
    "StorageFactory",
    "SubscriptionsRepository",
    "SupplyRecord",
    "SupplyRepository",
    "TimelineRepository",
    "UnitOfWork",
    "contractors_repository",
    "legal_repository",
    "retention_repository",
]


class ClientsRepository(Protocol):
    """The cards (``uow.clients``)."""

    def add(self, client: Client) -> None:
        """Store a new card. Its contract numbers must not belong to another client."""

    def managed_by(self, manager_id: EmployeeId) -> tuple[Client, ...]:
        """The cards whose manager is ``manager_id``, oldest first (index ``clients_manager``)."""

    def add_many(self, clients: Sequence[Client]) -> None:
        """Store many new cards at once, with the checks of :meth:`add` (a store
        may do it faster than one by one: PostgreSQL uses ``COPY``)."""

    def contract_owners(self, numbers: Iterable[str]) -> Mapping[str, ClientId]:
        """Of these contract numbers, the ones a stored card holds: ``contract_key(number)``
        mapped to the holder."""

    def get(self, client_id: ClientId) -> Client:
        """The card with this id, or NotFoundError."""

    def update(self, client: Client) -> Client:
        """Replace a card. ``client.version`` must be the stored version; the stored (and
        returned) card has ``version + 1``. A stale version raises ConflictError."""

    def find(self, query: ClientQuery) -> tuple[Client, ...]:
        """Every card matching ``query`` (see :meth:`ClientQuery.matches`), oldest first."""

    def count(self) -> int:
        """How many cards are stored."""

    def all(self) -> tuple[Client, ...]:
        """Every card, oldest first (what a generic read model scans)."""

    def by_external(self, source: str, ids: Iterable[str]) -> Mapping[str, Client]:
        """Of these external ids of ``source``, the ones a stored card carries
        (:attr:`Client.external_id`), each mapped to its card. An external id is unique per
        source: :meth:`add`, :meth:`add_many` and :meth:`update` raise DuplicateError (kind
        ``client external id``, ``owner`` the holder) for one another card carries."""

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Client], ...]:
        """Up to ``limit`` cards matching ``where`` (its ``manager_id``, ``city``,
        ``category``, ``changed_since``: written at or after it), oldest first, each with its
        position: only those after position ``after`` (``0``: from the first). Positions
        grow with every card added and an update keeps a card's, so a listing paged by the
        last position seen lists each card once."""


class AppealsRepository(Protocol):
    """Appeals and their reactions (``uow.appeals``)."""

    def add(self, appeal: Appeal) -> None:
        """Store a new appeal; its client must exist."""

    def add_many(self, appeals: Sequence[Appeal]) -> None:
        """Store many new appeals at once, with the checks of :meth:`add`, every one made
        before the first is written (a card missing: NotFoundError; an id stored or twice in
        the batch: DuplicateError); their timeline entries with them."""

    def get(self, appeal_id: AppealId) -> Appeal:
        """The appeal with this id, or NotFoundError."""

    def of_client(self, client_id: ClientId) -> tuple[Appeal, ...]:
        """The client's appeals, oldest first."""

    def add_reaction(self, reaction: Reaction) -> None:
        """Store a new reaction; its appeal must exist."""

    def add_many_reactions(self, reactions: Sequence[Reaction]) -> None:
        """Store many new reactions at once, with the checks of :meth:`add_reaction`, every
        one made before the first is written (an appeal missing or of another client:
        NotFoundError; an id stored or twice in the batch: DuplicateError); their timeline
        entries with them. The SQL stores write each table in one batched statement."""

    def get_reaction(self, reaction_id: ReactionId) -> Reaction:
        """The reaction with this id, or NotFoundError."""

    def update_reaction(self, reaction: Reaction) -> Reaction:
        """Replace a reaction, with the version check of :meth:`ClientsRepository.update`."""

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        """The client's reactions, by due time."""

    def open_reactions(self, employee_id: EmployeeId) -> tuple[Reaction, ...]:
        """The employee's reactions not done yet, by due time (then as stored)."""

    def department_reactions(self, department_id: DepartmentId) -> tuple[Reaction, ...]:
        """The department's reactions not done yet that no employee owns (waiting to be
        taken), by due time (then as stored)."""

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Appeal], ...]:
        """Appeals (of ``where.client_id`` when given) after position ``after``, as
        :meth:`ClientsRepository.page` lists cards."""

    def reactions_page(
        self, where: ListFilter, *, after: int, limit: int
    ) -> tuple[tuple[int, Reaction], ...]:
        """Reactions matching ``where`` (``client_id``; ``manager_id``: the employee's;
        ``status``: ``open`` or ``done``) after position ``after``, as
        :meth:`ClientsRepository.page` lists cards."""


class StaffRepository(Protocol):
    """Departments, employees and absences: the staff directory (``uow.staff``)."""

    def put_department(self, department: Department) -> None:
        """Add or replace a department."""

    def put_employee(self, employee: Employee) -> None:
        """Add or replace an employee; the department must exist."""

    def add_absence(self, absence: Absence) -> None:
        """Record an absence; the employee must exist."""

    def directory(self) -> StaffDirectory:
        """Every department, employee and absence, as one value."""


class OnboardingRepository(Protocol):
    """Onboardings, the checklists of a client folder (``uow.onboarding``)."""

    def add(self, onboarding: Onboarding) -> None:
        """Store a new onboarding (a client folder's checklist); its client must exist."""

    def get(self, onboarding_id: OnboardingId) -> Onboarding:
        """The onboarding with this id, or NotFoundError."""

    def update(self, onboarding: Onboarding) -> Onboarding:
        """Replace an onboarding, with the version check of :meth:`ClientsRepository.update`."""

    def of_client(self, client_id: ClientId) -> tuple[Onboarding, ...]:
        """The client's onboardings, oldest first."""

    def open(self, manager_id: EmployeeId) -> tuple[Onboarding, ...]:
        """The manager's onboardings with steps still open, oldest first."""


class OrdersRepository(Protocol):
    """Orders (``uow.orders``)."""

    def add(self, order: Order) -> None:
        """Store a new order; its client must exist. DuplicateError for an id already stored
        (kind ``order``) and for an order number another order holds (kind
        ``order number``, ``owner`` the holder's id). Numbers are compared as written."""

    def get(self, order_id: OrderId) -> Order:
        """The order with this id, or NotFoundError."""

    def update(self, order: Order) -> Order:
        """Replace an order, with the version check of :meth:`ClientsRepository.update`; a number
        another order holds raises DuplicateError."""

    def find(self, number: str) -> Order | None:
        """The order with this number (as written), or ``None``."""

    def of_client(self, client_id: ClientId) -> tuple[Order, ...]:
        """The client's orders, oldest first."""

    def open(self) -> tuple[Order, ...]:
        """Every order not closed yet, oldest first: the agenda of orders."""

    def in_stages(self, stages: Iterable[OrderStage]) -> tuple[Order, ...]:
        """Every order at one of ``stages``, oldest first (``()`` for no stages)."""

    def by_external(self, source: str, external_id: str) -> Order | None:
        """The order carrying this external id of ``source`` (:attr:`Order.external_id`), or
        ``None``. Unique per source: :meth:`add` and :meth:`update` raise DuplicateError (kind
        ``order external id``) for one another order carries."""

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Order], ...]:
        """Orders matching ``where`` (``client_id``; ``status``: the stage's value) after
        position ``after``, as :meth:`ClientsRepository.page` lists cards."""


class CallsRepository(Protocol):
    """The call log (``uow.calls``)."""

    def add(self, entry: CallLogEntry) -> None:
        """Store a new call log entry. DuplicateError (kind ``call``) for a call id already
        stored; its client, when linked, must exist."""

    def find(self, call_id: str) -> CallLogEntry | None:
        """The entry of this call, or ``None``."""

    def update(self, entry: CallLogEntry) -> CallLogEntry:
        """Replace an entry, with the version check of :meth:`ClientsRepository.update`."""

    def between(self, start: datetime, end: datetime) -> tuple[CallLogEntry, ...]:
        """The calls that happened (:attr:`CallLogEntry.at`) from ``start`` up to, not
        including, ``end``: oldest first, then by call id."""

    def of_client(self, client_id: ClientId) -> tuple[CallLogEntry, ...]:
        """The client's calls, oldest first; entries that tell no time yet come last."""


class SubscriptionsRepository(Protocol):
    """Billing: subscriptions (``uow.subscriptions``)."""

    def add(self, subscription: Subscription) -> None:
        """Store a new subscription; its client must exist. DuplicateError (kind
        ``subscription``) for an id already stored."""

    def get(self, subscription_id: SubscriptionId) -> Subscription:
        """The subscription with this id, or NotFoundError."""

    def update(self, subscription: Subscription) -> Subscription:
        """Replace a subscription, with the version check of :meth:`ClientsRepository.update`."""

    def of_client(self, client_id: ClientId) -> tuple[Subscription, ...]:
        """The client's subscriptions, oldest first."""

    def all(self) -> tuple[Subscription, ...]:
        """Every subscription, oldest first (what a billing run plans from)."""

    def payers(self, client_ids: Iterable[ClientId]) -> Mapping[ClientId, tuple[str, str | None]]:
        """The name and INN (``None``: none on the card) of each of these clients that exists,
        by client id, read from the cards in one go without loading them: what a billing run
        prints on and keys the invoices it issues with."""


class InvoicesRepository(Protocol):
    """Billing: invoices and their number sequences (``uow.invoices``)."""

    def add(self, invoice: Invoice) -> None:
        """Store a new invoice; its client must exist. DuplicateError for an id already
        stored (kind ``invoice``) and for a number another invoice holds (kind ``invoice
        number``, ``owner`` the holder's id; numbers compared by
        :func:`clientops.billing.invoice_number_key`)."""

    def add_many(self, invoices: Sequence[Invoice]) -> None:
        """Store new invoices, as :meth:`add` stores each (the same checks and errors, a
        number taken twice within the batch included), in a few statements: what a billing
        run stores its batches with."""

    def get(self, invoice_id: InvoiceId) -> Invoice:
        """The invoice with this id, or NotFoundError."""

    def update(self, invoice: Invoice) -> Invoice:
        """Replace an invoice, with the version check of :meth:`ClientsRepository.update` (its id,
        number and client do not change)."""

    def find(self, number: str) -> Invoice | None:
        """The invoice with this number (by ``invoice_number_key``), or ``None``."""

    def of_client(self, client_id: ClientId) -> tuple[Invoice, ...]:
        """The client's invoices, oldest first."""

    def for_period(self, period: Month) -> tuple[Invoice, ...]:
        """Every invoice billing ``period``, oldest first."""

    def billed(self, period: Month) -> tuple[BilledInvoice, ...]:
        """Every invoice billing ``period`` that has a subscription, oldest first, without its
        lines (:class:`~clientops.billing.BilledInvoice`): what a billing run checks before it
        issues anything."""

    def open(self) -> tuple[Invoice, ...]:
        """Every invoice still to be paid (issued or partly paid), oldest first."""

    def numbers(self, year: int) -> tuple[str, ...]:
        """The numbers of the invoices issued in ``year`` (by issue date), any order: what the
        next number is counted from."""

    def numbers_from(self, prefix: str) -> tuple[str, ...]:
        """The numbers of every stored invoice that start with ``prefix`` (exactly, any
        order), whatever their issue date: what a number sequence is seeded from."""

    def sequence(self, scope: str, *, lock: bool = True) -> int | None:
        """The last number taken in the sequence ``scope`` (``None``: never set). With
        ``lock`` the sequence is locked until this unit of work ends: another unit of work
        asking for it with ``lock`` waits, then reads what this one set (or, rolled back,
        what there was before), so numbers taken under the lock are never handed out twice."""

    def set_sequence(self, scope: str, last: int) -> None:
        """Record ``last`` as the last number taken in the sequence ``scope`` (read with
        ``lock`` first, in this unit of work)."""

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Invoice], ...]:
        """Invoices matching ``where`` (``client_id``; ``manager_id``: the card's manager;
        ``status``: the status's value) after position ``after``, as
        :meth:`ClientsRepository.page` lists cards."""


class PaymentsRepository(Protocol):
    """Billing: payments, allocations, credits and supplier bills (``uow.payments``)."""

    def add(self, payment: Payment) -> None:
        """Store a received payment (matched to a client or not: ``client_id`` may be
        ``None``). DuplicateError (kind ``payment``) for an id already stored: the same bank
        document imported again."""

    def find(self, payment_id: PaymentId) -> Payment | None:
        """The payment with this id, or ``None``."""

    def update(self, payment: Payment) -> Payment:
        """Replace a payment (a person matched it to a client), with the version check."""

    def of_client(self, client_id: ClientId) -> tuple[Payment, ...]:
        """The client's payments, by date then as stored."""

    def unmatched(self) -> tuple[Payment, ...]:
        """The payments no client is named on yet, by date then as stored: for a person."""

    def add_allocation(self, allocation: Allocation) -> None:
        """Store what a payment paid on an invoice. DuplicateError (kind ``allocation``) for
        the same payment and invoice twice."""

    def allocations_of(self, client_id: ClientId) -> tuple[Allocation, ...]:
        """The client's allocations, as stored."""

    def add_credit(self, credit: Credit) -> None:
        """Store a client's credit (an overpayment kept, visible)."""

    def credits(self, client_id: ClientId | None = None) -> tuple[Credit, ...]:
        """The credits of one client, or of every client, as stored."""

    def add_supplier_bill(self, bill: SupplierBill) -> None:
        """Store a new supplier bill. DuplicateError (kind ``supplier bill``) for an id
        already stored."""

    def get_supplier_bill(self, bill_id: SupplierBillId) -> SupplierBill:
        """The supplier bill with this id, or NotFoundError."""

    def update_supplier_bill(self, bill: SupplierBill) -> SupplierBill:
        """Replace a supplier bill, with the version check."""

    def supplier_bills(self) -> tuple[SupplierBill, ...]:
        """Every supplier bill, oldest first."""


class ClaimsRepository(Protocol):
    """Claims and the satisfaction round's rows (``uow.claims``)."""

    def add(self, claim: Claim) -> None:
        """Store a new claim; its client must exist. DuplicateError (kind ``claim``) for an
        id already stored."""

    def get(self, claim_id: ClaimId) -> Claim:
        """The claim with this id, or NotFoundError."""

    def update(self, claim: Claim) -> Claim:
        """Replace a claim, with the version check of :meth:`ClientsRepository.update`."""

    def of_client(self, client_id: ClientId) -> tuple[Claim, ...]:
        """The client's claims, oldest first."""

    def open(self, *, department_id: DepartmentId | None = None) -> tuple[Claim, ...]:
        """Every claim not resolved or withdrawn yet (of the department at fault, when
        ``department_id`` is given), oldest first."""

    def between(self, start: datetime, end: datetime) -> tuple[Claim, ...]:
        """The claims filed, or closed (resolved or withdrawn), from ``start`` up to, not
        including, ``end``: each once, oldest first. What the claim figures add up."""

    def put_satisfaction(
        self,
        client_id: ClientId,
        manager_id: EmployeeId,
        assigned_on: date,
        last_call: date | None,
    ) -> None:
        """Add or replace the client's row of the satisfaction round: the manager it is
        assigned to, since when, and the day of the last satisfaction call (``None``: none
        yet). The client must exist."""

    def satisfaction_of(self, client_id: ClientId) -> AssignedClient | None:
        """The client's row of the satisfaction round (with the client's name), or ``None``
        when the client is not assigned."""

    def assigned(self, *, manager_id: EmployeeId | None = None) -> tuple[AssignedClient, ...]:
        """Every row of the satisfaction round (of ``manager_id``, or of everyone), with the
        client's name, in any order."""

    def page(self, where: ListFilter, *, after: int, limit: int) -> tuple[tuple[int, Claim], ...]:
        """Claims matching ``where`` (``client_id``, ``manager_id``; ``status``: the stage's
        value) after position ``after``, as :meth:`ClientsRepository.page` lists cards."""


class ServiceRepository(Protocol):
    """Service contracts, visits and trainings (``uow.service``)."""

    def add_contract(self, contract: ServiceContract) -> None:
        """Store a new service contract; its client must exist. DuplicateError (kind
        ``service contract``) for an id already stored."""

    def get_contract(self, contract_id: ServiceContractId) -> ServiceContract:
        """The service contract with this id, or NotFoundError."""

    def update_contract(self, contract: ServiceContract) -> ServiceContract:
        """Replace a service contract, with the version check of
        :meth:`ClientsRepository.update`."""

    def contracts_of(self, client_id: ClientId) -> tuple[ServiceContract, ...]:
        """The client's service contracts, oldest first."""

    def add_visit(self, visit: Visit) -> None:
        """Store a new visit; its client and its contract must exist (NotFoundError kind
        ``service contract``). DuplicateError (kind ``visit``) for an id already stored."""

    def get_visit(self, visit_id: VisitId) -> Visit:
        """The visit with this id, or NotFoundError."""

    def update_visit(self, visit: Visit) -> Visit:
        """Replace a visit, with the version check of :meth:`ClientsRepository.update`."""

    def visits_of(self, client_id: ClientId) -> tuple[Visit, ...]:
        """The client's visits, oldest first."""

    def open_visits(self) -> tuple[Visit, ...]:
        """Every visit neither done nor cancelled, oldest first."""

    def add_training(self, training: Training) -> None:
        """Store a new training; its client must exist. DuplicateError (kind ``training``)
        for an id already stored."""

    def get_training(self, training_id: TrainingId) -> Training:
        """The training with this id, or NotFoundError."""

    def update_training(self, training: Training) -> Training:
        """Replace a training, with the version check of :meth:`ClientsRepository.update`."""

    def trainings_of(self, client_id: ClientId) -> tuple[Training, ...]:
        """The client's trainings, oldest first."""

    def trainings_between(
        self, start: datetime, end: datetime, *, manager_id: EmployeeId
    ) -> tuple[Training, ...]:
        """The manager's scheduled trainings starting from ``start`` up to, not including,
        ``end``, by start time."""


class OutboxRepository(Protocol):
    """Idempotency keys and the outbox (``uow.outbox``)."""

    def record_key(self, key: str) -> bool:
        """Remember an idempotency key (a batch, a month's billing, an imported file).
        ``False`` when it was already recorded, by this or an earlier unit of work: the caller
        then skips the work. The key is kept only if the unit of work commits."""

    def enqueue(self, message: OutboxMessage) -> bool:
        """Record a side effect to deliver after commit. ``False`` (and nothing stored) when a
        message with the same ``key`` exists."""

    def claim(self, *, now: datetime, lease: timedelta, limit: int) -> tuple[OutboxMessage, ...]:
        """Take up to ``limit`` pending messages due at ``now`` that no other worker holds,
        oldest due first: each comes back with ``attempts`` counted up and is held for
        ``lease``. Two workers never get the same message while its lease runs."""

    def finish(self, message: OutboxMessage) -> bool:
        """Store the outcome of a delivery (the message as returned by
        :func:`~clientops.outbox.after_success` or :func:`~clientops.outbox.after_failure`)
        and release it. ``False`` when the lease was lost meanwhile (another worker took the
        message over after it expired); nothing is written then."""

    def publications(self, manager: str) -> Mapping[str, Mapping[str, Any]]:
        """What was last published of each event of ``manager``'s calendar, by UID: the
        state :meth:`record_publication` stored (``sequence``, ``digest``, ``cancelled``).
        Reads that manager's rows only, never the outbox's history."""

    def record_publication(self, manager: str, uid: str, state: Mapping[str, Any]) -> None:
        """Remember ``state`` (a JSON-ready mapping) as the last published state of the event
        ``uid`` of ``manager``'s calendar, replacing the one before; kept only if the unit of
        work commits."""

    def revive(self, message: OutboxMessage) -> bool:
        """Store ``message`` (pending again, its ``attempts`` back to 0, due at its
        ``next_attempt_at``) over the dead message with its id, for a person who asked for
        another round of deliveries. ``False`` (and nothing written) when no dead message has
        that id."""

    def messages(
        self,
        status: OutboxStatus | None = None,
        *,
        after: str | None = None,
        limit: int | None = None,
    ) -> tuple[OutboxMessage, ...]:
        """Messages in order of creation, optionally only those with ``status``: every one, or
        with ``after`` (a message's id) only those created after that message, and with
        ``limit`` at most that many. An ``after`` naming no message raises NotFoundError."""


class CampaignsRepository(Protocol):
    """Call campaigns: the campaigns, their call lists (one row per client), their calls,
    and the clients' do-not-call flags.

    A store MAY also offer two conditional writes, which let ``ops.campaigns.next_client``
    and ``record_outcome`` use the campaign (and the row) they read on an earlier call
    instead of reading them again; clientops asks for them with
    ``getattr(uow.campaigns, name, None)`` and, without them, reads the campaign and the row
    in each unit of work. The memory, SQLite and PostgreSQL stores offer both.

    ``claim_next_while(campaign, *, due_by, timezones, caller, until) -> CampaignTarget |
    None``
        :meth:`claim_next` for ``campaign.id``, only while the stored campaign is at
        ``campaign.version``: ``None``, and nothing written, when it is not (or it is gone),
        as when no row is due. A SQL store checks the version in the claim's one statement.

    ``update_target_while(target, campaign) -> CampaignTarget | None``
        :meth:`update_target`, only while the stored row is at ``target.version`` and the
        stored campaign at ``campaign.version``: the row with its version bumped, or
        ``None``, and nothing written, when either is not (or the row or the campaign is
        gone), where :meth:`update_target` would raise ConflictError or NotFoundError. A
        SQL store checks both in the update's one statement."""

    def add(self, campaign: Campaign) -> None:
        """Store a new campaign (DuplicateError when its id is taken)."""

    def get(self, campaign_id: CampaignId) -> Campaign:
        """The campaign, or NotFoundError."""

    def update(self, campaign: Campaign) -> Campaign:
        """Store a changed campaign; returns it with its version bumped (ConflictError when
        it changed since it was read)."""

    def add_targets(self, targets: Sequence[CampaignTarget]) -> None:
        """Add clients to call lists (one statement per batch, not per row): a client
        already on the same list raises DuplicateError, an unknown client NotFoundError."""

    def target(self, campaign_id: CampaignId, client_id: ClientId) -> CampaignTarget:
        """The list's row of the client, or NotFoundError."""

    def claim_next(
        self,
        campaign_id: CampaignId,
        *,
        due_by: datetime,
        timezones: Sequence[str] | None,
        caller: EmployeeId,
        until: datetime,
    ) -> CampaignTarget | None:
        """Hand ``caller`` the open row of the list due soonest (``next_call_at`` at or
        before ``due_by``), then the one added first, among the rows whose time zone is one of
        ``timezones`` (every zone when ``None``): the row is stored claimed by ``caller`` and
        due again at ``until`` (its version bumped), and returned; ``None`` when no row is
        due. One indexed statement; two callers at once never get the same row."""

    def update_target(self, target: CampaignTarget) -> CampaignTarget:
        """Store a changed row; returns it with its version bumped (ConflictError when it
        changed since it was read)."""

    def targets_of(self, client_id: ClientId) -> tuple[CampaignTarget, ...]:
        """Every list's row of the client, in the order added."""

    def add_call(self, call: CampaignCall) -> None:
        """Store a campaign call (DuplicateError when its id is taken)."""

    def get_call(self, call_id: str) -> CampaignCall | None:
        """The call, or ``None``."""

    def update_call(self, call: CampaignCall) -> CampaignCall:
        """Store a changed call (a review added); returns it with its version bumped."""

    def calls(self, campaign_id: CampaignId) -> tuple[CampaignCall, ...]:
        """The campaign's calls, by time, then id."""

    def put_do_not_call(self, client_id: ClientId, flag: DoNotCall | None) -> None:
        """Set (or replace) the client's do-not-call flag; ``None`` removes it."""

    def call_card(self, client_id: ClientId) -> CallCard:
        """What a caller needs of the card (name, city, phones, the contact to ask for), read
        without loading the whole card; NotFoundError for a missing client."""

    def do_not_call(self, client_id: ClientId) -> DoNotCall | None:
        """The client's do-not-call flag, or ``None``."""


class SupplyRecord(Protocol):
    """What the supply repository stores: a frozen value with an ``id``, the client it
    belongs to (``None``: none), whether it is still open and its ``version``
    (:class:`~clientops.supply.Purchase`, :class:`~clientops.supply.StockLevel`,
    :class:`~clientops.supply.Shipment`, …: ``clientops._supply.KINDS``)."""

    @property
    def id(self) -> str: ...

    @property
    def client_id(self) -> ClientId | None: ...

    @property
    def is_open(self) -> bool: ...

    @property
    def version(self) -> int: ...


_R = TypeVar("_R", bound=SupplyRecord)


class SupplyRepository(Protocol):
    """The records of equipment supply (``uow.supply``): purchases, stock levels,
    shipments, sites, installations, pilots, clouds, each stored as one document of its kind.

    A store MAY offer it (clientops asks with ``getattr(uow, "supply", None)``); the memory,
    SQLite and PostgreSQL stores have it (schema 21: the ``supply`` table)."""

    def add(self, record: SupplyRecord) -> None:
        """Store a new record; DuplicateError when its kind already has its id."""

    def get(self, kind: type[_R], record_id: str, *, lock: bool = False) -> _R:
        """The record of ``kind`` with ``record_id``; NotFoundError when there is none.
        ``lock=True`` (in a writing unit of work) holds it until the end of the unit of
        work, so two writers take turns."""

    def find(self, kind: type[_R], record_id: str, *, lock: bool = False) -> _R | None:
        """Like :meth:`get`, ``None`` when there is none."""

    def update(self, record: _R) -> _R:
        """Store a changed record: returned with its version counted up; ConflictError when
        the stored one has another version than ``record.version``."""

    def of_client(self, kind: type[_R], client_id: ClientId) -> tuple[_R, ...]:
        """The client's records of ``kind``, oldest first."""

    def all(self, kind: type[_R], *, open_only: bool = False) -> tuple[_R, ...]:
        """Every record of ``kind`` (only the open ones: ``open_only``), oldest first."""


class JobRunsRepository(Protocol):
    """The record of the scheduled jobs' runs (``uow.jobs``): one row per job and date.

    A store MAY offer it (clientops asks with ``getattr(uow, "jobs", None)``); without it
    the store cannot run the scheduled jobs (:mod:`clientops.jobs`). The memory, SQLite and
    PostgreSQL stores have it (schema 15: the ``job_runs`` table, unique per job and day)."""

    def claim(
        self, job: str, day: date, *, owner: str, now: datetime, lease: timedelta
    ) -> JobRun | None:
        """Take the run of ``job`` for ``day`` for ``owner`` until ``now + lease``: a new
        record (attempt 1), or one that FAILED, or one still RUNNING whose lease has run out
        or that ``owner`` itself holds (attempts counted up). ``None`` when it is DONE or
        another owner holds a live lease: two runners never hold one at once."""

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
        """Record the outcome (DONE or FAILED) of the run ``owner`` claimed as attempt
        ``attempts``. ``False`` (nothing written) when it no longer holds it: another runner
        took it over after the lease ran out."""

    def get(self, job: str, day: date) -> JobRun | None:
        """The record of ``job`` for ``day``, or ``None``."""

    def runs(self, first: date, last: date) -> tuple[JobRun, ...]:
        """Every record of the days ``first`` to ``last`` (inclusive), by day, then job."""


class PlanSheetsRepository(Protocol):
    """The managers' monthly plans and reports with their approval (``uow.plans``): one of
    each kind per manager and month.

    A store MAY offer it (clientops asks with ``getattr(uow, "plans", None)``); without it
    :class:`clientops.planning.Planning` computes reports but stores no plan. The memory,
    SQLite and PostgreSQL stores have it (schema 20: the ``plan_sheets`` table)."""

    def add(self, sheet: MonthlySheet) -> None:
        """Store a new sheet; DuplicateError when its id, or its kind, manager and month,
        are taken."""

    def get(self, sheet_id: str) -> MonthlySheet:
        """The sheet ``sheet_id``; NotFoundError when there is none."""

    def update(self, sheet: MonthlySheet) -> MonthlySheet:
        """Replace the sheet written at ``sheet.version`` (ConflictError when it changed
        since); returns it at the next version."""

    def find(self, kind: SheetKind, manager_id: EmployeeId, month: Month) -> MonthlySheet | None:
        """The manager's plan or report of ``month``, or ``None``."""

    def of_month(self, month: Month) -> tuple[MonthlySheet, ...]:
        """Every sheet of ``month``, by kind, then manager."""


class TimelineRepository(Protocol):
    """The card's timeline (``uow.timeline``): the entries of every record the store writes.

    A store records the entries of :func:`clientops.clients.timeline_entries` of each appeal,
    reaction, call, folder, order, invoice, payment, claim, visit and training it adds or
    updates, and the satisfaction call of each ``claims.put_satisfaction`` with a
    ``last_call``, in the same unit of work; the contract kit
    (:class:`clientops.testing.TimelineContract`) checks it."""

    def record(self, entries: Sequence[TimelineEntry]) -> None:
        """Store ``entries``; one whose id is stored already replaces it."""

    def page(self, client_id: ClientId, query: TimelineQuery) -> TimelinePage:
        """The client's entries ``query`` selects, newest first (then by id, compared by
        code point, descending), at most ``query.limit``, and the cursor of the next page:
        one indexed query, not a read of every area."""


class FeedRepository(Protocol):
    """The change feed and its consumers' saved positions (``uow.feed``).

    Positions are gapless (1, 2, 3…) and increase in the order the units of work that wrote
    them commit: a reader that has seen position ``n`` committed has seen every position below
    it, whatever order concurrent writers ran in. A store guarantees this by taking the
    feed's head under a lock held until commit (PostgreSQL: the row lock of its counter row;
    SQLite and the memory store: their one writer at a time); clientops appends the feed as
    the last write of a unit of work, so the lock is held only while it commits."""

    def append(self, records: Sequence[FeedRecord]) -> int:
        """Append ``records`` at the positions after the head, in order; return the new head
        (the last position written). Kept only if the unit of work commits."""

    def read(self, *, after: int, limit: int) -> tuple[FeedEntry, ...]:
        """At most ``limit`` entries with a position above ``after``, in position order."""

    def head(self) -> int:
        """The last position written (0 for an empty feed)."""

    def cursor(self, name: str, *, lock: bool = False) -> FeedCursor:
        """The consumer ``name``'s saved position (0 when it never saved one), with the
        status of the outbox message its cursor names, if any. ``lock=True`` (in a writing
        unit of work) holds the cursor until the end of the unit of work, so two workers
        moving one cursor take turns."""

    def save_cursor(self, cursor: FeedCursor) -> None:
        """Store ``cursor`` (its ``message_status`` is not stored)."""


class AgendaQueries(Protocol):
    """The agenda's read model: set-based queries a store MAY answer fast (``uow.agenda``).

    A store that has no ``agenda`` attribute is served by
    :class:`clientops.queries.RepositoryAgendaQueries`, built on the repositories, which gives
    exactly the same rows in the same order (the contract kit compares the two).
    Reach it through :func:`clientops.queries.agenda_queries`."""

    def due_reactions(self, employee_id: EmployeeId, *, until: datetime) -> tuple[DueReaction, ...]:
        """The employee's open reactions due at or before ``until``, earliest (most overdue)
        first, then by client name and reaction id (names and ids compared by code point):
        one set-based query, not a scan of the clients."""

    def open_invoices_managed_by(self, manager_id: EmployeeId) -> tuple[OwedInvoice, ...]:
        """The open invoices (issued or partly paid) of the clients whose card names
        ``manager_id``, oldest first, as :class:`~clientops.billing.OwedInvoice` rows with
        the client's name and what is still owed: one set-based query, for the agenda,
        without loading whole invoices."""

    def satisfaction_calls_due(
        self, bounds: SatisfactionDueBounds, *, manager_id: EmployeeId | None = None
    ) -> tuple[AssignedClient, ...]:
        """The assigned clients (of ``manager_id``, or of everyone) a satisfaction call is due
        to by ``bounds`` (:func:`~clientops.rules.satisfaction.satisfaction_due_bounds`), with
        their names, by client name, then client id (compared by code point): one set-based
        query, not a scan of the clients. Exactly the
        clients :func:`~clientops.rules.satisfaction.satisfaction_due` selects on
        ``bounds.day``."""

    def client_touches(
        self, month_days: Sequence[str], *, manager_id: EmployeeId | None = None
    ) -> tuple[ClientTouch, ...]:
        """The clients whose birthday or company day falls on one of ``month_days`` (written
        ``MM-DD``), of one manager or of all, by kind, then name: one set-based query."""


class PlanningQueries(Protocol):
    """The monthly report's read model: per-client sums of a month a store MAY compute in a
    few set-based statements (``uow.planning``). A store without it is served by
    :class:`clientops.planning.RepositoryPlanningQueries`, built on the repositories, which
    gives the same rows (the planning tests compare the two on every store).

    A store MAY also offer ``client_groups(managers, month, *, window, tz)``, yielding
    :class:`~clientops.planning.ClientGroup`: the same clients grouped by what the default
    rules read of them; ``Planning`` asks it, when the rules are the default ones, instead of
    a row a client (the SQLite and PostgreSQL stores have it)."""

    def client_months(
        self, managers: Sequence[EmployeeId], month: Month, *, window: int, tz: tzinfo
    ) -> Iterator[ClientMonth]:
        """One :class:`~clientops.planning.ClientMonth` for each client whose card names one
        of ``managers``, days in ``tz``, with the months of orders among the ``window``
        months before ``month``; rows are yielded as read (not all held at once)."""


class RetentionRepository(Protocol):
    """Clients' retention statuses (``uow.retention``): one record per client, the latest
    (leaving, stayed, left, paused), versioned for optimistic concurrency.

    A store MAY offer it, as it may ``legal`` and ``contractors``: clientops asks with
    :func:`retention_repository` (and :func:`legal_repository`,
    :func:`contractors_repository`), which raise ConfigurationError for a store without it;
    the memory, SQLite and PostgreSQL stores have all three (schema 22)."""

    def get(self, client_id: ClientId) -> RetentionRecord | None:
        """The client's record, or ``None`` when it never had one."""

    def add(self, record: RetentionRecord) -> None:
        """Store a first record for a client; NotFoundError for an unknown client,
        DuplicateError when the client has one already."""

    def update(self, record: RetentionRecord) -> RetentionRecord:
        """Replace the client's record, returned with its version counted up; ConflictError
        when the stored one is not at ``record.version``, NotFoundError when there is none."""

    def all(self, *, status: RetentionStatus | None = None) -> tuple[RetentionRecord, ...]:
        """Every record (of ``status`` when given), by client id."""

    def credit_limit(self, client_id: ClientId) -> CreditLimit | None:
        """The client's own credit limit, or ``None`` (the policy's applies)."""

    def put_credit_limit(self, limit: CreditLimit) -> None:
        """Set the client's own credit limit (replacing one set before); NotFoundError for
        an unknown client."""

    def add_marketing(self, item: MarketingItem) -> None:
        """Store an item for marketing; NotFoundError for an unknown client, DuplicateError
        for an id taken."""

    def marketing(
        self, *, kind: MarketingKind | None = None, client_id: ClientId | None = None
    ) -> tuple[MarketingItem, ...]:
        """The items for marketing (of ``kind``, of ``client_id`` when given), oldest first."""

    def client_terms(self, client_id: ClientId) -> ClientTerms | None:
        """The client's special conditions, or ``None``."""

    def all_client_terms(self) -> tuple[ClientTerms, ...]:
        """Every client's special conditions, by client id (one read for a billing run)."""

    def put_client_terms(self, terms: ClientTerms) -> None:
        """Set the client's special conditions (replacing the ones set before); NotFoundError
        for an unknown client."""

    def add_agreement(self, agreement: PartnerAgreement) -> None:
        """Store an agreement with a partner; NotFoundError for an unknown counterparty card,
        DuplicateError for an id taken."""

    def agreement(self, agreement_id: str) -> PartnerAgreement:
        """The agreement; NotFoundError when there is none."""

    def update_agreement(self, agreement: PartnerAgreement) -> PartnerAgreement:
        """Replace the agreement, returned with its version counted up; ConflictError when the
        stored one is not at ``agreement.version``, NotFoundError when there is none."""

    def agreements(
        self, *, counterparty_id: ClientId | None = None
    ) -> tuple[PartnerAgreement, ...]:
        """The agreements (of ``counterparty_id`` when given), oldest first."""


class LegalCasesRepository(Protocol):
    """Legal cases, each of one claim (``uow.legal``), versioned for optimistic concurrency."""

    def add(self, case: LegalCase) -> None:
        """Store a new case; NotFoundError for an unknown client, DuplicateError for an id
        taken."""

    def get(self, case_id: LegalCaseId) -> LegalCase:
        """The case; NotFoundError when there is none."""

    def update(self, case: LegalCase) -> LegalCase:
        """Replace the case, returned with its version counted up; ConflictError when the
        stored one is not at ``case.version``."""

    def of_client(self, client_id: ClientId) -> tuple[LegalCase, ...]:
        """The client's cases, oldest first."""


class ContractorsRepository(Protocol):
    """Contractors and their visits to clients (``uow.contractors``), versioned."""

    def add(self, contractor: Contractor) -> None:
        """Store a new contractor; DuplicateError for an id taken."""

    def get(self, contractor_id: ContractorId) -> Contractor:
        """The contractor; NotFoundError when there is none."""

    def update(self, contractor: Contractor) -> Contractor:
        """Replace it, returned with its version counted up; ConflictError when stale."""

    def all(self) -> tuple[Contractor, ...]:
        """Every contractor, oldest first."""

    def add_visit(self, visit: ContractorVisit) -> None:
        """Store a new visit; NotFoundError for an unknown client or contractor."""

    def get_visit(self, visit_id: str) -> ContractorVisit:
        """The visit; NotFoundError when there is none."""

    def update_visit(self, visit: ContractorVisit) -> ContractorVisit:
        """Replace it, returned with its version counted up; ConflictError when stale."""

    def visits_of(self, client_id: ClientId) -> tuple[ContractorVisit, ...]:
        """The client's contractor visits, oldest first."""


class UnitOfWork(Protocol):
    """One transaction against a store: everything in it is kept, or nothing.

    Its repositories are attributes, one per area; they share the transaction, so a write
    through one is seen by every other in the same unit of work. A store MAY also offer
    ``agenda`` (:class:`AgendaQueries`, the agenda's fast read model); clientops asks for it
    with ``getattr(uow, "agenda", None)`` and falls back on the repositories without it.

    Errors: :class:`~clientops.errors.NotFoundError` for a missing record,
    :class:`~clientops.errors.DuplicateError` for an id, contract number or order number
    already taken,
    :class:`~clientops.errors.ConflictError` when a record changed since it was read,
    :class:`~clientops.errors.StorageError` when the backend fails.
    """

    @property
    def clients(self) -> ClientsRepository: ...

    @property
    def appeals(self) -> AppealsRepository: ...

    @property
    def staff(self) -> StaffRepository: ...

    @property
    def onboarding(self) -> OnboardingRepository: ...

    @property
    def orders(self) -> OrdersRepository: ...

    @property
    def calls(self) -> CallsRepository: ...

    @property
    def subscriptions(self) -> SubscriptionsRepository: ...

    @property
    def invoices(self) -> InvoicesRepository: ...

    @property
    def payments(self) -> PaymentsRepository: ...

    @property
    def claims(self) -> ClaimsRepository: ...

    @property
    def service(self) -> ServiceRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def campaigns(self) -> CampaignsRepository: ...

    @property
    def timeline(self) -> TimelineRepository: ...

    @property
    def feed(self) -> FeedRepository: ...


@runtime_checkable
class Storage(Protocol):
    """A store of clientops records. ``name`` says which backend it is (for errors)."""

    name: str

    def unit_of_work(self, *, readonly: bool = False) -> AbstractContextManager[UnitOfWork]:
        """A new unit of work: committed when the ``with`` block ends normally, rolled back
        when it raises.

        ``readonly=True``: a unit of work that only reads. It sees one consistent state of the
        store and takes no write lock, so it neither waits for nor holds up writers of other
        processes (SQLite: a deferred transaction on a WAL snapshot; PostgreSQL: a
        ``REPEATABLE READ READ ONLY`` transaction). A write in it raises
        :class:`~clientops.errors.StorageError` and stores nothing."""

    def close(self) -> None:
        """Release the backend (connections, files). Idempotent."""


#: What a write in a read-only unit of work says (``StorageError(backend, "write", READ_ONLY)``).
READ_ONLY = "the unit of work is read-only"

#: What a storage plugin registers for a URL scheme: builds a store from the whole URL.
StorageFactory = Callable[[str], Storage]


def _offered(uow: UnitOfWork, name: str, records: str) -> Any:
    found = getattr(uow, name, None)
    if found is None:
        raise ConfigurationError(
            f"this store keeps no {records} (uow.{name}): use the memory, SQLite or PostgreSQL "
            "store at schema 22 or later"
        )
    return found


def retention_repository(uow: UnitOfWork) -> RetentionRepository:
    """The store's retention records (``uow.retention``: statuses, credit limits, marketing
    items, special conditions, partner agreements); ConfigurationError when it keeps none."""
    found: RetentionRepository = _offered(uow, "retention", "retention records")
    return found


def legal_repository(uow: UnitOfWork) -> LegalCasesRepository:
    """The store's legal cases (``uow.legal``); ConfigurationError when it keeps none."""
    found: LegalCasesRepository = _offered(uow, "legal", "legal cases")
    return found


def contractors_repository(uow: UnitOfWork) -> ContractorsRepository:
    """The store's contractors and their visits (``uow.contractors``); ConfigurationError when
    it keeps none."""
    found: ContractorsRepository = _offered(uow, "contractors", "contractors")
    return found
