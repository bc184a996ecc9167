"""10,000 calendar events into one .ics: clientops against icalendar used the plain way, in the
same run.

The issue's acceptance criterion: ten times the speed of icalendar (about 750 events/s on the
2-core machine when first measured, so >= 7,500 events/s), with output that icalendar and a
second parser (vobject, which shares no code with icalendar) read back identically.

Workload: ``_workloads.gen_events(n)`` (seed ``_workloads.SEED``): follow-up events in
Europe/Moscow within working hours, 30 minutes long, a Cyrillic SUMMARY and DESCRIPTION longer
than 75 octets (so lines fold), a DISPLAY alarm 15 minutes before.

Cases, interleaved by ``harness.compare`` in each repeat; each goes from the workload's plain
event records to the final bytes, so conversion is timed on both sides. The VTIMEZONE is made
the same way on both sides of each pair:

* cold (the zone's VTIMEZONE made on every export):
  ``icalendar`` (the baseline, ``_plain_ics.with_icalendar``: Calendar/Event/Alarm objects,
  ``add_missing_timezones()``, ``to_ical()``) against ``clientops_cold`` (a validated
  ``CalendarEntry`` per record, then ``clientops.ics.to_ics``, with clientops' VTIMEZONE cache
  emptied first);
* cached (the VTIMEZONE made once per process): ``icalendar_cached_tz`` (the zone's component
  made once and added to each calendar) against ``clientops`` (its own cache, as an
  application runs it);
* ``floor_handwritten``: a hand-written formatter (a static VTIMEZONE, no validation), the floor.

Run:  python bench/bench_calendar.py [--n 10000] [--repeat 5]

Progress and figures go to stderr; the last stdout line is one JSON object (``harness.emit``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import _harness as harness
import _plain_ics as plain
import _workloads as workloads

from clientops._ical import vtimezone
from clientops.calendar import CalendarEntry
from clientops.ics import to_ics

TARGET = 10.0  # clientops speed as a multiple of icalendar's


# --------------------------------------------------------------------------- the cases


def to_events(records: list[Any]) -> list[CalendarEntry]:
    """The workload's plain records as clientops events (validated on construction)."""
    return [
        CalendarEntry(
            uid=r.uid,
            start=r.start,
            summary=r.summary,
            description=r.description,
            duration=r.duration,
            alarm_before=r.alarm_before,
        )
        for r in records
    ]


def with_clientops(records: list[Any]) -> bytes:
    """clientops as an application runs it: the VTIMEZONE made once per process and cached."""
    return to_ics(
        to_events(records), tz="Europe/Moscow", prodid=plain.PRODID, now=workloads.DTSTAMP
    )


def with_clientops_cold(records: list[Any]) -> bytes:
    """clientops with its VTIMEZONE cache emptied first: the zone made on every export, as
    icalendar's ``add_missing_timezones()`` makes it."""
    vtimezone.cache_clear()
    return with_clientops(records)


# --------------------------------------------------------------------------- checks

Seen = tuple[str, datetime | date, timedelta | None, str, str | None, tuple[Any, ...]]


def _read_icalendar(data: bytes) -> dict[str, Seen]:
    """uid -> (uid, start in UTC, duration, summary, description, alarms) as icalendar reads it."""
    from icalendar import Calendar

    out: dict[str, Seen] = {}
    for ev in Calendar.from_ical(data).walk("VEVENT"):
        start = ev["DTSTART"].dt
        alarms = tuple(
            (str(a["ACTION"]), str(a["DESCRIPTION"]), a["TRIGGER"].dt) for a in ev.walk("VALARM")
        )
        uid = str(ev["UID"])
        out[uid] = (
            uid,
            start.astimezone(UTC),
            ev["DURATION"].dt if "DURATION" in ev else None,
            str(ev["SUMMARY"]),
            str(ev["DESCRIPTION"]) if "DESCRIPTION" in ev else None,
            alarms,
        )
    return out


def _read_vobject(data: bytes) -> dict[str, Seen] | None:
    """The same as vobject reads it, zones built from the file's VTIMEZONE; None without vobject."""
    try:
        import vobject
        import vobject.icalendar
    except ImportError:
        return None
    registry = vars(vobject.icalendar)["__tzidMap"]  # process-wide; else it falls back to pytz
    registry.clear()
    registry["UTC"] = vobject.icalendar.utc
    out: dict[str, Seen] = {}
    for ev in vobject.readOne(data.decode("utf-8")).vevent_list:
        start = ev.dtstart.value
        alarms = tuple(
            (a.action.value, a.description.value, a.trigger.value)
            for a in getattr(ev, "valarm_list", [])
        )
        out[ev.uid.value] = (
            ev.uid.value,
            start.astimezone(UTC),
            ev.duration.value if hasattr(ev, "duration") else None,
            ev.summary.value,
            ev.description.value if hasattr(ev, "description") else None,
            alarms,
        )
    return out


