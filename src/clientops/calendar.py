"""Calendar export: reactions and other dated work as iCalendar (RFC 5545) events.

A :class:`CalendarEvent` is a plain frozen value: a stable UID, a start (an aware datetime, or
a date for an all-day event), an end or a duration, Russian text, a reminder alarm and, for
recurring work, one :class:`Recurrence` rule instead of a pile of copies (an occurrence moved
off its day is an override with ``recurrence_id``, sharing the series' UID). :func:`to_ics`
writes any number of them into one VCALENDAR with a VTIMEZONE per zone used, local times with
``TZID``, and the text escaped and folded as the RFC asks. :func:`write_ics` puts that in a file
atomically. Re-exporting the same record gives the same UID, so a calendar that imports the
file again updates the event instead of adding a second one.

Example::

    >>> from datetime import date, datetime, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> msk = ZoneInfo("Europe/Moscow")
    >>> call = CalendarEvent(
    ...     uid=stable_uid("satisfaction_call", "c42", "example.ru"),
    ...     start=datetime(2025, 7, 1, 10, 0, tzinfo=msk),
    ...     summary="Звонок удовлетворённости: ООО «Ромашка»",
    ...     duration=timedelta(minutes=15),
    ...     recurrence=Recurrence(Frequency.WEEKLY, interval=2, count=6),
    ... )
    >>> call.uid
    'satisfaction_call-c42@example.ru'
    >>> ics = to_ics([call], now=datetime(2025, 6, 23, 7, 0, tzinfo=ZoneInfo("UTC")))
    >>> lines = ics.decode().splitlines()
    >>> for line in lines[lines.index("BEGIN:VEVENT") :][:6]:
    ...     print(line)
    BEGIN:VEVENT
    UID:satisfaction_call-c42@example.ru
    DTSTAMP:20250623T070000Z
    DTSTART;TZID=Europe/Moscow:20250701T100000
    DURATION:PT15M
    RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=6
"""

from __future__ import annotations

import enum
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from clientops._ical import (
    escape_text,
    fold,
    format_date,
    format_duration,
    format_local,
    format_utc,
    vtimezone,
)
from clientops.errors import FieldError, ValidationError
from clientops.model import Client, EmployeeId, Reaction, ReactionKind

__all__ = [
    "DEFAULT_ALARM_BEFORE",
    "PRODID",
    "CalendarEvent",
    "CalendarPolicy",
    "CalendarTexts",
    "Frequency",
    "Recurrence",
    "Weekday",
    "event_for_reaction",
    "manager_events",
    "stable_uid",
    "to_ics",
    "write_ics",
]

#: The PRODID of calendars written by clientops.
PRODID = "-//clientops//clientops calendar//RU"
#: The reminder of an event, before its start, unless another is given.
DEFAULT_ALARM_BEFORE = timedelta(minutes=15)

_ONE_SECOND = timedelta(seconds=1)
#: RFC 5545 TEXT allows no control character but HTAB; line breaks are escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Zulu"})


# --------------------------------------------------------------------------- recurrence


class Frequency(enum.Enum):
    """How often a recurring event repeats (``FREQ``)."""

    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


class Weekday(enum.Enum):
    """A day of the week (``BYDAY``), numbered like :meth:`datetime.date.weekday`."""

    MO = 0
    TU = 1
    WE = 2
    TH = 3
    FR = 4
    SA = 5
    SU = 6


def _when_kind(value: object) -> str:
    if isinstance(value, datetime):
        return "datetime"
    return "date" if isinstance(value, date) else type(value).__name__


def _is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


