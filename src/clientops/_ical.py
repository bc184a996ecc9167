"""RFC 5545 building blocks for :mod:`clientops.calendar` (private).

Hand-written because they run once per property of every event: TEXT escaping, line folding
at 75 octets without splitting a UTF-8 character, DATE / DATE-TIME / DURATION values. The one
thing taken from icalendar is the VTIMEZONE block, computed once per zone and range of years
and cached.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clientops.errors import FieldError

__all__ = [
    "escape_text",
    "fold",
    "format_date",
    "format_duration",
    "format_local",
    "format_utc",
    "is_aware",
    "text_errors",
    "until_instant",
    "vtimezone",
]

#: The longest content line, in octets, before CRLF (RFC 5545, section 3.1).
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545, section 3.3.11): backslash, semicolon, comma and line breaks
    escaped. CRLF and a lone CR count as one line break, like LF."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> bytes:
    """One content line as UTF-8 bytes, folded so that no physical line exceeds 75 octets
    (CRLF aside) and no multi-byte character is split. No trailing CRLF.

    >>> fold("SUMMARY:" + "я" * 40).split(b"\\r\\n ")[0].decode()[-3:]
    'яяя'
    >>> [len(part) for part in fold("X:" + "é" * 80).split(b"\\r\\n")]  # é: 2 octets
    [74, 75, 15]
    """
    data = line.encode("utf-8")
    size = len(data)
    if size <= MAX_OCTETS:
        return data
    pieces = []
    begin, limit = 0, MAX_OCTETS
    while size - begin > limit:
        cut = begin + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: step back to the character
            cut -= 1
        pieces.append(data[begin:cut])
        begin, limit = cut, MAX_OCTETS - 1  # a continuation line starts with one space
    pieces.append(data[begin:])
    return b"\r\n ".join(pieces)


def format_local(value: datetime) -> str:
    """``YYYYMMDDTHHMMSS`` of the wall time (the tzinfo is not looked at; seconds only)."""
    return (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"T{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )


def format_utc(value: datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` of an aware datetime, converted to UTC first."""
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"{value!r} is not timezone-aware")
    return format_local((value - offset).replace(tzinfo=None)) + "Z"


def format_date(value: date) -> str:
    """``YYYYMMDD``."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def format_duration(value: timedelta) -> str:
    """A DURATION value in whole seconds: ``PT30M``, ``-PT15M``, ``P1D``, ``P1DT2H0M5S``.

    >>> format_duration(timedelta(minutes=-15)), format_duration(timedelta(days=2))
    ('-PT15M', 'P2D')
    >>> format_duration(timedelta(hours=1, seconds=5)), format_duration(timedelta(0))
    ('PT1H0M5S', 'PT0S')
    """
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    out = f"{sign}P{days}D" if days else f"{sign}P"
    if hours or minutes or seconds or not days:
        out += "T"
        if hours:
            out += f"{hours}H"
        if minutes or (hours and seconds):  # dur-hour is followed by a dur-minute, if anything
            out += f"{minutes}M"
        if seconds or not (hours or minutes):
            out += f"{seconds}S"
    return out


@functools.lru_cache(maxsize=64)
def vtimezone(key: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE block of the IANA zone ``key``, valid from 1 January ``first_year`` to
    1 January ``last_year``, as CRLF-terminated folded lines (made by icalendar, cached)."""
    from icalendar import Timezone

    component = Timezone.from_tzinfo(
        ZoneInfo(key),
        tzid=key,
        first_date=date(first_year, 1, 1),
        last_date=date(last_year, 1, 1),
    )
    text = component.to_ical().decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    lines: list[str] = []
    for line in text.split("\r\n"):
        if line.startswith("RDATE:"):
            # One RDATE per line: RFC 5545 also allows a comma-separated list, but some readers
            # (vobject 0.9) keep only its first value and then get every later year wrong.
            lines.extend("RDATE:" + value for value in line[len("RDATE:") :].split(","))
        elif line:
            lines.append(line)
    return b"".join(fold(line) + b"\r\n" for line in lines)


# --------------------------------------------------------------------------- checks

#: RFC 5545 TEXT allows no control character but HTAB; line breaks are escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_aware(value: datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def text_errors(path: str, value: object, *, required: bool = False) -> list[FieldError]:
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


def until_instant(until: date, start: date) -> date:
    """``until`` comparable with ``start``: a date through the end of that day."""
    if isinstance(start, datetime):
        if isinstance(until, datetime):
            return until
        return datetime.combine(until, time(23, 59, 59), start.tzinfo)
    return until
