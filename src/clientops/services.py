"""The imperative shell: load state through the storage port, apply the rules, perform the
commands inside one unit of work, then publish the events.

:func:`connect` is the composition root::

    >>> import clientops
    >>> ops = clientops.connect("memory://")
    >>> ops.storage.name
    'memory'
    >>> ops.close()
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs

from clientops._agenda_service import AgendaUseCases
from clientops._billing_service import ACCOUNTING_TOPICS, BillingUseCases
from clientops._call_service import CallUseCases
from clientops._checks import check_entry_points, positive_int
from clientops._service_service import ServiceUseCases
from clientops.accounting import Accounting
from clientops.calendar import CalendarEvent, CalendarPolicy, write_ics
from clientops.commands import Command, CreateAppeal, CreateClient, CreateReaction, TransferCall
from clientops.courier import Booking, Courier, PickupRequest
from clientops.documents import Template, render_document
from clientops.errors import (
    ClientopsError,
    FieldError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from clientops.events import ClientCreated, Event
from clientops.host import PluginHost
from clientops.imports import (
    ClientImport,
    ImportedClient,
    ImportLimits,
    RejectedRow,
    read_clients_csv,
)
from clientops.model import (
    _EMAIL,
    Absence,
    Appeal,
    Client,
    ClientId,
    ClientQuery,
    Department,
    DueReaction,
    Employee,
    EmployeeId,
    Phone,
    Reaction,
    StaffDirectory,
    contract_key,
    new_id,
)
from clientops.onboarding import ClientFolder, Onboarding, OnboardingId, OnboardingStep
from clientops.orders import (
    Action,
    Close,
    Order,
    OrderId,
    OrderSpecification,
    OrderStage,
    Overdue,
    handoffs,
    overdue,
)
from clientops.orders import advance as _advance
from clientops.orders import open_order as _open_order
from clientops.orders import repeat_order as _repeat_order
from clientops.outbox import (
    OutboxMessage,
    OutboxPage,
    OutboxStatus,
    after_failure,
    after_success,
)
from clientops.policy import Policy
from clientops.ports import Storage, UnitOfWork
from clientops.queries import agenda_queries
from clientops.rules import onboarding as _onboarding
from clientops.rules.calls import CallRouting, IncomingCall, client_queries, route_incoming_call
from clientops.rules.onboarding import FolderIntake
from clientops.rules.onboarding_outputs import (
    ContactsEmail,
    checklist_document,
    contacts_email,
    default_pickup_date,
    delivery_reaction,
    nonconformity_notice,
    onboarding_events,
    pickup_request,
    title_page_document,
)
from clientops.rules.order_outputs import (
    handoff_reactions,
    order_appeal,
    order_appeal_id,
    order_events,
    repeat_contact_reaction,
)
from clientops.serialization import structure, unstructure
from clientops.telephony import Telephony

__all__ = [
    "CONTACTS_EMAIL_TOPIC",
    "DEFAULT_URL",
    "PICKUP_TOPIC",
    "ClientOps",
    "DeliveryReport",
    "ImportReport",
    "OrderChange",
    "connect",
]

#: Where :func:`connect` keeps its data when given no URL: a file in the working directory.
DEFAULT_URL = "sqlite:///clientops.db"

#: The outbox topic of a courier pickup (:meth:`ClientOps.book_delivery`). ClientOps delivers
#: it itself, through its courier, and stores the booking on the onboarding.
PICKUP_TOPIC = "clientops.courier.pickup"
#: The outbox topic of the e-mail with the manager's contacts (:meth:`ClientOps.send_contacts`).
#: Its payload is a :class:`~clientops.rules.onboarding_outputs.ContactsEmail` (``to``,
#: ``subject``, ``body``, ``sender``); register a deliverer for it that sends mail.
CONTACTS_EMAIL_TOPIC = "clientops.email.contacts"

#: How many times :meth:`ClientOps.deliver_outbox` tries to store the outcome of a delivery
#: while the store fails (a SQLite file locked beyond its busy timeout, a dropped connection),
#: and the pause before the second try, doubled before each next one.
_RECORD_ATTEMPTS = 5
_RECORD_BACKOFF = 0.05

#: The checklist steps done through their own use case, not :meth:`ClientOps.complete_step`.
_OWN_SERVICE = {
    OnboardingStep.CALL_COURIER: "book_delivery",
    OnboardingStep.WELCOME_CALL: "record_welcome_call",
    OnboardingStep.SEND_CONTACTS: "send_contacts",
    OnboardingStep.DELIVERY_REACTION: "record_welcome_call or book_delivery (made by whichever "
    "comes second)",
}


@attrs.frozen
class DeliveryReport:
    """What one :meth:`ClientOps.deliver_outbox` did with the messages it took."""

    delivered: tuple[OutboxMessage, ...] = ()
    #: failed this time; due again after the policy's next delay
    retried: tuple[OutboxMessage, ...] = ()
    #: failed for the last time; waiting for a person
    dead: tuple[OutboxMessage, ...] = ()
    #: taken over by another worker after this one's lease ran out; its outcome was not stored
    lost_lease: tuple[OutboxMessage, ...] = ()


@attrs.frozen
class ImportReport:
    """What :meth:`ClientOps.import_clients` did with a file.

    ``parsed`` is the file as read (encoding, delimiter, digest, every row's verdict).
    ``stored`` are the rows stored by this run; ``rejected`` the rows refused, by the file's
    own checks or because a stored card already holds their contract number. A file imported
    before is recognised by its digest: ``already_imported`` is then true and nothing is stored.
    """

    parsed: ClientImport
    stored: tuple[ImportedClient, ...]
    rejected: tuple[RejectedRow, ...]
    already_imported: bool = False

    def summary(self) -> str:
        """One line in Russian: the rows read, stored and rejected."""
        if self.already_imported:
            return f"Файл уже загружен (SHA-256 {self.parsed.digest[:12]}…): ничего не добавлено."
        return (
            f"Строк: {self.parsed.rows}, добавлено: {len(self.stored)}, "
            f"отклонено: {len(self.rejected)}."
        )


@attrs.frozen
class OrderChange:
    """What an order use case stored: the order as it now is, and the reactions it made (the
    hand-offs to the designer, the director, the sales manager; the repeat-contact call once
    the order is closed)."""

    order: Order
    reactions: tuple[Reaction, ...] = ()


def put_staff(uow: UnitOfWork, staff: StaffDirectory) -> None:
    """Write every department, employee and absence of ``staff`` in ``uow``."""
    for department in staff.departments:
        uow.staff.put_department(department)
    for employee in staff.employees:
        uow.staff.put_employee(employee)
    for absence in staff.absences:
        uow.staff.add_absence(absence)


def _apply(uow: UnitOfWork, command: Command) -> None:
    match command:
        case CreateClient(client=client):
            uow.clients.add(client)
        case CreateAppeal(appeal=appeal):
            uow.appeals.add(appeal)
        case CreateReaction(reaction=reaction):
            uow.appeals.add_reaction(reaction)
        case TransferCall():
            pass  # performed by the telephony side; nothing is stored for it


@check_entry_points
class ClientOps(CallUseCases, BillingUseCases, ServiceUseCases, AgendaUseCases):
    """The client department's use cases over one store, one policy and one plugin host.

    ``courier``, ``telephony`` and ``accounting`` replace the backends the policy,
    :meth:`open_telephony` or :meth:`open_accounting` would open; they are not closed by
    :meth:`close` (their owner closes them)."""

    def __init__(
        self,
        storage: Storage,
        *,
        policy: Policy | None = None,
        host: PluginHost | None = None,
        clock: Callable[[], datetime] | None = None,
        courier: Courier | None = None,
        telephony: Telephony | None = None,
        accounting: Accounting | None = None,
    ) -> None:
        self.storage = storage
        self.policy = policy or Policy()
        self.host = host or PluginHost()
        #: Where :meth:`now` reads the time; ``None`` for the system clock.
        self.clock = clock
        self._courier = courier
        self._owns_courier = False
        self._telephony = telephony
        self._owns_telephony = False
        self._accounting = accounting
        self._owns_accounting = False

    @property
    def courier(self) -> Courier:
        """The courier of deliveries: the one given to the constructor, else the one the policy
        names (``policy.onboarding.courier``, ``offline`` by default) opened through the plugin
        host on first use (and closed by :meth:`close`)."""
        if self._courier is None:
            self._courier = self.host.open_courier(self.policy.onboarding.courier)
            self._owns_courier = True
        return self._courier

    # ------------------------------------------------------------------ plumbing
    def now(self) -> datetime:
        """The current time, aware, in the policy's time zone (or the injected clock's)."""
        moment = self.clock() if self.clock else datetime.now(self.policy.tz)
        if moment.tzinfo is None:
            raise ValidationError([FieldError("clock", f"{moment!r} is not timezone-aware")])
        return moment

    def _publish(self, events: Iterable[Event]) -> None:
        self.host.emit_all(events)

    def close(self) -> None:
        """Close the store and the backends this object opened itself."""
        try:
            if self._owns_courier and self._courier is not None:
                self._courier.close()
        finally:
            try:
                if self._owns_telephony and self._telephony is not None:
                    self._telephony.close()
            finally:
                try:
                    if self._owns_accounting and self._accounting is not None:
                        self._accounting.close()
                finally:
                    self.storage.close()

    def __enter__(self) -> ClientOps:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ staff
    def add_department(self, department: Department) -> None:
        with self.storage.unit_of_work() as uow:
            uow.staff.put_department(department)

    def add_employee(self, employee: Employee) -> None:
        with self.storage.unit_of_work() as uow:
            uow.staff.put_employee(employee)

    def add_absence(self, absence: Absence) -> None:
        with self.storage.unit_of_work() as uow:
            uow.staff.add_absence(absence)

    def add_staff(self, staff: StaffDirectory) -> None:
        """Store a whole directory (departments, then employees, then absences) at once."""
        with self.storage.unit_of_work() as uow:
            put_staff(uow, staff)

    def staff(self) -> StaffDirectory:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.staff.directory()

    # ------------------------------------------------------------------ clients
    def add_client(self, client: Client) -> Client:
        """Store a card made elsewhere (an import, a form); publishes ClientCreated."""
        with self.storage.unit_of_work() as uow:
            uow.clients.add(client)
        self._publish((ClientCreated(client.id, client.created_at or self.now()),))
        return client

    def update_client(self, client: Client) -> Client:
        """Store a changed card (made with ``attrs.evolve`` from the one read). Returns the
        stored card with its new version; a card changed meanwhile by someone else raises
        ConflictError and nothing is overwritten."""
        with self.storage.unit_of_work() as uow:
            return uow.clients.update(client)

    def get_client(self, client_id: ClientId) -> Client:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.clients.get(client_id)

    def find_clients(
        self,
        *,
        phone: str | None = None,
        contract: str | None = None,
        name: str | None = None,
        city: str | None = None,
    ) -> tuple[Client, ...]:
        """Cards by phone (any format), contract number, or organisation name (case, quotes
        and legal form aside), optionally within a city. A malformed phone raises
        InvalidPhoneError naming it."""
        parsed = (
            Phone.parse(phone, self.policy.phone_region, strict=self.policy.strict_phones)
            if phone is not None
            else None
        )
        query = ClientQuery(phone=parsed, contract=contract, name=name, city=city)
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.clients.find(query)

    def appeals_of(self, client_id: ClientId) -> tuple[Appeal, ...]:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.appeals.of_client(client_id)

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.appeals.reactions_of(client_id)

    def import_clients(
        self,
        source: bytes | str | os.PathLike[str],
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        limits: ImportLimits | None = None,
    ) -> ImportReport:
        """Import cards from a CSV file (UTF-8 or windows-1251, ``;`` or ``,``): every row is
        checked (:func:`clientops.imports.read_clients_csv`), and the accepted rows are stored
        in one unit of work, so a crash stores none of them. The same file imported again
        (same bytes) stores nothing: ``already_imported`` says so. A row whose contract number
        a stored card holds is rejected, naming that card. A file that cannot be read as a
        table of clients raises ValidationError naming the line, and stores nothing; so does a
        ``source`` that is not bytes or a path (checked before anything is opened), and a file
        over ``limits`` (:class:`~clientops.imports.ImportLimits`)."""
        parsed = read_clients_csv(
            source,
            now=self.now(),
            policy=self.policy,
            encoding=encoding,
            delimiter=delimiter,
            staff=self.staff(),
            limits=limits,
        )
        with self.storage.unit_of_work() as uow:
            if not uow.outbox.record_key(f"import:clients:{parsed.digest}"):
                return ImportReport(parsed, (), (), already_imported=True)
            owners = uow.clients.contract_owners(
                n for row in parsed.accepted for n in row.client.contract_numbers
            )
            stored: list[ImportedClient] = []
            taken: list[RejectedRow] = []
            column = _column_name(parsed, "contract_numbers")
            for row in parsed.accepted:
                held = [n for n in row.client.contract_numbers if contract_key(n) in owners]
                if not held:
                    stored.append(row)
                    continue
                reasons = tuple(
                    FieldError(
                        column,
                        f"договор «{n}» уже есть у клиента {owners[contract_key(n)]}",
                    )
                    for n in held
                )
                taken.append(RejectedRow(row.line, reasons, ()))
            uow.clients.add_many([row.client for row in stored])
        rejected = tuple(sorted((*parsed.rejected, *taken), key=lambda r: r.line))
        self._publish(ClientCreated(row.client.id, self.now()) for row in stored)
        return ImportReport(parsed, tuple(stored), rejected)

    # ------------------------------------------------------------------ the agenda
    def due_reactions(
        self, manager: EmployeeId, *, until: datetime | None = None
    ) -> tuple[DueReaction, ...]:
        """The manager's open reactions due by ``until`` (now by default), most overdue first.
        An employee the staff directory does not know raises NotFoundError."""
        moment = until if until is not None else self.now()
        if moment.utcoffset() is None:
            raise ValidationError([FieldError("until", "must be timezone-aware")])
        with self.storage.unit_of_work(readonly=True) as uow:
            _member(uow.staff.directory(), manager)
            return agenda_queries(uow).due_reactions(manager, until=moment)

    # ------------------------------------------------------------------ documents
    def render_document(self, context: object, *, template: Template | None = None) -> bytes:
        """The .docx (bytes) of a document context (:class:`~clientops.CompletedWorksAct`…):
        drawn by ``template`` when given, else by a plugin of this host
        (``clientops_render_document``), else by the built-in A4 layout."""
        return render_document(context, template=template, host=self.host)

    # ------------------------------------------------------------------ the outbox
    def enqueue(
        self, topic: str, payload: Mapping[str, Any], *, key: str | None = None
    ) -> OutboxMessage | None:
        """Record a side effect for :meth:`deliver_outbox`, in a unit of work of its own.
        Returns the message, or ``None`` when one with the same ``key`` is already recorded.

        To record it together with a change, call ``uow.outbox.enqueue(OutboxMessage.new(...))``
        inside that change's unit of work instead."""
        message = OutboxMessage.new(topic, payload, now=self.now(), key=key)
        with self.storage.unit_of_work() as uow:
            return message if uow.outbox.enqueue(message) else None

    def deliver_outbox(self, *, limit: int = 100) -> DeliveryReport:
        """Deliver up to ``limit`` due outbox messages through the deliverers registered for
        their topics (``clientops_register_deliverer``).

        Messages are taken under a lease (:attr:`Policy.outbox_lease`) in one short unit of
        work, delivered outside any transaction, and each outcome is stored in a unit of work
        of its own: a delivered message is never taken again; a failed one (the deliverer
        raised, or no deliverer knows its topic) is due again after the policy's next retry
        delay, or dead when the delays are used up. A worker that dies mid-way leaves its
        messages to the next one once the lease runs out; several workers may run at once.

        While the store fails to store an outcome (a SQLite file locked by another process
        beyond its busy timeout), it is tried again a few times with a growing pause; a
        success is never recorded as a failure. When every try fails, the call stops and
        raises StorageError: that message and those not yet tried stay leased, and are
        delivered again (with the same key) once the lease runs out.
        """
        positive_int("limit", limit)
        deliverers = self.host.deliverers()
        with self.storage.unit_of_work() as uow:
            claimed = uow.outbox.claim(now=self.now(), lease=self.policy.outbox_lease, limit=limit)
        delivered: list[OutboxMessage] = []
        retried: list[OutboxMessage] = []
        dead: list[OutboxMessage] = []
        lost: list[OutboxMessage] = []
        for taken, message in enumerate(claimed, start=1):
            deliver = deliverers.get(message.topic)
            finish: Callable[[UnitOfWork], None] | None = None
            try:
                if message.topic == PICKUP_TOPIC:
                    finish = self._book_pickup(message)
                elif message.topic in ACCOUNTING_TOPICS:
                    self._deliver_accounting(message)
                elif deliver is None:
                    raise LookupError(f"no deliverer for topic {message.topic!r}")
                else:
                    deliver(message)
            except Exception as exc:
                outcome = after_failure(message, repr(exc), now=self.now(), policy=self.policy)
                finish = None
            else:
                outcome = after_success(message, now=self.now())
            kept, outcome = self._record_outcome(message, outcome, finish, len(claimed) - taken)
            if not kept:
                lost.append(outcome)
            elif outcome.status is OutboxStatus.DELIVERED:
                delivered.append(outcome)
            elif outcome.status is OutboxStatus.DEAD:
                dead.append(outcome)
            else:
                retried.append(outcome)
        return DeliveryReport(tuple(delivered), tuple(retried), tuple(dead), tuple(lost))

    def _record_outcome(
        self,
        message: OutboxMessage,
        outcome: OutboxMessage,
        finish: Callable[[UnitOfWork], None] | None,
        untried: int,
    ) -> tuple[bool, OutboxMessage]:
        """Store the outcome of one delivery (with ``finish``, the change it brings), and say
        whether the lease was still held. A store that fails is tried again, a bounded number
        of times with a growing pause: its failure never turns a delivery into a retry. When
        every try failed, StorageError: the message stays leased (delivered again, with the
        same key, once the lease runs out), and so do the ``untried`` messages after it."""
        failures = 0
        while True:
            try:
                with self.storage.unit_of_work() as uow:
                    kept = uow.outbox.finish(outcome)
                    if kept and finish is not None:
                        finish(uow)
            except StorageError as exc:
                failures += 1
                if failures >= _RECORD_ATTEMPTS:
                    raise StorageError(
                        exc.backend,
                        "deliver_outbox",
                        f"the outcome of outbox message {message.key!r} "
                        f"({outcome.status.value}) could not be stored in {failures} tries "
                        f"(last: {exc}); it and the {untried} message(s) taken after it stay "
                        "leased and are delivered again, with the same key, once the lease "
                        "runs out",
                    ) from exc
                time.sleep(_RECORD_BACKOFF * 2 ** (failures - 1))
            except ClientopsError as exc:
                if finish is None:
                    raise
                # the change could not be stored with the outcome (the record moved on
                # meanwhile): count the delivery as failed, so it is made again (with its key)
                outcome = after_failure(message, repr(exc), now=self.now(), policy=self.policy)
                finish = None
            else:
                return kept, outcome

    def outbox(self, status: OutboxStatus | None = None) -> tuple[OutboxMessage, ...]:
        """Every message of the outbox, oldest first, or only those with ``status``
        (``OutboxStatus.DEAD`` for those a person must look at). Delivered messages are kept,
        so the outbox only grows: read a large one page by page with :meth:`outbox_page`."""
        _outbox_status(status)
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.outbox.messages(status)

    def outbox_page(
        self,
        status: OutboxStatus | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
    ) -> OutboxPage:
        """At most ``limit`` messages of the outbox, oldest first (only those with ``status``
        when given), created after the message whose id is ``after``: ``None`` for the first
        page, then the page's ``next_cursor`` until it is ``None`` (no message follows).
        A ``limit`` below 1 or an ``after`` that is not a string raises ValidationError; an
        ``after`` naming no message raises NotFoundError."""
        _outbox_status(status)
        errors: list[FieldError] = []
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            errors.append(FieldError("limit", "must be a whole number of at least 1"))
        if after is not None and not isinstance(after, str):
            errors.append(FieldError("after", "must be a message id (a string)"))
        if errors:
            raise ValidationError(errors)
        with self.storage.unit_of_work(readonly=True) as uow:
            found = uow.outbox.messages(status, after=after, limit=limit + 1)
        if len(found) > limit:
            return OutboxPage(found[:limit], found[limit - 1].id)
        return OutboxPage(found, None)

    # ------------------------------------------------------------------ onboarding
    def receive_folder(
        self,
        folder: ClientFolder,
        *,
        manager: EmployeeId,
        client_id: ClientId | None = None,
    ) -> FolderIntake:
        """Take over a client folder from sales (the checks of
        :func:`~clientops.rules.onboarding.check_folder`), all in one unit of work: the card
        (new, or the card ``client_id`` names, extended with the folder's contract, phone and
        contact person), the intake appeal, the reactions telling the sales manager of the
        title page and the head of sales about every nonconformity (and the manager about
        copies to sign), and the onboarding with its first steps done.

        A folder without a title page, or without the client's name or city on it, raises
        ValidationError naming the field; a contract number that another card holds raises
        DuplicateError naming that card (pass ``client_id`` when the folder is for a client who
        already has a card); an unknown manager or client raises NotFoundError. Nothing is
        stored then."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            employee = _member(staff, manager)
            existing = uow.clients.get(client_id) if client_id is not None else None
            intake = _onboarding.intake_folder(
                folder,
                manager=employee,
                staff=staff,
                existing=existing,
                now=now,
                policy=self.policy,
            )
            # the store refuses a contract number another card holds (DuplicateError)
            if intake.new_client:
                uow.clients.add(intake.client)
            else:
                client = uow.clients.update(intake.client)
                intake = attrs.evolve(intake, client=client)
            uow.appeals.add(intake.appeal)
            for reaction in intake.reactions:
                uow.appeals.add_reaction(reaction)
            uow.onboarding.add(intake.onboarding)
        if intake.new_client:
            self._publish((ClientCreated(intake.client.id, now),))
        return intake

    def onboarding(self, onboarding_id: OnboardingId) -> Onboarding:
        """One onboarding; NotFoundError when there is none with that id."""
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.onboarding.get(onboarding_id)

    def onboardings_of(self, client_id: ClientId) -> tuple[Onboarding, ...]:
        """The client's onboardings, oldest first."""
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.onboarding.of_client(client_id)

    def open_onboardings(self, manager: EmployeeId) -> tuple[Onboarding, ...]:
        """The manager's onboardings with steps still open."""
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.onboarding.open(manager)

    def complete_step(
        self,
        onboarding_id: OnboardingId,
        step: OnboardingStep,
        *,
        by: EmployeeId,
        note: str = "",
    ) -> Onboarding:
        """Tick a step of the checklist done by ``by`` now: the signatures got, the box, the key
        and disc, the book, the acts. Steps 3 to 6 have their own use cases
        (:meth:`book_delivery`, :meth:`record_welcome_call`, :meth:`send_contacts`), because
        they do more than a tick; asking for them here, for a step already done or not
        applicable, or for one whose prerequisites are open raises TransitionError and changes
        nothing."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            self._employee(uow, by)
            current = uow.onboarding.get(onboarding_id)
            if step in _OWN_SERVICE:
                raise _onboarding.step_refusal(
                    current, step, f"done through ClientOps.{_OWN_SERVICE[step]}"
                )
            done = _onboarding.complete_step(current, step, by=by, now=now, note=note)
            if step is OnboardingStep.CHECK_SIGNATURES:
                # the manager's task to get the copies signed and stamped is done too
                topic = _onboarding.sign_topic(current.nonconformities, self.policy)
                for reaction in uow.appeals.reactions_of(current.client_id):
                    if (
                        reaction.appeal_id == current.appeal_id
                        and reaction.employee_id == current.manager_id
                        and reaction.topic == topic
                        and not reaction.done
                    ):
                        uow.appeals.update_reaction(
                            attrs.evolve(reaction, done_at=now, outcome=note or None)
                        )
            return uow.onboarding.update(done)

    def welcome_script(self, onboarding_id: OnboardingId) -> tuple[str, ...]:
        """The welcome call (step 4), line by line: the onboarding manager's first name, the
        products of the title page, and the planned delivery date once the courier is
        booked."""
        with self.storage.unit_of_work(readonly=True) as uow:
            onboarding = uow.onboarding.get(onboarding_id)
            manager = self._employee(uow, onboarding.manager_id)
        title = onboarding.folder.title_page
        return _onboarding.welcome_script(
            manager=manager,
            products=title.products if title is not None else (),
            delivery_date=onboarding.delivery.planned_date if onboarding.delivery else None,
            policy=self.policy,
        )

    def book_delivery(
        self,
        onboarding_id: OnboardingId,
        *,
        by: EmployeeId,
        pickup_date: date | None = None,
        address: str | None = None,
    ) -> Onboarding:
        """Step 3: ask the courier for a quote to the client's city, plan the delivery (the
        quote's latest day after the pickup) and record the pickup in the outbox, all or
        nothing; :meth:`deliver_outbox` then books it with the courier and stores the booking.

        ``pickup_date`` defaults to :func:`~clientops.rules.onboarding_outputs.
        default_pickup_date`; ``address`` to the title page's. A city the courier does not
        serve raises UnservedCityError, a courier that fails or times out CourierError (both
        name the backend and the operation); the step not allowed now raises TransitionError;
        a pickup date in the past, a sender or recipient without a phone ValidationError.
        Nothing is stored in any of these cases. A pickup that fails later is retried by the
        outbox under the same key, so the courier books it once."""
        now = self.now()
        today = now.astimezone(self.policy.tz).date()
        day = pickup_date if pickup_date is not None else default_pickup_date(today, self.policy)
        if day < today:
            raise ValidationError(
                [FieldError("pickup_date", f"{day:%d.%m.%Y} is in the past")],
                subject=f"onboarding {onboarding_id}",
            )
        with self.storage.unit_of_work(readonly=True) as uow:
            current = uow.onboarding.get(onboarding_id)
            sender = self._employee(uow, by)
            client = uow.clients.get(current.client_id)
        # refuse a step that is not allowed before asking the courier anything
        _onboarding.complete_step(current, OnboardingStep.CALL_COURIER, by=by, now=now)
        request = pickup_request(
            current,
            client=client,
            manager=sender,
            pickup_date=day,
            policy=self.policy,
            address=address,
        )
        quote = self.courier.quote(self.policy.onboarding.shipper_city, client.city, request.parcel)
        with self.storage.unit_of_work() as uow:
            latest = uow.onboarding.get(onboarding_id)
            planned = _onboarding.plan_delivery(latest, quote, pickup_date=day, by=by, now=now)
            made = delivery_reaction(planned, now=now, policy=self.policy)
            if made is not None:
                planned, reaction = made
                uow.appeals.add_reaction(reaction)
            stored = uow.onboarding.update(planned)
            assert stored.delivery is not None
            payload = {"onboarding_id": stored.id, "request": unstructure(request)}
            uow.outbox.enqueue(
                OutboxMessage.new(PICKUP_TOPIC, payload, now=now, key=stored.delivery.pickup_key)
            )
        return stored

    def _book_pickup(self, message: OutboxMessage) -> Callable[[UnitOfWork], None]:
        """Book the pickup a :data:`PICKUP_TOPIC` message carries (once per key, so a retry
        returns the first booking); return what stores the booking with the outcome."""
        data = message.data()
        request = structure(data["request"], PickupRequest)
        onboarding_id = OnboardingId(str(data["onboarding_id"]))
        booking = self.courier.book_pickup(request)

        def record(uow: UnitOfWork) -> None:
            current = uow.onboarding.get(onboarding_id)
            if current.delivery is not None and current.delivery.booking == booking:
                return
            uow.onboarding.update(_onboarding.record_booking(current, booking))

        return record

    def booking(self, onboarding_id: OnboardingId) -> Booking | None:
        """The courier's booking of the onboarding's pickup, once the outbox has made it."""
        delivery = self.onboarding(onboarding_id).delivery
        return delivery.booking if delivery is not None else None

    def record_welcome_call(
        self,
        onboarding_id: OnboardingId,
        *,
        by: EmployeeId,
        email: str | None = None,
        note: str = "",
    ) -> Onboarding:
        """Step 4: the welcome call is made. The client's ``email`` is added to the card (and
        kept on the onboarding for step 5); when the courier is already booked, the manager
        also gets the call on the planned delivery date (step 6). An address that is not an
        e-mail raises ValidationError naming ``email``; nothing is stored then."""
        now = self.now()
        address = email.strip() if email is not None else None
        if address is not None and not _EMAIL.match(address):
            raise ValidationError(
                [FieldError("email", f"{email!r} is not an e-mail address")],
                subject=f"onboarding {onboarding_id}",
            )
        with self.storage.unit_of_work() as uow:
            self._employee(uow, by)
            current = uow.onboarding.get(onboarding_id)
            done = _onboarding.record_welcome_call(
                current, by=by, now=now, email=address or None, note=note
            )
            if address:
                client = uow.clients.get(current.client_id)
                known = {e.casefold() for e in client.emails}
                if address.casefold() not in known:
                    uow.clients.update(attrs.evolve(client, emails=(*client.emails, address)))
            made = delivery_reaction(done, now=now, policy=self.policy)
            if made is not None:
                done, reaction = made
                uow.appeals.add_reaction(reaction)
            return uow.onboarding.update(done)

    def send_contacts(self, onboarding_id: OnboardingId, *, by: EmployeeId) -> ContactsEmail:
        """Step 5: the e-mail with the manager's contacts, to the address captured in the
        welcome call, recorded in the outbox (topic :data:`CONTACTS_EMAIL_TOPIC`, once per
        onboarding) together with the step. No address captured raises TransitionError."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            self._employee(uow, by)
            current = uow.onboarding.get(onboarding_id)
            refusal = _onboarding.send_contacts_refusal(current)
            if refusal is not None:
                raise refusal
            done = _onboarding.complete_step(current, OnboardingStep.SEND_CONTACTS, by=by, now=now)
            manager = self._employee(uow, current.manager_id)
            message = contacts_email(done, manager=manager, policy=self.policy)
            uow.onboarding.update(done)
            uow.outbox.enqueue(
                OutboxMessage.new(
                    CONTACTS_EMAIL_TOPIC,
                    unstructure(message),
                    now=now,
                    key=f"contacts-{current.id}",
                )
            )
        return message

    def onboarding_events(
        self, onboarding_id: OnboardingId, *, calendar: CalendarPolicy | None = None
    ) -> tuple[CalendarEvent, ...]:
        """The onboarding's calendar events: the pickup and planned delivery days, and the
        manager's open reactions of the folder's appeal (the delivery-date call among them)."""
        with self.storage.unit_of_work(readonly=True) as uow:
            onboarding = uow.onboarding.get(onboarding_id)
            client = uow.clients.get(onboarding.client_id)
            reactions = uow.appeals.reactions_of(onboarding.client_id)
        return onboarding_events(
            onboarding, client=client, reactions=reactions, policy=self.policy, calendar=calendar
        )

    def export_onboarding_calendar(
        self,
        manager: EmployeeId,
        path: str | os.PathLike[str],
        *,
        calendar: CalendarPolicy | None = None,
    ) -> Path:
        """Write the events of every open onboarding of ``manager`` to one .ics file
        (atomically; stable UIDs, so importing it again updates the events). NotFoundError for
        an employee the staff directory does not know."""
        events: list[CalendarEvent] = []
        with self.storage.unit_of_work(readonly=True) as uow:
            employee = self._employee(uow, manager)
            for onboarding in uow.onboarding.open(manager):
                client = uow.clients.get(onboarding.client_id)
                events.extend(
                    onboarding_events(
                        onboarding,
                        client=client,
                        reactions=uow.appeals.reactions_of(onboarding.client_id),
                        policy=self.policy,
                        calendar=calendar,
                    )
                )
        return write_ics(
            path, events, tz=self.policy.timezone, name=employee.full_name, now=self.now()
        )

    def export_onboarding(
        self,
        onboarding_id: OnboardingId,
        directory: str | os.PathLike[str],
        *,
        calendar: CalendarPolicy | None = None,
    ) -> tuple[Path, ...]:
        """The onboarding's papers into ``directory`` (made if missing): the title page, the
        checklist as it stands, the notice of nonconformities (when the folder had any) as
        .docx, drawn by templates or plugins where registered, and its calendar as .ics.
        Returns the paths written."""
        now = self.now()
        with self.storage.unit_of_work(readonly=True) as uow:
            onboarding = uow.onboarding.get(onboarding_id)
            staff = uow.staff.directory()
            client = uow.clients.get(onboarding.client_id)
            reactions = uow.appeals.reactions_of(onboarding.client_id)
        manager = _member(staff, onboarding.manager_id)
        check = _onboarding.check_folder(onboarding.folder, staff=staff, policy=self.policy)
        recipients = _onboarding.nonconformity_recipients(
            check, staff=staff, manager=manager, policy=self.policy
        )
        papers: list[tuple[str, object]] = []
        if onboarding.folder.title_page is not None:
            papers.append(("title-page", title_page_document(onboarding, policy=self.policy)))
        papers.append(
            ("checklist", checklist_document(onboarding, staff=staff, policy=self.policy))
        )
        notice = nonconformity_notice(
            onboarding,
            staff=staff,
            recipients=recipients,
            number=str(onboarding.id),
            day=now.astimezone(self.policy.tz).date(),
            policy=self.policy,
        )
        if notice is not None:
            papers.append(("nonconformities", notice))
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for name, context in papers:
            path = target / f"{name}.docx"
            path.write_bytes(self.render_document(context))
            written.append(path)
        events = onboarding_events(
            onboarding, client=client, reactions=reactions, policy=self.policy, calendar=calendar
        )
        written.append(
            write_ics(
                target / "onboarding.ics",
                events,
                tz=self.policy.timezone,
                name=client.name,
                now=now,
            )
        )
        return tuple(written)

    @staticmethod
    def _employee(uow: UnitOfWork, employee_id: EmployeeId) -> Employee:
        return _member(uow.staff.directory(), employee_id)

    # ------------------------------------------------------------------ orders
    def open_order(
        self,
        client_id: ClientId,
        specification: OrderSpecification,
        *,
        number: str,
        by: EmployeeId,
        vip: bool = False,
        note: str = "",
        existing_layouts: Iterable[str] = (),
    ) -> OrderChange:
        """A new order at the preliminary request, with its appeal and the hand-offs it needs
        now (a layout the designer must make when its design is not on file — in
        ``existing_layouts`` or an earlier order of the client that went to production; the
        director for a VIP order), in one unit of work. An unknown client or employee raises
        NotFoundError, an order number already taken DuplicateError, a bad specification
        ValidationError; nothing is stored then."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _member(staff, by)
            uow.clients.get(client_id)
            order = _open_order(
                id=OrderId(new_id()),
                client_id=client_id,
                number=number,
                specification=specification,
                now=now,
                by=by,
                vip=vip,
                note=note,
            )
            return self._add_order(uow, order, staff, by=by, now=now, layouts=existing_layouts)

    def advance_order(
        self,
        order_id: OrderId,
        action: Action,
        *,
        by: EmployeeId,
        existing_layouts: Iterable[str] = (),
        conflict: str | None = None,
        upsells: Iterable[str] = (),
        problem: str | None = None,
    ) -> OrderChange:
        """Do ``action`` (:class:`~clientops.orders.ApproveRequest`,
        :class:`~clientops.orders.Ship`…) on the stored order as ``by``, now, and store it with
        the reactions its hand-offs need (not repeating one already open): the designer's
        layout, the director (VIP, a ``conflict``, repeated quality rejections, a price below
        the minimum margin), the sales manager (``upsells``, a ``problem`` client). Closing the
        order also puts the repeat-contact call on ``by``'s agenda. An action the order does
        not allow now raises TransitionError naming the stage and the allowed actions; the
        stored order is then unchanged."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _member(staff, by)
            current = uow.orders.get(order_id)
            moved = _advance(current, action, now=now, by=by, policy=self.policy.orders)
            stored = uow.orders.update(moved)
            reactions = self._order_handoffs(
                uow,
                stored,
                staff,
                by=by,
                now=now,
                existing_layouts=existing_layouts,
                conflict=conflict,
                upsells=upsells,
                problem=problem,
            )
            if isinstance(action, Close):
                call = repeat_contact_reaction(stored, manager=by, now=now, policy=self.policy)
                uow.appeals.add_reaction(call)
                reactions = (*reactions, call)
        return OrderChange(stored, reactions)

    def repeat_order(
        self,
        previous_id: OrderId,
        *,
        number: str,
        by: EmployeeId,
        changes: Mapping[str, Any] | None = None,
        specification: OrderSpecification | None = None,
        note: str = "",
        existing_layouts: Iterable[str] = (),
    ) -> OrderChange:
        """A repeat of a closed order (БП 5.1–5.4): the previous request copied with
        ``changes`` (or a new ``specification``), the special conditions of the policy, and
        the designer asked to make the layout again when ``existing_layouts`` lacks it."""
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            _member(staff, by)
            previous = uow.orders.get(previous_id)
            order = _repeat_order(
                previous,
                new_id=OrderId(new_id()),
                number=number,
                now=now,
                by=by,
                policy=self.policy.orders,
                copy_specification=specification is None,
                changes=changes,
                specification=specification,
                note=note,
            )
            return self._add_order(uow, order, staff, by=by, now=now, layouts=existing_layouts)

    def _add_order(
        self,
        uow: UnitOfWork,
        order: Order,
        staff: StaffDirectory,
        *,
        by: EmployeeId,
        now: datetime,
        layouts: Iterable[str],
    ) -> OrderChange:
        """Store a new order with its appeal and the hand-offs it needs now."""
        uow.orders.add(order)
        uow.appeals.add(order_appeal(order, by=by, policy=self.policy))
        reactions = self._order_handoffs(
            uow, order, staff, by=by, now=now, existing_layouts=layouts
        )
        return OrderChange(order, reactions)

    def _order_handoffs(
        self,
        uow: UnitOfWork,
        order: Order,
        staff: StaffDirectory,
        *,
        by: EmployeeId,
        now: datetime,
        existing_layouts: Iterable[str] = (),
        conflict: str | None = None,
        upsells: Iterable[str] = (),
        problem: str | None = None,
    ) -> tuple[Reaction, ...]:
        # the layouts on file: those given, and those of the client's other orders that went
        # to production (their layout was made and approved)
        layouts = set(existing_layouts)
        layouts.update(
            o.specification.design
            for o in uow.orders.of_client(order.client_id)
            if o.id != order.id and o.did("sign_final_request")
        )
        needed = handoffs(
            order,
            policy=self.policy.orders,
            existing_layouts=frozenset(layouts),
            conflict=conflict,
            upsells=upsells,
            problem=problem,
        )
        existing = [
            r
            for r in uow.appeals.reactions_of(order.client_id)
            if r.appeal_id == order_appeal_id(order.id)
        ]
        made = handoff_reactions(
            order,
            needed,
            staff=staff,
            manager=by,
            existing=existing,
            now=now,
            policy=self.policy,
        )
        for reaction in made:
            uow.appeals.add_reaction(reaction)
        return made

    def order(self, order_id: OrderId) -> Order:
        """One order; NotFoundError when there is none with that id."""
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.orders.get(order_id)

    def find_order(self, number: str) -> Order | None:
        """The order with this number, or ``None``."""
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.orders.find(number)

    def orders_of(self, client_id: ClientId) -> tuple[Order, ...]:
        """The client's orders, oldest first."""
        with self.storage.unit_of_work(readonly=True) as uow:
            return uow.orders.of_client(client_id)

    def overdue_orders(
        self, *, today: date | None = None
    ) -> tuple[tuple[Order, tuple[Overdue, ...]], ...]:
        """Every open order with a missed deadline as of ``today`` (the policy's local date
        by default), with what is missed: production stages, the supplier's deadline, the
        production and delivery deadlines."""
        day = today if today is not None else self.now().astimezone(self.policy.tz).date()
        with self.storage.unit_of_work(readonly=True) as uow:
            orders = uow.orders.open()
        found = ((o, overdue(o, day, policy=self.policy.orders)) for o in orders)
        return tuple((o, missed) for o, missed in found if missed)

    def order_events(
        self, order_id: OrderId, *, calendar: CalendarPolicy | None = None
    ) -> tuple[CalendarEvent, ...]:
        """The order's deadlines as all-day calendar events (see
        :func:`~clientops.rules.order_outputs.order_events`)."""
        with self.storage.unit_of_work(readonly=True) as uow:
            order = uow.orders.get(order_id)
            client = uow.clients.get(order.client_id)
        return order_events(order, client=client, policy=self.policy, calendar=calendar)

    def export_order_calendar(
        self,
        path: str | os.PathLike[str],
        *,
        stages: Iterable[OrderStage] | None = None,
        calendar: CalendarPolicy | None = None,
    ) -> Path:
        """Write the deadlines of every open order (or of the orders at ``stages``) to one
        .ics file, atomically, with stable UIDs."""
        events: list[CalendarEvent] = []
        with self.storage.unit_of_work(readonly=True) as uow:
            orders = uow.orders.open() if stages is None else uow.orders.in_stages(stages)
            for order in orders:
                client = uow.clients.get(order.client_id)
                events.extend(
                    order_events(order, client=client, policy=self.policy, calendar=calendar)
                )
        return write_ics(path, events, tz=self.policy.timezone, now=self.now())

    # ------------------------------------------------------------------ calls
    def handle_incoming_call(self, call: IncomingCall, *, answered_by: EmployeeId) -> CallRouting:
        """Route an incoming call and record what the seed prescribes for its branch, all in
        one unit of work: either everything of the call is stored, or nothing is.

        Returns the routing: what to say, whom to put the caller through to, and the records
        made or found. Bad input raises ValidationError before anything is stored.
        """
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff.directory()
            queries = client_queries(call, self.policy)
            matches = tuple(uow.clients.find(q) for q in queries)
            routing = route_incoming_call(
                call,
                answered_by=answered_by,
                staff=staff,
                matches=matches,
                now=now,
                policy=self.policy,
            )
            for command in routing.decision.commands:
                _apply(uow, command)
        self._publish(routing.decision.events)
        return routing


