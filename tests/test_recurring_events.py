"""Recurring maintenance in the calendar: one recurring event (RRULE), a moved visit as an
override of its occurrence (same UID, RECURRENCE-ID), a rule day merged into another visit as
an EXDATE. Every .ics is expanded twice, by vobject (its own parser, dateutil's ``tzical`` for
the VTIMEZONE, its ``rruleset``) and by icalendar with python-dateutil's ``rrulestr``, and both
must give the same occurrences at the same instants as :func:`scheduled_visits`."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import icalendar
import pytest
from dateutil import rrule as dateutil_rrule
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._vcal import read_vcalendar

from clientops import ValidationError
from clientops.calendar import CalendarEntry, CalendarPolicy, Frequency, Recurrence
from clientops.ics import to_ics
from clientops.model import ClientId, EmployeeId
from clientops.rules.service_visits import (
    VisitSeries,
    new_training,
    recurring_visit_series,
    schedule_training,
    scheduled_visits,
    training_event,
)
from clientops.service_visits import (
    MaintenanceRecurrence,
    NonWorkingDay,
    ServiceContract,
    ServiceContractId,
    TrainingId,
    VisitPolicy,
)
from clientops.testing import a_client
from clientops.workdays import FixedCalendar, WorkCalendar, russian_calendar

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
CAL = russian_calendar()
POLICY = VisitPolicy()
NOW = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
CLIENT = a_client(id=ClientId("c1"), name="ООО «Ромашка»")
D = date


def a_contract(**fields: Any) -> ServiceContract:
    values: dict[str, Any] = {
        "id": ServiceContractId("sc1"),
        "client_id": CLIENT.id,
        "number": "СО-12/25",
        "starts_on": D(2025, 12, 1),
        "emergency_response_days": 2,
        "maintenance": MaintenanceRecurrence.monthly(day=15),
        "address": "Омск, ул. Ленина, 1",
    }
    values.update(fields)
    return ServiceContract(**values)


def series(contract: ServiceContract, through: date, **kw: Any) -> VisitSeries:
    args: dict[str, Any] = {"client": CLIENT, "policy": POLICY, "calendar": CAL}
    args.update(kw)
    return recurring_visit_series(contract, through=through, **args)


# ----------------------------------------------------------------------------- the two readers

Instant = datetime | date


def _utc(value: Instant) -> Instant:
    if isinstance(value, datetime):
        assert value.utcoffset() is not None, f"{value!r} read back as a floating time"
        return value.astimezone(UTC)
    return value


def expand_vobject(data: bytes, uid: str, limit: Instant) -> list[Instant]:
    """The occurrences of the series ``uid`` whose rule instant is at most ``limit``, as
    vobject reads them: its rruleset (RRULE minus EXDATE), each occurrence replaced by the
    override whose RECURRENCE-ID names it."""
    cal = read_vcalendar(data)
    events = [e for e in cal.vevent_list if e.uid.value == uid]
    (master,) = [e for e in events if not hasattr(e, "recurrence_id")]
    moved = {
        _utc(e.recurrence_id.value): _utc(e.dtstart.value)
        for e in events
        if hasattr(e, "recurrence_id")
    }
    all_day = not isinstance(master.dtstart.value, datetime)
    found: list[Instant] = []
    for when in master.getrruleset(addRDate=True):
        instant = when.date() if all_day else _utc(when)
        if instant > limit:
            break
        found.append(moved.pop(instant, instant))
    assert all(rid > limit for rid in moved), f"overrides of no occurrence: {moved}"
    return sorted(found)


def expand_icalendar(data: bytes, uid: str, limit: Instant) -> list[Instant]:
    """The same with icalendar for the parsing and python-dateutil for the rule."""
    cal = icalendar.Calendar.from_ical(data)
    events = [e for e in cal.walk("VEVENT") if str(e["UID"]) == uid]
    (master,) = [e for e in events if "RECURRENCE-ID" not in e]
    moved = {_utc(e["RECURRENCE-ID"].dt): _utc(e["DTSTART"].dt) for e in events if e is not master}
    start = master["DTSTART"].dt
    all_day = not isinstance(start, datetime)
    if all_day:
        start = datetime.combine(start, time(0))
    rules = dateutil_rrule.rruleset()
    rules.rrule(dateutil_rrule.rrulestr(master["RRULE"].to_ical().decode(), dtstart=start))
    exdates = master.get("EXDATE", [])
    for line in exdates if isinstance(exdates, list) else [exdates]:
        for value in line.dts:
            rules.exdate(datetime.combine(value.dt, time(0)) if all_day else value.dt)
    found: list[Instant] = []
    for when in rules:
        instant = when.date() if all_day else _utc(when)
        if instant > limit:
            break
        found.append(moved.pop(instant, instant))
    assert all(rid > limit for rid in moved), f"overrides of no occurrence: {moved}"
    return sorted(found)


def read_both(data: bytes, uid: str, limit: Instant) -> list[Instant]:
    a, b = expand_vobject(data, uid, limit), expand_icalendar(data, uid, limit)
    assert a == b
    return a


def expected(
    contract: ServiceContract,
    limit: date,
    *,
    policy: VisitPolicy = POLICY,
    calendar: WorkCalendar = CAL,
    zone: ZoneInfo = MSK,
) -> list[Instant]:
    """The visits of :func:`scheduled_visits` up to ``limit`` at the visit time, in UTC."""
    at = contract.visit_time or policy.visit_time
    first = contract.first_maintenance
    assert first is not None
    visits = scheduled_visits(contract, first, limit, policy=policy, calendar=calendar)
    return [datetime.combine(v.day, at, tzinfo=zone).astimezone(UTC) for v in visits]


def msk_days(instants: list[Instant]) -> list[date]:
    return [i.astimezone(MSK).date() for i in instants if isinstance(i, datetime)]


def limit_of(day: date, zone: ZoneInfo = MSK) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=zone).astimezone(UTC)


# ----------------------------------------------------------------------------- one event


def test_recurring_maintenance_is_one_event_with_an_rrule_not_copies() -> None:
    every_day_works = FixedCalendar(weekend=())
    contract = a_contract(maintenance=MaintenanceRecurrence.every_weeks(2))
    events = series(contract, D(2027, 12, 31), calendar=every_day_works).entries
    data = to_ics(events, now=NOW)
    assert data.count(b"BEGIN:VEVENT") == 1
    text = data.decode()
    assert "RRULE:FREQ=WEEKLY;INTERVAL=2\r\n" in text
    assert "DTSTART;TZID=Europe/Moscow:20251201T100000\r\n" in text
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Moscow\r\n" in text
    assert "EXDATE" not in text
    assert "RECURRENCE-ID" not in text
    got = read_both(data, events[0].uid, limit_of(D(2026, 3, 1)))
    assert msk_days(got) == [D(2025, 12, 1) + timedelta(weeks=2 * n) for n in range(7)]
    assert got[0] == datetime(2025, 12, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "rrule"),
    [
        (MaintenanceRecurrence.every_weeks(2), "FREQ=WEEKLY;INTERVAL=2"),
        (MaintenanceRecurrence.monthly(day=15), "FREQ=MONTHLY;BYMONTHDAY=15"),
        (MaintenanceRecurrence.quarterly(day=15), "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=15"),
        (MaintenanceRecurrence.monthly(day=-1), "FREQ=MONTHLY;BYMONTHDAY=-1"),
    ],
)
def test_the_rrule_of_each_kind_of_contract(rule: MaintenanceRecurrence, rrule: str) -> None:
    master = series(a_contract(maintenance=rule), D(2026, 12, 31)).master
    text = to_ics([master], now=NOW).decode()
    assert f"RRULE:{rrule}\r\n" in text


# ----------------------------------------------------------------------------- moves, read back


BACK = VisitPolicy(non_working_day=NonWorkingDay.PREVIOUS_WORKING_DAY)
CASES: dict[str, tuple[ServiceContract, date, VisitPolicy, list[date]]] = {
    # every two weeks across a month end and the year end: 31 December 2025 is off, and so is
    # the New Year fortnight; the visit of 31 December moves to Monday 12 January
    "biweekly": (
        a_contract(starts_on=D(2025, 12, 3), maintenance=MaintenanceRecurrence.every_weeks(2)),
        D(2026, 3, 1),
        POLICY,
        [
            D(2025, 12, 3),
            D(2025, 12, 17),
            D(2026, 1, 12),
            D(2026, 1, 14),
            D(2026, 1, 28),
            D(2026, 2, 11),
            D(2026, 2, 25),
        ],
    ),
    # monthly on the 9th: New Year, 9 March (8 March on a Sunday), Victory Day
    "monthly": (
        a_contract(starts_on=D(2025, 12, 1), maintenance=MaintenanceRecurrence.monthly(day=9)),
        D(2026, 6, 30),
        POLICY,
        [
            D(2025, 12, 9),
            D(2026, 1, 12),
            D(2026, 2, 9),
            D(2026, 3, 10),
            D(2026, 4, 9),
            D(2026, 5, 12),
            D(2026, 6, 9),
        ],
    ),
    # quarterly on the 15th across the year end, weekends moved to Monday
    "quarterly": (
        a_contract(starts_on=D(2025, 11, 1), maintenance=MaintenanceRecurrence.quarterly(day=15)),
        D(2026, 12, 31),
        POLICY,
        [D(2025, 11, 17), D(2026, 2, 16), D(2026, 5, 15), D(2026, 8, 17), D(2026, 11, 16)],
    ),
    # the last day of the month, moved back when the policy says so: 31 December 2025 and
    # 2026 are off, 31 January 2026 is a Saturday, 31 May a Sunday
    "last day, back": (
        a_contract(starts_on=D(2025, 12, 1), maintenance=MaintenanceRecurrence.monthly(day=-1)),
        D(2027, 1, 31),
        BACK,
        [
            D(2025, 12, 30),
            D(2026, 1, 30),
            D(2026, 2, 27),
            D(2026, 3, 31),
            D(2026, 4, 30),
            D(2026, 5, 29),
            D(2026, 6, 30),
            D(2026, 7, 31),
            D(2026, 8, 31),
            D(2026, 9, 30),
            D(2026, 10, 30),
            D(2026, 11, 30),
            D(2026, 12, 30),
            D(2027, 1, 29),
        ],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_moved_visits_read_back_the_same_in_both_parsers(name: str) -> None:
    contract, limit, policy, days = CASES[name]
    made = series(contract, limit + timedelta(days=60), policy=policy)
    data = to_ics(made.entries, now=NOW)
    got = read_both(data, made.master.uid, limit_of(limit))
    assert got == expected(contract, limit, policy=policy)
    assert msk_days(got) == days
    assert all(g.astimezone(MSK).time() == time(10, 0) for g in got if isinstance(g, datetime))
    # one VEVENT for the series and one per moved visit, all with its UID
    visits = scheduled_visits(
        contract, D(2025, 1, 1), limit + timedelta(days=60), policy=policy, calendar=CAL
    )
    moved = sum(1 for v in visits if v.moved)
    assert data.count(b"BEGIN:VEVENT") == 1 + moved == len(made.entries)
    assert {e.uid for e in made.entries} == {"maintenance-sc1@clientops.invalid"}


def test_an_override_says_where_the_visit_went_and_why() -> None:
    contract = a_contract(
        starts_on=D(2025, 12, 1), maintenance=MaintenanceRecurrence.monthly(day=9)
    )
    made = series(contract, D(2026, 3, 31))
    assert [(o.recurrence_id, o.start) for o in made.overrides] == [
        (datetime(2026, 1, 9, 10, tzinfo=MSK), datetime(2026, 1, 12, 10, tzinfo=MSK)),
        (datetime(2026, 3, 9, 10, tzinfo=MSK), datetime(2026, 3, 10, 10, tzinfo=MSK)),
    ]
    text = to_ics(made.entries, now=NOW).decode().replace("\r\n ", "")
    assert "RECURRENCE-ID;TZID=Europe/Moscow:20260109T100000\r\n" in text
    assert "DTSTART;TZID=Europe/Moscow:20260112T100000\r\n" in text
    assert "Перенесено с 09.01.2026: нерабочий день" in text
    assert made.master.summary == "Сервисное обслуживание: ООО «Ромашка» (договор № СО-12/25)"
    assert (
        made.master.description
        == "Регламентный выезд по договору № СО-12/25: ежемесячно, 9-го числа"
    )
    assert made.master.location == "Омск, ул. Ленина, 1"
    vevents = read_vcalendar(text.encode()).vevent_list
    # the calendar sets the summary as printed text: a no-break space after «№»
    summary = "Сервисное обслуживание: ООО «Ромашка» (договор №\xa0СО-12/25)"
    assert all(e.summary.value == summary for e in vevents)


def test_rule_days_merged_into_one_visit_are_exdates() -> None:
    thursdays = a_contract(
        starts_on=D(2025, 12, 18), maintenance=MaintenanceRecurrence.every_weeks()
    )
    made = series(thursdays, D(2026, 2, 1))
    assert made.master.recurrence is not None
    assert made.master.recurrence.exdates == (datetime(2026, 1, 8, 10, tzinfo=MSK),)
    data = to_ics(made.entries, now=NOW)
    assert b"EXDATE;TZID=Europe/Moscow:20260108T100000\r\n" in data
    got = read_both(data, made.master.uid, limit_of(D(2026, 1, 22)))
    assert msk_days(got) == [
        D(2025, 12, 18),
        D(2025, 12, 25),
        D(2026, 1, 12),
        D(2026, 1, 15),
        D(2026, 1, 22),
    ]


def test_a_rule_day_merged_into_a_visit_after_through_is_still_left_out() -> None:
    """Monday 5 January is off and joins the visit of Monday 12 January, its own rule day,
    after ``through``: the holiday must not stay in the calendar."""
    mondays = a_contract(starts_on=D(2025, 12, 29), maintenance=MaintenanceRecurrence.every_weeks())
    made = series(mondays, D(2026, 1, 8))
    assert made.overrides == ()
    assert made.master.recurrence is not None
    assert made.master.recurrence.exdates == (datetime(2026, 1, 5, 10, tzinfo=MSK),)
    data = to_ics(made.entries, now=NOW)
    got = read_both(data, made.master.uid, limit_of(D(2026, 1, 19)))
    assert msk_days(got) == [D(2025, 12, 29), D(2026, 1, 12), D(2026, 1, 19)]


def test_a_contract_end_is_the_until_of_the_rule() -> None:
    contract = a_contract(
        starts_on=D(2025, 11, 1),
        ends_on=D(2026, 5, 15),
        maintenance=MaintenanceRecurrence.quarterly(day=15),
    )
    made = series(contract, D(2026, 12, 31))
    data = to_ics(made.entries, now=NOW)
    assert b"RRULE:FREQ=MONTHLY;INTERVAL=3;UNTIL=20260515T205959Z;BYMONTHDAY=15\r\n" in data
    got = read_both(data, made.master.uid, datetime(2100, 1, 1, tzinfo=UTC))
    assert msk_days(got) == [D(2025, 11, 17), D(2026, 2, 16), D(2026, 5, 15)]


def test_the_contracts_own_visit_time_and_a_dst_zone() -> None:
    """In Berlin the wall time stays 09:30 across the change to summer time; a holiday of the
    company's own calendar on the Monday after it moves that visit, and both parsers put every
    visit at the same instant."""
    shop = FixedCalendar(holidays={D(2026, 3, 30)}, name="Berlin office")
    contract = a_contract(
        starts_on=D(2026, 3, 16),
        visit_time=time(9, 30),
        maintenance=MaintenanceRecurrence.every_weeks(),
    )
    made = series(contract, D(2026, 4, 30), calendar=shop, tz=BERLIN)
    data = to_ics(made.entries, now=NOW)
    assert b"BEGIN:DAYLIGHT" in data
    got = read_both(data, made.master.uid, limit_of(D(2026, 4, 13), BERLIN))
    assert got == expected(contract, D(2026, 4, 13), calendar=shop, zone=BERLIN)
    assert [g.astimezone(UTC).hour for g in got if isinstance(g, datetime)] == [8, 8, 7, 7, 7]
    assert [g.astimezone(BERLIN).date() for g in got if isinstance(g, datetime)] == [
        D(2026, 3, 16),
        D(2026, 3, 23),
        D(2026, 3, 31),
        D(2026, 4, 6),
        D(2026, 4, 13),
    ]


def test_re_exporting_later_keeps_the_uid_and_adds_the_new_moves() -> None:
    contract = a_contract(
        starts_on=D(2025, 12, 1), maintenance=MaintenanceRecurrence.monthly(day=9)
    )
    first = series(contract, D(2026, 1, 31))
    later = series(attrs.evolve(contract, version=1), D(2026, 6, 30))
    assert first.master.uid == later.master.uid
    assert later.master.sequence == 1
    assert [o.recurrence_id for o in first.overrides] == [o.recurrence_id for o in later.overrides][
        :1
    ]
    assert len(later.overrides) == 3


def test_refusing_non_working_days_refuses_the_calendar_too() -> None:
    policy = VisitPolicy(non_working_day=NonWorkingDay.REFUSE)
    contract = a_contract(starts_on=D(2026, 2, 1), maintenance=MaintenanceRecurrence.monthly(day=9))
    with pytest.raises(ValidationError) as info:
        series(contract, D(2026, 12, 31), policy=policy)
    assert "2026-03-09 (пн)" in str(info.value)
    # up to a day before the first refused one, it is fine and needs no override
    made = series(contract, D(2026, 3, 8), policy=policy)
    assert made.overrides == ()


def test_a_contract_without_maintenance_or_of_another_client_has_no_series() -> None:
    with pytest.raises(ValidationError) as info:
        series(a_contract(maintenance=None), D(2026, 12, 31))
    assert info.value.paths == ("maintenance",)
    with pytest.raises(ValidationError) as info:
        series(a_contract(), D(2026, 12, 31), client=a_client(id=ClientId("c2")))
    assert info.value.paths == ("client",)


def test_the_uid_domain_and_alarm_come_from_the_calendar_policy() -> None:
    cal = CalendarPolicy(uid_domain="romashka-service.ru", alarm_before=timedelta(hours=1))
    made = series(a_contract(starts_on=D(2026, 1, 1)), D(2026, 3, 31), calendar_policy=cal)
    assert {e.uid for e in made.entries} == {"maintenance-sc1@romashka-service.ru"}
    assert {e.alarm_before for e in made.entries} == {timedelta(hours=1)}


# ----------------------------------------------------------------------------- the rule alone


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2030, 12, 31)),
    kind=st.sampled_from(["weekly", "monthly", "quarterly"]),
    interval=st.integers(min_value=1, max_value=4),
    day=st.sampled_from([1, 5, 15, 28, -1]),
)
def test_our_rule_days_are_the_rrule_days_of_dateutil(
    start: date, kind: str, interval: int, day: int
) -> None:
    rule = {
        "weekly": MaintenanceRecurrence.every_weeks(interval),
        "monthly": MaintenanceRecurrence.monthly(day, months=interval),
        "quarterly": MaintenanceRecurrence.quarterly(day),
    }[kind]
    first = rule.first_on_or_after(start)
    dtstart = datetime.combine(first, time(10))
    theirs = [
        d.date() for d in itertools.islice(dateutil_rrule.rrulestr(rule.rrule, dtstart=dtstart), 30)
    ]
    ours = list(rule.dates(first, first, theirs[-1]))
    assert ours == theirs
    # and a window in the middle of the series
    assert list(rule.dates(first, theirs[10], theirs[20])) == theirs[10:21]


# ----------------------------------------------------------------------------- RECURRENCE-ID


def test_an_all_day_override_reads_back_in_both_parsers() -> None:
    master = CalendarEntry(
        uid="invoices@example.ru",
        start=D(2026, 1, 15),
        summary="Выставить счета",
        alarm_before=None,
        recurrence=Recurrence(Frequency.MONTHLY, month_days=(15,), count=4),
    )
    moved = attrs.evolve(
        master, start=D(2026, 2, 16), recurrence=None, recurrence_id=D(2026, 2, 15)
    )
    data = to_ics([moved, master], now=NOW)  # the order of the components does not matter
    assert b"RECURRENCE-ID;VALUE=DATE:20260215\r\n" in data
    got = read_both(data, master.uid, D(2100, 1, 1))
    assert got == [D(2026, 1, 15), D(2026, 2, 16), D(2026, 3, 15), D(2026, 4, 15)]


def test_an_override_in_utc_or_another_offset_names_the_same_instant() -> None:
    master = CalendarEntry(
        uid="weekly@example.ru",
        start=datetime(2026, 3, 2, 10, tzinfo=MSK),
        summary="Созвон",
        duration=timedelta(hours=1),
        recurrence=Recurrence(Frequency.WEEKLY, count=3),
    )
    moved = attrs.evolve(
        master,
        start=datetime(2026, 3, 10, 8, tzinfo=UTC),
        recurrence=None,
        recurrence_id=datetime(2026, 3, 9, 7, tzinfo=UTC),
    )
    data = to_ics([master, moved], now=NOW)
    assert b"RECURRENCE-ID:20260309T070000Z\r\n" in data
    got = read_both(data, master.uid, datetime(2100, 1, 1, tzinfo=UTC))
    assert got == [
        datetime(2026, 3, 2, 7, tzinfo=UTC),
        datetime(2026, 3, 10, 8, tzinfo=UTC),
        datetime(2026, 3, 16, 7, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ({"recurrence_id": D(2026, 3, 9)}, ("recurrence_id",)),
        ({"recurrence_id": datetime(2026, 3, 9, 10)}, ("recurrence_id",)),
        ({"recurrence_id": "20260309"}, ("recurrence_id",)),
        (
            {
                "recurrence_id": datetime(2026, 3, 9, 10, tzinfo=MSK),
                "recurrence": Recurrence(Frequency.DAILY),
            },
            ("recurrence",),
        ),
    ],
)
def test_a_bad_recurrence_id_is_refused(fields: dict[str, Any], paths: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as info:
        CalendarEntry(
            uid="x@example.ru", start=datetime(2026, 3, 10, 10, tzinfo=MSK), summary="x", **fields
        )
    assert info.value.paths == paths


def test_one_uid_holds_one_series_and_one_override_per_occurrence() -> None:
    master = CalendarEntry(
        uid="s@example.ru",
        start=datetime(2026, 3, 2, 10, tzinfo=MSK),
        summary="x",
        recurrence=Recurrence(Frequency.WEEKLY),
    )
    moved = attrs.evolve(
        master,
        start=datetime(2026, 3, 10, 10, tzinfo=MSK),
        recurrence=None,
        recurrence_id=datetime(2026, 3, 9, 10, tzinfo=MSK),
    )
    to_ics([master, moved], now=NOW)
    same_instant = attrs.evolve(moved, recurrence_id=datetime(2026, 3, 9, 7, tzinfo=UTC))
    with pytest.raises(ValidationError) as info:
        to_ics([master, moved, same_instant], now=NOW)
    assert info.value.paths == ("events[2].uid",)
    assert "with recurrence_id 2026-03-09 07:00:00+00:00 is also events[1]" in str(info.value)
    with pytest.raises(ValidationError) as info:
        to_ics([master, moved, master], now=NOW)
    assert info.value.paths == ("events[2].uid",)
    assert "is also the uid of events[0]" in str(info.value)


# ----------------------------------------------------------------------------- trainings


def test_a_training_event_lands_at_the_same_instant_in_both_parsers() -> None:
    now = datetime(2026, 2, 2, 10, tzinfo=MSK)
    training = schedule_training(
        new_training(
            id=TrainingId("t1"),
            client_id=CLIENT.id,
            manager_id=EmployeeId("anna"),
            now=now,
            by=EmployeeId("anna"),
            policy=POLICY,
        ),
        starts_at=datetime(2026, 2, 5, 8, tzinfo=UTC),
        now=now,
        by=EmployeeId("anna"),
    )
    event = training_event(training, client=CLIENT, policy=POLICY)
    assert event is not None
    data = to_ics([event], now=NOW)
    assert b"DTSTART;TZID=Europe/Moscow:20260205T110000\r\n" in data
    (vevent,) = read_vcalendar(data).vevent_list
    (ievent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert (
        _utc(vevent.dtstart.value)
        == _utc(ievent["DTSTART"].dt)
        == datetime(2026, 2, 5, 8, tzinfo=UTC)
    )