@attrs.frozen
class Recurrence:
    """One recurrence rule (RRULE, with EXDATE for the occurrences skipped).

    - ``interval``: every ``interval``-th day, week, month or year (``INTERVAL``).
    - ``count`` *or* ``until`` ends the series; neither means it never ends. ``until`` is
      inclusive: a date for an all-day event; an aware datetime, or a date meaning "through
      that day" in the event's zone, for a timed one.
    - ``weekdays`` (``BYDAY``): on these days of the week, e.g. weekly on Monday and Thursday.
    - ``month_days`` (``BYMONTHDAY``, daily or monthly rules only): on these days of the
      month; ``-1`` is the last day. A monthly rule on the 31st skips the months without one,
      as RFC 5545 says; ask for ``month_days=(-1,)`` to get the last day of every month.
    - ``exdates`` (``EXDATE``): occurrences left out, of the same kind as the event's start.

    The event's start must itself be an occurrence of the rule (it is the first one).
    """

    frequency: Frequency
    interval: int = 1
    count: int | None = None
    until: datetime | date | None = None
    weekdays: tuple[Weekday, ...] = ()
    month_days: tuple[int, ...] = ()
    exdates: tuple[datetime | date, ...] = ()

    def __attrs_post_init__(self) -> None:
        errors = []
        if not isinstance(self.frequency, Frequency):
            errors.append(FieldError("frequency", f"{self.frequency!r} is not a Frequency"))
        if type(self.interval) is not int or self.interval < 1:
            errors.append(FieldError("interval", f"must be a positive int, got {self.interval!r}"))
        if self.count is not None and (type(self.count) is not int or self.count < 1):
            errors.append(FieldError("count", f"must be a positive int, got {self.count!r}"))
        if self.count is not None and self.until is not None:
            errors.append(FieldError("until", "give count or until, not both"))
        if self.until is not None:
            if not isinstance(self.until, date):
                errors.append(
                    FieldError("until", f"must be a date or datetime, not {self.until!r}")
                )
            elif isinstance(self.until, datetime) and not _is_aware(self.until):
                errors.append(FieldError("until", "must be timezone-aware"))
        if not isinstance(self.weekdays, tuple):
            errors.append(FieldError("weekdays", "must be a tuple of Weekday"))
        else:
            for i, day in enumerate(self.weekdays):
                if not isinstance(day, Weekday):
                    errors.append(FieldError(f"weekdays[{i}]", f"{day!r} is not a Weekday"))
                elif day in self.weekdays[:i]:
                    errors.append(FieldError(f"weekdays[{i}]", f"{day.name} given twice"))
        if not isinstance(self.month_days, tuple):
            errors.append(FieldError("month_days", "must be a tuple of int"))
        else:
            for i, number in enumerate(self.month_days):
                if type(number) is not int or not (1 <= abs(number) <= 31):
                    errors.append(
                        FieldError(f"month_days[{i}]", f"{number!r} is not 1..31 or -31..-1")
                    )
                elif number in self.month_days[:i]:
                    errors.append(FieldError(f"month_days[{i}]", f"{number} given twice"))
            if self.month_days and self.frequency in (Frequency.WEEKLY, Frequency.YEARLY):
                errors.append(
                    FieldError("month_days", f"not with a {self.frequency.name.lower()} rule")
                )
        if not isinstance(self.exdates, tuple):
            errors.append(FieldError("exdates", "must be a tuple"))
        else:
            for i, when in enumerate(self.exdates):
                if not isinstance(when, date):
                    errors.append(FieldError(f"exdates[{i}]", f"{when!r} is not a date/datetime"))
                elif isinstance(when, datetime) and not _is_aware(when):
                    errors.append(FieldError(f"exdates[{i}]", "must be timezone-aware"))
        if errors:
            raise ValidationError(errors, subject="recurrence")

    def matches(self, day: date) -> bool:
        """Whether ``day`` satisfies the weekday and month-day parts of the rule."""
        if self.weekdays and Weekday(day.weekday()) not in self.weekdays:
            return False
        if self.month_days:
            last = ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(1)).day
            if day.day not in {d if d > 0 else last + 1 + d for d in self.month_days}:
                return False
        return True

    def rrule(self, until: str | None) -> str:
        """The RRULE value, with ``until`` already formatted for the event's start."""
        parts = [f"FREQ={self.frequency.value}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if until is not None:
            parts.append(f"UNTIL={until}")
        if self.weekdays:
            parts.append("BYDAY=" + ",".join(d.name for d in self.weekdays))
        if self.month_days:
            parts.append("BYMONTHDAY=" + ",".join(str(d) for d in self.month_days))
        return ";".join(parts)

    def last_possible(self, start: date) -> date | None:
        """A day no earlier than the last occurrence, or ``None`` when the series never ends.
        Only used to choose the years a VTIMEZONE must cover, so it may overshoot."""
        if self.until is not None:
            return self.until if not isinstance(self.until, datetime) else self.until.date()
        if self.count is None:
            return None
        days_per = {
            Frequency.DAILY: 62 if self.month_days else 7 if self.weekdays else 1,
            Frequency.WEEKLY: 7,
            Frequency.MONTHLY: 62,
            Frequency.YEARLY: 366 * 8,  # 29 February comes back after 4 (or 8) years
        }[self.frequency]
        span = self.count * self.interval * days_per
        return start + timedelta(days=min(span, (date.max - start).days))


# --------------------------------------------------------------------------- events


def _text_errors(path: str, value: object, *, required: bool = False) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError(path, f"must be a string, got {type(value).__name__}")]
    if required and not value.strip():
        return [FieldError(path, "must not be empty")]
    bad = _CONTROL.search(value)
    if bad:
        return [FieldError(path, f"contains the control character {bad.group()!r}")]
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return [FieldError(path, "is not valid Unicode text (a lone surrogate)")]
    return []


