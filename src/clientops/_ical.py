"""RFC 5545 building blocks for :mod:`clientops.calendar` (private).

Hand-written because they run once per property of every event: TEXT escaping, line folding
at 75 octets without splitting a UTF-8 character, DATE / DATE-TIME / DURATION values. The one
thing taken from icalendar is the VTIMEZONE block, computed once per zone and range of years
and cached.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "escape_text",
    "fold",
    "format_date",
    "format_duration",
    "format_local",
    "format_utc",
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
