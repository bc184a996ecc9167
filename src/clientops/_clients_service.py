"""The clients area: cards, appeals, reactions and the staff directory, and the CSV import of
cards (``ops.clients``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from clientops._checks import check_entry_points
from clientops._clients_sync import export_cards, list_page, store_imported, upsert_cards
from clientops._completeness import CompletenessReport
from clientops._context import Context
from clientops._reaction_helpers import (
    follow_up_id,
    planned,
    require_department,
    require_employee,
    result_name,
    start_plan_in,
)
from clientops._recording import appeal_opened, reaction_scheduled
from clientops._sync import ExternalCard, ListFilter, Page, SyncReport, UpsertResult
from clientops._timeline import (
    Attachment,
    TimelineEntry,
    TimelineKind,
    TimelinePage,
    card_change_entry,
)
from clientops._timeline_service import add_note, card_scores, read_timeline
from clientops.errors import (
    FieldError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from clientops.events import ClientCreated, ClientUpdated, Event, ReactionCompleted
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
    AppealId,
    AppealType,
    Client,
    ClientCategory,
    ClientId,
    ClientQuery,
    Department,
    DepartmentId,
    DueReaction,
    Employee,
    EmployeeId,
    NextReaction,
    Phone,
    Reaction,
    ReactionId,
    ReactionResult,
    StaffDirectory,
    new_id,
)
from clientops.ports import UnitOfWork
from clientops.queries import agenda_queries
from clientops.rules.followups import ScheduledStep, next_step

__all__ = ["ClientsService", "ImportReport", "ReactionCompletion", "put_staff"]


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
            return "Файл уже загружен: ничего не добавлено."
        return (
            f"Строк: {self.parsed.rows}, добавлено: {len(self.stored)}, "
            f"отклонено: {len(self.rejected)}."
        )


@attrs.frozen
class ReactionCompletion:
    """What :meth:`ops.clients.complete_reaction` did: the reaction as stored, done, and the
    reaction scheduled after it (``None`` when none was). ``repeated`` is true when the
    reaction had already been completed with the same result: nothing was stored again."""

    done: Reaction
    next: Reaction | None
    repeated: bool = False


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
        with self._context.unit_of_work() as uow:
            uow.clients.add(client)
            self._context.publish(
                (ClientCreated(client.id, client.created_at or self._context.now()),)
            )
        return client

    def update(self, client: Client, *, by: EmployeeId | None = None) -> Client:
        """Store a changed card (made with ``attrs.evolve`` from the one read). Returns the
        stored card with its new version; a card changed meanwhile by someone else raises
        ConflictError and nothing is overwritten. The change is on the card's timeline
        (the fields changed, by ``by``)."""
        with self._context.unit_of_work() as uow:
            before = uow.clients.get(client.id)
            stored = uow.clients.update(client)
            change = card_change_entry(before, stored, at=self._context.now(), by=by)
            if change is not None:
                uow.timeline.record([change])
            if stored != attrs.evolve(before, version=stored.version):
                self._context.publish(
                    (ClientUpdated(stored.id, stored.version, self._context.now()),)
                )
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
        InvalidPhoneError naming it. Nothing to find by (only a city, or nothing) raises
        ValidationError naming ``query``: :meth:`list` lists cards."""
        if phone is None and contract is None and name is None:
            raise ValidationError(
                [
                    FieldError(
                        "query",
                        "find needs a phone, a contract number or a name; "
                        "ops.clients.list(city=...) lists cards",
                    )
                ],
                subject="client query",
            )
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

    # ------------------------------------------------------------ a host system's cards

    def upsert(self, card: ExternalCard) -> UpsertResult:
        """Create or update the card ``card.external_id`` names, in one unit of work: a new
        card gets clientops's own id, category (:attr:`Policy.new_card_category`) and
        ``created_at``; a stored one takes the host's fields and keeps clientops's own (its id,
        its manager and category unless the host gives them, ``created_at``). The result says
        ``created``, ``updated`` or ``unchanged`` (the same card sent again stores nothing).
        Publishes ClientCreated or ClientUpdated. A source not declared in
        :attr:`Policy.external_sources` raises ValidationError naming it; nothing is stored."""
        _, results = upsert_cards(self._context, (card,), keep=True)
        return results[0]

    def upsert_many(self, cards: Iterable[ExternalCard]) -> SyncReport:
        """:meth:`upsert` for every card of ``cards`` (any iterable, read once, thousands at a
        time), in ONE unit of work: all are stored or none. An external id twice in the batch
        raises DuplicateError naming it and the first card holding it, an undeclared source
        ValidationError naming ``cards[i].external_id.source``, a bad card ValidationError
        naming ``cards[i]`` and its field; nothing is stored then. The report lists the ids
        created, updated and unchanged."""
        report, _ = upsert_cards(self._context, cards)
        return report

    def list(
        self,
        *,
        manager_id: EmployeeId | None = None,
        city: str | None = None,
        category: ClientCategory | None = None,
        changed_since: datetime | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[Client]:
        """A page of cards, oldest first: of a manager, of a city (case aside), of a
        category, written at or after ``changed_since``. ``Page.next_cursor`` gives the next
        page; a cursor of another listing raises ValidationError naming ``cursor``."""
        where = ListFilter(
            manager_id=manager_id, city=city, category=category, changed_since=changed_since
        )
        return list_page(self._context, "cards", where, cursor, limit)

    def list_appeals(
        self, *, client_id: ClientId | None = None, cursor: str | None = None, limit: int = 100
    ) -> Page[Appeal]:
        """A page of appeals (of one client), oldest first; see :meth:`list`."""
        return list_page(self._context, "appeals", ListFilter(client_id=client_id), cursor, limit)

    def list_reactions(
        self,
        *,
        client_id: ClientId | None = None,
        employee_id: EmployeeId | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> Page[Reaction]:
        """A page of reactions (of a client, of an employee, ``open`` or ``done``), oldest
        first; see :meth:`list`."""
        where = ListFilter(client_id=client_id, manager_id=employee_id, status=status)
        return list_page(self._context, "reactions", where, cursor, limit)

    def export(
        self,
        target: str | os.PathLike[str] | io.TextIOBase,
        *,
        format: str = "csv",
        manager_id: EmployeeId | None = None,
        city: str | None = None,
        category: ClientCategory | None = None,
        changed_since: datetime | None = None,
    ) -> int:
        """Write the cards (filtered as :meth:`list` does) to a file or a text stream:
        ``format="csv"`` in the columns :meth:`import_csv` reads (so an export imports back to
        the same cards), or ``"jsonl"``, one card a line in clientops's JSON form. Returns how
        many cards were written. Another format raises ValidationError naming ``format``."""
        if format not in ("csv", "jsonl"):
            raise ValidationError([FieldError("format", f"{format!r} is not csv or jsonl")])
        where = ListFilter(
            manager_id=manager_id, city=city, category=category, changed_since=changed_since
        )
        return export_cards(self._context, target, where, form=format)

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
        with self._context.unit_of_work() as uow:
            done = store_imported(uow, parsed)
            if done is None:
                return ImportReport(parsed, (), (), already_imported=True)
            stored, taken = done
            self._context.publish(
                ClientCreated(row.client.id, self._context.now()) for row in stored
            )
        rejected = tuple(sorted((*parsed.rejected, *taken), key=lambda r: r.line))
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
            # the SQL stores read the staff revision with the rows: the check after the
            # query costs no statement while the directory is cached
            found = agenda_queries(uow).due_reactions(manager, until=moment)
            uow.staff.directory().require(manager)
            return found

    # ------------------------------------------------------------ the reactions' loop

    def open_appeal(
        self,
        client_id: ClientId,
        *,
        topic: str,
        department_id: DepartmentId,
        by: EmployeeId,
        type: AppealType = AppealType.CLIENT_DEPARTMENT,
        note: str | None = None,
        appeal_id: AppealId | None = None,
    ) -> Appeal:
        """Open an appeal of the client by hand (publishes AppealOpened). An unknown
        department raises ValidationError naming ``department_id``; an unknown card or
        employee ``by`` NotFoundError; nothing is stored."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            require_department(staff, department_id, "department_id")
            uow.clients.get(client_id)
            appeal = Appeal(
                id=appeal_id if appeal_id is not None else AppealId(new_id()),
                client_id=client_id,
                topic=topic,
                department_id=department_id,
                created_at=now,
                type=type,
                note=note,
                created_by=by,
            )
            uow.appeals.add(appeal)
            self._context.publish((appeal_opened(appeal, now),))
        return appeal

    def add_reaction(
        self,
        appeal_id: AppealId,
        plan: NextReaction,
        *,
        by: EmployeeId,
        reaction_id: ReactionId | None = None,
    ) -> Reaction:
        """Schedule a reaction on a stored appeal by hand, as ``plan`` says (its topic the
        appeal's when the plan has none); publishes ReactionScheduled. An employee or
        department the staff directory does not know raises ValidationError naming
        ``plan.employee_id`` / ``plan.department_id``; nothing is stored."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            appeal = uow.appeals.get(appeal_id)
            reaction = planned(
                plan,
                staff,
                "plan",
                id=reaction_id if reaction_id is not None else ReactionId(new_id()),
                appeal_id=appeal.id,
                client_id=appeal.client_id,
                topic=appeal.topic,
                now=now,
                by=by,
            )
            uow.appeals.add_reaction(reaction)
            self._context.publish((reaction_scheduled(reaction, now),))
        return reaction

    def complete_reaction(
        self,
        reaction_id: ReactionId,
        result: ReactionResult,
        *,
        by: EmployeeId,
        note: str | None = None,
        then: NextReaction | None = None,
    ) -> ReactionCompletion:
        """Record what came of a reaction (``result``, and ``note`` in words) and schedule
        the reaction ``then`` after it, in one unit of work: both are stored or neither.
        Publishes ReactionCompleted, then ReactionScheduled for the next one.

        A reaction that is a follow-up plan's step (:meth:`start_plan`) and completed
        without ``then`` schedules the plan's next step the same way (none at the end of
        the chain, or for a result in the step's ``stop_on``); ``then`` given instead ends
        the plan there.

        Completing again with the same result (a retry) stores nothing and returns what the
        first completion stored, ``repeated`` set: the next reaction is created once, under
        an id derived from the completed one. Another result on a done reaction raises
        TransitionError; an unknown responsible in ``then`` ValidationError naming
        ``then.employee_id`` / ``then.department_id``."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            reaction = uow.appeals.get_reaction(reaction_id)
            follow_id = follow_up_id(reaction.id)
            if reaction.done:
                if reaction.result is not result:
                    raise TransitionError(
                        f"reaction {reaction.id}",
                        current=f"done ({result_name(reaction.result)})",
                        attempted=f"complete ({result.value})",
                        reason="a done reaction keeps its result",
                    )
                try:
                    follow: Reaction | None = uow.appeals.get_reaction(follow_id)
                except NotFoundError:
                    follow = None
                return ReactionCompletion(reaction, follow, repeated=True)
            wanted = then
            step: ScheduledStep | None = None
            if wanted is None and reaction.plan is not None:
                manager_id = uow.clients.get(reaction.client_id).manager_id
                step = next_step(
                    self._context.policy.follow_up_plans.get(reaction.plan),
                    reaction,
                    result,
                    at=now,
                    by=staff.require(by),
                    manager=staff.employee(manager_id) if manager_id else None,
                    policy=self._context.policy,
                )
                wanted = step.reaction if step is not None else None
            follow = (
                planned(
                    wanted,
                    staff,
                    "then",
                    id=follow_id,
                    appeal_id=reaction.appeal_id,
                    client_id=reaction.client_id,
                    topic=reaction.topic,
                    now=now,
                    by=by,
                )
                if wanted is not None
                else None
            )
            if follow is not None and step is not None:
                follow = attrs.evolve(follow, plan=step.plan, step=step.step)
            done = uow.appeals.update_reaction(
                attrs.evolve(reaction, result=result, outcome=note, done_at=now, done_by=by)
            )
            if follow is not None:
                uow.appeals.add_reaction(follow)
            events: list[Event] = [
                ReactionCompleted(
                    done.id, done.client_id, by, result, follow.id if follow else None, at=now
                )
            ]
            if follow is not None:
                events.append(reaction_scheduled(follow, now))
            self._context.publish(events)
        return ReactionCompletion(done, follow)

    def start_plan(
        self,
        client_id: ClientId,
        plan: str,
        *,
        by: EmployeeId,
        appeal_id: AppealId | None = None,
        reaction_id: ReactionId | None = None,
    ) -> Reaction:
        """Start the follow-up plan named ``plan`` (one of
        :attr:`Policy.follow_up_plans <clientops.Policy.follow_up_plans>`) on a client: its
        first step is scheduled on ``appeal_id``, or on a new appeal titled as the plan (of
        ``by``'s department) when none is given. Completing the step schedules the next one.
        Publishes ReactionScheduled (and AppealOpened for a new appeal). An unknown plan
        raises ValidationError naming ``plan``; an appeal of another client NotFoundError;
        nothing is stored."""
        chosen = self._context.policy.follow_up_plans.require(plan)
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            opened, reaction = start_plan_in(
                uow, self._context.policy, chosen, client_id, by, appeal_id, reaction_id, now
            )
            events: list[Event] = [appeal_opened(opened, now)] if opened else []
            events.append(reaction_scheduled(reaction, now))
            self._context.publish(events)
        return reaction

    def reschedule_reaction(
        self, reaction_id: ReactionId, due_at: datetime, *, by: EmployeeId
    ) -> Reaction:
        """Move an open reaction to ``due_at`` (publishes ReactionScheduled). A done reaction
        raises TransitionError; a naive ``due_at`` ValidationError naming it."""
        if due_at.utcoffset() is None:
            raise ValidationError([FieldError("due_at", "must be timezone-aware")])
        return self._change_open(
            reaction_id, by, "reschedule", lambda r, _: attrs.evolve(r, due_at=due_at)
        )

    def reassign_reaction(
        self,
        reaction_id: ReactionId,
        *,
        by: EmployeeId,
        employee_id: EmployeeId | None = None,
        department_id: DepartmentId | None = None,
    ) -> Reaction:
        """Hand an open reaction to an employee (it moves to the employee's department too),
        or to a department (no one owns it until someone takes it), or to an employee of a
        given department. Publishes ReactionScheduled. Neither given, an unknown one, or an
        employee outside ``department_id`` raises ValidationError naming the field; a done
        reaction TransitionError."""
        if employee_id is None and department_id is None:
            raise ValidationError([FieldError("employee_id", "give an employee or a department")])

        def owners(current: Reaction, staff: StaffDirectory) -> Reaction:
            department = department_id
            if department is not None:
                require_department(staff, department, "department_id")
            if employee_id is None:
                return attrs.evolve(current, employee_id=None, department_id=department)
            employee = require_employee(staff, employee_id, "employee_id")
            if department is not None and employee.department_id != department:
                raise ValidationError(
                    [FieldError("employee_id", f"{employee_id} is not in {department}")]
                )
            return attrs.evolve(
                current, employee_id=employee.id, department_id=employee.department_id
            )

        return self._change_open(reaction_id, by, "reassign", owners)

    def take_reaction(self, reaction_id: ReactionId, *, by: EmployeeId) -> Reaction:
        """Take a department-owned reaction (the sales reaction of an incoming call): it
        becomes ``by``'s, on ``by``'s agenda. Taking one already yours changes nothing; one
        someone else owns, or a done one, raises TransitionError; an employee outside the
        reaction's department ValidationError naming ``by``."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            reaction = uow.appeals.get_reaction(reaction_id)
        if reaction.employee_id == by and not reaction.done:
            return reaction

        def taker(current: Reaction, staff: StaffDirectory) -> Reaction:
            if current.employee_id is not None:
                raise TransitionError(
                    f"reaction {current.id}",
                    current=f"owned by {current.employee_id}",
                    attempted="take",
                    allowed=("reassign",),
                )
            if staff.require(by).department_id != current.department_id:
                raise ValidationError([FieldError("by", f"{by} is not in {current.department_id}")])
            return attrs.evolve(current, employee_id=by)

        return self._change_open(reaction_id, by, "take", taker)

    def _change_open(
        self,
        reaction_id: ReactionId,
        by: EmployeeId,
        action: str,
        change: Callable[[Reaction, StaffDirectory], Reaction],
    ) -> Reaction:
        """Store ``change`` of an open reaction, publishing ReactionScheduled."""
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            reaction = uow.appeals.get_reaction(reaction_id)
            if reaction.done:
                raise TransitionError(
                    f"reaction {reaction.id}",
                    current=f"done ({result_name(reaction.result)})",
                    attempted=action,
                )
            stored = uow.appeals.update_reaction(change(reaction, staff))
            self._context.publish((reaction_scheduled(stored, now),))
        return stored

    # ------------------------------------------------------------ the card's history

    def timeline(
        self,
        client_id: ClientId,
        *,
        kinds: tuple[TimelineKind, ...] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 50,
    ) -> TimelinePage:
        """A page of the client's history across every area (appeals, reactions and their
        results, calls, folders, orders' stages, invoices, payments, claims, satisfaction
        calls, visits, trainings, notes), newest first: each entry with who, when and a line
        in Russian. ``kinds`` and the period (``since`` inclusive, ``until`` exclusive)
        filter it; ``after`` is the ``next`` of the page before. One indexed query of the
        store. An unknown card raises NotFoundError; a bad filter ValidationError."""
        return read_timeline(
            self._context,
            client_id,
            kinds=kinds,
            since=since,
            until=until,
            after=after,
            limit=limit,
        )

    def add_note(
        self,
        client_id: ClientId,
        text: str,
        *,
        by: EmployeeId,
        attachments: tuple[Attachment, ...] = (),
        note_id: str | None = None,
    ) -> TimelineEntry:
        """Put a note on the card's timeline, with files kept elsewhere by reference
        (``attachments``). The same ``note_id`` again replaces the note (a retry stores it
        once). A blank note raises ValidationError naming ``text``; an unknown card or
        employee NotFoundError."""
        return add_note(
            self._context, client_id, text, by=by, attachments=attachments, note_id=note_id
        )

    def completeness(
        self,
        *,
        client_id: ClientId | None = None,
        manager: EmployeeId | None = None,
        department: DepartmentId | None = None,
    ) -> CompletenessReport:
        """How complete the cards are (:func:`clientops.rules.completeness.score_card`
        under ``Policy.completeness``): of one card, of a manager's cards, or of the cards of
        a department's members; each card's share and what is missing, and the average per
        manager. Give exactly one; an unknown card, employee or department raises
        NotFoundError."""
        return card_scores(
            self._context, client_id=client_id, manager=manager, department=department
        )

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