@attrs.frozen
class CalendarEvent:
    """One VEVENT.

    ``start`` is an aware datetime, or a date for an all-day event. The event lasts until
    ``end`` (a value of the same kind; for an all-day event the day *after* the last one, as in
    iCalendar) or for ``duration`` (whole days for an all-day event): give one or neither.
    Without either, a timed event is an instant and an all-day event is one day.

    ``alarm_before`` sets a DISPLAY reminder that long before the start (``None``: no alarm).
    ``sequence`` and ``last_modified`` tell calendars which copy of an updated event is newer.
    iCalendar counts in whole seconds: microseconds are dropped on export. Text may hold any
    Unicode, quotes, ``<``, ``&`` and line breaks, but no other control character. Bad input
    raises :class:`~clientops.errors.ValidationError` naming every bad field.

    ``recurrence_id`` makes the event an *override* of one occurrence of a recurring event
    (RFC 5545, ``RECURRENCE-ID``): it has the series' UID, ``recurrence_id`` is the start the
    occurrence would have had by the rule (a value of the same kind as ``start``), and
    ``start`` is where the occurrence really is. A moved occurrence is written this way, not as
    an EXDATE plus a separate event, so calendars keep it part of the series. An override has
    no ``recurrence`` of its own.
    """

    uid: str
    start: datetime | date
    summary: str
    end: datetime | date | None = None
    duration: timedelta | None = None
    description: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    alarm_before: timedelta | None = DEFAULT_ALARM_BEFORE
    recurrence: Recurrence | None = None
    sequence: int = 0
    last_modified: datetime | None = None
    recurrence_id: datetime | date | None = None

    @property
    def all_day(self) -> bool:
        """True for an event on whole days (``start`` is a date)."""
        return not isinstance(self.start, datetime)

    def __attrs_post_init__(self) -> None:
        errors = _text_errors("uid", self.uid, required=True)
        errors += _text_errors("summary", self.summary, required=True)
        errors += _text_errors("description", self.description)
        errors += _text_errors("location", self.location)
        if not isinstance(self.categories, tuple):
            errors.append(FieldError("categories", "must be a tuple of strings"))
        else:
            for i, category in enumerate(self.categories):
                errors += _text_errors(f"categories[{i}]", category, required=True)
        start = self.start
        kind = _when_kind(start)
        if kind == "datetime":
            assert isinstance(start, datetime)
            if not _is_aware(start):
                errors.append(FieldError("start", f"must be timezone-aware, got {start!r}"))
                kind = "naive"
        elif kind != "date":
            errors.append(FieldError("start", f"must be a datetime or a date, not {kind}"))
        if self.end is not None and self.duration is not None:
            errors.append(FieldError("end", "give end or duration, not both"))
        if kind in ("datetime", "date"):
            errors += self._check_span(kind)
            if self.recurrence is not None:
                errors += self._check_recurrence(kind)
        alarm = self.alarm_before
        if alarm is not None and (not isinstance(alarm, timedelta) or alarm < timedelta(0)):
            errors.append(FieldError("alarm_before", f"must be a timedelta >= 0, got {alarm!r}"))
        if self.recurrence is not None and not isinstance(self.recurrence, Recurrence):
            errors.append(FieldError("recurrence", f"{self.recurrence!r} is not a Recurrence"))
        if self.recurrence_id is not None:
            errors += self._check_recurrence_id(kind)
        if type(self.sequence) is not int or self.sequence < 0:
            errors.append(FieldError("sequence", f"must be an int >= 0, got {self.sequence!r}"))
        modified = self.last_modified
        if modified is not None and (not isinstance(modified, datetime) or not _is_aware(modified)):
            errors.append(FieldError("last_modified", "must be a timezone-aware datetime"))
        if errors:
            raise ValidationError(errors, subject="calendar event")

    def _check_span(self, kind: str) -> list[FieldError]:
        errors = []
        if self.end is not None:
            end_kind = _when_kind(self.end)
            if end_kind != kind:
                errors.append(FieldError("end", f"must be a {kind} like start, not {end_kind}"))
            elif kind == "datetime":
                assert isinstance(self.end, datetime)
                assert isinstance(self.start, datetime)
                if not _is_aware(self.end):
                    errors.append(FieldError("end", "must be timezone-aware"))
                elif self.end - self.start < _ONE_SECOND:
                    errors.append(FieldError("end", f"{self.end} is not after start {self.start}"))
            elif self.end <= self.start:
                errors.append(FieldError("end", f"{self.end} is not after start {self.start}"))
        if self.duration is not None:
            if not isinstance(self.duration, timedelta):
                errors.append(FieldError("duration", f"{self.duration!r} is not a timedelta"))
            elif self.duration < _ONE_SECOND:
                errors.append(FieldError("duration", f"must be positive, got {self.duration}"))
            elif kind == "date" and (self.duration.seconds or self.duration.microseconds):
                errors.append(FieldError("duration", "must be whole days for an all-day event"))
        return errors

    def _check_recurrence(self, kind: str) -> list[FieldError]:
        rule = self.recurrence
        if not isinstance(rule, Recurrence):
            return []
        errors = []
        if kind == "date" and isinstance(rule.until, datetime):
            errors.append(FieldError("recurrence.until", "must be a date for an all-day event"))
        elif rule.until is not None and _until_instant(rule.until, self.start) < self.start:
            errors.append(FieldError("recurrence.until", "is before the start"))
        for i, when in enumerate(rule.exdates):
            if _when_kind(when) != kind:
                errors.append(FieldError(f"recurrence.exdates[{i}]", f"must be a {kind}"))
        start = self.start
        if isinstance(start, datetime):
            start = start.date()
        if not rule.matches(start):
            errors.append(
                FieldError("start", "is not an occurrence of its recurrence (weekdays/month_days)")
            )
        return errors

    def _check_recurrence_id(self, kind: str) -> list[FieldError]:
        rid = self.recurrence_id
        rid_kind = _when_kind(rid)
        if rid_kind not in ("datetime", "date"):
            return [FieldError("recurrence_id", f"must be a datetime or a date, not {rid_kind}")]
        errors = []
        if kind in ("datetime", "date") and rid_kind != kind:
            errors.append(FieldError("recurrence_id", f"must be a {kind} like start"))
        elif isinstance(rid, datetime) and not _is_aware(rid):
            errors.append(FieldError("recurrence_id", "must be timezone-aware"))
        if self.recurrence is not None:
            errors.append(
                FieldError("recurrence", "an override (recurrence_id) has no rule of its own")
            )
        return errors


