"""The calls area: incoming calls routed to a card, an appeal and a reaction, and the call log.

``ops.calls`` is a :class:`CallsService`. The PBX itself (its events, the backend port) is
:mod:`clientops.telephony`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._call_service import (
    CallChange,
    CallsService,
)
from clientops._telephony import (
    CallDirection,
    CallFigures,
    CallLogEntry,
    CallMetrics,
    CallNumber,
    CallStatus,
    IncomingCallNotice,
    apply_event,
    build_call_log,
    call_metrics,
    missed_call_appeal,
    missed_call_reaction,
)
from clientops.rules.calls import (
    CallBranch,
    CallIntent,
    CallRouting,
    IncomingCall,
)

__all__ = [
    "CallBranch",
    "CallChange",
    "CallDirection",
    "CallFigures",
    "CallIntent",
    "CallLogEntry",
    "CallMetrics",
    "CallNumber",
    "CallRouting",
    "CallStatus",
    "CallsService",
    "IncomingCall",
    "IncomingCallNotice",
    "apply_event",
    "build_call_log",
    "call_metrics",
    "missed_call_appeal",
    "missed_call_reaction",
]

_rehome.rehome(__name__, __all__, globals())
