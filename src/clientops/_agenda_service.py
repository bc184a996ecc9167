"""The daily agenda use cases of :class:`clientops.ClientOps`: everything due today for a
manager, a department, or everyone, gathered from the store with set-based queries and
ordered by :func:`clientops.agenda.build_agenda`.

Kept apart from ``services.py`` as a mixin; :class:`clientops.ClientOps` is the only class that
uses it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from clientops.agenda import Agenda, AgendaItem, AgendaKind, TouchKind, build_agenda
from clientops.errors import NotFoundError
from clientops.model import ClientId, DepartmentId, EmployeeId
from clientops.policy import Policy
from clientops.ports import Storage, UnitOfWork
from clientops.rules.billing import reminder_calls
from clientops.rules.satisfaction import satisfaction_due, satisfaction_due_bounds
from clientops.rules.service_visits import emergency_deadline
from clientops.service_visits import VisitKind
from clientops.workdays import next_working_day

#: The id prefix of the billing reminder calls (``rules.billing.reminder_reaction_id``).
_REMINDER_PREFIX = "billing-reminder-"

_TOUCH_WORDS = {
    TouchKind.BIRTHDAY: "день рождения: поздравить",
    TouchKind.COMPANY_DAY: "день компании: поздравить",
}


class AgendaUseCases:
    """The agenda use cases; mixed into :class:`clientops.ClientOps`."""

    storage: Storage
    policy: Policy

    def now(self) -> datetime:  # pragma: no cover - provided by ClientOps
        raise NotImplementedError

    def today(self) -> date:  # pragma: no cover - provided by ClientOps
        raise NotImplementedError

    def daily_agenda(self, manager: EmployeeId, day: date | None = None) -> Agenda:
        """What ``manager`` has to do on ``day`` (today), ordered by urgency, each item saying
        why it is there: reactions due (overdue first), satisfaction calls due, payment
        reminders, open claims of the manager's clients, emergency-visit deadlines and the
        day's visits, the day's trainings, and touches (birthdays, company days, the public
        holiday after the day). An unknown employee raises NotFoundError (never an empty
        agenda). Each source is one set-based query of the store."""
        day = day or self.today()
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff()
            if staff.employee(manager) is None:
                raise NotFoundError("employee", manager)
            shared = _Shared(uow, self.policy, day)
            return self._agenda(uow, shared, manager, day, now)

    def department_agenda(
        self, department: DepartmentId, day: date | None = None
    ) -> tuple[Agenda, ...]:
        """The agenda of every member of ``department``, by employee id. An unknown
        department raises NotFoundError."""
        day = day or self.today()
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff()
            if staff.department(department) is None:
                raise NotFoundError("department", department)
            shared = _Shared(uow, self.policy, day)
            return tuple(
                self._agenda(uow, shared, e.id, day, now)
                for e in sorted(staff.members(department), key=lambda e: e.id)
            )

    def agenda_for_everyone(self, day: date | None = None) -> tuple[Agenda, ...]:
        """The agenda of every employee, by employee id, read in one unit of work."""
        day = day or self.today()
        now = self.now()
        with self.storage.unit_of_work() as uow:
            staff = uow.staff()
            shared = _Shared(uow, self.policy, day)
            return tuple(
                self._agenda(uow, shared, e.id, day, now)
                for e in sorted(staff.employees, key=lambda e: e.id)
            )

    # ------------------------------------------------------------------ the sources
    def _agenda(
        self, uow: UnitOfWork, shared: _Shared, manager: EmployeeId, day: date, now: datetime
    ) -> Agenda:
        tz = self.policy.tz
        start = datetime.combine(day, time(), tz)
        end = start + timedelta(days=1)
        items: list[AgendaItem] = []
        reminded: set[ClientId] = set()
        for due in uow.due_reactions(manager, until=end):
            reminder = due.reaction_id.startswith(_REMINDER_PREFIX)
            if reminder:
                reminded.add(due.client_id)
            items.append(
                AgendaItem(
                    AgendaKind.PAYMENT_REMINDER if reminder else AgendaKind.REACTION,
                    due.topic,
                    due.client_id,
                    due.client_name,
                    due_at=due.due_at,
                    ref=due.reaction_id,
                )
            )
        items += self._satisfaction(uow, manager, day)
        items += self._payments(uow, manager, day, reminded)
        items += self._claims(shared, manager)
        items += self._service(uow, shared, manager, day, start, end)
        items += self._touches(uow, shared, manager)
        return build_agenda(manager, day, items, now=now, tz=tz)

    def _satisfaction(self, uow: UnitOfWork, manager: EmployeeId, day: date) -> list[AgendaItem]:
        policy = self.policy.satisfaction
        bounds = satisfaction_due_bounds(day, policy, self.policy.calendar)
        rows = uow.satisfaction_calls_due(bounds, manager_id=manager)
        return [
            AgendaItem(
                AgendaKind.SATISFACTION_CALL,
                call.reason,
                call.client_id,
                call.client_name,
                due_on=call.due_on,
                ref=f"satisfaction-{call.client_id}",
            )
            for call in satisfaction_due(rows, day, policy=policy, calendar=self.policy.calendar)
        ]

    def _payments(
        self,
        uow: UnitOfWork,
        manager: EmployeeId,
        day: date,
        reminded: set[ClientId],
    ) -> list[AgendaItem]:
        """The reminder calls the billing rules give for today that are not scheduled as
        reactions yet (``billing_reminders`` not run today)."""
        found = uow.open_invoices_managed_by(manager)
        if not found:
            return []
        names = {invoice.client_id: name for invoice, name in found}
        calls = reminder_calls(
            day,
            [invoice for invoice, _ in found],
            self.policy.billing,
            self.policy.calendar,
            tz=self.policy.tz,
        )
        return [
            AgendaItem(
                AgendaKind.PAYMENT_REMINDER,
                call.topic,
                call.client_id,
                names[call.client_id],
                due_at=call.due_at,
                ref=call.id,
            )
            for call in calls
            if call.client_id not in reminded
        ]

    @staticmethod
    def _claims(shared: _Shared, manager: EmployeeId) -> list[AgendaItem]:
        return [
            AgendaItem(
                AgendaKind.CLAIM,
                f"претензия ({claim.stage.label}): {claim.source.text[:80]}",
                claim.client_id,
                shared.name(claim.client_id),
                due_at=claim.filed_at,
                ref=claim.id,
            )
            for claim in shared.claims
            if claim.manager_id == manager
        ]

    def _service(
        self,
        uow: UnitOfWork,
        shared: _Shared,
        manager: EmployeeId,
        day: date,
        start: datetime,
        end: datetime,
    ) -> list[AgendaItem]:
        items: list[AgendaItem] = []
        for visit in shared.visits:
            if shared.manager_of(visit.client_id) != manager:
                continue
            name = shared.name(visit.client_id)
            if visit.kind is VisitKind.EMERGENCY:
                contract = uow.get_service_contract(visit.contract_id)
                deadline = emergency_deadline(
                    visit.requested_at,
                    contract,
                    calendar=self.policy.calendar,
                    tz=self.policy.tz,
                    policy=self.policy.service,
                )
                # an emergency stays on the agenda, with its deadline, until the visit is done
                items.append(
                    AgendaItem(
                        AgendaKind.SERVICE_DEADLINE,
                        f"аварийный выезд до {deadline.astimezone(self.policy.tz):%d.%m %H:%M}"
                        f": {visit.problem or 'без описания'}",
                        visit.client_id,
                        name,
                        due_at=deadline,
                        ref=visit.id,
                    )
                )
            elif visit.planned_on == day:
                items.append(
                    AgendaItem(
                        AgendaKind.VISIT,
                        "регламентный выезд по договору",
                        visit.client_id,
                        name,
                        due_on=day,
                        ref=visit.id,
                    )
                )
        for training in uow.trainings_between(start, end, manager_id=manager):
            items.append(
                AgendaItem(
                    AgendaKind.TRAINING,
                    f"обучение: {training.topic}",
                    training.client_id,
                    shared.name(training.client_id),
                    due_at=training.starts_at,
                    ref=training.id,
                )
            )
        return items

    def _touches(self, uow: UnitOfWork, shared: _Shared, manager: EmployeeId) -> list[AgendaItem]:
        items = [
            AgendaItem(
                AgendaKind.TOUCH,
                _TOUCH_WORDS[touch.kind],
                touch.client_id,
                touch.client_name,
                due_on=shared.day,
                ref=f"{touch.kind.value}-{touch.client_id}",
            )
            for touch in uow.client_touches(shared.month_days, manager_id=manager)
        ]
        items += [
            AgendaItem(
                AgendaKind.TOUCH,
                f"поздравить клиентов: {holiday}",
                None,
                "",
                due_on=shared.day,
                ref=f"holiday-{holiday}",
            )
            for holiday in shared.holidays
        ]
        return items


class _Shared:
    """What every agenda of one day shares, read once: open claims and visits (few), the
    day's month-days for touches, the holidays before the next working day."""

    def __init__(self, uow: UnitOfWork, policy: Policy, day: date) -> None:
        self.uow = uow
        self.day = day
        self.claims = uow.open_claims()
        self.visits = uow.open_visits()
        self._clients: dict[ClientId, tuple[str, EmployeeId | None]] = {}
        self.month_days = _month_days(day)
        self.holidays = _holidays_ahead(policy, day)

    def _card(self, client_id: ClientId) -> tuple[str, EmployeeId | None]:
        found = self._clients.get(client_id)
        if found is None:
            card = self.uow.get_client(client_id)
            found = self._clients[client_id] = (card.name, card.manager_id)
        return found

    def name(self, client_id: ClientId) -> str:
        return self._card(client_id)[0]

    def manager_of(self, client_id: ClientId) -> EmployeeId | None:
        return self._card(client_id)[1]


def _month_days(day: date) -> tuple[str, ...]:
    """The ``MM-DD`` days touched on ``day``: 29 February is greeted on the 28th when the year
    has none."""
    days = [day.strftime("%m-%d")]
    if (day.month, day.day) == (2, 28) and (day + timedelta(days=1)).month == 3:
        days.append("02-29")
    return tuple(days)


def _holidays_ahead(policy: Policy, day: date) -> tuple[str, ...]:
    """The public holidays from ``day`` (a working day) up to the next working day: clients are
    greeted on the last working day before a holiday, or on the holiday itself when it is
    worked."""
    calendar = policy.calendar
    name_of = getattr(calendar, "holiday_name", None)
    if name_of is None or not calendar.is_working_day(day):
        return ()
    following = next_working_day(calendar, day + timedelta(days=1))
    names: list[str] = []
    current = day
    while current < following:
        name = name_of(current)
        if isinstance(name, str) and name not in names:
            names.append(name)
        current += timedelta(days=1)
    return tuple(names)
