"""The iCalendar file (RFC 5545): :func:`to_ics` writes any number of
:class:`~clientops.calendar.CalendarEntry` values into one VCALENDAR, with a VTIMEZONE per
zone used, local times with ``TZID``, and the text escaped and folded as the RFC asks;
:func:`write_ics` puts that in a file atomically.

The events themselves are plain values of :mod:`clientops.calendar` (which the rules make);
this module is the export, kept apart so that the rules never import file writing.

    >>> from datetime import datetime, timedelta
    >>> from zoneinfo import ZoneInfo
    >>> from clientops.calendar import CalendarEntry, Frequency, Recurrence, stable_uid
    >>> call = CalendarEntry(
    ...     uid=stable_uid("satisfaction_call", "c42", "example.ru"),
    ...     start=datetime(2025, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Moscow")),
    ...     summary="Звонок удовлетворённости: ООО «Ромашка»",
    ...     duration=timedelta(minutes=15),
    ...     recurrence=Recurrence(Frequency.WEEKLY, interval=2, count=6),
    ... )
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

import os
from collections.abc import Iterable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from clientops._checks import time_zone
from clientops._ical import (
    escape_text,
    fold,
    format_date,
    format_duration,
    format_local,
    format_utc,
    is_aware,
    text_errors,
    until_instant,
    vtimezone,
)
from clientops._typography import typeset
from clientops.calendar import CalendarEntry
from clientops.errors import FieldError, ValidationError

__all__ = ["PRODID", "to_ics", "write_ics"]

#: The PRODID of calendars written by clientops.
PRODID = "-//clientops//clientops calendar//RU"
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Zulu"})


# --------------------------------------------------------------------------- zones


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
    if not isinstance(value, datetime) or not is_aware(value):
        raise ValidationError([FieldError(path, "must be a timezone-aware datetime")])
    return format_utc(value)


def to_ics(
    events: Iterable[CalendarEntry],
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
    default_zone = time_zone(tz, "tz")
    if type(horizon_years) is not int or horizon_years < 0:
        raise ValidationError([FieldError("horizon_years", "must be an int >= 0")])
    header = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:" + escape_text(prodid)]
    header.append("CALSCALE:GREGORIAN")
    if name is not None:
        errors = text_errors("name", name, required=True)
        if errors:
            raise ValidationError(errors)
        header.append("X-WR-CALNAME:" + escape_text(name))
    errors = text_errors("prodid", prodid, required=True)
    if errors:
        raise ValidationError(errors)
    stamp = _stamp(now if now is not None else datetime.now(UTC), "now")
    zones = _Zones(default_zone, horizon_years)
    seen: dict[tuple[str, datetime | date | None], int] = {}
    body: list[bytes] = []
    write = body.append
    for i, event in enumerate(events):
        if not isinstance(event, CalendarEntry):
            raise ValidationError([FieldError(f"events[{i}]", f"{event!r} is not a CalendarEntry")])
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


def _vevent(event: CalendarEntry, index: int, zones: _Zones, stamp: str) -> bytes:
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
                until_at = until_instant(rule.until, local)
                assert isinstance(until_at, datetime)
                until = format_utc(until_at)
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
    summary = escape_text(typeset(event.summary))
    out += (fold("SUMMARY:" + summary), b"\r\n")
    if event.description:
        out += (fold("DESCRIPTION:" + escape_text(typeset(event.description))), b"\r\n")
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
    events: Iterable[CalendarEntry],
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
