"""Reading .ics back with vobject, the second parser (it shares no code with icalendar)."""

from __future__ import annotations

from typing import Any

import vobject
import vobject.icalendar


def read_vcalendar(data: bytes) -> Any:
    """vobject keeps one process-wide TZID -> tzinfo registry and falls back to pytz by name:
    empty it first, so each zone is built from *this* file's VTIMEZONE by dateutil's tzical."""
    registry = vars(vobject.icalendar)["__tzidMap"]
    registry.clear()
    registry["UTC"] = vobject.icalendar.utc
    return vobject.readOne(data.decode("utf-8"))
