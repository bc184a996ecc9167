"""The clients area: cards, appeals, reactions and the staff directory, and the CSV import of
cards (``ops.clients``).
"""

from __future__ import annotations

import os
from datetime import datetime

import attrs

from clientops._checks import check_entry_points
from clientops._context import Context
from clientops.errors import (
    FieldError,
    ValidationError,
)
from clientops.events import ClientCreated, ClientUpdated
from clientops.imports import (
    ClientImport,
    ImportedClient,
    ImportLimits,
    RejectedRow,
    read_clients_csv,
)
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
from clientops.ports import UnitOfWork
from clientops.queries import agenda_queries

__all__ = ["ClientsService", "ImportReport", "put_staff"]


@attrs.frozen
class ImportReport:
    """What :meth:`ops.clients.import_csv` did with a file.

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
        uow.staff.put_department(department)
    for employee in staff.employees:
        uow.staff.put_employee(employee)
    for absence in staff.absences:
        uow.staff.add_absence(absence)


@check_entry_points
class ClientsService:
    """Cards, their appeals and reactions, the staff directory, and the CSV import::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> card = ops.clients.add(a_client(name="ООО «Ромашка»", city="Омск"))
    >>> [c.name for c in ops.clients.find(name="ромашка")]
    ['ООО «Ромашка»']
    >>> ops.clients.get(card.id).city
    'Омск'
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def add(self, client: Client) -> Client:
        """Store a card made elsewhere (an import, a form); publishes ClientCreated."""
        with self._context.storage.unit_of_work() as uow:
            uow.clients.add(client)
        self._context.publish((ClientCreated(client.id, client.created_at or self._context.now()),))
        return client

    def update(self, client: Client) -> Client:
        """Store a changed card (made with ``attrs.evolve`` from the one read). Returns the
        stored card with its new version; a card changed meanwhile by someone else raises
        ConflictError and nothing is overwritten."""
        with self._context.storage.unit_of_work() as uow:
            before = uow.clients.get(client.id)
            stored = uow.clients.update(client)
        if stored != attrs.evolve(before, version=stored.version):
            self._context.publish((ClientUpdated(stored.id, stored.version, self._context.now()),))
        return stored

    def get(self, client_id: ClientId) -> Client:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.clients.get(client_id)

    def find(
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
            Phone.parse(
                phone, self._context.policy.phone_region, strict=self._context.policy.strict_phones
            )
            if phone is not None
            else None
        )
        query = ClientQuery(phone=parsed, contract=contract, name=name, city=city)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.clients.find(query)

    def import_csv(
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
            now=self._context.now(),
            policy=self._context.policy,
            encoding=encoding,
            delimiter=delimiter,
            staff=self.staff(),
            limits=limits,
        )
        with self._context.storage.unit_of_work() as uow:
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
        self._context.publish(ClientCreated(row.client.id, self._context.now()) for row in stored)
        return ImportReport(parsed, tuple(stored), rejected)

    def appeals_of(self, client_id: ClientId) -> tuple[Appeal, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.appeals.of_client(client_id)

    def reactions_of(self, client_id: ClientId) -> tuple[Reaction, ...]:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.appeals.reactions_of(client_id)

    def due_reactions(
        self, manager: EmployeeId, *, until: datetime | None = None
    ) -> tuple[DueReaction, ...]:
        """The manager's open reactions due by ``until`` (now by default), most overdue first.
        An employee the staff directory does not know raises NotFoundError."""
        moment = until if until is not None else self._context.now()
        if moment.utcoffset() is None:
            raise ValidationError([FieldError("until", "must be timezone-aware")])
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.staff.directory().require(manager)
            return agenda_queries(uow).due_reactions(manager, until=moment)

    def add_department(self, department: Department) -> None:
        with self._context.storage.unit_of_work() as uow:
            uow.staff.put_department(department)

    def add_employee(self, employee: Employee) -> None:
        with self._context.storage.unit_of_work() as uow:
            uow.staff.put_employee(employee)

    def add_absence(self, absence: Absence) -> None:
        with self._context.storage.unit_of_work() as uow:
            uow.staff.add_absence(absence)

    def add_staff(self, staff: StaffDirectory) -> None:
        """Store a whole directory (departments, then employees, then absences) at once."""
        with self._context.storage.unit_of_work() as uow:
            put_staff(uow, staff)

    def staff(self) -> StaffDirectory:
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.staff.directory()


def _column_name(parsed: ClientImport, field: str) -> str:
    for header, name in zip(parsed.header, parsed.fields, strict=False):
        if name == field:
            return header
    return field
