"""The agenda area: everything due today for a manager, a department, or everyone, gathered
from the store with set-based queries and ordered by :func:`clientops.agenda.build_agenda`
(``ops.agenda``).
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs

from clientops._agenda import (
    EVERY_SOURCE,
    Agenda,
    AgendaItem,
    AgendaKind,
    AgendaSources,
    Groups,
    TouchKind,
)
from clientops._agenda import AgendaRanking as _Ranking
from clientops._billing import Month
from clientops._checks import check_entry_points
from clientops._context import Context
from clientops._outbox import OutboxMessage
from clientops._planning import MonthlySheet
from clientops._supply_watch import supply_due_in, supply_owner
from clientops.calendar import (
    PUBLISH_TOPIC,
    CalendarEntry,
    CalendarPolicy,
    event_for_reaction,
    manager_entries,
    stable_uid,
)
from clientops.errors import NotFoundError
from clientops.ics import to_ics
from clientops.model import (
    Client,
    ClientId,
    DepartmentId,
    Employee,
    EmployeeId,
    Reaction,
    Role,
    StaffDirectory,
)
from clientops.policy import Policy
from clientops.ports import UnitOfWork
from clientops.queries import agenda_queries
from clientops.rules.billing import REMINDER_ID_PREFIX as _REMINDER_ID_PREFIX
from clientops.rules.billing import reminder_rows as _reminders
from clientops.rules.order_outputs import order_entries
from clientops.rules.planning import agenda_items as plan_agenda_items
from clientops.rules.satisfaction import SatisfactionCadence as _Cadence
from clientops.rules.satisfaction import satisfaction_due_bounds
from clientops.rules.service_visits import emergency_deadline
from clientops.service_visits import VisitKind
from clientops.workdays import next_working_day

__all__ = ["AgendaService"]


_REACTION = AgendaKind.REACTION
#: the due moment of a store's reaction row
_DUE_AT = operator.itemgetter(4)
_REMINDER = AgendaKind.PAYMENT_REMINDER
_SATISFACTION = AgendaKind.SATISFACTION_CALL

_TOUCH_WORDS = {
    TouchKind.BIRTHDAY: "день рождения: поздравить",
    TouchKind.COMPANY_DAY: "день компании: поздравить",
}


@check_entry_points
class AgendaService:
    """What a manager, a department or everyone has to do on a day, most urgent first::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> ops.agenda.for_manager("anna").items
    ()
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def for_manager(self, manager: EmployeeId, day: date | None = None) -> Agenda:
        """What ``manager`` has to do on ``day`` (today), ordered by urgency, each item saying
        why it is there: reactions due (overdue first), satisfaction calls due, payment
        reminders, open claims of the manager's clients, emergency-visit deadlines and the
        day's visits, the day's trainings, and touches (birthdays, company days, the public
        holiday after the day). An unknown employee raises NotFoundError (never an empty
        agenda). Each source is one set-based query of the store. Automatic garbage
        collection is paused while the agenda is built: hundreds of long-lived items, none of
        them garbage."""
        day = day or self._context.today()
        now = self._context.now()
        with _batch(), self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            employee = staff.require(manager)
            department = employee.department_id
            shared = _Shared(uow, self._context.policy, day, now, staff, manager, (department,))
            return self._agenda(uow, shared, manager, day, now, department)

    def for_department(
        self, department: DepartmentId, day: date | None = None
    ) -> tuple[Agenda, ...]:
        """The agenda of every member of ``department``, by employee id. An unknown
        department raises NotFoundError. Automatic garbage collection is paused while the
        agendas are built: many long-lived items, none of them garbage."""
        day = day or self._context.today()
        now = self._context.now()
        with _batch(), self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            if staff.department(department) is None:
                raise NotFoundError("department", department)
            shared = _Shared(uow, self._context.policy, day, now, staff, None, (department,))
            return tuple(
                self._agenda(uow, shared, e.id, day, now, e.department_id)
                for e in sorted(staff.members(department), key=lambda e: e.id)
            )

    def for_everyone(self, day: date | None = None) -> tuple[Agenda, ...]:
        """The agenda of every employee, by employee id, read in one unit of work.
        Automatic garbage collection is paused while the agendas are built: hundreds of
        thousands of long-lived items at a million clients, none of them garbage."""
        day = day or self._context.today()
        now = self._context.now()
        with _batch(), self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            departments = sorted({e.department_id for e in staff.employees})
            shared = _Shared(uow, self._context.policy, day, now, staff, None, departments)
            return tuple(
                self._agenda(uow, shared, e.id, day, now, e.department_id)
                for e in sorted(staff.employees, key=lambda e: e.id)
            )

    def calendar_entries(
        self, manager: EmployeeId, *, calendar_policy: CalendarPolicy | None = None
    ) -> tuple[CalendarEntry, ...]:
        """The events of ``manager``'s calendar, as :meth:`publish_calendar` publishes them
        (write them to a file with :func:`clientops.ics.write_ics`). An unknown employee
        raises NotFoundError."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            employee = uow.staff.directory().require(manager)
            return _calendar_entries(
                uow,
                manager,
                calendar_policy or CalendarPolicy(),
                self._context.policy,
                self._context.now(),
                employee.department_id,
            )

    def publish_calendar(
        self, manager: EmployeeId, *, calendar_policy: CalendarPolicy | None = None
    ) -> tuple[OutboxMessage, ...]:
        """Record, in the outbox, what changed in ``manager``'s calendar since it was last
        published: one ``calendar.publish`` message per event that is new or changed, and one
        per event published before that is no longer there (a reaction done or handed to
        someone else, a visit done or cancelled), marked ``cancelled``. Returns the messages
        recorded; an unchanged calendar records none. An unknown employee raises
        NotFoundError.

        The events are the manager's open reactions
        (:func:`clientops.calendar.manager_entries`), the open reactions of the manager's
        department that no one has taken yet (each member's calendar shows them; taken,
        they leave the others' calendars as cancelled events), the planned visits of the
        manager's clients (all-day events), the manager's scheduled trainings (timed events,
        up to a year ahead), and the deadlines of the open orders of the manager's clients
        (all-day events, as ``ops.orders.calendar_entries`` gives them). Each message carries
        the event's UID, its VCALENDAR text and its SEQUENCE, higher than the one published
        before, so a calendar updates the event in place. A deliverer registered for the topic
        (:class:`clientops.adapters.caldav.CalDavPublisher`) publishes them; the message key
        names the manager, the UID and the SEQUENCE, so one state is never recorded twice,
        even by two publishers at once."""
        now = self._context.now()
        tz = self._context.policy.tz
        policy = calendar_policy or CalendarPolicy()
        recorded: list[OutboxMessage] = []
        with self._context.storage.unit_of_work() as uow:
            employee = uow.staff.directory().require(manager)
            entries = _calendar_entries(
                uow, manager, policy, self._context.policy, now, employee.department_id
            )
            published = _published(uow, manager)
            for message in _publications(manager, entries, published, now=now, tz=tz.key):
                if uow.outbox.enqueue(message):
                    recorded.append(message)
                data = message.data()
                state = {k: data[k] for k in ("sequence", "digest", "cancelled")}
                uow.outbox.record_publication(manager, str(data["uid"]), state)
        return tuple(recorded)

    def department_calendar(
        self, department: DepartmentId, *, calendar_policy: CalendarPolicy | None = None
    ) -> bytes:
        """The calendar of the reactions ``department`` owns and no one has taken yet (the
        sales reaction of an incoming call), overdue ones included, as one VCALENDAR
        (UTF-8 bytes) to subscribe to or import; a reaction leaves it when someone takes
        it. An unknown department raises NotFoundError."""
        policy = calendar_policy or CalendarPolicy()
        with self._context.storage.unit_of_work(readonly=True) as uow:
            staff = uow.staff.directory()
            found = staff.department(department)
            if found is None:
                raise NotFoundError("department", department)
            untaken = uow.appeals.department_reactions(department)
            cards = {cid: uow.clients.get(cid) for cid in {r.client_id for r in untaken}}
        entries = _untaken_entries(untaken, cards, policy)
        return to_ics(entries, tz=self._context.policy.tz, name=found.name, now=self._context.now())

    def _agenda(
        self,
        uow: UnitOfWork,
        shared: _Shared,
        manager: EmployeeId,
        day: date,
        now: datetime,
        department: DepartmentId | None = None,
    ) -> Agenda:
        # the hot path: thousands of store rows per manager become items, put straight into
        # their groups in order (the store sorts the two big lists); only small groups are
        # sorted here, with one float per overdue item for the final merge (_Ranking)
        ranking = shared.ranking
        groups = ranking.groups()
        reminded = self._reactions(uow, shared, manager, groups)
        self._satisfaction(uow, shared, manager, groups)
        if self._payments(uow, shared, manager, day, reminded, groups):
            groups[True, _REMINDER].sort(key=ranking.within)
            groups[False, _REMINDER].sort(key=ranking.within)
        small = self._claims(shared, manager)
        small += self._service(uow, shared, manager, day)
        small += self._touches(uow, shared, manager)
        small += shared.plans(manager)
        small += shared.supply(manager)
        if department is not None:
            small += shared.untaken(department)
        if small:
            for item in small:
                ranking.add(groups, item)
            for kind in {item.kind for item in small}:
                groups[True, kind].sort(key=ranking.within)
                groups[False, kind].sort(key=ranking.within)
        return ranking.agenda(manager, groups)

    @staticmethod
    def _reactions(
        uow: UnitOfWork, shared: _Shared, manager: EmployeeId, groups: Groups
    ) -> set[ClientId]:
        """The open reactions due by the end of the day, in the store's order (due time,
        client name, id); billing's reminder calls among them are payment reminders.
        Returns the clients reminded so."""
        now = shared.ranking.now
        reminded: set[ClientId] = set()
        late_reactions, reactions = groups[True, _REACTION], groups[False, _REACTION]
        late_reminders, reminders = groups[True, _REMINDER], groups[False, _REMINDER]
        queries = agenda_queries(uow)
        plain = getattr(queries, "due_reaction_rows", None)  # a store's rows, no DueReaction
        rows: Sequence[tuple[str, ClientId, str, str, datetime]] = (
            plain(manager, until=shared.end)
            if plain is not None
            else [
                (r.reaction_id, r.client_id, r.client_name, r.topic, r.due_at)
                for r in queries.due_reactions(manager, until=shared.end)
            ]
        )
        new, item_type = tuple.__new__, AgendaItem  # every field given, of its type: no check
        prefix = _REMINDER_ID_PREFIX
        if True not in [rid.startswith(prefix) for rid, _, _, _, _ in rows]:
            # no reminder among them (the common case): one pass; the rows are in due order,
            # so the late ones come first
            split = bisect.bisect_left(rows, now, key=_DUE_AT)  # the first not late
            late_reactions += [
                new(item_type, (_REACTION, topic, cid, name, due_at, None, rid, True))
                for rid, cid, name, topic, due_at in rows[:split]
            ]
            reactions += [
                new(item_type, (_REACTION, topic, cid, name, due_at, None, rid, False))
                for rid, cid, name, topic, due_at in rows[split:]
            ]
            return reminded
        for rid, cid, name, topic, due_at in rows:
            late = due_at < now
            if rid.startswith(_REMINDER_ID_PREFIX):
                reminded.add(cid)
                item = new(item_type, (_REMINDER, topic, cid, name, due_at, None, rid, late))
                (late_reminders if late else reminders).append(item)
            else:
                item = new(item_type, (_REACTION, topic, cid, name, due_at, None, rid, late))
                (late_reactions if late else reactions).append(item)
        return reminded

    @staticmethod
    def _satisfaction(
        uow: UnitOfWork, shared: _Shared, manager: EmployeeId, groups: Groups
    ) -> None:
        """The satisfaction calls due (late ones included): the store selects the clients by
        the bounds, by client name and id (the order within a due day); the cadence gives
        each its due day and reason. Today's calls are then in order, the late ones are put
        in order by the final merge (a stable sort by due moment)."""
        day = shared.day
        cadence = shared.cadence
        late_calls, calls = groups[True, _SATISFACTION], groups[False, _SATISFACTION]
        queries = agenda_queries(uow)
        plain = getattr(queries, "satisfaction_rows", None)  # a store's rows, no AssignedClient
        bounds = shared.satisfaction_bounds
        rows: Iterable[tuple[ClientId, str, date, date | None]] = (
            plain(bounds, manager_id=manager)
            if plain is not None
            else (
                (r.client_id, r.client_name, r.assigned_on, r.last_call)
                for r in queries.satisfaction_calls_due(bounds, manager_id=manager)
            )
        )
        new, item_type = tuple.__new__, AgendaItem
        # the due day, and the reason when it does not name the client, per distinct
        # (last call, assigned on): a manager's thousand clients share a few dozen
        named = cadence.names_client
        seen: dict[tuple[date | None, date], tuple[date, str, bool] | None] = {}
        for cid, name, assigned, last in rows:
            key = (last, assigned)
            if key in seen:
                known = seen[key]
            else:
                due = cadence.due_on(last, assigned)
                known = seen[key] = (
                    None
                    if due > day
                    else (due, "" if named(last) else cadence.reason("", last, assigned), due < day)
                )
            if known is None:
                continue
            due, reason, late = known
            if not reason:
                reason = cadence.reason(name, last, assigned)
            item = new(
                item_type,
                (_SATISFACTION, reason, cid, name, None, due, f"satisfaction-{cid}", late),
            )
            (late_calls if late else calls).append(item)

    def _payments(
        self,
        uow: UnitOfWork,
        shared: _Shared,
        manager: EmployeeId,
        day: date,
        reminded: set[ClientId],
        groups: Groups,
    ) -> bool:
        """The reminder calls the billing rules give for today that are not scheduled as
        reactions yet (``billing_reminders`` not run today), put in their groups (unordered).
        Whether there were any."""
        owed = agenda_queries(uow).open_invoices_managed_by(manager)
        if not owed:
            return False
        policy = self._context.policy
        now = shared.ranking.now
        new, item_type = tuple.__new__, AgendaItem
        late_reminders, reminders = groups[True, _REMINDER], groups[False, _REMINDER]
        added = False
        for client, rid, topic, _, due_at, invoices in _reminders(
            day, owed, policy.billing, policy.calendar, shared.tz
        ):
            if client in reminded:
                continue
            late = due_at < now
            item = new(
                item_type,
                (_REMINDER, topic, client, invoices[0].client_name, due_at, None, rid, late),
            )
            (late_reminders if late else reminders).append(item)
            added = True
        return added

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
        self, uow: UnitOfWork, shared: _Shared, manager: EmployeeId, day: date
    ) -> list[AgendaItem]:
        items: list[AgendaItem] = []
        for visit in shared.visits:
            if shared.manager_of(visit.client_id) != manager:
                continue
            name = shared.name(visit.client_id)
            if visit.kind is VisitKind.EMERGENCY:
                contract = uow.service.get_contract(visit.contract_id)
                tz = self._context.policy.tz
                deadline = emergency_deadline(
                    visit.requested_at,
                    contract,
                    calendar=self._context.policy.calendar,
                    tz=self._context.policy.tz,
                    policy=self._context.policy.service,
                )
                # an emergency stays on the agenda, with its deadline, until the visit is done
                items.append(
                    AgendaItem(
                        AgendaKind.SERVICE_DEADLINE,
                        f"аварийный выезд до {deadline.astimezone(tz):%d.%m %H:%M}"
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
        if not shared.present.trainings:
            return items
        for training in uow.service.trainings_between(shared.start, shared.end, manager_id=manager):
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
            for touch in (
                agenda_queries(uow).client_touches(shared.month_days, manager_id=manager)
                if shared.present.touches
                else ()
            )
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


def _calendar_entries(
    uow: UnitOfWork,
    manager: EmployeeId,
    policy: CalendarPolicy,
    rules: Policy,
    now: datetime,
    department: DepartmentId | None = None,
) -> tuple[CalendarEntry, ...]:
    """The events of ``manager``'s calendar: the open reactions, the untaken reactions of
    ``department``, the planned visits of the manager's clients, the manager's scheduled
    trainings (from a day ago to :data:`_TRAININGS_AHEAD` on), and the deadlines of the open
    orders of the manager's clients (all-day events)."""
    reactions = uow.appeals.open_reactions(manager)
    untaken = uow.appeals.department_reactions(department) if department is not None else ()
    cards: dict[ClientId, Client] = {}
    for client_id in {r.client_id for r in (*reactions, *untaken)}:
        cards[client_id] = uow.clients.get(client_id)
    entries = list(
        manager_entries(reactions, employee_id=manager, clients=cards.values(), policy=policy)
    )
    entries += _untaken_entries(untaken, cards, policy)
    for visit in uow.service.open_visits():
        if visit.planned_on is None:
            continue
        card = cards.get(visit.client_id) or uow.clients.get(visit.client_id)
        cards[card.id] = card
        if card.manager_id != manager:
            continue
        what = "Аварийный выезд" if visit.kind is VisitKind.EMERGENCY else "Регламентный выезд"
        entries.append(
            CalendarEntry(
                uid=stable_uid("visit", visit.id, policy.uid_domain),
                start=visit.planned_on,
                summary=f"{what}: {card.name}",
                description="\n".join(filter(None, (f"Город: {card.city}", visit.problem))),
                location=card.city,
                categories=(what,),
                alarm_before=None,
                sequence=visit.version,
            )
        )
    for training in uow.service.trainings_between(
        now - timedelta(days=1), now + _TRAININGS_AHEAD, manager_id=manager
    ):
        if training.starts_at is None:
            continue
        card = cards.get(training.client_id) or uow.clients.get(training.client_id)
        cards[card.id] = card
        entries.append(
            CalendarEntry(
                uid=stable_uid("training", training.id, policy.uid_domain),
                start=training.starts_at,
                duration=training.duration or _TRAINING_LENGTH,
                summary=f"Обучение: {training.topic} — {card.name}",
                description=f"Город: {card.city}",
                location=card.city,
                categories=("Обучение",),
                alarm_before=policy.alarm_before,
                sequence=training.version,
            )
        )
    for order in uow.orders.open():
        card = cards.get(order.client_id) or uow.clients.get(order.client_id)
        cards[card.id] = card
        if card.manager_id == manager:
            entries.extend(order_entries(order, client=card, policy=rules, calendar_policy=policy))
    return tuple(entries)