def _until_instant(until: date, start: date) -> date:
    """``until`` comparable with ``start``: a date through the end of that day."""
    if isinstance(start, datetime):
        if isinstance(until, datetime):
            return until
        return datetime.combine(until, time(23, 59, 59), start.tzinfo)
    return until


# --------------------------------------------------------------------------- uids


def stable_uid(kind: str, record_id: str, domain: str) -> str:
    """The UID of the event for one record: the same record gives the same UID on every
    export, so a calendar updates the event rather than adding a copy.

    ``kind`` names what the event is for (``reaction``, ``delivery``, ``birthday``: lowercase
    letters, digits, ``_``); ``record_id`` is the record's id (any text; percent-encoded);
    ``domain`` is the company's domain, so that UIDs stay unique among other calendars.

    >>> stable_uid("reaction", "0197a1b2c3", "example.ru")
    'reaction-0197a1b2c3@example.ru'
    >>> stable_uid("delivery", "12/25 Омск", "example.ru")
    'delivery-12%2F25%20%D0%9E%D0%BC%D1%81%D0%BA@example.ru'
    """
    errors = []
    if not isinstance(kind, str) or not _KIND.match(kind):
        errors.append(FieldError("kind", f"{kind!r} is not lowercase letters, digits and _"))
    if not isinstance(record_id, str) or not record_id:
        errors.append(FieldError("record_id", "must be a non-empty string"))
    if not isinstance(domain, str) or not _DOMAIN.match(domain):
        errors.append(FieldError("domain", f"{domain!r} is not a domain name"))
    if errors:
        raise ValidationError(errors, subject="uid")
    return f"{kind}-{urllib.parse.quote(record_id, safe='')}@{domain}"


