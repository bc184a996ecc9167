"""Calendar export: every .ics is read back by icalendar *and* by vobject, a parser that shares
no code with icalendar (its VTIMEZONE handling is dateutil's ``tzical``), and each event must
land at the instant intended, with its text, alarm and occurrences intact."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import icalendar
import pytest
import vobject
import vobject.icalendar
from dateutil import tz as dateutil_tz
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._vcal import read_vcalendar

from clientops import EmployeeId, ReactionKind, ValidationError
from clientops._ical import escape_text, fold, format_duration, vtimezone
from clientops.calendar import (
    CalendarEntry,
    CalendarPolicy,
    CalendarTexts,
    Frequency,
    Recurrence,
    Weekday,
    event_for_reaction,
    manager_entries,
    stable_uid,
)
from clientops.ics import PRODID, to_ics, write_ics
from clientops.model import Contact, Phone
from clientops.russian import requote
from clientops.testing import a_client, a_reaction, an_appeal

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
NASTY = (
    'Клиент сказал: "Привезите <завтра> & не позже 10:00"; адрес: ул. Ленина, д. 5\\6,\n'
    "второй этаж\r\nтретья строка\rчетвёртая\tс табуляцией — «ёлки» 😀 "
) + "Очень длинный русский текст без единого перевода строки " * 5


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


# ----------------------------------------------------------------------------- the parsers


@attrs.frozen
class Read:
    """One VEVENT as a parser saw it: instants in UTC (or dates), text, alarm triggers."""

    uid: str
    start: datetime | date
    end: datetime | date | None
    summary: str
    description: str | None
    location: str | None
    categories: tuple[str, ...]
    triggers: tuple[timedelta, ...]
    sequence: int
    start_zone: str | None


def _end(start: datetime | date, duration: timedelta) -> datetime | date:
    """DTSTART + DURATION as RFC 5545 counts: days are nominal (the same wall time on a later
    day), hours, minutes and seconds exact. (Both parsers add a timedelta to the local time,
    which is wall-clock arithmetic, one hour off across a DST change.)"""
    if not isinstance(start, datetime):
        return start + duration
    wall = start + timedelta(days=duration.days)
    return wall.astimezone(UTC) + timedelta(seconds=duration.seconds)


def _instant(value: datetime | date) -> datetime | date:
    if isinstance(value, datetime):
        assert value.utcoffset() is not None, f"{value!r} read back as a floating time"
        return value.astimezone(UTC)
    return value


def read_icalendar(data: bytes) -> dict[str, Read]:
    cal = icalendar.Calendar.from_ical(data)
    out = {}
    for ev in cal.walk("VEVENT"):
        start = ev["DTSTART"].dt
        if "DTEND" in ev:
            end = ev["DTEND"].dt
        elif "DURATION" in ev:
            end = _end(start, ev["DURATION"].dt)
        else:
            end = None
        cats = ev.get("CATEGORIES")
        categories = tuple(str(c) for c in cats.cats) if cats is not None else ()
        out[str(ev["UID"])] = Read(
            uid=str(ev["UID"]),
            start=_instant(start),
            end=_instant(end) if end is not None else None,
            summary=str(ev["SUMMARY"]),
            description=str(ev["DESCRIPTION"]) if "DESCRIPTION" in ev else None,
            location=str(ev["LOCATION"]) if "LOCATION" in ev else None,
            categories=categories,
            triggers=tuple(a["TRIGGER"].dt for a in ev.walk("VALARM")),
            sequence=int(ev.get("SEQUENCE", 0)),
            start_zone=getattr(getattr(start, "tzinfo", None), "key", None),
        )
    return out


def read_vobject(data: bytes) -> dict[str, Read]:
    cal = read_vcalendar(data)
    out = {}
    for ev in getattr(cal, "vevent_list", []):
        start = ev.dtstart.value
        zone = getattr(start, "tzinfo", None)
        if zone is not None and zone is not vobject.icalendar.utc:
            # the zone came from the file's VTIMEZONE, not from a zone database
            assert type(zone).__name__ == "_tzicalvtz", type(zone)
        if hasattr(ev, "dtend"):
            end = ev.dtend.value
        elif hasattr(ev, "duration"):
            end = _end(start, ev.duration.value)
        else:
            end = None
        categories: tuple[str, ...] = ()
        for line in getattr(ev, "categories_list", []):
            categories += tuple(line.value)
        triggers = tuple(a.trigger.value for a in getattr(ev, "valarm_list", []))
        out[ev.uid.value] = Read(
            uid=ev.uid.value,
            start=_instant(start),
            end=_instant(end) if end is not None else None,
            summary=ev.summary.value,
            description=ev.description.value if hasattr(ev, "description") else None,
            location=ev.location.value if hasattr(ev, "location") else None,
            categories=categories,
            triggers=triggers,
            sequence=int(ev.sequence.value) if hasattr(ev, "sequence") else 0,
            start_zone=getattr(zone, "_tzid", None),  # the VTIMEZONE it was built from
        )
    return out


def read_both(data: bytes) -> dict[str, Read]:
    """Both parsers' view, which must agree (the zone of the start aside: icalendar names the
    ZoneInfo it picked, vobject the TZID parameter)."""
    a, b = read_icalendar(data), read_vobject(data)
    assert a.keys() == b.keys()
    for uid in a:
        assert attrs.evolve(a[uid], start_zone=None) == attrs.evolve(b[uid], start_zone=None), uid
    return b


def occurrences(data: bytes, uid: str, limit: int = 100) -> list[datetime | date]:
    """The occurrences of one event as vobject expands them (``rruleset``), in UTC; all-day
    ones as dates."""
    cal = read_vcalendar(data)
    (ev,) = [e for e in cal.vevent_list if e.uid.value == uid]
    found = []
    for when in itertools.islice(ev.getrruleset(addRDate=True), limit):
        if isinstance(ev.dtstart.value, datetime):
            found.append(when.astimezone(UTC))
        else:
            found.append(when.date())
    return found


def physical_lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    return lines


def assert_well_folded(data: bytes) -> None:
    for line in physical_lines(data):
        assert len(line) <= 75, line
        line.decode("utf-8")  # no character split across a fold


def an_event(**fields: Any) -> CalendarEntry:
    defaults: dict[str, Any] = {
        "uid": "ev-1@example.ru",
        "start": datetime(2025, 6, 30, 10, 0, tzinfo=MSK),
        "summary": "Позвонить клиенту",
        "duration": timedelta(minutes=30),
    }
    defaults.update(fields)
    return CalendarEntry(**defaults)


# ----------------------------------------------------------------------------- round trips


def test_many_events_land_at_their_instants_in_both_parsers() -> None:
    zones = (MSK, BERLIN, UTC, timezone(timedelta(hours=5)), ZoneInfo("Asia/Vladivostok"))
    events = [
        an_event(
            uid=stable_uid("reaction", f"r{i}", "example.ru"),
            start=datetime(2025, 1, 1, 9, tzinfo=zones[i % 5]) + timedelta(hours=37 * i, minutes=i),
            summary=f"Звонок №{i}: ООО «Вектор {i}», менеджер {i % 7}",
            description=f"тел. +7 912 {i:07d}; перезвонить, уточнить",
            alarm_before=timedelta(minutes=i % 4 * 5),
        )
        for i in range(300)
    ]
    data = to_ics(events, now=NOW)
    assert_well_folded(data)
    read = read_both(data)
    assert len(read) == len(events)
    for e in events:
        got = read[e.uid]
        assert isinstance(e.start, datetime)
        assert got.start == utc(e.start)
        assert got.end == utc(e.start) + timedelta(minutes=30)
        assert (got.summary, got.description) == (e.summary, e.description)
        assert e.alarm_before is not None
        assert got.triggers == (-e.alarm_before,)


def test_named_zones_are_kept_and_other_offsets_are_written_in_the_calendar_zone() -> None:
    events = [
        an_event(uid="berlin", start=datetime(2025, 7, 1, 10, tzinfo=BERLIN)),
        an_event(uid="offset", start=datetime(2025, 7, 1, 10, tzinfo=timezone(timedelta(hours=5)))),
        an_event(uid="utc", start=datetime(2025, 7, 1, 10, tzinfo=UTC)),
        an_event(uid="zoneinfo-utc", start=datetime(2025, 7, 1, 10, tzinfo=ZoneInfo("UTC"))),
    ]
    data = to_ics(events, tz="Asia/Yekaterinburg", now=NOW)
    text = data.decode()
    assert "DTSTART;TZID=Europe/Berlin:20250701T100000" in text
    assert "DTSTART;TZID=Asia/Yekaterinburg:20250701T100000" in text  # +05:00 here in July
    assert text.count("DTSTART:20250701T100000Z") == 2
    assert text.count("BEGIN:VTIMEZONE") == 2
    read = read_both(data)
    assert read["berlin"].start_zone == "Europe/Berlin"
    assert read["offset"].start_zone == "Asia/Yekaterinburg"
    for e in events:
        assert isinstance(e.start, datetime)
        assert read[e.uid].start == utc(e.start)


def test_default_calendar_zone_is_moscow_and_icalendar_reads_it_as_such() -> None:
    data = to_ics(
        [an_event(start=datetime(2025, 6, 30, 7, 0, tzinfo=timezone(timedelta(hours=-2))))],
        now=NOW,
    )
    assert b"DTSTART;TZID=Europe/Moscow:20250630T120000\r\n" in data
    (ev,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(ev["DTSTART"].dt.tzinfo) == "Europe/Moscow"
    assert ev["DTSTART"].dt == datetime(2025, 6, 30, 9, 0, tzinfo=UTC)


def test_calendar_header_dtstamp_and_crlf() -> None:
    modified = datetime(2025, 6, 1, 12, 30, tzinfo=MSK)
    data = to_ics(
        [an_event(uid="a"), an_event(uid="b", sequence=3, last_modified=modified)],
        now=datetime(2025, 6, 23, 10, 0, 7, 999, tzinfo=MSK),
        name="Календарь: Анна, клиенты",
    )
    lines = physical_lines(data)
    assert lines[:5] == [
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        f"PRODID:{PRODID}".encode(),
        b"CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Календарь: Анна\\, клиенты".encode(),
    ]
    assert lines[-1] == b"END:VCALENDAR"
    assert b"DTSTAMP:20250623T070007Z" in lines  # the export time, in UTC, whole seconds
    assert b"DTSTAMP:20250601T093000Z" in lines  # last_modified, when given
    assert b"LAST-MODIFIED:20250601T093000Z" in lines
    assert read_both(data)["b"].sequence == 3
    cal = read_vcalendar(data)
    assert cal.prodid.value == PRODID


# ----------------------------------------------------------------------------- text


def test_quotes_angle_brackets_ampersands_separators_and_cyrillic_survive() -> None:
    event = an_event(
        summary='«Ромашка» & "Лютик" <срочно>; a,b \\ c',
        description=NASTY,
        location="Омск, ул. Ленина; д. 5",
        categories=("Звонок", "a,b;c", "x\\y"),
    )
    data = to_ics([event], now=NOW)
    assert_well_folded(data)
    assert max(len(line) for line in physical_lines(data)) == 75  # long lines really fold
    got = read_both(data)[event.uid]
    assert got.summary == event.summary
    assert got.description == NASTY.replace("\r\n", "\n").replace("\r", "\n")
    assert got.location == event.location
    assert got.categories == event.categories


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a;b,c\\d", "a\\;b\\,c\\\\d"),
        ("one\ntwo\r\nthree\rfour", "one\\ntwo\\nthree\\nfour"),
        ('"<&>"', '"<&>"'),
        ("\\n", "\\\\n"),  # a backslash before an n is not a line break
    ],
)
def test_text_escaping(text: str, escaped: str) -> None:
    assert escape_text(text) == escaped


@pytest.mark.parametrize("char", ["я", "€", "😀", "a"])
@pytest.mark.parametrize("length", range(60, 160, 7))
def test_folding_never_splits_a_character(char: str, length: int) -> None:
    line = "DESCRIPTION:" + char * length
    folded = fold(line)
    parts = folded.split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    decoded = [p.decode("utf-8") for p in parts]
    assert all(p.startswith(" ") for p in decoded[1:])
    assert decoded[0] + "".join(p[1:] for p in decoded[1:]) == line
    # every line but the last is as full as a whole character allows
    width = len(char.encode())
    assert all(len(p) > 75 - width for p in parts[:-1])


def test_short_lines_are_not_folded() -> None:
    assert fold("X" * 75) == b"X" * 75
    assert fold("X" * 76) == b"X" * 75 + b"\r\n X"


_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="".join(map(chr, [*range(9), 11, 12, *range(14, 32), 127])),
    ),
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(summary=_TEXT.filter(lambda s: s.strip()), description=_TEXT)
def test_any_text_round_trips_through_both_parsers(summary: str, description: str) -> None:
    event = an_event(summary=summary, description=description, location=description)
    data = to_ics([event], now=NOW)
    assert_well_folded(data)
    got = read_both(data)[event.uid]

    def lines(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    # what a person reads is typeset: quotes inside quotes become „…“ (requote); the rest of
    # the text comes back as it was
    assert got.summary == lines(requote(summary))
    assert got.description == (lines(requote(description)) or None)
    assert got.location == (lines(description) or None)


# ----------------------------------------------------------------------------- alarms


def test_alarms_are_display_reminders_before_the_start() -> None:
    events = [
        an_event(uid="default"),
        an_event(uid="hour", alarm_before=timedelta(hours=1, seconds=5)),
        an_event(uid="at-start", alarm_before=timedelta(0)),
        an_event(uid="none", alarm_before=None),
        an_event(uid="all-day", start=date(2025, 7, 1), duration=None),
    ]
    data = to_ics(events, now=NOW)
    read = read_both(data)
    assert read["default"].triggers == (timedelta(minutes=-15),)
    assert read["hour"].triggers == (-timedelta(hours=1, seconds=5),)
    assert read["at-start"].triggers == (timedelta(0),)
    assert read["none"].triggers == ()
    assert read["all-day"].triggers == (timedelta(minutes=-15),)
    cal = read_vcalendar(data)
    for ev in cal.vevent_list:
        for alarm in getattr(ev, "valarm_list", []):
            assert alarm.action.value == "DISPLAY"
            assert alarm.description.value == ev.summary.value


def test_durations_follow_the_rfc_grammar() -> None:
    assert format_duration(timedelta(minutes=30)) == "PT30M"
    assert format_duration(timedelta(hours=2)) == "PT2H"
    assert format_duration(timedelta(days=1, hours=2)) == "P1DT2H"
    assert format_duration(timedelta(days=1, seconds=5)) == "P1DT5S"
    assert format_duration(timedelta(hours=1, seconds=5)) == "PT1H0M5S"
    assert format_duration(-timedelta(days=1)) == "-P1D"


# ----------------------------------------------------------------------------- uids


def test_stable_uid_is_the_same_for_the_same_record_and_distinct_otherwise() -> None:
    assert stable_uid("reaction", "r1", "example.ru") == stable_uid("reaction", "r1", "example.ru")
    uids = {
        stable_uid(kind, record, "example.ru")
        for kind in ("reaction", "delivery", "a_b", "a")
        for record in ("r1", "b-r1", "r1@x", "r 1", "ř1", "b_r1")
    }
    assert len(uids) == 24
    assert all(uid.count("@") == 1 and " " not in uid for uid in uids)


@pytest.mark.parametrize(
    ("args", "path"),
    [
        (("Reaction", "r1", "example.ru"), "kind"),
        (("re-action", "r1", "example.ru"), "kind"),
        (("reaction", "", "example.ru"), "record_id"),
        (("reaction", "r1", "bad domain"), "domain"),
        (("reaction", "r1", ""), "domain"),
    ],
)
def test_stable_uid_refuses_bad_parts(args: tuple[str, str, str], path: str) -> None:
    with pytest.raises(ValidationError) as err:
        stable_uid(*args)
    assert err.value.paths == (path,)


def test_re_exporting_a_rescheduled_reaction_updates_its_event() -> None:
    client = a_client(name="ООО «Ромашка»", city="Омск")
    reaction = a_reaction(
        an_appeal(client),
        kind=ReactionKind.OUTGOING_CALL,
        topic="Сообщить дату доставки",
        due_at=datetime(2025, 7, 1, 6, 0, tzinfo=UTC),
        employee_id=EmployeeId("anna"),
    )
    first = to_ics([event_for_reaction(reaction, client)], now=NOW)
    moved = attrs.evolve(reaction, due_at=datetime(2025, 7, 2, 8, 0, tzinfo=UTC), version=1)
    second = to_ics([event_for_reaction(moved, client)], now=NOW + timedelta(hours=1))
    (old,) = read_both(first).values()
    (new,) = read_both(second).values()
    assert old.uid == new.uid == f"reaction-{reaction.id}@clientops.invalid"
    assert (old.sequence, new.sequence) == (0, 1)
    assert (old.start, new.start) == (moved.due_at - timedelta(days=1, hours=2), moved.due_at)
    # a calendar keyed by UID ends up with one event, at the new time
    merged = {**read_icalendar(first), **read_icalendar(second)}
    assert list(merged.values()) == [read_icalendar(second)[new.uid]]


def test_two_events_with_one_uid_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        to_ics([an_event(uid="x"), an_event(uid="y"), an_event(uid="x")], now=NOW)
    assert err.value.paths == ("events[2].uid",)


# ----------------------------------------------------------------------------- reactions


def test_event_for_reaction_has_russian_text_and_the_client_details() -> None:
    client = a_client(
        name='ООО "Ромашка & Ко"',
        city="Омск",
        phones=(Phone.parse("8 (3812) 12-34-56"),),
        contacts=(Contact("Петров Сергей"),),
    )
    reaction = a_reaction(
        an_appeal(client),
        kind=ReactionKind.MEETING,
        topic="Доставка: согласовать дату",
        due_at=datetime(2025, 7, 1, 6, 0, 0, 123456, tzinfo=UTC),
        employee_id=EmployeeId("anna"),
    )
    event = event_for_reaction(reaction, client)
    assert event.summary == 'Встреча: Доставка: согласовать дату — ООО "Ромашка & Ко"'
    assert event.description.splitlines() == [
        'Клиент: ООО "Ромашка & Ко"',
        "Город: Омск",
        "Контактное лицо: Петров Сергей",
        "Телефон: +7 381 212-34-56",
        "Тема: Доставка: согласовать дату",
    ]
    assert event.location == "Омск"
    assert event.categories == ("Встреча",)
    assert event.start == reaction.due_at
    assert isinstance(event.start, datetime)
    assert event.start.tzinfo == MSK
    assert (event.duration, event.alarm_before) == (timedelta(minutes=30), timedelta(minutes=15))
    got = read_both(to_ics([event], now=NOW))[event.uid]
    assert got.start == datetime(2025, 7, 1, 6, 0, tzinfo=UTC)  # microseconds dropped
    assert got.summary == event.summary
    assert got.description == event.description


def test_event_for_reaction_follows_the_policy_and_zone() -> None:
    client = a_client()
    reaction = a_reaction(an_appeal(client), kind=ReactionKind.TASK, outcome="Готово")
    english = CalendarTexts(summary="{kind} - {topic}", task="Task", topic="Topic", outcome="Done")
    policy = CalendarPolicy(
        uid_domain="example.ru",
        alarm_before=None,
        reaction_duration=timedelta(hours=1),
        texts=english,
    )
    event = event_for_reaction(reaction, tz="Asia/Omsk", policy=policy)
    assert event.uid == f"reaction-{reaction.id}@example.ru"
    assert event.summary == f"Task - {reaction.topic}"
    assert event.description == f"Topic: {reaction.topic}\nDone: Готово"
    assert (event.alarm_before, event.duration) == (None, timedelta(hours=1))
    assert isinstance(event.start, datetime)
    assert str(event.start.tzinfo) == "Asia/Omsk"
    done = attrs.evolve(reaction, done_at=reaction.due_at)
    assert event_for_reaction(done).alarm_before is None
    with pytest.raises(ValidationError) as err:
        event_for_reaction(reaction, a_client())
    assert err.value.paths == ("client",)
    with pytest.raises(ValidationError) as err:
        event_for_reaction(reaction, tz="Europe/Atlantis")
    assert err.value.paths == ("tz",)


def test_manager_events_are_the_managers_open_reactions_by_due_time() -> None:
    client = a_client()
    appeal = an_appeal(client)
    anna, boris = EmployeeId("anna"), EmployeeId("boris")
    late = a_reaction(appeal, employee_id=anna, due_at=datetime(2025, 7, 2, 9, tzinfo=UTC))
    early = a_reaction(appeal, employee_id=anna, due_at=datetime(2025, 7, 1, 9, tzinfo=UTC))
    done = a_reaction(appeal, employee_id=anna, done_at=NOW)
    other = a_reaction(appeal, employee_id=boris)
    events = manager_entries([late, other, done, early], employee_id=anna, clients=[client])
    assert [e.uid for e in events] == [f"reaction-{r.id}@clientops.invalid" for r in (early, late)]
    assert all(client.name in e.summary for e in events)
    with_done = manager_entries(
        [late, done], employee_id=anna, policy=CalendarPolicy(include_done=True)
    )
    assert len(with_done) == 2


# ----------------------------------------------------------------------------- recurrence


def _expected(start: datetime, *steps: timedelta) -> list[datetime]:
    return [utc(start + s) for s in steps]


def test_every_two_weeks_across_a_month_end() -> None:
    start = datetime(2025, 1, 27, 10, 0, tzinfo=MSK)  # a Monday
    event = an_event(
        uid="biweekly", start=start, recurrence=Recurrence(Frequency.WEEKLY, interval=2, count=4)
    )
    data = to_ics([event], now=NOW)
    assert b"RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4\r\n" in data
    assert occurrences(data, "biweekly") == _expected(
        start, *(timedelta(weeks=w) for w in (0, 2, 4, 6))
    )
    rule = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["RRULE"]
    assert (rule["FREQ"], rule["INTERVAL"], rule["COUNT"]) == (["WEEKLY"], [2], [4])


def test_monthly_on_the_31st_skips_short_months_and_minus_one_means_the_last_day() -> None:
    start = datetime(2025, 1, 31, 9, 0, tzinfo=MSK)
    on_31 = an_event(uid="m31", start=start, recurrence=Recurrence(Frequency.MONTHLY, count=4))
    last = an_event(
        uid="last", start=start, recurrence=Recurrence(Frequency.MONTHLY, count=4, month_days=(-1,))
    )
    data = to_ics([on_31, last], now=NOW)
    assert occurrences(data, "m31") == [
        utc(datetime(2025, m, 31, 9, tzinfo=MSK)) for m in (1, 3, 5, 7)
    ]
    assert occurrences(data, "last") == [
        utc(datetime(2025, m, d, 9, tzinfo=MSK)) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30))
    ]


def test_weekly_on_two_weekdays_until_a_day_with_exdates() -> None:
    start = datetime(2025, 6, 30, 10, 0, tzinfo=MSK)  # Monday
    rule = Recurrence(
        Frequency.WEEKLY,
        weekdays=(Weekday.MO, Weekday.TH),
        until=date(2025, 7, 14),  # that Monday included
        exdates=(datetime(2025, 7, 3, 7, 0, tzinfo=UTC),),  # the 3rd, said in UTC
    )
    data = to_ics([an_event(uid="mo-th", start=start, recurrence=rule)], now=NOW)
    assert b"RRULE:FREQ=WEEKLY;UNTIL=20250714T205959Z;BYDAY=MO,TH\r\n" in data
    assert b"EXDATE;TZID=Europe/Moscow:20250703T100000\r\n" in data
    days = [(6, 30), (7, 7), (7, 10), (7, 14)]
    assert occurrences(data, "mo-th") == [
        utc(datetime(2025, m, d, 10, tzinfo=MSK)) for m, d in days
    ]


def test_daily_from_the_20th_to_the_end_of_each_month() -> None:
    start = datetime(2025, 6, 20, 11, 0, tzinfo=MSK)
    rule = Recurrence(Frequency.DAILY, month_days=tuple(range(20, 32)), count=15)
    data = to_ics([an_event(uid="debts", start=start, recurrence=rule)], now=NOW)
    got = occurrences(data, "debts")
    assert [d.astimezone(MSK).day for d in got] == [*range(20, 31), 20, 21, 22, 23]
    assert {d.astimezone(MSK).hour for d in got} == {11}


def test_a_weekly_event_in_berlin_keeps_its_wall_time_across_the_dst_change() -> None:
    start = datetime(2025, 3, 22, 10, 0, tzinfo=BERLIN)
    event = an_event(uid="berlin", start=start, recurrence=Recurrence(Frequency.WEEKLY, count=3))
    data = to_ics([event], tz="Europe/Moscow", now=NOW)
    expected = [
        datetime(2025, 3, 22, 9, tzinfo=UTC),  # CET, +01:00
        datetime(2025, 3, 29, 9, tzinfo=UTC),
        datetime(2025, 4, 5, 8, tzinfo=UTC),  # CEST, +02:00
    ]
    assert occurrences(data, "berlin") == expected
    assert b"BEGIN:DAYLIGHT" in data


def test_open_ended_series_get_a_vtimezone_that_reaches_far_enough() -> None:
    start = datetime(2025, 1, 6, 10, 0, tzinfo=BERLIN)
    event = an_event(uid="forever", start=start, recurrence=Recurrence(Frequency.YEARLY))
    data = to_ics([event], now=NOW, horizon_years=8)
    got = occurrences(data, "forever", limit=9)
    assert got == [datetime(2025 + y, 1, 6, 9, tzinfo=UTC) for y in range(9)]
    summer = an_event(
        uid="summer",
        start=datetime(2025, 7, 1, 10, tzinfo=BERLIN),
        recurrence=Recurrence(Frequency.YEARLY),
    )
    data = to_ics([summer], now=NOW, horizon_years=8)
    assert occurrences(data, "summer", limit=9) == [
        datetime(2025 + y, 7, 1, 8, tzinfo=UTC) for y in range(9)
    ]


def test_recurring_all_day_events() -> None:
    birthday = CalendarEntry(
        uid=stable_uid("birthday", "c1", "example.ru"),
        start=date(2024, 2, 29),
        summary="День рождения: Петров С.",
        alarm_before=None,
        recurrence=Recurrence(Frequency.YEARLY, until=date(2032, 12, 31)),
    )
    invoices = CalendarEntry(
        uid="invoices",
        start=date(2025, 1, 15),
        summary="Выставить счета по абонентским платежам",
        recurrence=Recurrence(
            Frequency.MONTHLY, month_days=(15,), count=5, exdates=(date(2025, 3, 15),)
        ),
    )
    data = to_ics([birthday, invoices], now=NOW)
    assert b"RRULE:FREQ=YEARLY;UNTIL=20321231\r\n" in data
    assert b"EXDATE;VALUE=DATE:20250315\r\n" in data
    assert occurrences(data, birthday.uid) == [date(y, 2, 29) for y in (2024, 2028, 2032)]
    assert occurrences(data, "invoices") == [date(2025, m, 15) for m in (1, 2, 4, 5)]
    assert b"BEGIN:VTIMEZONE" not in data  # nothing timed: no zone needed


# ----------------------------------------------------------------------------- time zones


BERLIN_TIMES = [
    datetime(2025, 3, 29, 10, 0, tzinfo=BERLIN),  # the day before spring forward
    datetime(2025, 3, 30, 1, 59, tzinfo=BERLIN),
    datetime(2025, 3, 30, 2, 30, tzinfo=BERLIN),  # does not exist: taken as 01:30 UTC
    datetime(2025, 3, 30, 3, 0, tzinfo=BERLIN),
    datetime(2025, 3, 31, 10, 0, tzinfo=BERLIN),
    datetime(2025, 10, 26, 1, 59, tzinfo=BERLIN),
    datetime(2025, 10, 26, 2, 30, tzinfo=BERLIN),  # the first 02:30 (CEST)
    datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=BERLIN),  # the second 02:30 (CET)
    datetime(2025, 10, 26, 3, 0, tzinfo=BERLIN),
    datetime(2025, 12, 31, 23, 50, tzinfo=BERLIN),
    datetime(2026, 7, 1, 12, 0, tzinfo=BERLIN),
]


def test_berlin_events_around_both_dst_changes_land_at_the_same_instants() -> None:
    events = [
        an_event(uid=f"b{i}", start=when, duration=timedelta(hours=1))
        for i, when in enumerate(BERLIN_TIMES)
    ]
    data = to_ics(events, now=NOW)
    read = read_both(data)
    for e in events:
        assert isinstance(e.start, datetime)
        assert read[e.uid].start == utc(e.start), e.start
        assert read[e.uid].end == utc(e.start) + timedelta(hours=1)
    text = data.decode()
    assert "DTSTART;TZID=Europe/Berlin:20250330T033000" in text  # the gap, as a real time
    assert "DTSTART:20251026T013000Z" in text  # the second 02:30 cannot be said locally
    assert "DTSTART;TZID=Europe/Berlin:20251026T023000" in text  # the first one can


def test_a_recurring_event_cannot_start_in_the_repeated_hour() -> None:
    event = an_event(
        start=datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=BERLIN),
        recurrence=Recurrence(Frequency.DAILY, count=2),
    )
    with pytest.raises(ValidationError) as err:
        to_ics([an_event(uid="fine"), event], now=NOW)
    assert err.value.paths == ("events[1].start",)


def test_vtimezone_covers_the_years_of_the_events() -> None:
    events = [
        an_event(uid="a", start=datetime(2025, 1, 10, 10, tzinfo=BERLIN)),
        an_event(uid="b", start=datetime(2029, 7, 10, 10, tzinfo=BERLIN)),
    ]
    data = to_ics(events, now=NOW)
    assert b"only works from 2024-01-01 to 2031-01-01" in data
    read = read_vobject(data)
    assert read["b"].start == datetime(2029, 7, 10, 8, tzinfo=UTC)  # summer time, from the file


def test_vtimezone_blocks_are_cached() -> None:
    assert vtimezone("Europe/Berlin", 2024, 2030) is vtimezone("Europe/Berlin", 2024, 2030)


def test_moscow_history_is_in_the_vtimezone_for_old_events() -> None:
    # 2012: Moscow was on +04:00 all year
    event = an_event(uid="old", start=datetime(2012, 7, 1, 10, tzinfo=MSK))
    data = to_ics([event], now=NOW)
    assert read_both(data)["old"].start == datetime(2012, 7, 1, 6, tzinfo=UTC)


# ----------------------------------------------------------------------------- all-day events


def test_all_day_events_are_dates_with_an_exclusive_end() -> None:
    events = [
        CalendarEntry(uid="one", start=date(2025, 7, 1), summary="Доставка в Омск"),
        CalendarEntry(uid="end", start=date(2025, 7, 1), end=date(2025, 7, 4), summary="Пилот"),
        CalendarEntry(
            uid="dur", start=date(2025, 7, 1), duration=timedelta(days=2), summary="Обучение"
        ),
    ]
    data = to_ics(events, now=NOW)
    assert b"DTSTART;VALUE=DATE:20250701\r\n" in data
    read = read_both(data)
    assert read["one"].start == date(2025, 7, 1)
    assert read["one"].end is None
    assert read["end"].end == date(2025, 7, 4)
    assert read["dur"].end == date(2025, 7, 3)
    assert events[0].all_day
    assert not an_event().all_day


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ({"start": datetime(2025, 7, 1, 10)}, ("start",)),
        ({"start": "2025-07-01"}, ("start",)),
        ({"summary": "  "}, ("summary",)),
        ({"summary": ""}, ("summary",)),
        ({"uid": ""}, ("uid",)),
        ({"duration": None, "end": datetime(2025, 6, 30, 9, tzinfo=MSK)}, ("end",)),
        ({"duration": None, "end": datetime(2025, 6, 30, 10, tzinfo=MSK)}, ("end",)),
        ({"duration": None, "end": date(2025, 7, 1)}, ("end",)),
        ({"duration": None, "end": datetime(2025, 7, 1, 10)}, ("end",)),
        ({"end": datetime(2025, 6, 30, 11, tzinfo=MSK)}, ("end",)),
        ({"duration": timedelta(0)}, ("duration",)),
        ({"duration": timedelta(minutes=-5)}, ("duration",)),
        ({"start": date(2025, 7, 1), "duration": timedelta(hours=5)}, ("duration",)),
        ({"start": date(2025, 7, 1), "duration": None, "end": date(2025, 7, 1)}, ("end",)),
        ({"description": "a\x00b"}, ("description",)),
        ({"location": "a\x0bb"}, ("location",)),
        ({"summary": "a\ud800"}, ("summary",)),
        ({"categories": ["a"]}, ("categories",)),
        ({"categories": ("a", "")}, ("categories[1]",)),
        ({"alarm_before": timedelta(minutes=-1)}, ("alarm_before",)),
        ({"sequence": -1}, ("sequence",)),
        ({"last_modified": datetime(2025, 1, 1)}, ("last_modified",)),
        (
            {"start": datetime(2025, 7, 1, 10), "summary": "", "alarm_before": timedelta(-1)},
            ("summary", "start", "alarm_before"),
        ),
    ],
)
def test_bad_events_raise_a_validation_error_naming_every_field(
    fields: dict[str, Any], paths: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as err:
        an_event(**fields)
    assert err.value.paths == paths
    assert err.value.subject == "calendar event"


@pytest.mark.parametrize(
    ("fields", "paths"),
    [
        ({"interval": 0}, ("interval",)),
        ({"count": 0}, ("count",)),
        ({"count": 2, "until": date(2026, 1, 1)}, ("until",)),
        ({"until": datetime(2026, 1, 1)}, ("until",)),
        ({"weekdays": (Weekday.MO, Weekday.MO)}, ("weekdays[1]",)),
        ({"weekdays": (0,)}, ("weekdays[0]",)),
        ({"month_days": (0, 32)}, ("month_days[0]", "month_days[1]")),
        ({"frequency": Frequency.WEEKLY, "month_days": (1,)}, ("month_days",)),
        ({"exdates": (datetime(2025, 1, 1),)}, ("exdates[0]",)),
    ],
)
def test_bad_recurrences_are_refused(fields: dict[str, Any], paths: tuple[str, ...]) -> None:
    args: dict[str, Any] = {"frequency": Frequency.MONTHLY, **fields}
    with pytest.raises(ValidationError) as err:
        Recurrence(**args)
    assert err.value.paths == paths


@pytest.mark.parametrize(
    ("start", "rule", "path"),
    [
        (
            datetime(2025, 6, 30, 10, tzinfo=MSK),  # a Monday
            Recurrence(Frequency.WEEKLY, weekdays=(Weekday.TU,)),
            "start",
        ),
        (
            datetime(2025, 6, 30, 10, tzinfo=MSK),
            Recurrence(Frequency.MONTHLY, month_days=(15,)),
            "start",
        ),
        (
            datetime(2025, 6, 30, 10, tzinfo=MSK),
            Recurrence(Frequency.DAILY, until=date(2025, 6, 29)),
            "recurrence.until",
        ),
        (date(2025, 6, 30), Recurrence(Frequency.DAILY, until=NOW), "recurrence.until"),
        (
            date(2025, 6, 30),
            Recurrence(Frequency.DAILY, exdates=(datetime(2025, 7, 1, tzinfo=UTC),)),
            "recurrence.exdates[0]",
        ),
    ],
)
def test_a_rule_must_fit_its_event(start: datetime | date, rule: Recurrence, path: str) -> None:
    with pytest.raises(ValidationError) as err:
        an_event(start=start, duration=None, recurrence=rule)
    assert err.value.paths == (path,)


def test_to_ics_refuses_bad_arguments() -> None:
    with pytest.raises(ValidationError) as err:
        to_ics([an_event()], tz="Mars/Olympus")
    assert err.value.paths == ("tz",)
    with pytest.raises(ValidationError) as err:
        to_ics([an_event()], now=datetime(2025, 1, 1))
    assert err.value.paths == ("now",)
    with pytest.raises(ValidationError) as err:
        to_ics([an_event(), "not an event"], now=NOW)  # type: ignore[list-item]
    assert err.value.paths == ("events[1]",)
    # a start with a fixed offset needs an IANA calendar zone to be written in
    with pytest.raises(ValidationError) as err:
        to_ics(
            [an_event(start=datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=1))))],
            tz=dateutil_tz.gettz("Europe/Paris"),
            now=NOW,
        )
    assert err.value.paths == ("tz",)


# ----------------------------------------------------------------------------- files


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def test_write_ics_writes_the_same_bytes_atomically(tmp_path: Path) -> None:
    target = tmp_path / "anna.ics"
    events = [an_event(uid="a"), an_event(uid="b", description=NASTY)]
    assert write_ics(target, events, now=NOW, name="Анна") == target
    assert target.read_bytes() == to_ics(events, now=NOW, name="Анна")
    assert _files(tmp_path) == ["anna.ics"]
    write_ics(str(target), events[:1], now=NOW)  # replaced, not appended to
    assert list(read_both(target.read_bytes())) == ["a"]
    assert _files(tmp_path) == ["anna.ics"]


def test_write_ics_leaves_the_old_file_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "anna.ics"
    write_ics(target, [an_event()], now=NOW)
    before = target.read_bytes()
    with pytest.raises(ValidationError):
        write_ics(target, [an_event(), an_event()], now=NOW)

    def broken_replace(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_ics(target, [an_event(uid="new")], now=NOW)
    assert target.read_bytes() == before
    assert _files(tmp_path) == ["anna.ics"]


@pytest.fixture(autouse=True)
def _no_vobject_zone_leaks() -> Iterator[None]:
    """vobject's registry is global: leave it as a fresh import would."""
    yield
    registry = vars(vobject.icalendar)["__tzidMap"]
    registry.clear()
    registry["UTC"] = vobject.icalendar.utc