def check(outputs: dict[str, bytes], records: list[Any]) -> dict[str, Any]:
    """Every output, read by icalendar, holds exactly the workload's events; clientops' output
    reads the same in vobject as in icalendar. Exits on a mismatch."""
    expected = {
        r.uid: (
            r.uid,
            r.start.astimezone(UTC),
            r.duration,
            r.summary,
            r.description,
            (("DISPLAY", r.summary, -r.alarm_before),),
        )
        for r in records
    }
    found: dict[str, Any] = {"events": len(records)}
    for case, data in outputs.items():
        got = _read_icalendar(data)
        if got != expected:
            bad = next((u for u in expected if got.get(u) != expected[u]), None)
            raise SystemExit(
                f"bench_calendar: icalendar reads {case}'s output differently: "
                f"{len(got)} events; first difference at {bad!r}: "
                f"{got.get(bad) if bad else None!r} != {expected.get(bad) if bad else None!r}"
            )
        found[f"icalendar_reads_{case}"] = "same events"
    second = _read_vobject(outputs["clientops"])
    if second is None:
        found["vobject_reads_clientops"] = "vobject not installed: not checked"
    elif second != expected:
        bad = next((u for u in expected if second.get(u) != expected[u]), None)
        raise SystemExit(
            f"bench_calendar: vobject reads clientops' output differently at {bad!r}: "
            f"{second.get(bad) if bad else None!r}"
        )
    else:
        found["vobject_reads_clientops"] = "same events"
    return found


def _longest_line(data: bytes) -> int:
    return max(len(line) for line in data.split(b"\r\n"))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0])
    ap.add_argument("--n", type=int, default=workloads.N_EVENTS, help="events per calendar")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case (5)")
    args = ap.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        ap.error("--n and --repeat must be positive")

    records = workloads.gen_events(args.n)
    impls: dict[str, Callable[[list[Any]], bytes]] = {
        "icalendar": plain.with_icalendar,
        "clientops_cold": with_clientops_cold,
        "icalendar_cached_tz": plain.make_icalendar_cached_tz(),
        "clientops": with_clientops,
        "floor_handwritten": plain.floor,
    }
    outputs = {case: fn(records) for case, fn in impls.items()}
    checks = check(outputs, records)
    harness.log(f"bench_calendar: n={args.n} repeat={args.repeat}; checks: {checks}")

    res = harness.compare(
        {case: (lambda fn=fn: fn(records)) for case, fn in impls.items()},
        repeat=args.repeat,
        min_time=0,
        baseline="icalendar",
    )
    per_s = {
        case: {
            "median": round(args.n / res[case]["median"], 1),
            "min": round(args.n / res[case]["max"], 1),
            "max": round(args.n / res[case]["min"], 1),
        }
        for case in impls
    }
    # speed-ups: t_icalendar / t_clientops, each pair with its VTIMEZONE made alike
    speedup_cold = harness.paired_ratio(res, "icalendar", "clientops_cold")
    speedup_cached = harness.paired_ratio(res, "icalendar_cached_tz", "clientops")
    speedup = min(speedup_cold, speedup_cached)
    of_floor = harness.paired_ratio(res, "floor_handwritten", "clientops")
    for case in impls:
        r = res[case]
        harness.log(
            f"{case:>19}: {per_s[case]['median']:>9,.0f} events/s  (median {r['median']:.3f} s "
            f"for {args.n} events, min {r['min']:.3f} s, max {r['max']:.3f} s, {r['runs']} runs)"
        )
    harness.log(
        f"clientops = {speedup_cold:.1f}x icalendar with the VTIMEZONE made on every export, "
        f"{speedup_cached:.1f}x with it cached on both sides (target >= {TARGET:.0f}x): "
        f"{'MET' if speedup >= TARGET else 'NOT MET'}; "
        f"{of_floor:.2f} of the hand-written floor's speed"
    )
    harness.emit(
        {
            "bench": "calendar-clientops",
            "n_events": args.n,
            "repeat": args.repeat,
            "seed": workloads.SEED,
            "timed": "from the workload's plain records to the .ics bytes (conversion included)",
            "events_per_s": per_s,
            "speedup_vs_icalendar": speedup,
            "speedup_vs_icalendar_cold": speedup_cold,
            "speedup_vs_icalendar_cached_tz": speedup_cached,
            "target_speedup": TARGET,
            "meets_target": speedup >= TARGET,
            "speed_of_floor": of_floor,
            "time_ratio_vs_icalendar": res["ratios"],
            "output_bytes": {case: len(data) for case, data in outputs.items()},
            "longest_line_octets": {case: _longest_line(data) for case, data in outputs.items()},
            "checks": checks,
            "results": res,
            "machine": harness.machine(),
            "versions": harness.versions("clientops", "icalendar", "vobject", "attrs"),
        }
    )


if __name__ == "__main__":
    main()