# --------------------------------------------------------------------------- reactions


@attrs.frozen
class CalendarTexts:
    """The words of events made from reactions (Russian by default; ``str.format`` templates).

    ``summary`` has ``{kind}`` and ``{topic}``; ``summary_with_client`` also ``{client}``.
    """

    summary: str = "{kind}: {topic}"
    summary_with_client: str = "{kind}: {topic} — {client}"
    incoming_call: str = "Входящий звонок"
    outgoing_call: str = "Исходящий звонок"
    email: str = "Письмо"
    meeting: str = "Встреча"
    task: str = "Задача"
    client: str = "Клиент"
    city: str = "Город"
    contact_person: str = "Контактное лицо"
    phone: str = "Телефон"
    topic: str = "Тема"
    outcome: str = "Итог"

    def kind(self, kind: ReactionKind) -> str:
        """The name of a reaction kind."""
        label: str = getattr(self, kind.value)
        return label


@attrs.frozen
class CalendarPolicy:
    """Defaults of the calendar export. Change one with ``attrs.evolve``."""

    #: The domain in the UIDs (:func:`stable_uid`): set your company's.
    uid_domain: str = "clientops.invalid"
    #: The reminder before each event; ``None`` for none.
    alarm_before: timedelta | None = DEFAULT_ALARM_BEFORE
    #: How long the event of a reaction lasts in the calendar.
    reaction_duration: timedelta = timedelta(minutes=30)
    #: Events for reactions already done (they get no alarm).
    include_done: bool = False
    texts: CalendarTexts = CalendarTexts()


def _zone(value: str | tzinfo, path: str) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError([FieldError(path, f"unknown time zone {value!r}")]) from None


def event_for_reaction(
    reaction: Reaction,
    client: Client | None = None,
    *,
    tz: str | tzinfo = "Europe/Moscow",
    policy: CalendarPolicy | None = None,
) -> CalendarEvent:
    """The calendar event of a reaction: at its due time, shown in ``tz``, with a Russian
    summary (``«Исходящий звонок: Уточнить дату доставки — ООО «Ромашка»»``), the client's
    details in the description, the policy's duration and alarm. The UID is
    ``stable_uid("reaction", reaction.id, policy.uid_domain)`` and ``sequence`` is the
    reaction's version, so a rescheduled reaction updates its event. A reaction already done
    gets no alarm.

    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> from clientops.model import AppealId, ClientId, EmployeeId, ReactionId, ReactionKind
    >>> reaction = Reaction(
    ...     id=ReactionId("r1"), appeal_id=AppealId("a1"), client_id=ClientId("c1"),
    ...     kind=ReactionKind.OUTGOING_CALL, topic="Уточнить дату доставки",
    ...     due_at=datetime(2025, 6, 30, 7, 0, tzinfo=ZoneInfo("UTC")),
    ...     created_at=datetime(2025, 6, 23, 7, 0, tzinfo=ZoneInfo("UTC")),
    ...     employee_id=EmployeeId("anna"),
    ... )
    >>> event = event_for_reaction(reaction)
    >>> event.summary
    'Исходящий звонок: Уточнить дату доставки'
    >>> event.start.isoformat(), event.uid
    ('2025-06-30T10:00:00+03:00', 'reaction-r1@clientops.invalid')
    """
    policy = policy or CalendarPolicy()
    texts = policy.texts
    if client is not None and client.id != reaction.client_id:
        raise ValidationError(
            [
                FieldError(
                    "client", f"is {client.id!r}, the reaction's client is {reaction.client_id!r}"
                )
            ]
        )
    zone = _zone(tz, "tz")
    kind = texts.kind(reaction.kind)
    if client is None:
        summary = texts.summary.format(kind=kind, topic=reaction.topic)
    else:
        summary = texts.summary_with_client.format(
            kind=kind, topic=reaction.topic, client=client.name
        )
    lines = []
    if client is not None:
        lines.append(f"{texts.client}: {client.name}")
        lines.append(f"{texts.city}: {client.city}")
        lines.append(f"{texts.contact_person}: {client.contact_person}")
        lines.extend(f"{texts.phone}: {phone.international()}" for phone in client.phones)
    lines.append(f"{texts.topic}: {reaction.topic}")
    if reaction.outcome:
        lines.append(f"{texts.outcome}: {reaction.outcome}")
    return CalendarEvent(
        uid=stable_uid("reaction", reaction.id, policy.uid_domain),
        start=reaction.due_at.astimezone(zone),
        summary=summary,
        duration=policy.reaction_duration,
        description="\n".join(lines),
        location=client.city
        if client is not None and reaction.kind is ReactionKind.MEETING
        else "",
        categories=(kind,),
        alarm_before=None if reaction.done else policy.alarm_before,
        sequence=reaction.version,
    )


