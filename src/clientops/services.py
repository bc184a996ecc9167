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
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import attrs

from clientops.commands import Command, CreateAppeal, CreateClient, CreateReaction, TransferCall
from clientops.documents import Template, render_document
from clientops.errors import FieldError, NotFoundError, ValidationError
from clientops.events import ClientCreated, Event
from clientops.host import PluginHost
from clientops.imports import ClientImport, ImportedClient, RejectedRow, read_clients_csv
from clientops.model import (
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
)
from clientops.outbox import OutboxMessage, OutboxStatus, after_failure, after_success
from clientops.policy import Policy
from clientops.ports import Storage, UnitOfWork
from clientops.rules.calls import CallRouting, IncomingCall, client_queries, route_incoming_call

__all__ = ["DEFAULT_URL", "ClientOps", "DeliveryReport", "ImportReport", "connect"]

#: Where :func:`connect` keeps its data when given no URL: a file in the working directory.
DEFAULT_URL = "sqlite:///clientops.db"


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


def put_staff(uow: UnitOfWork, staff: StaffDirectory) -> None:
    """Write every department, employee and absence of ``staff`` in ``uow``."""
    for department in staff.departments:
        uow.put_department(department)
    for employee in staff.employees:
        uow.put_employee(employee)
    for absence in staff.absences:
        uow.add_absence(absence)


def _apply(uow: UnitOfWork, command: Command) -> None:
    match command:
        case CreateClient(client=client):
            uow.add_client(client)
        case CreateAppeal(appeal=appeal):
            uow.add_appeal(appeal)
        case CreateReaction(reaction=reaction):
            uow.add_reaction(reaction)
        case TransferCall():
            pass  # performed by the telephony side; nothing is stored for it