def _outbox_status(status: object) -> None:
    if status is not None and not isinstance(status, OutboxStatus):
        raise ValidationError([FieldError("status", "must be an OutboxStatus or None")])


def _member(staff: StaffDirectory, employee_id: EmployeeId) -> Employee:
    """The employee with this id, or NotFoundError."""
    employee = staff.employee(employee_id)
    if employee is None:
        raise NotFoundError("employee", employee_id)
    return employee


def _column_name(parsed: ClientImport, field: str) -> str:
    for header, name in zip(parsed.header, parsed.fields, strict=False):
        if name == field:
            return header
    return field


def connect(
    url: str = DEFAULT_URL,
    *,
    policy: Policy | None = None,
    host: PluginHost | None = None,
    clock: Callable[[], datetime] | None = None,
    courier: Courier | None = None,
    telephony: Telephony | None = None,
    accounting: Accounting | None = None,
) -> ClientOps:
    """Open the store ``url`` names (``sqlite:///clientops.db`` by default) through the plugin
    host, and return the use cases over it. ``courier`` replaces the one the policy names;
    ``telephony`` is the PBX (or open one later with :meth:`ClientOps.open_telephony`),
    ``accounting`` the accounting backend (or :meth:`ClientOps.open_accounting`)."""
    host = (host or PluginHost()).load()
    return ClientOps(
        host.open_storage(url),
        policy=policy,
        host=host,
        clock=clock,
        courier=courier,
        telephony=telephony,
        accounting=accounting,
    )
