"""The agenda area: a manager's day — calls due, reminders, visits, satisfaction calls.

``ops.agenda`` is an :class:`AgendaService`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._agenda import (
    Agenda,
    AgendaItem,
    AgendaKind,
    ClientTouch,
    TouchKind,
    build_agenda,
)
from clientops._agenda_service import (
    AgendaService,
)

__all__ = [
    "Agenda",
    "AgendaItem",
    "AgendaKind",
    "AgendaService",
    "ClientTouch",
    "TouchKind",
    "build_agenda",
]

_rehome.rehome(__name__, __all__, globals())
