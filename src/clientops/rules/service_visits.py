"""Service visits and trainings as pure functions (seed 002, processes 7 and 11).

- :func:`scheduled_visits`: the scheduled visits of a contract in a period, each moved off a
  non-working day (or refused) as :class:`~clientops.service_visits.VisitPolicy` says;
  :func:`recurring_visit_series` the same series as *one* recurring calendar event.
- :func:`emergency_deadline`: when an emergency visit is due; :func:`sla_breaches`: the open
  emergency visits past it, each with its escalation reactions.
- the visit's steps (:func:`request_emergency_visit`, :func:`scheduled_visit`,
  :func:`plan_visit`, :func:`add_part`, :func:`complete_visit`, :func:`cancel_visit`) and its
  act (:func:`visit_act`);
- the training's steps (:func:`new_training`, :func:`schedule_training`,
  :func:`reschedule_training`, :func:`hold_training`, :func:`collect_feedback`,
  :func:`send_recording`, :func:`record_facts`, :func:`cancel_training`) and its event.

A step the process does not allow raises :class:`~clientops.errors.TransitionError`; bad input
raises :class:`~clientops.errors.ValidationError` naming the field. No storage, no clock.

The emergency deadline is the **end of the n-th working day after the request day** in the
department's zone: the request day never counts, whatever the hour, and the deadline is the
midnight that ends the n-th working day (or ``VisitPolicy.emergency_deadline_time`` on it). A
visit is late from that instant on. Asked on Friday evening, 6 March 2026, with one working
day, before the weekend and the 9 March holiday::

    >>> from datetime import date, datetime
    >>> from zoneinfo import ZoneInfo
    >>> from clientops.model import ClientId
    >>> from clientops.service_visits import ServiceContract, ServiceContractId
    >>> from clientops.workdays import russian_calendar
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> contract = ServiceContract(
    ...     id=ServiceContractId("sc1"), client_id=ClientId("c1"), number="СО-7",
    ...     starts_on=date(2026, 1, 1), emergency_response_days=1,
    ... )
    >>> friday_evening = datetime(2026, 3, 6, 19, 30, tzinfo=msk)
    >>> emergency_deadline(friday_evening, contract, calendar=russian_calendar(), tz=msk)
    datetime.datetime(2026, 3, 11, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Moscow'))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, TypeVar

import attrs

from clientops._checks import aware_errors, date_errors, raise_errors, string_errors, time_zone
from clientops._formats import full_date
from clientops.calendar import CalendarEntry, CalendarPolicy, stable_uid
from clientops.errors import FieldError, NotFoundError, TransitionError, ValidationError
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientId,
    DepartmentId,
    EmployeeId,
    Reaction,
    ReactionId,
    ReactionKind,
    StaffDirectory,
)
from clientops.service_visits import (
    TRAINING_TRANSITIONS,
    VISIT_TRANSITIONS,
    Feedback,
    NonWorkingDay,
    Part,
    Reschedule,
    ServiceContract,
    ServiceContractId,
    StatusChange,
    TechFacts,
    Training,
    TrainingId,
    TrainingStatus,
    TrainingStep,
    Visit,
    VisitAct,
    VisitId,
    VisitKind,
    VisitPolicy,
    VisitStatus,
    VisitStep,
)
from clientops.workdays import (
    WorkCalendar,
    add_working_days,
    next_working_day,
    previous_working_day,
)

__all__ = [
    "SlaBreach",
    "VisitOccurrence",
    "VisitSeries",
    "add_part",
    "cancel_training",
    "cancel_visit",
    "collect_feedback",
    "complete_visit",
    "emergency_deadline",
    "escalation_reaction_id",
    "hold_training",
    "new_training",
    "plan_visit",
    "record_facts",
    "recurring_visit_series",
    "request_emergency_visit",
    "reschedule_training",
    "resolve_day",
    "schedule_training",
    "scheduled_visit",
    "scheduled_visit_id",
    "scheduled_visits",
    "send_recording",
    "sla_breaches",
    "training_allowed_actions",
    "training_event",
    "visit_act",
    "visit_allowed_actions",
    "visit_appeal",
    "visit_appeal_id",
]

#: Occurrences this close outside a period are looked at too, so that two rule days moved onto
#: one working day are merged the same way whichever period is asked for.
_LOOKAROUND = timedelta(days=45)
_WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def _d(day: date) -> str:
    return full_date(day)


def _dt(when: datetime) -> str:
    return when.strftime("%d.%m.%Y %H:%M")


def _shift(day: date, delta: timedelta) -> date:
    try:
        return day + delta
    except OverflowError:
        return date.max if delta > timedelta(0) else date.min


# --------------------------------------------------------------------------- days


def resolve_day(
    day: date, *, policy: VisitPolicy, calendar: WorkCalendar, path: str = "day"
) -> date:
    """The day a visit asked for ``day`` happens: ``day`` itself on a working day, else the
    next or the previous working day, or a :class:`~clientops.errors.ValidationError` at
    ``path`` naming the date, as ``policy.non_working_day`` says.

    >>> from clientops.workdays import russian_calendar
    >>> resolve_day(date(2026, 5, 9), policy=VisitPolicy(), calendar=russian_calendar())
    datetime.date(2026, 5, 12)
    """
    errors = date_errors(path, day)
    raise_errors(errors, "visit day")
    if calendar.is_working_day(day):
        return day
    rule = policy.non_working_day
    if rule is NonWorkingDay.NEXT_WORKING_DAY:
        return next_working_day(calendar, day)
    if rule is NonWorkingDay.PREVIOUS_WORKING_DAY:
        return previous_working_day(calendar, day)
    raise ValidationError([_refusal(day, calendar, path)], subject="visit day")


def _refusal(day: date, calendar: WorkCalendar, path: str) -> FieldError:
    return FieldError(
        path,
        f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]}) is not a working day in "
        f"{calendar.name}; the policy refuses visits on non-working days",
    )


@attrs.frozen
class VisitOccurrence:
    """One scheduled visit of a contract: ``original`` is the day the contract's rule gives,
    ``day`` the day it happens (moved off a non-working day). ``merged`` lists other rule days
    whose visit, once moved, fell on this same day: it is one visit."""

    contract_id: ServiceContractId
    original: date
    day: date
    merged: tuple[date, ...] = ()

    @property
    def moved(self) -> bool:
        return self.day != self.original


def scheduled_visits(
    contract: ServiceContract,
    start: date,
    end: date,
    *,
    policy: VisitPolicy,
    calendar: WorkCalendar,
) -> tuple[VisitOccurrence, ...]:
    """The scheduled visits of ``contract`` whose rule day is from ``start`` to ``end`` (both
    included, and within the contract), in order of the day they happen.

    A rule day that is not a working day is moved to the next (or previous) working day, as
    ``policy.non_working_day`` says; a moved visit may land outside the period. Visits moved
    onto one day are one visit: the one whose rule day it is, else the earliest, with the
    others in ``merged`` (a visit belongs to the period of that rule day). With
    :attr:`~clientops.service_visits.NonWorkingDay.REFUSE` a rule day in the period that is
    not a working day raises :class:`~clientops.errors.ValidationError` with one ``day``
    error naming each such date.

    >>> from clientops.model import ClientId
    >>> from clientops.service_visits import MaintenanceRecurrence, ServiceContract
    >>> from clientops.workdays import russian_calendar
    >>> contract = ServiceContract(
    ...     id=ServiceContractId("sc1"), client_id=ClientId("c1"), number="СО-7",
    ...     starts_on=date(2025, 12, 18), emergency_response_days=2,
    ...     maintenance=MaintenanceRecurrence.every_weeks(1),
    ... )
    >>> visits = scheduled_visits(contract, date(2025, 12, 25), date(2026, 1, 15),
    ...                           policy=VisitPolicy(), calendar=russian_calendar())
    >>> [(v.original.isoformat(), v.day.isoformat(), len(v.merged)) for v in visits]
    [('2025-12-25', '2025-12-25', 0), ('2026-01-01', '2026-01-12', 1), ('2026-01-15', \
'2026-01-15', 0)]
    """
    errors = date_errors("start", start) + date_errors("end", end)
    if not errors and end < start:
        errors.append(FieldError("end", f"{end} is before start {start}"))
    raise_errors(errors, "period")
    first = contract.first_maintenance
    rule = contract.maintenance
    if first is None or rule is None:
        return ()
    last = contract.ends_on if contract.ends_on is not None else date.max
    low = max(first, _shift(start, -_LOOKAROUND))
    high = min(last, _shift(end, _LOOKAROUND))
    refused: list[FieldError] = []
    landing: dict[date, list[date]] = {}
    for original in rule.dates(first, low, high):
        if calendar.is_working_day(original):
            day = original
        elif policy.non_working_day is NonWorkingDay.REFUSE:
            if start <= original <= end:
                refused.append(_refusal(original, calendar, "day"))
            day = original
        else:
            day = resolve_day(original, policy=policy, calendar=calendar)
        landing.setdefault(day, []).append(original)
    raise_errors(refused, f"scheduled visits of contract {contract.number}")
    found = []
    for day, originals in landing.items():
        kept = day if day in originals else min(originals)
        if start <= kept <= end:
            others = tuple(sorted(o for o in originals if o != kept))
            found.append(VisitOccurrence(contract.id, kept, day, others))
    return tuple(sorted(found, key=lambda o: (o.day, o.original)))


# --------------------------------------------------------------------------- calendar


@attrs.frozen
class VisitSeries:
    """A contract's scheduled maintenance as calendar events: ``master``, the one recurring
    event (RRULE; EXDATE for rule days merged into another visit), and one override per moved
    visit (same UID, ``RECURRENCE-ID`` the rule's start, ``DTSTART`` the real one)."""

    master: CalendarEntry
    overrides: tuple[CalendarEntry, ...] = ()

    @property
    def entries(self) -> tuple[CalendarEntry, ...]:
        """Everything to hand to :func:`~clientops.ics.to_ics`, the master first."""
        return (self.master, *self.overrides)


def recurring_visit_series(
    contract: ServiceContract,
    *,
    client: Client,
    through: date,
    policy: VisitPolicy,
    calendar: WorkCalendar,
    tz: str | tzinfo = "Europe/Moscow",
    calendar_policy: CalendarPolicy | None = None,
) -> VisitSeries:
    """The contract's scheduled maintenance as one recurring event, from its first visit to
    the end of the contract (or for ever), at the contract's visit time (else the policy's) in
    ``tz``, lasting ``policy.visit_duration``.

    The moves of :func:`scheduled_visits` up to ``through`` are written the RFC 5545 way: an
    override with the series' UID and ``RECURRENCE-ID`` for each moved visit, an ``EXDATE`` for
    a rule day merged into another visit. After ``through`` the rule's own days stand: export
    again with a later ``through`` (the production calendar of the next year is known in
    autumn). The UID is ``stable_uid("maintenance", contract.id, …)`` and ``sequence`` the
    contract's version. A contract without maintenance raises
    :class:`~clientops.errors.ValidationError` at ``maintenance``; with the ``REFUSE`` policy a
    rule day on a non-working day up to ``through`` raises it as :func:`scheduled_visits` does.
    """
    errors: list[FieldError] = []
    if client.id != contract.client_id:
        errors.append(
            FieldError("client", f"is {client.id!r}, the contract's is {contract.client_id!r}")
        )
    first = contract.first_maintenance
    rule = contract.maintenance
    if first is None or rule is None:
        errors.append(FieldError("maintenance", "the contract has no scheduled maintenance"))
    errors += date_errors("through", through)
    raise_errors(errors, f"maintenance of contract {contract.number}")
    assert first is not None
    assert rule is not None
    zone = time_zone(tz, "tz")
    cal = calendar_policy or CalendarPolicy()
    texts = policy.texts
    at = contract.visit_time or policy.visit_time

    def when(day: date) -> datetime:
        return datetime.combine(day, at, tzinfo=zone)

    # Look past ``through`` for a visit there that a rule day up to ``through`` was merged
    # into; refusing never merges, and must not refuse days after ``through``.
    refuse = policy.non_working_day is NonWorkingDay.REFUSE
    end = through if refuse else _shift(through, _LOOKAROUND)
    moves = tuple(
        visit
        for visit in (
            scheduled_visits(contract, first, end, policy=policy, calendar=calendar)
            if through >= first
            else ()
        )
        if visit.original <= through or any(day <= through for day in visit.merged)
    )
    exdates = tuple(when(day) for visit in moves for day in visit.merged)
    uid = stable_uid("maintenance", contract.id, cal.uid_domain)
    summary = texts.maintenance_event.format(client=client.name, contract=contract.number)
    description = texts.maintenance_description.format(
        contract=contract.number, rule=texts.rule(rule)
    )
    master = CalendarEntry(
        uid=uid,
        start=when(first),
        summary=summary,
        duration=policy.visit_duration,
        description=description,
        location=contract.address,
        alarm_before=cal.alarm_before,
        recurrence=rule.to_calendar(until=contract.ends_on, exdates=exdates),
        sequence=contract.version,
    )
    overrides = tuple(
        CalendarEntry(
            uid=uid,
            start=when(visit.day),
            summary=summary,
            duration=policy.visit_duration,
            description=description + "\n" + texts.moved_note.format(original=_d(visit.original)),
            location=contract.address,
            alarm_before=cal.alarm_before,
            sequence=contract.version,
            recurrence_id=when(visit.original),
        )
        for visit in moves
        if visit.moved
    )
    return VisitSeries(master, overrides)


# --------------------------------------------------------------------------- the SLA


def _deadline(
    requested_at: datetime,
    contract: ServiceContract,
    calendar: WorkCalendar,
    zone: tzinfo,
    policy: VisitPolicy,
) -> tuple[date, datetime]:
    raise_errors(aware_errors("requested_at", requested_at), "emergency visit")
    asked = requested_at.astimezone(zone).date()
    last = add_working_days(calendar, asked, contract.emergency_response_days)
    if policy.emergency_deadline_time is None:
        return last, datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return last, datetime.combine(last, policy.emergency_deadline_time, tzinfo=zone)


def emergency_deadline(
    requested_at: datetime,
    contract: ServiceContract,
    *,
    calendar: WorkCalendar,
    tz: str | tzinfo,
    policy: VisitPolicy | None = None,
) -> datetime:
    """When an emergency visit asked at ``requested_at`` under ``contract`` is due: the end
    of the ``contract.emergency_response_days``-th working day of ``calendar`` after the day of
    the request in ``tz`` (the request day itself never counts). The end is the midnight after
    that day, in ``tz``, or ``policy.emergency_deadline_time`` on it when the policy sets one.
    The visit is late from this instant on. A naive ``requested_at`` raises
    :class:`~clientops.errors.ValidationError`."""
    zone = time_zone(tz, "tz")
    return _deadline(requested_at, contract, calendar, zone, policy or VisitPolicy())[1]


def visit_appeal_id(visit_id: VisitId) -> AppealId:
    """The id of the appeal a visit's reactions belong to: ``visit-<visit id>``.

    >>> visit_appeal_id(VisitId("v1"))
    'visit-v1'
    """
    return AppealId(f"visit-{visit_id}")


def visit_appeal(visit: Visit, contract: ServiceContract, *, policy: VisitPolicy) -> Appeal:
    """The appeal of a visit, for the service department, made when the visit is."""
    texts = policy.texts
    if visit.kind is VisitKind.EMERGENCY:
        topic = texts.emergency_appeal.format(
            contract=contract.number, problem=visit.problem.strip() or "—"
        )
    else:
        topic = texts.scheduled_appeal.format(contract=contract.number)
    return Appeal(
        id=visit_appeal_id(visit.id),
        client_id=visit.client_id,
        topic=topic,
        department_id=policy.service_department,
        created_at=visit.requested_at,
        type=AppealType.SERVICE,
        note=visit.problem or None,
        created_by=visit.history[0].by,
    )


def escalation_reaction_id(visit_id: VisitId, recipient: str) -> ReactionId:
    """The id of the escalation of a late visit to ``recipient`` (``head``: the head of the
    service department; ``manager``: the client's manager). The same breach found again gives
    the same id, so the store keeps one escalation per recipient.

    >>> escalation_reaction_id(VisitId("v1"), "head")
    'visit-sla-v1-head'
    """
    return ReactionId(f"visit-sla-{visit_id}-{recipient}")


@attrs.frozen
class SlaBreach:
    """An open emergency visit past its deadline: how late, and the reactions that escalate
    it (to the head of the service department and to the client's manager)."""

    visit: Visit
    contract: ServiceContract
    deadline: datetime
    late_by: timedelta
    reactions: tuple[Reaction, ...]


_Record = TypeVar("_Record", ServiceContract, Client)


def _by_id(values: Iterable[_Record] | Mapping[str, _Record]) -> Mapping[str, _Record]:
    if isinstance(values, Mapping):
        return values
    return {value.id: value for value in values}


def sla_breaches(
    visits: Iterable[Visit],
    *,
    contracts: Iterable[ServiceContract] | Mapping[str, ServiceContract],
    clients: Iterable[Client] | Mapping[str, Client],
    staff: StaffDirectory,
    now: datetime,
    calendar: WorkCalendar,
    tz: str | tzinfo,
    policy: VisitPolicy,
) -> tuple[SlaBreach, ...]:
    """Every emergency visit neither done nor cancelled whose :func:`emergency_deadline` is
    at or before ``now``, most overdue first.

    Each comes with task reactions due ``policy.escalation_delay`` after ``now``: one for the
    head of ``policy.service_department`` (the department itself when it has no head) and one
    for the client's manager (``policy.client_department`` when the card names none); one
    only when that is the same person. Their ids come from :func:`escalation_reaction_id`, so
    running this again finds the same reactions, not new ones. A visit whose contract or
    client is not given raises :class:`~clientops.errors.NotFoundError`.
    """
    raise_errors(aware_errors("now", now), "sla check")
    zone = time_zone(tz, "tz")
    by_contract = _by_id(contracts)
    by_client = _by_id(clients)
    texts = policy.texts
    found: list[SlaBreach] = []
    for visit in visits:
        if visit.kind is not VisitKind.EMERGENCY or not visit.open:
            continue
        contract = by_contract.get(visit.contract_id)
        if contract is None:
            raise NotFoundError("service contract", visit.contract_id)
        last, deadline = _deadline(visit.requested_at, contract, calendar, zone, policy)
        if now < deadline:
            continue
        client = by_client.get(visit.client_id)
        if client is None:
            raise NotFoundError("client", visit.client_id)
        fill = {
            "client": client.name,
            "contract": contract.number,
            "requested": _dt(visit.requested_at.astimezone(zone)),
            "deadline": _d(last)
            if policy.emergency_deadline_time is None
            else _dt(deadline.astimezone(zone)),
            "problem": visit.problem,
        }
        head = staff.head_of(policy.service_department)
        targets: list[tuple[str, str, EmployeeId | None, DepartmentId | None]] = [
            (
                "head",
                texts.escalation_head.format(**fill),
                head.id if head is not None else None,
                None if head is not None else policy.service_department,
            )
        ]
        manager = client.manager_id
        if manager is None or head is None or manager != head.id:
            targets.append(
                (
                    "manager",
                    texts.escalation_manager.format(**fill),
                    manager,
                    None if manager is not None else policy.client_department,
                )
            )
        reactions = tuple(
            Reaction(
                id=escalation_reaction_id(visit.id, recipient),
                appeal_id=visit_appeal_id(visit.id),
                client_id=visit.client_id,
                kind=ReactionKind.TASK,
                topic=topic,
                due_at=now + policy.escalation_delay,
                created_at=now,
                department_id=department,
                employee_id=employee,
            )
            for recipient, topic, employee, department in targets
        )
        found.append(SlaBreach(visit, contract, deadline, now - deadline, reactions))
    return tuple(sorted(found, key=lambda b: (b.deadline, b.visit.id)))


# --------------------------------------------------------------------------- visit steps


def _check_step(now: datetime, by: str, last: datetime, note: str = "") -> list[FieldError]:
    errors = aware_errors("now", now) + string_errors("by", by)
    errors += string_errors("note", note, required=False)
    if not errors and now < last:
        errors.append(FieldError("now", f"{now.isoformat()} is before the last event"))
    return errors


def _row(table: tuple[StatusChange[VisitStatus], ...], action: str) -> StatusChange[VisitStatus]:
    return next(row for row in table if row.action == action)


def visit_allowed_actions(visit: Visit) -> tuple[str, ...]:
    """The actions :data:`~clientops.service_visits.VISIT_TRANSITIONS` allows now."""
    return tuple(row.action for row in VISIT_TRANSITIONS if row.target(visit.status) is not None)


def _visit_target(visit: Visit, action: str) -> VisitStatus:
    target = _row(VISIT_TRANSITIONS, action).target(visit.status)
    if target is None:
        raise TransitionError(
            f"visit {visit.id}",
            current=visit.status.value,
            attempted=action,
            allowed=visit_allowed_actions(visit),
        )
    return target


def _visit_step(
    visit: Visit,
    action: str,
    *,
    now: datetime,
    by: EmployeeId,
    note: str = "",
    errors: list[FieldError] | None = None,
    **changes: Any,
) -> Visit:
    target = _visit_target(visit, action)
    found = _check_step(now, by, visit.history[-1].at, note) + (errors or [])
    raise_errors(found, f"visit {visit.id}")
    event = VisitStep(target, now, by, action, note)
    return attrs.evolve(visit, status=target, history=(*visit.history, event), **changes)


def request_emergency_visit(
    *,
    id: VisitId,
    contract: ServiceContract,
    requested_at: datetime,
    problem: str,
    by: EmployeeId,
) -> Visit:
    """A new emergency visit: the client reported ``problem`` at ``requested_at``."""
    errors = string_errors("problem", problem) + string_errors("by", by)
    errors += aware_errors("requested_at", requested_at)
    raise_errors(errors, "emergency visit")
    event = VisitStep(VisitStatus.NEW, requested_at, by, "request", problem.strip())
    return Visit(
        id=id,
        contract_id=contract.id,
        client_id=contract.client_id,
        kind=VisitKind.EMERGENCY,
        status=VisitStatus.NEW,
        requested_at=requested_at,
        history=(event,),
        problem=problem.strip(),
    )


def scheduled_visit_id(contract_id: ServiceContractId, original: date) -> VisitId:
    """The id of the scheduled visit of a contract on a rule day, the same every time.

    >>> scheduled_visit_id(ServiceContractId("sc1"), date(2026, 1, 15))
    'sc1-2026-01-15'
    """
    return VisitId(f"{contract_id}-{original.isoformat()}")


def scheduled_visit(
    occurrence: VisitOccurrence,
    *,
    contract: ServiceContract,
    now: datetime,
    by: EmployeeId,
    id: VisitId | None = None,
) -> Visit:
    """The visit of one of :func:`scheduled_visits`, put on the plan at ``now`` for its day,
    with no engineer yet (:func:`plan_visit` sets one). Its id is
    :func:`scheduled_visit_id` unless given."""
    errors = aware_errors("now", now) + string_errors("by", by)
    if occurrence.contract_id != contract.id:
        errors.append(
            FieldError(
                "occurrence", f"is of contract {occurrence.contract_id!r}, not {contract.id!r}"
            )
        )
    raise_errors(errors, "scheduled visit")
    note = ", ".join(d.isoformat() for d in occurrence.merged)
    return Visit(
        id=id or scheduled_visit_id(contract.id, occurrence.original),
        contract_id=contract.id,
        client_id=contract.client_id,
        kind=VisitKind.SCHEDULED,
        status=VisitStatus.NEW,
        requested_at=now,
        history=(VisitStep(VisitStatus.NEW, now, by, "put_on_plan", note),),
        planned_on=occurrence.day,
        occurrence=occurrence.original,
    )


def plan_visit(
    visit: Visit,
    *,
    engineer: EmployeeId,
    now: datetime,
    by: EmployeeId,
    policy: VisitPolicy,
    calendar: WorkCalendar,
    day: date | None = None,
    note: str = "",
) -> Visit:
    """Set the engineer and the day (``day``, else the day already planned) of a new or
    planned visit. A non-working day is moved or refused by :func:`resolve_day`."""
    target_day = day if day is not None else visit.planned_on
    errors = string_errors("engineer", engineer)
    if target_day is None:
        errors.append(FieldError("day", "required: the visit has no day yet"))
    _visit_target(visit, "plan")
    raise_errors(errors, f"visit {visit.id}")
    assert target_day is not None
    resolved = resolve_day(target_day, policy=policy, calendar=calendar)
    return _visit_step(
        visit, "plan", now=now, by=by, note=note, planned_on=resolved, engineer_id=engineer
    )


def _currency_errors(visit: Visit, parts: Iterable[tuple[str, Part]]) -> list[FieldError]:
    """Parts must be Part values, all in the currency of the visit's parts."""
    errors: list[FieldError] = []
    currency = visit.parts[0].unit_price.currency if visit.parts else None
    for path, part in parts:
        if not isinstance(part, Part):
            errors.append(FieldError(path, f"{part!r} is not a Part"))
            continue
        currency = currency or part.unit_price.currency
        if part.unit_price.currency != currency:
            errors.append(
                FieldError(
                    f"{path}.unit_price",
                    f"is in {part.unit_price.currency}, the visit's parts in {currency}",
                )
            )
    return errors


def add_part(visit: Visit, part: Part, *, now: datetime, by: EmployeeId, note: str = "") -> Visit:
    """Record a part bought for the visit under the contract (before the visit is done)."""
    errors = _currency_errors(visit, [("part", part)])
    return _visit_step(
        visit, "add_part", now=now, by=by, note=note, errors=errors, parts=(*visit.parts, part)
    )


def complete_visit(
    visit: Visit,
    *,
    works: tuple[str, ...],
    done_at: datetime,
    by: EmployeeId,
    parts: tuple[Part, ...] = (),
    note: str = "",
) -> Visit:
    """The visit is done at ``done_at``: ``works`` describes each piece of work (for the act),
    ``parts`` adds parts bought on the spot."""
    errors: list[FieldError] = []
    if not isinstance(works, tuple) or not works:
        errors.append(FieldError("works", "describe the work done (a tuple of lines)"))
    else:
        for i, line in enumerate(works):
            errors += string_errors(f"works[{i}]", line)
    if not isinstance(parts, tuple):
        errors.append(FieldError("parts", "must be a tuple of Part"))
    else:
        errors += _currency_errors(visit, [(f"parts[{i}]", p) for i, p in enumerate(parts)])
    return _visit_step(
        visit,
        "complete",
        now=done_at,
        by=by,
        note=note,
        errors=errors,
        works=tuple(w.strip() for w in works) if not errors else (),
        parts=(*visit.parts, *parts) if not errors else visit.parts,
        done_at=done_at,
    )


def cancel_visit(visit: Visit, *, reason: str, now: datetime, by: EmployeeId) -> Visit:
    """Cancel a visit that is not done, saying why."""
    errors = string_errors("reason", reason)
    _visit_target(visit, "cancel")
    raise_errors(errors, f"visit {visit.id}")
    return _visit_step(visit, "cancel", now=now, by=by, note=reason.strip())


# --------------------------------------------------------------------------- the act


def visit_act(
    visit: Visit,
    *,
    contract: ServiceContract,
    client: Client,
    staff: StaffDirectory,
    number: str,
    tz: str | tzinfo,
) -> VisitAct:
    """The act of a done visit, numbered ``number`` (the shell's own numbering), dated the
    day it was done in ``tz``, naming the engineer by full name. A visit not done raises
    :class:`~clientops.errors.TransitionError`; a contract or client not the visit's, a
    :class:`~clientops.errors.ValidationError`; an engineer not in ``staff``,
    :class:`~clientops.errors.NotFoundError`."""
    if visit.status is not VisitStatus.DONE:
        raise TransitionError(
            f"visit {visit.id}",
            current=visit.status.value,
            attempted="visit_act",
            allowed=visit_allowed_actions(visit),
            reason="the visit is not done yet",
        )
    errors: list[FieldError] = []
    if contract.id != visit.contract_id:
        errors.append(
            FieldError("contract", f"is {contract.id!r}, the visit's {visit.contract_id!r}")
        )
    if client.id != visit.client_id:
        errors.append(FieldError("client", f"is {client.id!r}, the visit's {visit.client_id!r}"))
    raise_errors(errors, "visit act")
    assert visit.engineer_id is not None
    assert visit.done_at is not None
    engineer = staff.employee(visit.engineer_id)
    if engineer is None:
        raise NotFoundError("employee", visit.engineer_id)
    return VisitAct(
        number=number,
        day=visit.done_at.astimezone(time_zone(tz, "tz")).date(),
        client_id=client.id,
        client_name=client.name,
        contract_number=contract.number,
        kind=visit.kind,
        engineer=engineer.full_name,
        works=visit.works,
        parts=visit.parts,
        address=contract.address,
        problem=visit.problem,
    )


# --------------------------------------------------------------------------- trainings


def training_allowed_actions(training: Training) -> tuple[str, ...]:
    """The actions :data:`~clientops.service_visits.TRAINING_TRANSITIONS` allows now."""
    return tuple(
        row.action for row in TRAINING_TRANSITIONS if row.target(training.status) is not None
    )


def _training_step(
    training: Training,
    action: str,
    *,
    now: datetime,
    by: EmployeeId,
    note: str = "",
    errors: list[FieldError] | None = None,
    reason: str | None = None,
    **changes: Any,
) -> Training:
    row = next(r for r in TRAINING_TRANSITIONS if r.action == action)
    target = row.target(training.status)
    if target is None or reason is not None:
        raise TransitionError(
            f"training {training.id}",
            current=training.status.value,
            attempted=action,
            allowed=training_allowed_actions(training),
            reason=reason or "",
        )
    found = _check_step(now, by, training.history[-1].at, note) + (errors or [])
    raise_errors(found, f"training {training.id}")
    event = TrainingStep(target, now, by, action, note)
    return attrs.evolve(training, status=target, history=(*training.history, event), **changes)


def new_training(
    *,
    id: TrainingId,
    client_id: ClientId,
    manager_id: EmployeeId,
    now: datetime,
    by: EmployeeId,
    policy: VisitPolicy,
    topic: str | None = None,
) -> Training:
    """A training to agree with a new client (``policy.texts.default_training_topic`` unless
    ``topic`` is given)."""
    errors = aware_errors("now", now) + string_errors("by", by)
    raise_errors(errors, "training")
    return Training(
        id=id,
        client_id=client_id,
        manager_id=manager_id,
        topic=topic if topic is not None else policy.texts.default_training_topic,
        status=TrainingStatus.TO_AGREE,
        history=(TrainingStep(TrainingStatus.TO_AGREE, now, by, "open"),),
    )


def _future_errors(path: str, when: object, now: datetime) -> list[FieldError]:
    errors = aware_errors(path, when)
    if not errors and isinstance(when, datetime) and when <= now and not aware_errors("now", now):
        errors.append(FieldError(path, f"{when.isoformat()} is not after now"))
    return errors


def schedule_training(
    training: Training,
    *,
    starts_at: datetime,
    now: datetime,
    by: EmployeeId,
    duration: timedelta | None = None,
    note: str = "",
) -> Training:
    """The date and time agreed with the client (in the future); ``duration`` when agreed."""
    errors = _future_errors("starts_at", starts_at, now)
    if duration is not None and (not isinstance(duration, timedelta) or duration <= timedelta(0)):
        errors.append(FieldError("duration", "must be a positive timedelta"))
    return _training_step(
        training,
        "schedule",
        now=now,
        by=by,
        note=note,
        errors=errors,
        starts_at=starts_at,
        duration=duration,
    )


def reschedule_training(
    training: Training, *, starts_at: datetime, reason: str, now: datetime, by: EmployeeId
) -> Training:
    """Move the training to ``starts_at`` (in the future, not the time already agreed); the
    move, with ``reason``, is kept in ``reschedules``."""
    errors = _future_errors("starts_at", starts_at, now) + string_errors("reason", reason)
    previous = training.starts_at
    if not errors and previous is not None and starts_at == previous:
        errors.append(FieldError("starts_at", "is the time already agreed"))
    moves = training.reschedules
    if previous is not None and not errors:
        moves = (*moves, Reschedule(previous, starts_at, now, by, reason.strip()))
    return _training_step(
        training,
        "reschedule",
        now=now,
        by=by,
        note=reason.strip() if isinstance(reason, str) else "",
        errors=errors,
        starts_at=starts_at,
        reschedules=moves,
    )


def hold_training(training: Training, *, now: datetime, by: EmployeeId, note: str = "") -> Training:
    """The training took place (not before its agreed time)."""
    reason = None
    starts = training.starts_at
    scheduled = training.status is TrainingStatus.SCHEDULED and starts is not None
    if scheduled and starts is not None and not aware_errors("now", now) and now < starts:
        reason = f"it is agreed for {starts.isoformat()}"
    return _training_step(training, "hold", now=now, by=by, note=note, reason=reason, held_at=now)


def collect_feedback(
    training: Training, *, text: str, now: datetime, by: EmployeeId, rating: int | None = None
) -> Training:
    """The client's feedback after the training (``rating`` 1–5 when given)."""
    errors = string_errors("text", text)
    feedback = None
    if not errors and not aware_errors("now", now):
        try:
            feedback = Feedback(text.strip(), now, rating)
        except ValidationError as exc:
            errors += list(exc.errors)
    return _training_step(
        training, "collect_feedback", now=now, by=by, errors=errors, feedback=feedback
    )


def send_recording(training: Training, *, url: str, now: datetime, by: EmployeeId) -> Training:
    """The recording of the training is sent to the client (``url``, the link sent)."""
    errors = string_errors("url", url)
    return _training_step(
        training,
        "send_recording",
        now=now,
        by=by,
        errors=errors,
        recording_url=url.strip() if not errors else None,
        recording_sent_at=now,
    )


def record_facts(
    training: Training, facts: TechFacts, *, now: datetime, by: EmployeeId
) -> Training:
    """Put what was found out for tech support (the fields of ``facts`` that are not
    ``None``) over what is known."""
    errors: list[FieldError] = []
    if not isinstance(facts, TechFacts):
        errors.append(FieldError("facts", "must be TechFacts"))
    merged = training.facts.updated(facts) if not errors else training.facts
    return _training_step(training, "record_facts", now=now, by=by, errors=errors, facts=merged)


def cancel_training(training: Training, *, reason: str, now: datetime, by: EmployeeId) -> Training:
    """Cancel a training not held yet, saying why."""
    errors = string_errors("reason", reason)
    note = reason.strip() if not errors else ""
    return _training_step(training, "cancel", now=now, by=by, note=note, errors=errors)


def training_event(
    training: Training,
    *,
    client: Client,
    policy: VisitPolicy,
    tz: str | tzinfo = "Europe/Moscow",
    calendar_policy: CalendarPolicy | None = None,
) -> CalendarEntry | None:
    """The calendar event of a scheduled training, ``None`` while no time is agreed or once
    it is cancelled. The UID is ``stable_uid("training", training.id, …)`` and ``sequence``
    counts the reschedules, so a moved training updates its event."""
    if training.starts_at is None or training.status is TrainingStatus.CANCELLED:
        return None
    cal = calendar_policy or CalendarPolicy()
    return CalendarEntry(
        uid=stable_uid("training", training.id, cal.uid_domain),
        start=training.starts_at.astimezone(time_zone(tz, "tz")),
        summary=policy.texts.training_event.format(client=client.name, topic=training.topic),
        duration=training.duration or policy.training_duration,
        alarm_before=cal.alarm_before,
        sequence=len(training.reschedules),
    )