def _untaken_entries(
    reactions: Sequence[Reaction], cards: Mapping[ClientId, Client], policy: CalendarPolicy
) -> list[CalendarEntry]:
    """The calendar events of a department's untaken reactions, marked as such."""
    out = []
    for reaction in reactions:
        entry = event_for_reaction(reaction, cards.get(reaction.client_id), policy=policy)
        out.append(
            attrs.evolve(
                entry,
                summary=f"{entry.summary} (реакция отдела: никто не взял)",
                categories=(*entry.categories, "Реакция отдела"),
            )
        )
    return out


#: How far ahead a manager's published calendar shows the scheduled trainings, and how long
#: a training lasts in it when its duration is not known.
_TRAININGS_AHEAD = timedelta(days=366)
_TRAINING_LENGTH = timedelta(hours=1)


def _published(uow: UnitOfWork, manager: EmployeeId) -> Mapping[str, Mapping[str, Any]]:
    """The last state published of each UID of ``manager``'s calendar (its own rows of
    ``uow.outbox.publications``: the outbox's history is never read)."""
    return uow.outbox.publications(manager)


#: the DTSTAMP of the text an event's state is compared by (the real one is the time of
#: the publication)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _publications(
    manager: EmployeeId,
    entries: tuple[CalendarEntry, ...],
    published: Mapping[str, Mapping[str, Any]],
    *,
    now: datetime,
    tz: str,
) -> list[OutboxMessage]:
    """The messages that bring the published calendar to ``entries``: each new or changed
    event with a SEQUENCE above the one published before, each published event no longer
    there as cancelled."""
    messages: list[OutboxMessage] = []

    def publish(uid: str, sequence: int, ics: str, digest: str, cancelled: bool) -> None:
        payload = {
            "manager": manager,
            "uid": uid,
            "sequence": sequence,
            "cancelled": cancelled,
            "ics": ics,
            "digest": digest,
        }
        key = f"{PUBLISH_TOPIC}:{manager}:{uid}:{sequence}"
        messages.append(OutboxMessage.new(PUBLISH_TOPIC, payload, now=now, key=key))

    for entry in entries:
        state = to_ics([attrs.evolve(entry, sequence=0)], tz=tz, now=_EPOCH)
        digest = hashlib.sha256(state).hexdigest()
        before = published.get(entry.uid)
        if before is not None and not before["cancelled"] and before["digest"] == digest:
            continue
        sequence = entry.sequence
        if before is not None:
            sequence = max(sequence, int(before["sequence"]) + 1)
        ics = to_ics([attrs.evolve(entry, sequence=sequence)], tz=tz, now=now).decode()
        publish(entry.uid, sequence, ics, digest, cancelled=False)
    current = {entry.uid for entry in entries}
    for uid, before in sorted(published.items()):
        if uid not in current and not before["cancelled"]:
            publish(uid, int(before["sequence"]) + 1, "", "", cancelled=True)
    return messages


