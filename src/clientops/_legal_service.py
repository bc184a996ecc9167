"""Legal cases: a claim referred to the lawyers, taken to court.

:class:`LegalCases` works over a :class:`~clientops.ClientOps` (anything with its
``context``): ``LegalCases(ops)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

import attrs

from clientops._checks import check_entry_points
from clientops._claims import ClaimId
from clientops._context import Context
from clientops._legal import (
    Deadline,
    Hearing,
    LegalCase,
    LegalCaseChanged,
    LegalCaseId,
    LegalOutcome,
    Ruling,
)
from clientops._recording import appeal_opened, reaction_scheduled
from clientops._text import format_date
from clientops.errors import FieldError, TransitionError, ValidationError
from clientops.events import Event
from clientops.model import (
    Appeal,
    AppealId,
    ClientId,
    DepartmentId,
    EmployeeId,
    Money,
    Reaction,
    ReactionId,
    ReactionKind,
    StaffDirectory,
    new_id,
)
from clientops.ports import UnitOfWork, legal_repository
from clientops.rules.legal import court_day, deadline_in

__all__ = ["LegalCases"]

_TOPIC = 300


class _HasContext(Protocol):
    @property
    def context(self) -> Context: ...


def _topic(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _TOPIC else text[: _TOPIC - 1] + "…"


def _text(path: str, value: object, *, limit: int = 300) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError([FieldError(path, "required")])
    if len(value) > limit:
        raise ValidationError([FieldError(path, f"longer than {limit} characters")])
    return value.strip()


@check_entry_points
class LegalCases:
    """A claim taken to court with the lawyers: the lawyer responsible, the court and the
    case number, hearings and deadlines on the lawyer's agenda and calendar, documents by
    reference, rulings recorded and passed on, the outcome and the money::

    >>> import clientops
    >>> from datetime import datetime, UTC
    >>> from clientops.claims import ClaimSource, ReferToLegal
    >>> from clientops.legal import LegalCases
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> card = ops.clients.add(a_client(name="ООО «Ромашка»", manager_id="anna"))
    >>> claim = ops.claims.file(card.id, department_id="sales", by="anna",
    ...     source=ClaimSource.client_words("Требуем вернуть 45 000 ₽")).claim
    >>> _ = ops.claims.advance(claim.id, ReferToLegal("иск в суд"), by="anna")
    >>> legal = LegalCases(ops)
    >>> case = legal.open(claim.id, lawyer_id="ivanov", court="Арбитражный суд города Москвы",
    ...                   case_number="А40-12345/2025", by="anna")
    >>> case = legal.add_hearing(case.id, datetime(2025, 7, 3, 7, 0, tzinfo=UTC), by="anna")
    >>> [r.topic for r in ops.clients.reactions_of(card.id) if r.id.startswith("legal-")]
    ['Судебное заседание: дело № А40-12345/2025, Арбитражный суд города Москвы']
    >>> ops.close()
    """

    def __init__(self, ops: _HasContext) -> None:
        self._context = ops.context

    # ------------------------------------------------------------------ reading

    def get(self, case_id: LegalCaseId) -> LegalCase:
        """The case; an unknown one raises NotFoundError."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return legal_repository(uow).get(case_id)

    def of_client(self, client_id: ClientId) -> tuple[LegalCase, ...]:
        """The client's legal cases, oldest first; an unknown client raises NotFoundError."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            uow.clients.get(client_id)
            return legal_repository(uow).of_client(client_id)

    # ------------------------------------------------------------------ opening

    def open(
        self,
        claim_id: ClaimId,
        *,
        lawyer_id: EmployeeId,
        court: str,
        case_number: str,
        by: EmployeeId,
        case_id: LegalCaseId | None = None,
    ) -> LegalCase:
        """Open the legal case of a claim referred to the lawyers (``ops.claims.advance``
        with ``ReferToLegal``), with its appeal (topic: the case's title, department: the
        lawyer's). A claim not referred to the lawyers raises TransitionError; an unknown
        claim NotFoundError; an unknown lawyer ValidationError naming ``lawyer_id``; a blank
        court or case number ValidationError naming it. Nothing is stored then."""
        court = _text("court", court)
        case_number = _text("case_number", case_number)
        now = self._context.now()
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            lawyer = staff.employee(lawyer_id)
            if lawyer is None:
                raise ValidationError([FieldError("lawyer_id", f"unknown employee {lawyer_id!r}")])
            claim = uow.claims.get(claim_id)
            if not claim.legal:
                raise TransitionError(
                    f"claim {claim_id}",
                    current=claim.stage.value,
                    attempted="open a legal case",
                    reason="refer the claim to the lawyers first",
                )
            the_id = case_id if case_id is not None else LegalCaseId(new_id())
            case = LegalCase(
                the_id,
                claim.id,
                claim.client_id,
                lawyer_id,
                court,
                case_number,
                opened_at=now,
                opened_by=by,
                appeal_id=f"legal-{the_id}",
            )
            appeal = Appeal(
                AppealId(case.appeal_id),
                claim.client_id,
                _topic(case.title()),
                lawyer.department_id,
                created_at=now,
                created_by=by,
            )
            uow.appeals.add(appeal)
            legal_repository(uow).add(case)
            self._context.publish(
                (
                    appeal_opened(appeal, now),
                    LegalCaseChanged(case.id, case.claim_id, case.client_id, "opened", at=now),
                )
            )
        return case

    # ------------------------------------------------------------------ changes

    def _change(
        self,
        case_id: LegalCaseId,
        what: str,
        by: EmployeeId,
        change: Callable[[LegalCase, UnitOfWork, StaffDirectory, datetime, list[Event]], LegalCase],
    ) -> LegalCase:
        now = self._context.now()
        events: list[Event] = []
        with self._context.unit_of_work() as uow:
            staff = uow.staff.directory()
            staff.require(by)
            case = legal_repository(uow).get(case_id)
            if case.closed:
                raise TransitionError(f"legal case {case_id}", current="closed", attempted=what)
            stored = legal_repository(uow).update(change(case, uow, staff, now, events))
            events.append(LegalCaseChanged(case.id, case.claim_id, case.client_id, what, at=now))
            self._context.publish(events)
        return stored

    def _reaction(
        self,
        uow: UnitOfWork,
        staff: StaffDirectory,
        case: LegalCase,
        suffix: str,
        *,
        kind: ReactionKind,
        topic: str,
        due_at: datetime,
        now: datetime,
        by: EmployeeId,
        to: str | None = None,
    ) -> Reaction:
        """A reaction on the case's appeal: the lawyer's, or ``to``'s (an employee, else a
        department)."""
        employee = staff.employee(EmployeeId(to or case.lawyer_id))
        department = employee.department_id if employee is not None else None
        if employee is None and to is not None:
            found = staff.department(DepartmentId(to))
            department = found.id if found is not None else None
        reaction = Reaction(
            ReactionId(f"{case.appeal_id}-{suffix}"),
            AppealId(case.appeal_id),
            case.client_id,
            kind,
            _topic(topic),
            due_at=due_at,
            created_at=now,
            department_id=department,
            employee_id=employee.id if employee is not None else None,
            created_by=by,
        )
        uow.appeals.add_reaction(reaction)
        return reaction

    def add_hearing(
        self,
        case_id: LegalCaseId,
        at: datetime,
        *,
        by: EmployeeId,
        what: str = "Судебное заседание",
    ) -> LegalCase:
        """A hearing at ``at``: kept on the case and put on the lawyer's agenda and calendar
        (a meeting reaction due then). A naive ``at`` raises ValidationError naming ``at``;
        a closed case TransitionError. A hearing on a non-working day of the production
        calendar (``Policy.calendar``, the day in the department's time zone) is refused with
        ValidationError naming ``at``, or kept with ``Policy.legal.day_off_flag`` in its
        topic, as ``Policy.legal.hearing_on_day_off`` says; nothing is stored on refusal."""
        if not isinstance(at, datetime) or at.utcoffset() is None:
            raise ValidationError([FieldError("at", "must be a timezone-aware datetime")])
        what = _text("what", what)
        policy = self._context.policy
        _, flagged = court_day(
            at.astimezone(policy.tz).date(),
            "at",
            calendar=policy.calendar,
            rule=policy.legal.hearing_on_day_off,
        )
        flag = policy.legal.day_off_flag if flagged else ""

        def change(
            case: LegalCase, uow: UnitOfWork, staff: StaffDirectory, now: datetime, ev: list[Event]
        ) -> LegalCase:
            reaction = self._reaction(
                uow,
                staff,
                case,
                f"hearing-{len(case.hearings) + 1}",
                kind=ReactionKind.MEETING,
                topic=f"{what}: {case.title()[0].lower()}{case.title()[1:]}{flag}",
                due_at=at,
                now=now,
                by=by,
            )
            ev.append(reaction_scheduled(reaction, now))
            hearing = Hearing(at, what, reaction.id)
            return attrs.evolve(case, hearings=(*case.hearings, hearing))

        return self._change(case_id, "hearing", by, change)

    def add_deadline(
        self, case_id: LegalCaseId, day: date, what: str, *, by: EmployeeId
    ) -> LegalCase:
        """A procedural deadline: ``what`` is due by ``day``, a task on the lawyer's agenda
        at the start of that day's working hours (``Policy.campaigns.work_start``, in the
        department's time zone). A day that is not a date raises ValidationError naming ``day``.
        A day that is not a working day of the production calendar (``Policy.calendar``) is
        moved to the next working day (the procedural codes' rule, the default), refused with
        ValidationError naming ``day``, or kept with ``Policy.legal.day_off_flag`` in its
        topic, as ``Policy.legal.deadline_on_day_off`` says; nothing is stored on refusal."""
        if type(day) is not date:
            raise ValidationError([FieldError("day", f"not a date: {day!r}")])
        what = _text("what", what)
        policy = self._context.policy
        day, flagged = court_day(
            day, "day", calendar=policy.calendar, rule=policy.legal.deadline_on_day_off
        )
        flag = policy.legal.day_off_flag if flagged else ""
        due = datetime.combine(day, policy.campaigns.work_start, tzinfo=policy.tz)

        def change(
            case: LegalCase, uow: UnitOfWork, staff: StaffDirectory, now: datetime, ev: list[Event]
        ) -> LegalCase:
            reaction = self._reaction(
                uow,
                staff,
                case,
                f"deadline-{len(case.deadlines) + 1}",
                kind=ReactionKind.TASK,
                topic=f"Срок до {format_date(day)}: {what} (дело № {case.case_number}){flag}",
                due_at=due,
                now=now,
                by=by,
            )
            ev.append(reaction_scheduled(reaction, now))
            return attrs.evolve(case, deadlines=(*case.deadlines, Deadline(day, what, reaction.id)))

        return self._change(case_id, "deadline", by, change)

    def add_deadline_in(
        self,
        case_id: LegalCaseId,
        working_days: int,
        what: str,
        *,
        by: EmployeeId,
        counted_from: date | None = None,
    ) -> LegalCase:
        """A procedural deadline counted in working days (АПК РФ ст. 113 ч. 3: non-working
        days of the production calendar, ``Policy.calendar``, are not counted): ``what`` is
        due ``working_days`` working days after ``counted_from`` (today by default), as
        :meth:`add_deadline`. A count that is not a whole number ≥ 1 raises ValidationError
        naming ``working_days``; a ``counted_from`` that is not a date ValidationError naming
        it."""
        if counted_from is not None and type(counted_from) is not date:
            raise ValidationError([FieldError("counted_from", f"not a date: {counted_from!r}")])
        start = counted_from if counted_from is not None else self._context.today()
        day = deadline_in(start, working_days, calendar=self._context.policy.calendar)
        return self.add_deadline(case_id, day, what, by=by)

    def add_document(self, case_id: LegalCaseId, reference: str, *, by: EmployeeId) -> LegalCase:
        """Keep a document of the case by reference (a file path, a document id, a URL);
        one already kept is not added twice."""
        reference = _text("reference", reference, limit=2000)

        def change(
            case: LegalCase, uow: UnitOfWork, staff: StaffDirectory, now: datetime, ev: list[Event]
        ) -> LegalCase:
            if reference in case.documents:
                return case
            return attrs.evolve(case, documents=(*case.documents, reference))

        return self._change(case_id, "document", by, change)

    def record_ruling(
        self,
        case_id: LegalCaseId,
        day: date,
        summary: str,
        *,
        pass_to: str,
        by: EmployeeId,
        money: Money | None = None,
    ) -> LegalCase:
        """A court ruling of ``day``: kept on the case and passed on to ``pass_to`` (an
        employee, or a department: its agenda), as a task due now. An instance the staff
        directory does not know raises ValidationError naming ``pass_to``; a day that is not
        a date ValidationError naming ``day``."""
        if type(day) is not date:
            raise ValidationError([FieldError("day", f"not a date: {day!r}")])
        summary = _text("summary", summary, limit=10_000)
        if money is not None and not isinstance(money, Money):
            raise ValidationError([FieldError("money", f"not Money: {money!r}")])

        def change(
            case: LegalCase, uow: UnitOfWork, staff: StaffDirectory, now: datetime, ev: list[Event]
        ) -> LegalCase:
            known = staff.employee(EmployeeId(pass_to)) is not None
            if not known and staff.department(DepartmentId(pass_to)) is None:
                raise ValidationError([FieldError("pass_to", f"unknown instance {pass_to!r}")])
            reaction = self._reaction(
                uow,
                staff,
                case,
                f"ruling-{len(case.rulings) + 1}",
                kind=ReactionKind.TASK,
                topic=(
                    f"Решение суда от {format_date(day)} по делу № {case.case_number}: {summary}"
                ),
                due_at=now,
                now=now,
                by=by,
                to=pass_to,
            )
            ev.append(reaction_scheduled(reaction, now))
            ruling = Ruling(day, summary, pass_to, reaction.id, money)
            return attrs.evolve(case, rulings=(*case.rulings, ruling))

        return self._change(case_id, "ruling", by, change)

    def close(
        self,
        case_id: LegalCaseId,
        outcome: LegalOutcome,
        *,
        by: EmployeeId,
        money: Money | None = None,
    ) -> LegalCase:
        """Close the case with its ``outcome`` and the money paid or received. A closed case
        raises TransitionError; an outcome that is not a LegalOutcome ValidationError naming
        ``outcome``."""
        if not isinstance(outcome, LegalOutcome):
            raise ValidationError([FieldError("outcome", f"not a LegalOutcome: {outcome!r}")])
        if money is not None and not isinstance(money, Money):
            raise ValidationError([FieldError("money", f"not Money: {money!r}")])

        def change(
            case: LegalCase, uow: UnitOfWork, staff: StaffDirectory, now: datetime, ev: list[Event]
        ) -> LegalCase:
            return attrs.evolve(case, outcome=outcome, money=money, closed_at=now)

        return self._change(case_id, "closed", by, change)
