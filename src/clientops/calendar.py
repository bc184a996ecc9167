"""Calendar events: reactions and other dated work as the values of iCalendar (RFC 5545) events.

A :class:`CalendarEntry` is a plain frozen value: a stable UID, a start (an aware datetime, or
a date for an all-day event), an end or a duration, Russian text, a reminder alarm and, for
recurring work, one :class:`Recurrence` rule instead of a pile of copies (an occurrence moved
off its day is an override with ``recurrence_id``, sharing the series' UID). Re-exporting the
same record gives the same UID, so a calendar that imports the file again updates the event
instead of adding a second one. The rules make these values; :mod:`clientops.ics` writes them
(:func:`~clientops.ics.to_ics`, :func:`~clientops.ics.write_ics`).

Example::

    >>> from datetime import datetime, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> call = CalendarEntry(
    ...     uid=stable_uid("satisfaction_call", "c42", "example.ru"),
    ...     start=datetime(2025, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")),
    ...     summary="Звонок удовлетворённости: ООО «Ромашка»",
    ...     duration=timedelta(minutes=15),
    ...     recurrence=Recurrence(Frequency.WEEKLY, interval=2, count=6),
    ... )
    >>> call.uid
    'satisfaction_call-c42@example.ru'
    >>> call.recurrence.rrule(None)
    'FREQ=WEEKLY;INTERVAL=2;COUNT=6'
"""

from __future__ import annotations

import enum
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo

import attrs

from clientops._checks import time_zone
from clientops._ical import is_aware, text_errors, until_instant
from clientops.errors import FieldError, ValidationError
from clientops.model import Client, EmployeeId, Reaction, ReactionKind

__all__ = [
    "DEFAULT_ALARM_BEFORE",
    "PUBLISH_TOPIC",
    "CalendarEntry",
    "CalendarPolicy",
    "CalendarTexts",
    "Frequency",
    "Recurrence",
    "Weekday",
    "event_for_reaction",
    "manager_entries",
    "stable_uid",
]

#: The outbox topic of a calendar event published to a manager's calendar on a CalDAV server
#: (:meth:`ops.agenda.publish_calendar`, delivered by
#: :class:`clientops.adapters.caldav.CalDavPublisher`).
PUBLISH_TOPIC = "calendar.publish"

#: The reminder of an event, before its start, unless another is given.
DEFAULT_ALARM_BEFORE = timedelta(minutes=15)

_ONE_SECOND = timedelta(seconds=1)
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


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
            elif isinstance(self.until, datetime) and not is_aware(self.until):
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
                elif isinstance(when, datetime) and not is_aware(when):
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


@attrs.frozen
class CalendarEntry:
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
        errors = text_errors("uid", self.uid, required=True)
        errors += text_errors("summary", self.summary, required=True)
        errors += text_errors("description", self.description)
        errors += text_errors("location", self.location)
        if not isinstance(self.categories, tuple):
            errors.append(FieldError("categories", "must be a tuple of strings"))
        else:
            for i, category in enumerate(self.categories):
                errors += text_errors(f"categories[{i}]", category, required=True)
        start = self.start
        kind = _when_kind(start)
        if kind == "datetime":
            assert isinstance(start, datetime)
            if not is_aware(start):
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
        if modified is not None and (not isinstance(modified, datetime) or not is_aware(modified)):
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
                if not is_aware(self.end):
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
        elif rule.until is not None and until_instant(rule.until, self.start) < self.start:
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
        elif isinstance(rid, datetime) and not is_aware(rid):
            errors.append(FieldError("recurrence_id", "must be timezone-aware"))
        if self.recurrence is not None:
            errors.append(
                FieldError("recurrence", "an override (recurrence_id) has no rule of its own")
            )
        return errors


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


def event_for_reaction(
    reaction: Reaction,
    client: Client | None = None,
    *,
    tz: str | tzinfo = "Europe/Moscow",
    policy: CalendarPolicy | None = None,
) -> CalendarEntry:
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
    zone = time_zone(tz, "tz")
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
    return CalendarEntry(
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


def manager_entries(
    reactions: Iterable[Reaction],
    *,
    employee_id: EmployeeId,
    clients: Iterable[Client] | Mapping[str, Client] = (),
    tz: str | tzinfo = "Europe/Moscow",
    policy: CalendarPolicy | None = None,
) -> tuple[CalendarEntry, ...]:
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