#: Who has plans and reports on their agenda: the client managers and the directors.
_PLAN_ROLES = frozenset({Role.CLIENT_MANAGER, Role.DIRECTOR})


_Sheets = tuple[dict[EmployeeId, Employee], list[MonthlySheet], dict[EmployeeId, str]]


class _Day:
    """What an agenda of ``day`` computes from the day and the policy alone, the same for
    every call of the day (kept in :data:`_DAYS`): the day's bounds, the satisfaction
    cadence (its due days and reasons per distinct date, filled as calls ask), the bounds
    of the calls due, the month-days of touches, the three months of plans, the holidays
    ahead."""

    __slots__ = (
        "cadence",
        "end",
        "holidays",
        "month_days",
        "months",
        "policy",
        "satisfaction_bounds",
        "start",
        "tz",
    )

    def __init__(self, day: date, policy: Policy) -> None:
        self.policy = policy
        self.tz = tz = policy.tz
        self.start = datetime.combine(day, time(), tz)
        self.end = self.start + timedelta(days=1)
        self.cadence = _Cadence(day, policy.satisfaction, policy.calendar)
        self.satisfaction_bounds = satisfaction_due_bounds(
            day, policy.satisfaction, policy.calendar
        )
        self.month_days = _month_days(day)
        this = Month.of(day)
        self.months = (this.previous(), this, this.next())
        self.holidays = _holidays_ahead(policy, day)