def manager_events(
    reactions: Iterable[Reaction],
    *,
    employee_id: EmployeeId,
    clients: Iterable[Client] | Mapping[str, Client] = (),
    tz: str | tzinfo = "Europe/Moscow",
    policy: CalendarPolicy | None = None,
) -> tuple[CalendarEvent, ...]:
    """The events of one manager's reactions, by due time: those whose ``employee_id`` is the
    manager's, open ones only unless ``policy.include_done``. ``clients`` (cards, or a mapping
    by id) fill in the client's name and details where known."""
    policy = policy or CalendarPolicy()
    by_id: Mapping[str, Client] = (
        clients if isinstance(clients, Mapping) else {c.id: c for c in clients}
    )
    mine = sorted(
        (
            r
            for r in reactions
            if r.employee_id == employee_id and (policy.include_done or not r.done)
        ),
        key=lambda r: (r.due_at, r.id),
    )
    return tuple(event_for_reaction(r, by_id.get(r.client_id), tz=tz, policy=policy) for r in mine)


# --------------------------------------------------------------------------- export


class _Zones:
    """The zones used by one export and the years each must cover."""

    def __init__(self, default: tzinfo, horizon_years: int) -> None:
        self.default = default
        self.horizon_years = horizon_years
        self.years: dict[str, list[int]] = {}
        # tzinfo -> (zone to write in, its TZID or None for UTC)
        self._resolved: dict[tzinfo, tuple[tzinfo, str | None]] = {}
        self.default_resolved = self._resolve_named(default)

    @staticmethod
    def _resolve_named(zone: tzinfo) -> tuple[tzinfo, str | None] | None:
        if isinstance(zone, ZoneInfo) and zone.key:
            return (UTC, None) if zone.key in _UTC_KEYS else (zone, zone.key)
        if zone is UTC:
            return UTC, None
        return None

    def resolve(self, zone: tzinfo) -> tuple[tzinfo, str | None]:
        """Where a start in ``zone`` is written: its own IANA zone, UTC, or (for fixed offsets
        and other tzinfo) the calendar's zone."""
        found = self._resolved.get(zone)
        if found is None:
            found = self._resolve_named(zone) or self.default_resolved
            if found is None:
                raise ValidationError(
                    [FieldError("tz", f"{self.default!r} is not an IANA time zone (ZoneInfo)")]
                )
            self._resolved[zone] = found
        return found

    def cover(self, key: str, first: int, last: int) -> None:
        span = self.years.get(key)
        if span is None:
            self.years[key] = [first, last]
        else:
            if first < span[0]:
                span[0] = first
            if last > span[1]:
                span[1] = last

    def blocks(self) -> list[bytes]:
        return [
            vtimezone(key, max(first - 1, 1), min(last + 2, 9999))
            for key, (first, last) in sorted(self.years.items())
        ]


def _stamp(value: datetime, path: str) -> str:
    if not isinstance(value, datetime) or not _is_aware(value):
        raise ValidationError([FieldError(path, "must be a timezone-aware datetime")])
    return format_utc(value)


