"""The baselines of the calendar export, on the events of ``_workloads.gen_events``:

* :func:`with_icalendar`: icalendar used the plain way: Calendar/Event/Alarm objects,
  ``add_missing_timezones()`` (the VTIMEZONE built from the zone on every export), ``to_ical()``;
* :func:`make_icalendar_cached_tz`: the same with the VTIMEZONE component built once and added
  to every calendar (what an application that exports often may do);
* :func:`floor`: a hand-written formatter: RFC 5545 text escaping, folding at 75 octets (UTF-8
  aware), CRLF, a static VTIMEZONE for Europe/Moscow, no validation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from _workloads import DTSTAMP, MSK, CalEvent

PRODID = "-//clientops anchors//RU"


# ------------------------------------------------------------------------ icalendar
def with_icalendar(events: list[CalEvent]) -> bytes:
    """icalendar the plain way; the VTIMEZONE made by ``add_missing_timezones()`` each time."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    for e in events:
        ev = Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", DTSTAMP)
        ev.add("dtstart", e.start)
        ev.add("duration", e.duration)
        ev.add("summary", e.summary)
        ev.add("description", e.description)
        al = Alarm()
        al.add("action", "DISPLAY")
        al.add("description", e.summary)
        al.add("trigger", -e.alarm_before)
        ev.add_component(al)
        cal.add_component(ev)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


# ---------------------------------------------------------------------------- floor
VTIMEZONE_MSK = (
    b"BEGIN:VTIMEZONE\r\nTZID:Europe/Moscow\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    b"TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nTZNAME:MSK\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """Content line -> UTF-8 bytes folded at 75 octets, never inside a character."""
    b = line.encode("utf-8")
    if len(b) <= 75:
        return b
    out = []
    start, limit = 0, 75
    n = len(b)
    while n - start > limit:
        cut = start + limit
        while b[cut] & 0xC0 == 0x80:  # do not split a multi-byte character
            cut -= 1
        out.append(b[start:cut])
        start, limit = cut, 74  # continuation lines start with one space
    out.append(b[start:])
    return b"\r\n ".join(out)


def dur(td: timedelta) -> str:
    s = int(td.total_seconds())
    sign = "-" if s < 0 else ""
    s = abs(s)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    out = f"{sign}P{d}D" if d else f"{sign}P"
    if h or m or s:
        out += "T" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")
    return out


def floor(events: list[CalEvent]) -> bytes:
    st = DTSTAMP
    stamp = f"DTSTAMP:{st:%Y%m%dT%H%M%S}Z\r\n".encode()
    parts = [
        b"BEGIN:VCALENDAR\r\nPRODID:" + PRODID.encode() + b"\r\nVERSION:2.0\r\n",
        VTIMEZONE_MSK,
    ]
    ap = parts.append
    for e in events:
        d = e.start
        summary = esc(e.summary)
        ap(b"BEGIN:VEVENT\r\n")
        ap(fold("UID:" + e.uid))
        ap(b"\r\n")
        ap(stamp)
        ap(
            f"DTSTART;TZID=Europe/Moscow:{d.year:04d}{d.month:02d}{d.day:02d}T{d.hour:02d}{d.minute:02d}{d.second:02d}\r\n".encode()
        )
        ap(f"DURATION:{dur(e.duration)}\r\n".encode())
        ap(fold("SUMMARY:" + summary))
        ap(b"\r\n")
        ap(fold("DESCRIPTION:" + esc(e.description)))
        ap(b"\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n")
        ap(fold("DESCRIPTION:" + summary))
        ap(f"\r\nTRIGGER:{dur(-e.alarm_before)}\r\nEND:VALARM\r\nEND:VEVENT\r\n".encode())
    ap(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def make_icalendar_cached_tz() -> Callable[[list[CalEvent]], bytes]:
    """icalendar with the Europe/Moscow VTIMEZONE made once (the zone's component, as
    ``add_missing_timezones`` would make it) and added to each calendar."""
    from icalendar import Alarm, Calendar, Event, Timezone

    zone = Timezone.from_tzinfo(MSK)

    def render(events: list[CalEvent]) -> bytes:
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add_component(zone)
        for e in events:
            ev = Event()
            ev.add("uid", e.uid)
            ev.add("dtstamp", DTSTAMP)
            ev.add("dtstart", e.start)
            ev.add("duration", e.duration)
            ev.add("summary", e.summary)
            ev.add("description", e.description)
            al = Alarm()
            al.add("action", "DISPLAY")
            al.add("description", e.summary)
            al.add("trigger", -e.alarm_before)
            ev.add_component(al)
            cal.add_component(ev)
        data: bytes = cal.to_ical()
        return data

    return render
