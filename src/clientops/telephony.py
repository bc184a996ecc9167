"""The telephony area: the PBX backend port, its call events and originating calls.

``ops.telephony`` is a :class:`TelephonyService`; a backend implements :class:`Telephony`.
"""

from __future__ import annotations

from clientops import _rehome
from clientops._telephony import (
    CallAnswered,
    CallEnded,
    CallMissed,
    CallRecorded,
    CallRinging,
    CallSignal,
    CallStarted,
    CallTransferred,
    OriginateRequest,
    Origination,
    ReplayError,
    SignatureError,
    Telephony,
    TelephonyError,
    TelephonyFactory,
    TelephonyPolicy,
    UnsupportedNotificationError,
    WebhookError,
)
from clientops._telephony_service import (
    TelephonyService,
)

__all__ = [
    "CallAnswered",
    "CallEnded",
    "CallMissed",
    "CallRecorded",
    "CallRinging",
    "CallSignal",
    "CallStarted",
    "CallTransferred",
    "OriginateRequest",
    "Origination",
    "ReplayError",
    "SignatureError",
    "Telephony",
    "TelephonyError",
    "TelephonyFactory",
    "TelephonyPolicy",
    "TelephonyService",
    "UnsupportedNotificationError",
    "WebhookError",
]

_rehome.rehome(__name__, __all__, globals())