def to_ics(
    events: Iterable[CalendarEvent],
    *,
    tz: str | tzinfo = "Europe/Moscow",
    prodid: str = PRODID,
    name: str | None = None,
    now: datetime | None = None,
    horizon_years: int = 10,
) -> bytes:
    """One VCALENDAR holding ``events``, as UTF-8 bytes with CRLF line ends.

    A start with an IANA zone (``ZoneInfo("Europe/Berlin")``) is written in that zone; any
    other aware start (UTC offsets, ``datetime.timezone``) is converted to ``tz``. Each zone
    used gets one VTIMEZONE that covers every event in it (a never-ending series for
    ``horizon_years`` past its start); UTC needs none and is written with ``Z``. A start that
    falls in the repeated hour when clocks go back is written in UTC, since local time cannot
    say which of the two it is.

    ``name`` becomes the calendar's display name (``X-WR-CALNAME``). DTSTAMP is the event's
    ``last_modified``, else ``now`` (the current time by default). Two events with one UID
    raise :class:`~clientops.errors.ValidationError`, unless they are a recurring event and its
    overrides (each with its own ``recurrence_id``).
    """
    default_zone = _zone(tz, "tz")
    if type(horizon_years) is not int or horizon_years < 0:
        raise ValidationError([FieldError("horizon_years", "must be an int >= 0")])
    header = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + escape_text(prodid)]
    header.append("CALSCALE:GREGORIAN")
    if name is not None:
        errors = _text_errors("name", name, required=True)
        if errors:
            raise ValidationError(errors)
        header.append("X-WR-CALNAME:" + escape_text(name))
    errors = _text_errors("prodid", prodid, required=True)
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now if now is not None else datetime.now(UTC), "now")
    zones = _Zones(default_zone, horizon_years)
    seen: dict[tuple[str, datetime | date | None], int] = {}
    body: list[bytes] = []
    write = body.append
    for i, event in enumerate(events):
        if not isinstance(event, CalendarEvent):
            raise ValidationError([FieldError(f"events[{i}]", f"{event!r} is not a CalendarEvent")])
        rid = event.recurrence_id
        if isinstance(rid, datetime):
            rid = rid.astimezone(UTC).replace(microsecond=0)
        first = seen.setdefault((event.uid, rid), i)
        if first != i:
            what = f"{event.uid!r} is also the uid of events[{first}]"
            if rid is not None:
                what = f"{event.uid!r} with recurrence_id {rid} is also events[{first}]"
            raise ValidationError([FieldError(f"events[{i}].uid", what)])
        write(_vevent(event, i, zones, stamp))
    lines = b"".join(fold(line) + b"\r\n" for line in header)
    return b"".join((lines, *zones.blocks(), *body, b"END:VCALENDAR\r\n"))


def _at(value: datetime, zone: tzinfo, key: str | None) -> str:
    """A DATE-TIME value: local time in ``zone`` (``key`` is its TZID), or UTC with ``Z``."""
    if key is None:
        return format_utc(value)
    return format_local(value.astimezone(zone))


def _recurrence_id(value: datetime, zones: _Zones) -> bytes:
    """The RECURRENCE-ID line of an override: the original start, in its own zone like a
    DTSTART (UTC when it falls in a repeated hour), noting the year its zone must cover."""
    assert value.tzinfo is not None  # validated: aware
    zone, key = zones.resolve(value.tzinfo)
    local = value.astimezone(UTC).astimezone(zone)
    if key is not None and local.fold:
        zone, key = UTC, None
    if key is None:
        return f"RECURRENCE-ID:{format_utc(local)}\r\n".encode()
    zones.cover(key, local.year, local.year)
    return f"RECURRENCE-ID;TZID={key}:{format_local(local)}\r\n".encode()