#: The :class:`_Day` of the last few (day, policy) asked for (all dropped when full). A
#: policy is frozen; the entry keeps it, so its id is not reused while the entry lives.
_DAYS: dict[tuple[date, int], _Day] = {}
_DAYS_KEPT = 4


class _Shared:
    """What every agenda of one day shares, read or computed once: the day's bounds and
    order, the satisfaction cadence, the staff directory, which small sources have rows
    (the store's one probe, when it has one), open claims and visits (few), the day's
    month-days for touches, the holidays before the next working day."""

    def __init__(
        self,
        uow: UnitOfWork,
        policy: Policy,
        day: date,
        now: datetime,
        staff: StaffDirectory,
        manager: EmployeeId | None = None,
        departments: Sequence[DepartmentId] = (),
    ) -> None:
        self.uow = uow
        self.day = day
        parts = _DAYS.get((day, id(policy)))
        if parts is None or parts.policy is not policy:
            if len(_DAYS) >= _DAYS_KEPT:
                _DAYS.clear()
            parts = _DAYS[day, id(policy)] = _Day(day, policy)
        self.tz = tz = parts.tz
        self.start = parts.start
        self.end = parts.end
        self.ranking = _Ranking(day, now, tz)
        self.cadence = parts.cadence
        self.satisfaction_bounds = parts.satisfaction_bounds
        self.staff = staff
        self.month_days = parts.month_days
        self.months = parts.months
        probe = getattr(agenda_queries(uow), "sources", None)
        self.present: AgendaSources = (
            EVERY_SOURCE
            if probe is None
            else probe(
                start=self.start,
                end=self.end,
                month_days=self.month_days,
                months=self.months,
                manager_id=manager,
                departments=departments,
            )
        )
        self.claims = uow.claims.open() if self.present.claims else ()
        self.visits = uow.service.open_visits() if self.present.visits else ()
        self._clients: dict[ClientId, tuple[str, EmployeeId | None]] = {}
        self.holidays = parts.holidays
        self._untaken: dict[DepartmentId, list[AgendaItem]] = {}
        self._policy = policy
        self._sheets: _Sheets | None = None
        self._supply: dict[EmployeeId, list[AgendaItem]] | None = None

    def plans(self, employee_id: EmployeeId) -> list[AgendaItem]:
        """The plans and reports on the employee's agenda (:func:`clientops.rules.planning
        .agenda_items`), the staff and the sheets of the three months read once a day."""
        store = getattr(self.uow, "plans", None)
        if store is None or not self.present.plans:
            return []
        if self._sheets is None:
            staff = self.staff
            self._sheets = (
                {e.id: e for e in staff.employees},
                [s for m in self.months for s in store.of_month(m)],
                {e.id: e.full_name for e in staff.employees},
            )
        employees, sheets, names = self._sheets
        employee = employees.get(employee_id)
        if employee is None or not (set(employee.roles) & _PLAN_ROLES):
            return []
        return plan_agenda_items(
            employee,
            self.day,
            sheets,
            policy=self._policy.planning,
            calendar=self._policy.calendar,
            names=names,
        )

    def supply(self, employee_id: EmployeeId) -> list[AgendaItem]:
        """The supply items on the employee's agenda (:func:`clientops._supply_watch
        .supply_due_in`): its clients' purchases, shipments and pilots, and — for the policy's
        ``responsible``, or every client manager — those of no client. Read once a day."""
        if not self.present.supply:
            return []
        if self._supply is None:
            policy = self._policy.supply
            staff = self.staff
            self._supply = {}
            for due in supply_due_in(self.uow, self.day, policy):
                client, name, managers = due.client_id, "", {}
                if client is not None:
                    name, managers = self.name(client), {client: self.manager_of(client)}
                item = AgendaItem(
                    AgendaKind.SUPPLY, due.text, client, name, due_on=due.day, ref=due.ref
                )
                for owner in supply_owner(due, managers, staff, policy):
                    self._supply.setdefault(owner, []).append(item)
        return self._supply.get(employee_id, [])

    def untaken(self, department: DepartmentId) -> list[AgendaItem]:
        """The reactions ``department`` owns and no one has taken yet, due by the end of the
        day (overdue ones stay): on the agenda of every member until one takes it."""
        if not self.present.untaken:
            return []
        found = self._untaken.get(department)
        if found is None:
            found = self._untaken[department] = [
                AgendaItem(
                    _REACTION,
                    f"{r.topic} (реакция отдела: никто не взял)",
                    r.client_id,
                    self.name(r.client_id),
                    due_at=r.due_at,
                    ref=r.id,
                )
                for r in self.uow.appeals.department_reactions(department)
                if r.due_at < self.end
            ]
        return found

    def _card(self, client_id: ClientId) -> tuple[str, EmployeeId | None]:
        found = self._clients.get(client_id)
        if found is None:
            card = self.uow.clients.get(client_id)
            found = self._clients[client_id] = (card.name, card.manager_id)
        return found

    def name(self, client_id: ClientId) -> str:
        return self._card(client_id)[0]

    def manager_of(self, client_id: ClientId) -> EmployeeId | None:
        return self._card(client_id)[1]


@contextmanager
def _batch() -> Iterator[None]:
    """Pause CPython's automatic garbage collection while many agendas are built, and
    restore it after (also on an error; left alone when the application has it off).

    Everyone's agenda is hundreds of thousands of items that all outlive the call, and none
    of them is cyclic garbage. With collection on, each growth of the heap by a quarter
    triggers a full collection that walks every tracked object of the process again: at a
    million clients that is about 0.6 s of the 2 s it takes (bench/README.md). Nothing
    collectable is made meanwhile, so pausing changes only when, not what, is collected."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