class ClientOps:
    """The client department's use cases over one store, one policy and one plugin host."""

    def __init__(
        self,
        storage: Storage,
        *,
        policy: Policy | None = None,
        host: PluginHost | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.storage = storage
        self.policy = policy or Policy()
        self.host = host or PluginHost()
        #: Where :meth:`now` reads the time; ``None`` for the system clock.
        self.clock = clock

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
            uow.put_department(department)

    def add_employee(self, employee: Employee) -> None:
        with self.storage.unit_of_work() as uow:
            uow.put_employee(employee)

    def add_absence(self, absence: Absence) -> None:
        with self.storage.unit_of_work() as uow:
            uow.add_absence(absence)

    def add_staff(self, staff: StaffDirectory) -> None:
        """Store a whole directory (departments, then employees, then absences) at once."""
        with self.storage.unit_of_work() as uow:
            put_staff(uow, staff)

    def staff(self) -> StaffDirectory:
        with self.storage.unit_of_work() as uow:
            return uow.staff()

    # ------------------------------------------------------------------ clients
    def add_client(self, client: Client) -> Client:
        """Store a card made elsewhere (an import, a form); publishes ClientCreated."""
        with self.storage.unit_of_work() as uow:
            uow.add_client(client)
        self._publish((ClientCreated(client.id, client.created_at or self.now()),))
        return client

    def update_client(self, client: Client) -> Client:
        """Store a changed card (made with ``attrs.evolve`` from the one read). Returns the
        stored card with its new version; a card changed meanwhile by someone else raises
        ConflictError and nothing is overwritten."""
        with self.storage.unit_of_work() as uow:
            return uow.update_client(client)

    def get_client(self, client_id: ClientId) -> Client:
        with self.storage.unit_of_work() as uow:
            return uow.get_client(client_id)

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
        try:
            query = ClientQuery(phone=parsed, contract=contract, name=name, city=city)
        except ValueError as exc:
            raise ValidationError([FieldError("query", str(exc))], subject="client query") from None
        with self.storage.unit_of_work() as uow:
            return uow.find_clients(query)

    def appeals_of(self, client_id: ClientId) -> tuple[Appeal, ...]:
        with self.storage.unit_of_work() as uow:
            return uow.appeals_of(client_id)

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        with self.storage.unit_of_work() as uow:
            return uow.reactions_of(client_id)

    def import_clients(
        self,
        source: bytes | str | os.PathLike[str],
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> ImportReport:
        """Import cards from a CSV file (UTF-8 or windows-1251, ``;`` or ``,``): every row is
        checked (:func:`clientops.imports.read_clients_csv`), and the accepted rows are stored
        in one unit of work, so a crash stores none of them. The same file imported again
        (same bytes) stores nothing: ``already_imported`` says so. A row whose contract number
        a stored card holds is rejected, naming that card. A file that cannot be read as a
        table of clients raises ValidationError naming the line, and stores nothing."""
        parsed = read_clients_csv(
            source,
            now=self.now(),
            policy=self.policy,
            encoding=encoding,
            delimiter=delimiter,
            staff=self.staff(),
        )
        with self.storage.unit_of_work() as uow:
            if not uow.record_key(f"import:clients:{parsed.digest}"):
                return ImportReport(parsed, (), (), already_imported=True)
            owners = uow.contract_owners(
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
            uow.add_clients([row.client for row in stored])
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
        with self.storage.unit_of_work() as uow:
            if uow.staff().employee(manager) is None:
                raise NotFoundError("employee", manager)
            return uow.due_reactions(manager, until=moment)

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

        To record it together with a change, call ``uow.enqueue(OutboxMessage.new(...))``
        inside that change's unit of work instead."""
        message = OutboxMessage.new(topic, payload, now=self.now(), key=key)
        with self.storage.unit_of_work() as uow:
            return message if uow.enqueue(message) else None

    def deliver_outbox(self, *, limit: int = 100) -> DeliveryReport:
        """Deliver up to ``limit`` due outbox messages through the deliverers registered for
        their topics (``clientops_register_deliverer``).

        Messages are taken under a lease (:attr:`Policy.outbox_lease`) in one short unit of
        work, delivered outside any transaction, and each outcome is stored in a unit of work
        of its own: a delivered message is never taken again; a failed one (the deliverer
        raised, or no deliverer knows its topic) is due again after the policy's next retry
        delay, or dead when the delays are used up. A worker that dies mid-way leaves its
        messages to the next one once the lease runs out; several workers may run at once.
        """
        if limit < 1:
            raise ValidationError([FieldError("limit", "must be at least 1")])
        deliverers = self.host.deliverers()
        with self.storage.unit_of_work() as uow:
            claimed = uow.claim_outbox(now=self.now(), lease=self.policy.outbox_lease, limit=limit)
        delivered: list[OutboxMessage] = []
        retried: list[OutboxMessage] = []
        dead: list[OutboxMessage] = []
        lost: list[OutboxMessage] = []
        for message in claimed:
            deliver = deliverers.get(message.topic)
            try:
                if deliver is None:
                    raise LookupError(f"no deliverer for topic {message.topic!r}")
                deliver(message)
            except Exception as exc:
                outcome = after_failure(message, repr(exc), now=self.now(), policy=self.policy)
            else:
                outcome = after_success(message, now=self.now())
            with self.storage.unit_of_work() as uow:
                kept = uow.finish_outbox(outcome)
            if not kept:
                lost.append(outcome)
            elif outcome.status is OutboxStatus.DELIVERED:
                delivered.append(outcome)
            elif outcome.status is OutboxStatus.DEAD:
                dead.append(outcome)
            else:
                retried.append(outcome)
        return DeliveryReport(tuple(delivered), tuple(retried), tuple(dead), tuple(lost))

    def outbox(self, status: OutboxStatus | None = None) -> tuple[OutboxMessage, ...]:
        """The outbox's messages, oldest first (``OutboxStatus.DEAD`` for those a person must
        look at)."""
        with self.storage.unit_of_work() as uow:
            return uow.outbox(status)

    # ------------------------------------------------------------------ calls
    def handle_incoming_call(self, call: IncomingCall, *, answered_by: EmployeeId) -> CallRouting:
        """Route an incoming call and record what the seed prescribes for its branch, all in
        one unit of work: either everything of the call is stored, or nothing is.

        Returns the routing: what to say, whom to put the caller through to, and the records
        made or found. Bad input raises ValidationError before anything is stored.
        """
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff()
            queries = client_queries(call, self.policy)
            matches = tuple(uow.find_clients(q) for q in queries)
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
) -> ClientOps:
    """Open the store ``url`` names (``sqlite:///clientops.db`` by default) through the plugin
    host, and return the use cases over it."""
    host = (host or PluginHost()).load()
    return ClientOps(host.open_storage(url), policy=policy, host=host, clock=clock)