def _vevent(event: CalendarEvent, index: int, zones: _Zones, stamp: str) -> bytes:
    """The VEVENT block of one event (CRLF-terminated), noting the years its zone must cover."""
    start = event.start
    rule = event.recurrence
    modified = event.last_modified
    out = [
        b"BEGIN:VEVENT\r\n",
        fold("UID:" + escape_text(event.uid)),
        f"\r\nDTSTAMP:{format_utc(modified) if modified is not None else stamp}\r\n".encode(),
    ]
    if isinstance(start, datetime):
        assert start.tzinfo is not None  # validated: aware
        zone, key = zones.resolve(start.tzinfo)
        local = start.astimezone(UTC).astimezone(zone)
        if key is not None and local.fold:
            if rule is not None:
                raise ValidationError(
                    [
                        FieldError(
                            f"events[{index}].start",
                            f"{start} is in the repeated hour of {key}: a recurring event "
                            "cannot start there",
                        )
                    ]
                )
            # said in UTC: a local time would name the first of the two hours
            zone, key = UTC, None
        tzid = "" if key is None else f";TZID={key}"
        out.append(f"DTSTART{tzid}:{_at(local, zone, key)}\r\n".encode())
        last_year = local.year
        if event.end is not None:
            assert isinstance(event.end, datetime)
            out.append(f"DTEND{tzid}:{_at(event.end, zone, key)}\r\n".encode())
            last_year = event.end.astimezone(zone).year
        elif event.duration is not None:
            out.append(f"DURATION:{format_duration(event.duration)}\r\n".encode())
            last_year = (local + event.duration).year
        if rule is not None:
            last = rule.last_possible(local.date())
            if last is None:
                last_year = local.year + zones.horizon_years
            else:
                last_year = max(last_year, last.year)
            until = None
            if rule.until is not None:
                until_instant = _until_instant(rule.until, local)
                assert isinstance(until_instant, datetime)
                until = format_utc(until_instant)
            out.append(f"RRULE:{rule.rrule(until)}\r\n".encode())
            if rule.exdates:
                dates = ",".join(_at(d, zone, key) for d in rule.exdates)  # type: ignore[arg-type]
                out += (fold(f"EXDATE{tzid}:{dates}"), b"\r\n")
        if key is not None:
            first_year = local.year
            if event.alarm_before is not None:
                first_year = min(first_year, (local - event.alarm_before).year)
            zones.cover(key, first_year, last_year)
        if isinstance(event.recurrence_id, datetime):
            out.append(_recurrence_id(event.recurrence_id, zones))
    else:
        out.append(f"DTSTART;VALUE=DATE:{format_date(start)}\r\n".encode())
        if event.recurrence_id is not None:
            out.append(f"RECURRENCE-ID;VALUE=DATE:{format_date(event.recurrence_id)}\r\n".encode())
        if event.end is not None:
            out.append(f"DTEND;VALUE=DATE:{format_date(event.end)}\r\n".encode())
        elif event.duration is not None:
            out.append(f"DURATION:P{event.duration.days}D\r\n".encode())
        if rule is not None:
            until = format_date(rule.until) if rule.until is not None else None
            out.append(f"RRULE:{rule.rrule(until)}\r\n".encode())
            if rule.exdates:
                dates = ",".join(format_date(d) for d in rule.exdates)
                out += (fold(f"EXDATE;VALUE=DATE:{dates}"), b"\r\n")
    summary = escape_text(event.summary)
    out += (fold("SUMMARY:" + summary), b"\r\n")
    if event.description:
        out += (fold("DESCRIPTION:" + escape_text(event.description)), b"\r\n")
    if event.location:
        out += (fold("LOCATION:" + escape_text(event.location)), b"\r\n")
    if event.categories:
        joined = ",".join(escape_text(c) for c in event.categories)
        out += (fold("CATEGORIES:" + joined), b"\r\n")
    if event.sequence:
        out.append(f"SEQUENCE:{event.sequence}\r\n".encode())
    if modified is not None:
        out.append(f"LAST-MODIFIED:{format_utc(modified)}\r\n".encode())
    if event.alarm_before is not None:
        out += (
            b"BEGIN:VALARM\r\nACTION:DISPLAY\r\n",
            fold("DESCRIPTION:" + summary),
            f"\r\nTRIGGER:{format_duration(-event.alarm_before)}\r\nEND:VALARM\r\n".encode(),
        )
    out.append(b"END:VEVENT\r\n")
    return b"".join(out)


def write_ics(
    path: str | os.PathLike[str],
    events: Iterable[CalendarEvent],
    *,
    tz: str | tzinfo = "Europe/Moscow",
    prodid: str = PRODID,
    name: str | None = None,
    now: datetime | None = None,
    horizon_years: int = 10,
) -> Path:
    """Write :func:`to_ics` of ``events`` (same keyword arguments) to ``path`` atomically:
    into a temporary file beside it, flushed to disk, then renamed over ``path``. A reader
    sees the old file or the new one, never half of one. Returns the path."""
    data = to_ics(events, tz=tz, prodid=prodid, name=name, now=now, horizon_years=horizon_years)
    target = Path(path)
    temp = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable where the platform allows
        dir_fd = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return target
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
    return target
