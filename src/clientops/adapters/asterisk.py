"""Asterisk through its Manager Interface (AMI): call events in, click-to-call and transfer out.

Two parts, kept apart so that the first can be tested (and reused) without a network:

* :class:`AmiTranslator` turns AMI events (``key: value`` messages, as mappings) into
  clientops :class:`~clientops.telephony.CallSignal` values. It is pure apart from the state of
  the calls in progress it keeps, and never raises for a bad event.
* :class:`AsteriskAmi` is the :class:`~clientops.telephony.Telephony` port (name
  ``"asterisk"``) over a live AMI connection made with the ``panoramisk`` client: it logs in,
  feeds every event to a translator and hands the call events to ``on_event``; it places
  click-to-calls (``Originate``) and transfers calls (``Redirect``).

**The events used** are those of Asterisk 12 and later (the Stasis-based set); the adapter
is written against Asterisk 16 and later, whose ``Originate`` documents ``ChannelId``. One
call is all the channels that share a ``Linkedid`` («Uniqueid of the oldest channel
associated with this channel»): that is the call's ``call_id``.

**Sources**, followed here: docs.asterisk.org, «AMI Events» (Newchannel, DialBegin, DialEnd,
BridgeEnter, BlindTransfer, AttendedTransfer, VarSet, Hangup, OriginateResponse) and «AMI
Actions» (Login, Originate, Redirect) for Asterisk 16–21; «The Asterisk Manager TCP/IP API»
for the wire format; ``configs/samples/manager.conf.sample`` (asterisk/asterisk) for the
permission classes and ``timestampevents``; the MixMonitor application's page for
``MIXMONITOR_FILENAME``; Dial's ``DIALSTATUS`` values and ``include/asterisk/causes.h`` for
the statuses; panoramisk 1.4's ``manager.py`` and ``ami_protocol.py`` for how it logs in,
matches answers to ``ActionID`` and reconnects.

======================  ====================================================  ====================
AMI event               when                                                  clientops event
======================  ====================================================  ====================
Newchannel              the call's first channel (``Uniqueid == Linkedid``)   CallStarted, incoming
                        is on a trunk
DialBegin               an incoming call dials an extension                   CallRinging
DialBegin               a call made by an extension dials a trunk             CallStarted, outgoing
DialEnd                 ``DialStatus: ANSWER`` (an extension or, for an       CallAnswered
                        outgoing call, the trunk answered)
BridgeEnter             an extension joins a bridge of an incoming call, or   CallAnswered (once
                        the trunk one of an outgoing call                     per extension)
BlindTransfer           ``Result: Success``                                   CallTransferred
AttendedTransfer        ``Result: Success``                                   CallTransferred
VarSet                  ``Variable: MIXMONITOR_FILENAME`` (set by             (kept for the end)
                        MixMonitor: «the filename used to record»)
Hangup                  the last channel of the call seen is hung up          CallEnded (and
                                                                              CallRecorded)
======================  ====================================================  ====================

**Incoming or outgoing.** A channel is *on a trunk* (the outside world) when its ``Context``
is one of ``trunk_contexts`` (``from-trunk``, ``from-pstn`` by default: the contexts the
trunks' endpoints are configured with) or when its name starts with one of
``trunk_channels`` (``"PJSIP/megafon"``). Every other channel belongs to an extension. A call
whose first channel is on a trunk is **incoming**; a call started by an extension is
**outgoing**, and is reported only once it dials a trunk: a call from one extension to
another never reaches a client and is left out of the log. The extension of a channel is
its name between the technology and the unique suffix (``PJSIP/101-0000002a``,
``Local/101@from-internal-00000003;1``: ``101``, see :func:`channel_extension`);
``extensions`` maps it to an employee.

**How a call ended.** When the last channel of the call the translator saw is hung up: an
answered call is ANSWERED; otherwise the last ``DialStatus`` of its extensions (incoming) or
of the trunk (outgoing) decides (:data:`DIAL_STATUSES`), else the ``Cause`` of that hangup
(:data:`HANGUP_CAUSES`). The duration runs from the first channel's ``Newchannel`` to that
``Hangup``; the airtime from the first answer. A call whose first channel the translator did
not see (it connected in the middle of it) is left out, as nothing would say when it began.

**Times.** With ``timestampevents = yes`` in ``manager.conf`` every event carries
``Timestamp:`` (Unix time) and the events take it; without it, the time they are received
(``clock``). Durations are whole seconds, rounded down.

**Recordings.** ``MixMonitor`` sets ``MIXMONITOR_FILENAME`` on the channel; the ``VarSet``
event (class ``dialplan``) tells its value, which becomes the call's ``recording``: reported
by ``CallEnded`` and by a ``CallRecorded`` at the end of the call, when the file is complete.

**Left out on purpose.** The ``Cdr`` event: since Asterisk 12 a call with several parties
writes several CDRs (one per pair) and the default ``Cdr`` event carries no ``LinkedID``, so
it cannot be tied to one call reliably; the channel events above already say when the call
began, was answered and ended. Events of other kinds are ignored quietly.

**Malformed events** (a missing field, a ``Timestamp`` or ``Cause`` that is not a number, a
header given twice…) are logged (warning, logger ``clientops.adapters.asterisk``) and skipped;
the translator and the connection go on. AMI delivers events in order over one connection;
the same message twice gives the same call events (which :func:`~clientops.telephony.build_call_log`
then counts once).

**Commands** — see :class:`AsteriskAmi`: ``Originate`` (``Async: true``, ``ActionID`` = the
request's key, ``ChannelId`` derived from the key so the call's id is known at once), at most
once per key; ``Redirect`` of the call's outside channel for a transfer.

Example::

    >>> from datetime import UTC, datetime
    >>> from clientops.model import EmployeeId
    >>> t = AmiTranslator(extensions={"101": EmployeeId("anna")})
    >>> t.feed({"Event": "Newchannel", "Channel": "PJSIP/trunk-00000001",
    ...         "Context": "from-trunk", "Exten": "74951234567", "CallerIDNum": "79123456789",
    ...         "Uniqueid": "1750662000.1", "Linkedid": "1750662000.1",
    ...         "Timestamp": "1750662000.000000"})[0].from_number.phone.e164
    '+79123456789'
    >>> t.feed({"Event": "DialBegin", "Channel": "PJSIP/trunk-00000001",
    ...         "Uniqueid": "1750662000.1", "Linkedid": "1750662000.1",
    ...         "DestChannel": "PJSIP/101-00000002", "DestContext": "from-internal",
    ...         "DestUniqueid": "1750662000.2", "DestLinkedid": "1750662000.1",
    ...         "DialString": "101", "Timestamp": "1750662001.000000"})[0].employee_id
    'anna'
    >>> t.feed({"Event": "DialEnd", "DestChannel": "PJSIP/101-00000002",
    ...         "DestUniqueid": "1750662000.2", "DestLinkedid": "1750662000.1",
    ...         "DialStatus": "NOANSWER", "Timestamp": "1750662021.000000"})
    ()
    >>> t.feed({"Event": "Hangup", "Channel": "PJSIP/101-00000002", "Cause": "19",
    ...         "Uniqueid": "1750662000.2", "Linkedid": "1750662000.1"})   # the caller still waits
    ()
    >>> t.feed({"Event": "Hangup", "Channel": "PJSIP/trunk-00000001", "Cause": "16",
    ...         "Uniqueid": "1750662000.1", "Linkedid": "1750662000.1",
    ...         "Timestamp": "1750662025.000000"})[0].status
    <CallStatus.NO_ANSWER: 'no_answer'>
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType, TracebackType
from typing import Any, Protocol, TypeVar

import attrs

from clientops import _redact
from clientops._telephony import (
    CallAnswered,
    CallDirection,
    CallEnded,
    CallNumber,
    CallRecorded,
    CallRinging,
    CallSignal,
    CallStarted,
    CallStatus,
    CallTransferred,
    OriginateRequest,
    Origination,
    TelephonyError,
)
from clientops.errors import ConfigurationError, FieldError, ValidationError
from clientops.model import EmployeeId, Phone

__all__ = [
    "BACKEND",
    "DEFAULT_TRUNK_CONTEXTS",
    "DIAL_STATUSES",
    "HANGUP_CAUSES",
    "AmiTranslator",
    "AsteriskAmi",
    "channel_extension",
]

BACKEND = "asterisk"

#: The contexts whose channels are on a trunk, unless told otherwise (FreePBX's and the
#: sample dialplan's names for calls from the provider).
DEFAULT_TRUNK_CONTEXTS: tuple[str, ...] = ("from-trunk", "from-pstn")

#: ``DialStatus`` of ``DialEnd`` (the values of Dial's ``DIALSTATUS``) in clientops terms. Any
#: other value counts as FAILED.
DIAL_STATUSES: Mapping[str, CallStatus] = MappingProxyType(
    {
        "ANSWER": CallStatus.ANSWERED,
        "BUSY": CallStatus.BUSY,
        "NOANSWER": CallStatus.NO_ANSWER,
        "CANCEL": CallStatus.CANCELLED,
        "CONGESTION": CallStatus.FAILED,
        "CHANUNAVAIL": CallStatus.FAILED,
        "DONTCALL": CallStatus.FAILED,
        "TORTURE": CallStatus.FAILED,
        "INVALIDARGS": CallStatus.FAILED,
    }
)

#: The Q.850 ``Cause`` of the last hangup (Asterisk's ``causes.h``), for an unanswered call
#: that dialled nobody: normal clearing means the caller hung up. Any other cause is FAILED.
HANGUP_CAUSES: Mapping[int, CallStatus] = MappingProxyType(
    {
        16: CallStatus.CANCELLED,  # normal clearing
        17: CallStatus.BUSY,  # user busy
        18: CallStatus.NO_ANSWER,  # no user responding
        19: CallStatus.NO_ANSWER,  # no answer
        21: CallStatus.BUSY,  # call rejected (declined)
        31: CallStatus.CANCELLED,  # normal, unspecified
    }
)

_log = logging.getLogger(__name__)

#: A Unix time as ``timestampevents`` writes it (``1750662000.123456``).
_EPOCH = re.compile(r"\d{1,11}(?:\.\d{1,9})?")
#: A channel name: technology, resource, the unique suffix, the Local half.
_CHANNEL = re.compile(r"^[^/]+/(?P<resource>.+?)(?:-[0-9a-fA-F]{8,})?(?:;[12])?$")
#: What may be sent to the PBX as an extension, a number or a line: no spaces, no line breaks.
_SAFE = re.compile(r"[\w*#+.@-]{1,64}", re.ASCII)
#: A phone number inside a dial string (``PJSIP/79123456789@trunk``).
_DIGITS = re.compile(r"\+?\d{6,}")
#: The caller-id Asterisk writes when it has none.
_UNKNOWN = "<unknown>"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def channel_extension(channel: str | None) -> str | None:
    """The extension a channel belongs to: its name without the technology, the unique
    suffix, the Local half and the context.

    >>> channel_extension("PJSIP/101-0000002a"), channel_extension("SIP/anna-000000ff")
    ('101', 'anna')
    >>> channel_extension("Local/102@from-queue-00000003;2"), channel_extension("garbage")
    ('102', None)
    """
    if not channel:
        return None
    match = _CHANNEL.match(channel.strip())
    if match is None:
        return None
    return match["resource"].split("@", 1)[0] or None


# =========================================================================== the translator


class _Malformed(Exception):
    """An AMI event that cannot be read (its text names the field)."""


class _Fields:
    """An AMI message read case-insensitively; empty values and ``<unknown>`` are absent."""

    def __init__(self, message: Mapping[str, str]) -> None:
        self._values = {str(k).strip().lower(): v for k, v in message.items()}

    def optional(self, name: str) -> str | None:
        value = self._values.get(name.lower())
        if value is None:
            return None
        if not isinstance(value, str):
            raise _Malformed(f"{name}: {value!r} is not text")
        value = value.strip()
        if "\n" in value or "\r" in value:
            raise _Malformed(f"{name}: given more than once")
        return value if value and value != _UNKNOWN else None

    def required(self, name: str) -> str:
        value = self.optional(name)
        if value is None:
            raise _Malformed(f"{name}: missing")
        return value

    def time(self, clock: Callable[[], datetime]) -> datetime:
        raw = self.optional("Timestamp")
        if raw is None:
            return clock()
        if not _EPOCH.fullmatch(raw):
            raise _Malformed(f"Timestamp: {raw!r} is not a Unix time")
        try:
            return datetime.fromtimestamp(float(raw), UTC)
        except (OverflowError, OSError, ValueError):
            raise _Malformed(f"Timestamp: {raw!r} is out of range") from None

    def cause(self) -> int:
        raw = self.required("Cause")
        if not raw.isascii() or not raw.isdigit():
            raise _Malformed(f"Cause: {raw!r} is not a cause code")
        return int(raw)


@attrs.define
class _Channel:
    name: str
    outside: bool


@attrs.define
class _Call:
    """What the translator knows of a call in progress."""

    call_id: str
    started_at: datetime
    incoming: bool
    #: the extension that made an outgoing call
    extension: str | None
    last_seen: datetime
    #: the live channels of the call, by Uniqueid
    channels: dict[str, _Channel] = attrs.Factory(dict)
    #: the CallStarted sent; None while an outgoing call has not reached a trunk
    start: CallStarted | None = None
    answered_at: datetime | None = None
    #: who answered, in order (None: someone outside, a forwarded call)
    answered: list[str | None] = attrs.Factory(list)
    rang: str | None = None
    holder: str | None = None
    dial_status: str | None = None
    recording: str | None = None


def _duration(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


class AmiTranslator:
    """AMI events in, clientops call events out; one translator per AMI connection.

    :meth:`feed` takes each event as a mapping of its headers (any case) and returns the
    call events it means, often none. Options:

    ``trunk_contexts``
        the contexts whose channels are on a trunk (default :data:`DEFAULT_TRUNK_CONTEXTS`);
    ``trunk_channels``
        channel-name prefixes that are on a trunk too (``("PJSIP/megafon",)``);
    ``extensions``
        extension → employee, to name the employee in the events;
    ``region``, ``strict_phones``
        how numbers are read (:meth:`~clientops.telephony.CallNumber.parse`);
    ``clock``
        the time of an event that carries no ``Timestamp``;
    ``stale_after``
        a call with no event for this long is forgotten (its end was lost in an outage);
    ``remember_ended``
        how many ended calls are remembered, so that a late repeat of their events is
        ignored instead of starting them again.
    """

    def __init__(
        self,
        *,
        trunk_contexts: Collection[str] = DEFAULT_TRUNK_CONTEXTS,
        trunk_channels: Collection[str] = (),
        extensions: Mapping[str, EmployeeId] | None = None,
        region: str = "RU",
        strict_phones: bool = True,
        clock: Callable[[], datetime] = _utcnow,
        stale_after: timedelta = timedelta(hours=12),
        remember_ended: int = 10_000,
    ) -> None:
        if isinstance(trunk_contexts, str) or isinstance(trunk_channels, str):
            raise ConfigurationError("asterisk: trunk_contexts and trunk_channels are collections")
        if not trunk_contexts and not trunk_channels:
            raise ConfigurationError(
                "asterisk: name the trunks (trunk_contexts or trunk_channels), or every call "
                "looks internal"
            )
        if not isinstance(stale_after, timedelta) or stale_after <= timedelta(0):
            raise ConfigurationError(f"asterisk: stale_after must be positive, got {stale_after!r}")
        if not isinstance(remember_ended, int) or remember_ended < 0:
            raise ConfigurationError(
                f"asterisk: remember_ended must be >= 0, got {remember_ended!r}"
            )
        self._trunk_contexts = frozenset(trunk_contexts)
        self._trunk_channels = tuple(trunk_channels)
        self._extensions = MappingProxyType(dict(extensions or {}))
        self._region = region
        self._strict = strict_phones
        self._clock = clock
        self._stale_after = stale_after
        self._remember = remember_ended
        self._calls: dict[str, _Call] = {}
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._handlers: Mapping[str, Callable[[_Fields, datetime], tuple[CallSignal, ...]]] = {
            "newchannel": self._newchannel,
            "dialbegin": self._dial_begin,
            "dialend": self._dial_end,
            "bridgeenter": self._bridge_enter,
            "blindtransfer": self._blind_transfer,
            "attendedtransfer": self._attended_transfer,
            "varset": self._varset,
            "hangup": self._hangup,
        }

    # ------------------------------------------------------------------ public

    def feed(self, message: Mapping[str, str]) -> tuple[CallSignal, ...]:
        """The call events ``message`` (one AMI event) means. A malformed event is logged
        and gives none; it changes nothing."""
        try:
            fields = _Fields(message)
            kind = fields.optional("Event")
        except _Malformed as exc:
            _log.warning("asterisk: unreadable event skipped: %s", exc)
            return ()
        if kind is None:
            _log.warning("asterisk: a message without Event skipped")
            return ()
        handler = self._handlers.get(kind.lower())
        if handler is None:
            return ()
        try:
            return handler(fields, fields.time(self._clock))
        except (_Malformed, ValueError, TypeError) as exc:
            _log.warning("asterisk: %s event skipped: %s", kind, exc)
            _log.debug("asterisk: the skipped event: %r", dict(message))
            return ()

    @property
    def in_progress(self) -> tuple[str, ...]:
        """The ids of the calls reported as started and not yet ended."""
        return tuple(c.call_id for c in self._calls.values() if c.start is not None)

    # ------------------------------------------------------------------ helpers

    def _number(self, text: str | None) -> CallNumber:
        return CallNumber.parse(text, self._region, strict=self._strict)

    def _employee(self, extension: str | None) -> EmployeeId | None:
        return self._extensions.get(extension) if extension else None

    def _outside(self, channel: str, context: str | None) -> bool:
        return (context is not None and context in self._trunk_contexts) or channel.startswith(
            self._trunk_channels
        )

    def _call(self, linked: str, at: datetime) -> _Call | None:
        call = self._calls.get(linked)
        if call is None:
            if linked not in self._ended:
                _log.debug("asterisk: an event of call %s, whose start was not seen", linked)
            return None
        call.last_seen = at
        return call

    def _channel(self, call: _Call, uid: str, channel: str, context: str | None) -> _Channel:
        known = call.channels.get(uid)
        return known if known is not None else _Channel(channel, self._outside(channel, context))

    def _answer(self, call: _Call, extension: str | None, at: datetime) -> tuple[CallSignal, ...]:
        if extension in call.answered:
            return ()
        event = CallAnswered(
            call_id=call.call_id,
            at=at,
            extension=extension,
            employee_id=self._employee(extension),
        )
        call.answered.append(extension)
        if call.answered_at is None or at < call.answered_at:
            call.answered_at = at
        if call.holder is None:
            call.holder = extension
        return (event,)

    def _forget_stale(self, now: datetime) -> None:
        for call in [c for c in self._calls.values() if now - c.last_seen > self._stale_after]:
            _log.warning(
                "asterisk: call %s forgotten: nothing heard of it since %s (its end was lost)",
                call.call_id,
                call.last_seen.isoformat(),
            )
            del self._calls[call.call_id]
            self._remember_end(call.call_id)

    def _remember_end(self, call_id: str) -> None:
        self._ended[call_id] = None
        while len(self._ended) > self._remember:
            self._ended.popitem(last=False)

    # ------------------------------------------------------------------ events

    def _newchannel(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        channel, uid, linked = f.required("Channel"), f.required("Uniqueid"), f.required("Linkedid")
        context, exten, caller = (
            f.optional("Context"),
            f.optional("Exten"),
            f.optional("CallerIDNum"),
        )
        if linked in self._ended:
            return ()
        outside = self._outside(channel, context)
        if uid != linked:  # another channel of a call: remembered, to know when it ends
            call = self._call(linked, at)
            if call is not None:
                call.channels.setdefault(uid, _Channel(channel, outside))
            return ()
        known = self._calls.get(linked)
        if known is not None:  # the same message again
            return (known.start,) if known.start is not None else ()
        self._forget_stale(at)
        did = None if exten == "s" else exten
        start = None
        if outside:
            start = CallStarted(
                call_id=linked,
                direction=CallDirection.INCOMING,
                from_number=self._number(caller),
                to_number=self._number(did),
                line=did,
                at=at,
            )
        call = _Call(
            call_id=linked,
            started_at=at,
            incoming=outside,
            extension=None if outside else channel_extension(channel),
            last_seen=at,
            start=start,
        )
        call.channels[uid] = _Channel(channel, outside)
        self._calls[linked] = call
        return (start,) if start is not None else ()

    def _dial_begin(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        dest, duid = f.required("DestChannel"), f.required("DestUniqueid")
        linked = f.required("DestLinkedid")
        context, exten = f.optional("DestContext"), f.optional("DestExten")
        shown, dial = f.optional("DestConnectedLineNum"), f.optional("DialString")
        call = self._call(linked, at)
        if call is None:
            return ()
        leg = self._channel(call, duid, dest, context)
        events: tuple[CallSignal, ...] = ()
        rang = call.rang
        start = call.start
        if call.incoming and not leg.outside:
            rang = channel_extension(dest)
            events = (
                CallRinging(
                    call_id=call.call_id, at=at, extension=rang, employee_id=self._employee(rang)
                ),
            )
        elif not call.incoming and leg.outside and call.start is None:
            line = shown if shown is not None and self._number(shown).known else None
            start = CallStarted(
                call_id=call.call_id,
                direction=CallDirection.OUTGOING,
                from_number=self._number(call.extension),
                to_number=self._dialled(exten, dial),
                line=line,
                at=call.started_at,
                extension=call.extension,
                employee_id=self._employee(call.extension),
            )
            events = (start,)
        call.channels.setdefault(duid, leg)
        call.rang, call.start = rang, start
        return events

    def _dialled(self, exten: str | None, dial: str | None) -> CallNumber:
        """The number an outgoing call dials: the dialplan's extension when it is a phone,
        else the first number in the dial string, else the extension as it is."""
        number = self._number(exten)
        if number.known or dial is None:
            return number
        found = _DIGITS.search(dial)
        if found is not None and self._number(found.group()).known:
            return self._number(found.group())
        return number if exten is not None else self._number(dial)

    def _dial_end(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        dest, duid = f.required("DestChannel"), f.required("DestUniqueid")
        linked, status = f.required("DestLinkedid"), f.required("DialStatus").upper()
        context = f.optional("DestContext")
        call = self._call(linked, at)
        if call is None or call.start is None:
            return ()
        leg = self._channel(call, duid, dest, context)
        counts = (
            call.incoming or leg.outside
        )  # extensions of an incoming call, the trunk of an outgoing
        if not counts:
            return ()
        if status == "ANSWER":
            if call.incoming:
                return self._answer(call, None if leg.outside else channel_extension(dest), at)
            return self._answer(call, call.extension, at)
        call.dial_status = status
        return ()

    def _bridge_enter(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        channel, uid, linked = f.required("Channel"), f.required("Uniqueid"), f.required("Linkedid")
        context = f.optional("Context")
        call = self._call(linked, at)
        if call is None or call.start is None:
            return ()
        leg = self._channel(call, uid, channel, context)
        call.channels.setdefault(uid, leg)
        if call.incoming and not leg.outside:
            return self._answer(call, channel_extension(channel), at)
        if not call.incoming and leg.outside:
            return self._answer(call, call.extension, at)
        return ()

    def _transferred(
        self, call: _Call, to_extension: str, from_extension: str | None, at: datetime
    ) -> CallTransferred:
        event = CallTransferred(
            call_id=call.call_id,
            at=at,
            to_extension=to_extension,
            to_employee_id=self._employee(to_extension),
            from_extension=from_extension,
            from_employee_id=self._employee(from_extension),
        )
        call.holder = to_extension
        return event

    def _extension_of(self, f: _Fields, prefix: str) -> str | None:
        channel = f.optional(f"{prefix}Channel")
        if channel is None or self._outside(channel, f.optional(f"{prefix}Context")):
            return None
        return channel_extension(channel)

    def _blind_transfer(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        result, to = f.required("Result"), f.required("Extension")
        ids = [f.optional("TransfereeLinkedid"), f.optional("TransfererLinkedid")]
        if not any(ids):
            raise _Malformed("TransfererLinkedid: missing")
        if result.lower() != "success":
            return ()
        call = next((c for c in (self._call(i, at) for i in ids if i) if c is not None), None)
        if call is None or call.start is None:
            return ()
        return (self._transferred(call, to, self._extension_of(f, "Transferer"), at),)

    def _attended_transfer(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        result = f.required("Result")
        legs = {leg: f.optional(f"{leg}TransfererLinkedid") for leg in ("Orig", "Second")}
        if not any(legs.values()):
            raise _Malformed("OrigTransfererLinkedid: missing")
        if result.lower() != "success":
            return ()
        for leg, other in (("Orig", "Second"), ("Second", "Orig")):
            linked = legs[leg]
            call = self._call(linked, at) if linked else None
            if call is None or call.start is None:
                continue
            to = self._extension_of(f, "TransferTarget") or f.optional(f"{other}TransfererExten")
            if to is None:
                raise _Malformed(f"TransferTargetChannel, {other}TransfererExten: missing")
            return (self._transferred(call, to, self._extension_of(f, f"{leg}Transferer"), at),)
        return ()

    def _varset(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        variable = f.optional("Variable")
        if variable is None or variable.upper() != "MIXMONITOR_FILENAME":
            return ()
        linked, value = f.required("Linkedid"), f.optional("Value")
        call = self._call(linked, at)
        if call is not None and value is not None:
            call.recording = value
        return ()

    def _hangup(self, f: _Fields, at: datetime) -> tuple[CallSignal, ...]:
        uid, linked, cause = f.required("Uniqueid"), f.required("Linkedid"), f.cause()
        call = self._call(linked, at)
        # a bridge gives its channels the oldest Linkedid: the channel may still be counted
        # under the call it started in
        owners = [c for c in self._calls.values() if uid in c.channels and c is not call]
        if call is not None:
            owners.append(call)
        events: list[CallSignal] = []
        for owner in owners:
            if any(other != uid for other in owner.channels):
                owner.channels.pop(uid, None)
                continue
            if owner.start is not None:
                events += self._ended_events(owner, cause, at)
            else:
                _log.debug(
                    "asterisk: call %s never left the PBX: not a client's call", owner.call_id
                )
            del self._calls[owner.call_id]
            self._remember_end(owner.call_id)
        return tuple(events)

    def _ended_events(self, call: _Call, cause: int, at: datetime) -> tuple[CallSignal, ...]:
        start = call.start
        assert start is not None
        if call.answered:
            status = CallStatus.ANSWERED
        elif call.dial_status is not None:
            status = DIAL_STATUSES.get(call.dial_status, CallStatus.FAILED)
        else:
            status = HANGUP_CAUSES.get(cause, CallStatus.FAILED)
        if not call.incoming:
            who = call.extension
        elif call.answered:
            who = call.answered[0]
        else:
            who = call.rang
        ended = CallEnded(
            call_id=call.call_id,
            at=at,
            status=status,
            duration_seconds=_duration(call.started_at, at),
            talk_seconds=(_duration(call.answered_at, at) if call.answered_at is not None else 0),
            recording=call.recording,
            extension=who,
            employee_id=self._employee(who),
            direction=start.direction,
            from_number=start.from_number,
            to_number=start.to_number,
            line=start.line,
            started_at=call.started_at,
        )
        if call.recording is None:
            return (ended,)
        return (ended, CallRecorded(call_id=call.call_id, recording=call.recording))

    # ------------------------------------------------------------------ for AsteriskAmi

    def _outside_channel(self, call_id: str) -> str | None:
        """The channel of the call's outside party (the caller of an incoming call, the
        trunk of an outgoing one), to redirect it."""
        call = self._calls.get(call_id)
        if call is None or call.start is None:
            return None
        first = call.channels.get(call_id)
        if first is not None and first.outside:
            return first.name
        return next((c.name for c in call.channels.values() if c.outside), None)

    def _redirected(self, call_id: str, to_extension: str, at: datetime) -> CallTransferred | None:
        call = self._calls.get(call_id)
        if call is None:
            return None
        return self._transferred(call, to_extension, call.holder, at)


# =========================================================================== the connection


class _AmiManager(Protocol):
    """What is used of ``panoramisk.Manager`` (1.4)."""

    authenticated_future: asyncio.Future[Any] | None

    def connect(self) -> asyncio.Task[Any]: ...

    def register_event(self, pattern: str, callback: Callable[[Any, Any], object]) -> object: ...

    def send_action(
        self, action: dict[str, str | list[str]], as_list: bool | None = None
    ) -> asyncio.Future[Any]: ...

    def close(self) -> None: ...


def _manager_class() -> Callable[..., _AmiManager]:
    try:
        from panoramisk import Manager  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigurationError(
            "asterisk: the panoramisk package is needed (pip install 'panoramisk>=1.4,<2')"
        ) from exc
    return Manager  # type: ignore[no-any-return]


class _NotSent(Exception):
    """The action was not sent (no connection): nothing happened at the PBX."""


class _Unconfirmed(Exception):
    """The action was sent but its answer never came: it may have taken effect."""


#: Actions panoramisk must not send again by itself after a reconnection (by default it
#: re-sends the ones left without an answer): a call must not be placed twice.
_FORGETTABLE = ("ping", "login", "logoff", "originate", "redirect")

_T = TypeVar("_T")


def _checked(field: str, value: str) -> str:
    if not isinstance(value, str) or not _SAFE.fullmatch(value):
        raise ValidationError(
            [FieldError(field, f"{value!r} is not an extension or number the PBX can take")]
        )
    return value


def _e164_digits(phone: Phone) -> str:
    return phone.e164.lstrip("+")


def _reply_text(reply: Any) -> str:
    message = reply.get("Message") if hasattr(reply, "get") else None
    return str(message) if message else "the PBX refused (Response: Error)"


def _succeeded(reply: Any) -> bool:
    return hasattr(reply, "get") and str(reply.get("Response", "")).lower() == "success"


def _channel_id(key: str) -> str:
    """The Uniqueid given to an originated call's first channel: derived from the request's
    key (so the call's id is known at once, and the same for the same key), and safe in file
    names built from ``${UNIQUEID}``."""
    return "clientops-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class AsteriskAmi:
    """The ``asterisk`` :class:`~clientops.telephony.Telephony` port over a live AMI connection.

    ``on_event`` receives every call event, in order, **in the adapter's own thread** (keep
    it short; a failure in it is logged and the next events still come). The connection is
    made by ``panoramisk`` in an asyncio event loop that runs in that background thread;
    :meth:`start` connects and logs in (or raises), :meth:`close` ends it all. Use it as a
    context manager::

        with AsteriskAmi(record, host="pbx.local", username="clientops", secret="…") as pbx:
            pbx.originate(request)

    The methods are synchronous and may be called from any thread but that one; each waits
    at most ``timeout`` seconds for the connection and as long again for the PBX's answer.

    **Click-to-call** (:meth:`originate`) sends ``Originate`` with ``Channel`` from
    ``channel`` (``"PJSIP/{extension}"``), ``Context``/``Priority`` from ``context`` and
    ``priority``, ``Exten`` the number to dial (``dial_number(request.to)``: the E.164 digits
    without ``+`` unless told otherwise), ``Timeout`` (``ring_seconds``), ``Async: true``,
    ``ActionID`` the request's key, ``ChannelId`` derived from the key (the call's id, in
    :attr:`~clientops.telephony.Origination.call_id`) and the channel variables
    ``CLIENTOPS_KEY``, ``CLIENTOPS_TO`` (E.164) and ``CLIENTOPS_LINE`` (when the request names
    a line) for the dialplan. **At most one call per key:** a key that was placed returns its
    first origination; one the PBX refused (``Response: Error``) may be tried again; one whose
    answer was lost (the connection dropped, or no answer within ``timeout``) is *not sent
    again* — it raises until an event of that call shows it was placed (then it returns the
    origination) or an ``OriginateResponse`` says it failed (then it may be tried again).
    Keys are remembered for the adapter's lifetime.

    **Transfer** (:meth:`transfer`) sends ``Redirect`` of the call's outside channel (the
    caller, or the trunk of an outgoing call) to ``to_extension`` in ``transfer_context``
    (``context`` by default). Asterisk reports no transfer event for a redirect, so the
    adapter hands on the :class:`~clientops.telephony.CallTransferred` itself once the PBX
    accepted it.

    **Errors** are :class:`~clientops.telephony.TelephonyError` with backend ``asterisk`` and
    the operation (``connect``, ``originate``, ``transfer``); a refusal carries the PBX's
    ``Message``. A bad extension or number is a ValidationError naming the field.

    **Reconnection** is panoramisk's: when the connection drops it connects and logs in again
    every ``reconnect_delay`` whole seconds until it succeeds (it pings every
    ``ping_interval`` seconds). The calls in progress are kept; AMI does not replay what was
    missed meanwhile. Losses, reconnections, refused logins and malformed events are logged
    (logger ``clientops.adapters.asterisk``; panoramisk's own under
    ``clientops.adapters.asterisk.panoramisk``).

    The translator's options (``trunk_contexts``, ``trunk_channels``, ``extensions``,
    ``region``, ``strict_phones``, ``clock``) are those of :class:`AmiTranslator`.
    """

    name: str = BACKEND

    def __init__(
        self,
        on_event: Callable[[CallSignal], object],
        *,
        username: str,
        secret: str,
        host: str = "127.0.0.1",
        port: int = 5038,
        trunk_contexts: Collection[str] = DEFAULT_TRUNK_CONTEXTS,
        trunk_channels: Collection[str] = (),
        extensions: Mapping[str, EmployeeId] | None = None,
        region: str = "RU",
        strict_phones: bool = True,
        channel: str = "PJSIP/{extension}",
        context: str = "from-internal",
        priority: int = 1,
        transfer_context: str | None = None,
        dial_number: Callable[[Phone], str] = _e164_digits,
        ring_seconds: int = 30,
        timeout: float = 10.0,
        reconnect_delay: int = 2,
        ping_interval: int = 10,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if not callable(on_event):
            raise ConfigurationError("asterisk: on_event must be callable")
        for option, value in (("username", username), ("secret", secret), ("host", host)):
            if not isinstance(value, str) or not value.strip() or "\n" in value or "\r" in value:
                raise ConfigurationError(f"asterisk: {option} is required (one line of text)")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ConfigurationError(f"asterisk: port must be 1..65535, got {port!r}")
        if "{extension}" not in channel:
            raise ConfigurationError(
                f"asterisk: channel must contain {{extension}}, got {channel!r}"
            )
        for option, number in (
            ("priority", priority),
            ("ring_seconds", ring_seconds),
            ("ping_interval", ping_interval),
        ):
            if not isinstance(number, int) or number < 1:
                raise ConfigurationError(f"asterisk: {option} must be >= 1, got {number!r}")
        if not isinstance(reconnect_delay, int) or reconnect_delay < 0:
            raise ConfigurationError(
                f"asterisk: reconnect_delay must be whole seconds >= 0, got {reconnect_delay!r}"
            )
        if not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigurationError(f"asterisk: timeout must be > 0, got {timeout!r}")
        for option, name in (("context", context), ("transfer_context", transfer_context)):
            if name is not None and (not isinstance(name, str) or not _SAFE.fullmatch(name)):
                raise ConfigurationError(f"asterisk: {option} {name!r} is not a context name")
        self._on_event = on_event
        self._username, self._secret = username, secret
        self._host, self._port = host, port
        self._where = f"{host}:{port}"
        self._channel = channel
        self._context = context
        self._priority = priority
        self._transfer_context = transfer_context or context
        self._dial_number = dial_number
        self._ring_seconds = ring_seconds
        self._timeout = float(timeout)
        self._reconnect_delay = reconnect_delay
        self._ping_interval = ping_interval
        self._clock = clock
        self._translator = AmiTranslator(
            trunk_contexts=trunk_contexts,
            trunk_channels=trunk_channels,
            extensions=extensions,
            region=region,
            strict_phones=strict_phones,
            clock=clock,
        )
        # the thread, its loop and the connection (touched in the loop's thread only)
        self._state_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._closing = False
        self._manager: _AmiManager | None = None
        self._online = threading.Event()
        self._online_async: asyncio.Event | None = None
        self._first_login: asyncio.Future[str | None] | None = None
        self._session_lost: asyncio.Future[None] | None = None
        self._logins = 0
        self._api_tasks: set[asyncio.Task[Any]] = set()
        # click-to-call, at most once per key (touched from every thread, under _lock)
        self._lock = threading.Lock()
        self._placed: dict[str, Origination] = {}
        self._unconfirmed: dict[str, str] = {}
        self._attempts: dict[str, concurrent.futures.Future[Origination]] = {}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> AsteriskAmi:
        """Connect and log in; returns once logged in. TelephonyError (operation
        ``connect``) when the PBX cannot be reached, refuses the login or does not answer
        within ``timeout``; nothing is left running then. Starting twice is harmless."""
        with self._state_lock:
            if self._closed:
                raise TelephonyError(BACKEND, "connect", "closed: make a new AsteriskAmi")
            if self._loop is not None:
                return self
            manager_class = _manager_class()
            loop = asyncio.new_event_loop()
            loop.set_exception_handler(self._loop_exception)
            self._loop = loop
            self._thread = threading.Thread(
                target=self._run_loop, args=(loop,), name=f"clientops-asterisk-{self._where}"
            )
            self._thread.daemon = True
            self._thread.start()
            future = asyncio.run_coroutine_threadsafe(self._connect(manager_class), loop)
        try:
            future.result(timeout=2 * self._timeout + 5)
        except concurrent.futures.TimeoutError:
            self.close()
            raise TelephonyError(BACKEND, "connect", f"{self._where} did not answer") from None
        except BaseException:
            self.close()
            raise
        return self

    def __enter__(self) -> AsteriskAmi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        """Whether the adapter is logged in now (False while it reconnects)."""
        return self._online.is_set()

    def wait_connected(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds to be logged in; whether it is."""
        return self._online.wait(timeout)

    def close(self) -> None:
        """Disconnect and stop the thread; idempotent. After it returns ``on_event`` is not
        called again, and the commands raise TelephonyError."""
        with self._state_lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if threading.current_thread() is thread:  # from on_event: do not wait for oneself
            loop.create_task(self._shutdown()).add_done_callback(lambda _: loop.stop())
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(
                timeout=self._timeout + 5
            )
        except Exception:  # pragma: no cover - the loop is stopped below anyway
            _log.exception("asterisk: closing the connection to %s failed", self._where)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()

    # ------------------------------------------------------------------ the port

    def originate(self, request: OriginateRequest) -> Origination:
        """Click-to-call: ring ``request.extension``, then dial ``request.to``; at most one
        call per ``request.key`` (see the class)."""
        if not isinstance(request, OriginateRequest):
            raise TypeError(f"an OriginateRequest is needed, not {request!r}")
        extension = _checked("extension", request.extension)
        number = _checked("to", self._dial_number(request.to))
        line = _checked("line", request.line) if request.line is not None else None
        key = request.key
        with self._lock:
            placed = self._placed.get(key)
            if placed is not None:
                return placed
            if key in self._unconfirmed:
                raise TelephonyError(
                    BACKEND,
                    "originate",
                    f"key {key!r} was sent once and the PBX never confirmed it: not sent again "
                    "(at most one call per key); use a new key to call again",
                )
            attempt = self._attempts.get(key)
            first = attempt is None
            if attempt is None:
                attempt = self._attempts[key] = concurrent.futures.Future()
        if not first:
            return attempt.result()  # the same key, at the same time: one call, one answer
        channel_id = _channel_id(key)
        variables = [f"CLIENTOPS_KEY={key}", f"CLIENTOPS_TO={request.to.e164}"]
        if line is not None:
            variables.append(f"CLIENTOPS_LINE={line}")
        action: dict[str, str | list[str]] = {
            "Action": "Originate",
            "ActionID": key,
            "ChannelId": channel_id,
            "Channel": self._channel.format(extension=extension),
            "Context": self._context,
            "Exten": number,
            "Priority": str(self._priority),
            "Timeout": str(self._ring_seconds * 1000),
            "Async": "true",
            "Variable": variables,
        }
        try:
            reply = self._run("originate", lambda: self._originate(action, key, channel_id))
            if not _succeeded(reply):
                raise TelephonyError(BACKEND, "originate", _reply_text(reply))
        except _Unconfirmed as exc:
            error = TelephonyError(
                BACKEND,
                "originate",
                f"{exc}: the call may have been placed, so key {key!r} is not sent again",
            )
            with self._lock:
                if key not in self._placed:  # (unless a late answer settled it already)
                    self._unconfirmed.setdefault(key, channel_id)
                del self._attempts[key]
            attempt.set_exception(error)
            raise error from None
        except BaseException as exc:
            with self._lock:
                del self._attempts[key]
            attempt.set_exception(exc)
            raise
        origination = Origination(BACKEND, key, channel_id)
        with self._lock:
            self._placed[key] = origination
            del self._attempts[key]
        attempt.set_result(origination)
        return origination

    def transfer(self, call_id: str, to_extension: str) -> None:
        """Redirect the call's outside party to ``to_extension``. TelephonyError when no such
        call is in progress or the PBX refuses."""
        if not isinstance(call_id, str) or not call_id.strip():
            raise ValidationError([FieldError("call_id", "required")])
        to = _checked("to_extension", to_extension)
        try:
            self._run("transfer", lambda: self._transfer(call_id, to))
        except _Unconfirmed as exc:
            raise TelephonyError(
                BACKEND, "transfer", f"{exc}: the call may have been transferred"
            ) from None

    # ------------------------------------------------------------------ the loop's side

    def _run(self, operation: str, make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
        """Run a coroutine in the loop and wait for it (from a caller's thread)."""
        with self._state_lock:
            loop = self._loop
            if self._closed:
                raise TelephonyError(BACKEND, operation, "closed")
            if loop is None:
                raise TelephonyError(BACKEND, operation, "not started: call start() first")
            if threading.current_thread() is self._thread:
                raise TelephonyError(
                    BACKEND,
                    operation,
                    "cannot wait for the PBX in the adapter's own thread (on_event): "
                    "call it from another thread",
                )
            future = asyncio.run_coroutine_threadsafe(self._guarded(make()), loop)
        try:
            return future.result(timeout=2 * self._timeout + 5)
        except concurrent.futures.CancelledError:
            raise TelephonyError(BACKEND, operation, "closed while waiting for the PBX") from None
        except concurrent.futures.TimeoutError:  # pragma: no cover - bounded inside
            future.cancel()
            raise _Unconfirmed("no answer from the adapter's thread") from None
        except _NotSent as exc:
            raise TelephonyError(BACKEND, operation, f"not sent: {exc}") from None

    async def _guarded(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        task = asyncio.current_task()
        if task is not None:
            self._api_tasks.add(task)
        try:
            return await coroutine
        finally:
            if task is not None:
                self._api_tasks.discard(task)

    async def _originate(
        self, action: dict[str, str | list[str]], key: str, channel_id: str
    ) -> Any:
        def late(reply: Any) -> None:
            self._late_answer(key, channel_id, reply)

        try:
            return await self._send(action, late=late)
        except _Unconfirmed:
            with self._lock:  # marked here, before any late answer can be handled
                self._unconfirmed[key] = channel_id
            raise

    def _late_answer(self, key: str, channel_id: str, reply: Any) -> None:
        """The answer to an Originate that came after ``timeout`` (the PBX's ``Response``,
        or the ``OriginateResponse`` with the same ActionID) settles the key."""
        with self._lock:
            if self._unconfirmed.pop(key, None) is None:
                return
            if _succeeded(reply):
                self._placed[key] = Origination(BACKEND, key, channel_id)
        if _succeeded(reply):
            _log.info("asterisk: click-to-call %r was placed after all (a late answer)", key)
        else:
            reason = reply.get("Reason") or _reply_text(reply)
            _log.warning(
                "asterisk: click-to-call %r was not placed (%s); it may be tried again",
                key,
                reason,
            )

    async def _send(
        self, action: dict[str, str | list[str]], late: Callable[[Any], None] | None = None
    ) -> Any:
        online, manager = self._online_async, self._manager
        assert online is not None
        assert manager is not None
        if not online.is_set():
            try:
                await asyncio.wait_for(online.wait(), self._timeout)
            except TimeoutError:
                raise _NotSent(f"not connected to {self._where}") from None
        lost = self._session_lost
        assert lost is not None
        answer = manager.send_action(dict(action), as_list=False)
        done, _ = await asyncio.wait(
            {answer, lost}, timeout=self._timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if answer in done:
            return answer.result()
        if lost in done:
            raise _Unconfirmed("the connection to the PBX dropped before it answered")
        if late is not None:  # panoramisk keeps waiting for it: a late answer is not lost
            answer.add_done_callback(lambda f: None if f.cancelled() else late(f.result()))
        raise _Unconfirmed(f"the PBX did not answer within {self._timeout:g} s")

    async def _transfer(self, call_id: str, to: str) -> None:
        channel = self._translator._outside_channel(call_id)
        if channel is None:
            raise TelephonyError(BACKEND, "transfer", f"no call {call_id!r} in progress")
        reply = await self._send(
            {
                "Action": "Redirect",
                "ActionID": f"clientops-transfer-{uuid.uuid4().hex}",
                "Channel": channel,
                "Context": self._transfer_context,
                "Exten": to,
                "Priority": "1",
            }
        )
        if not _succeeded(reply):
            raise TelephonyError(BACKEND, "transfer", _reply_text(reply))
        event = self._translator._redirected(call_id, to, self._clock())
        if event is not None:
            self._emit(event)

    async def _connect(self, manager_class: Callable[..., _AmiManager]) -> None:
        loop = asyncio.get_running_loop()
        self._online_async = asyncio.Event()
        self._first_login = loop.create_future()
        self._session_lost = loop.create_future()
        self._session_lost.set_result(None)  # no session yet
        manager = manager_class(
            loop=loop,
            host=self._host,
            port=self._port,
            username=self._username,
            secret=self._secret,
            events="on",
            ping_delay=self._ping_interval,
            ping_interval=self._ping_interval,
            reconnect_timeout=self._reconnect_delay,
            forgetable_actions=_FORGETTABLE,
            # panoramisk logs the actions it sends or queues, the login with its secret too
            log=_redact.Logger(logging.getLogger(f"{__name__}.panoramisk"), [self._secret]),
            on_connect=self._on_connect,
            on_login=self._on_login,
            on_disconnect=self._on_disconnect,
        )
        manager.register_event("*", self._on_message)
        self._manager = manager
        try:
            await asyncio.wait_for(manager.connect(), self._timeout)
        except (OSError, TimeoutError) as exc:
            raise TelephonyError(
                BACKEND, "connect", f"cannot connect to {self._where}: {exc or 'timed out'}"
            ) from None
        try:
            refused = await asyncio.wait_for(asyncio.shield(self._first_login), self._timeout)
        except TimeoutError:
            raise TelephonyError(
                BACKEND, "connect", f"{self._where} did not answer the login"
            ) from None
        if refused is not None:
            raise TelephonyError(
                BACKEND, "connect", f"login as {self._username!r} refused: {refused}"
            )

    def _on_connect(self, manager: _AmiManager) -> None:
        if self._closing:  # an attempt that completed while closing
            manager.close()
            return
        login = manager.authenticated_future
        if login is not None:
            login.add_done_callback(self._login_answered)

    def _login_answered(self, login: asyncio.Future[Any]) -> None:
        if login.cancelled() or login.exception() is not None or _succeeded(login.result()):
            return
        reason = _reply_text(login.result())
        _log.error("asterisk: login to %s as %r refused: %s", self._where, self._username, reason)
        if self._first_login is not None and not self._first_login.done():
            self._first_login.set_result(reason)

    def _on_login(self, manager: _AmiManager) -> None:
        self._logins += 1
        self._session_lost = asyncio.get_running_loop().create_future()
        assert self._online_async is not None
        self._online_async.set()
        self._online.set()
        if self._logins == 1:
            _log.info("asterisk: logged in to %s as %r", self._where, self._username)
        else:
            _log.info("asterisk: reconnected to %s (login %d)", self._where, self._logins)
        if self._first_login is not None and not self._first_login.done():
            self._first_login.set_result(None)

    def _on_disconnect(self, manager: _AmiManager, exc: object) -> None:
        self._online.clear()
        if self._online_async is not None:
            self._online_async.clear()
        if self._session_lost is not None and not self._session_lost.done():
            self._session_lost.set_result(None)
        if self._first_login is not None and not self._first_login.done():
            self._first_login.set_result("the connection closed before the login was answered")
        if self._closing:
            return
        _log.warning(
            "asterisk: lost the connection to %s (%s); reconnecting every %d s",
            self._where,
            exc or "closed by the PBX",
            self._reconnect_delay,
        )

    def _on_message(self, manager: _AmiManager, message: Any) -> None:
        try:
            fields = {
                str(k): v if isinstance(v, str) else "\n".join(map(str, v))
                for k, v in message.items()
            }
            self._settle(fields)
            events = self._translator.feed(fields)
        except Exception:
            _log.exception("asterisk: an event could not be handled")
            return
        for event in events:
            self._emit(event)

    def _settle(self, fields: Mapping[str, str]) -> None:
        """An unconfirmed click-to-call is settled by an event of its call (placed) or by
        ``OriginateResponse`` (its outcome)."""
        kind = str(fields.get("Event", "")).lower()
        if kind == "originateresponse" and str(fields.get("Response", "")).lower() != "success":
            _log.warning(
                "asterisk: click-to-call %s failed: %s",
                fields.get("ActionID", "?"),
                fields.get("Reason", "no reason given"),
            )
        if not self._unconfirmed:
            return
        values = set(fields.values())
        with self._lock:
            for key, channel_id in list(self._unconfirmed.items()):
                if kind == "originateresponse" and fields.get("ActionID") == key:
                    del self._unconfirmed[key]
                    if str(fields.get("Response", "")).lower() == "success":
                        self._placed[key] = Origination(BACKEND, key, channel_id)
                        _log.info("asterisk: click-to-call %r was placed after all", key)
                    else:
                        _log.info("asterisk: click-to-call %r may be tried again", key)
                elif channel_id in values:
                    del self._unconfirmed[key]
                    self._placed[key] = Origination(BACKEND, key, channel_id)
                    _log.info("asterisk: click-to-call %r was placed after all", key)

    def _emit(self, event: CallSignal) -> None:
        try:
            self._on_event(event)
        except Exception:
            _log.exception("asterisk: on_event failed for %r", event)

    async def _shutdown(self) -> None:
        self._closing = True
        self._online.clear()
        if self._online_async is not None:
            self._online_async.clear()
        for task in list(self._api_tasks):
            task.cancel()
        if self._manager is not None:
            self._manager.close()
        me = asyncio.current_task()
        for _ in range(20):  # let connection attempts under way finish (they close themselves)
            pending = [t for t in asyncio.all_tasks() if t is not me]
            if not pending:
                break
            _, still = await asyncio.wait(pending, timeout=1.0)
            for task in still:
                task.cancel()
        for _ in range(3):  # closed transports finish closing
            await asyncio.sleep(0)

    def _loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if self._closing or isinstance(exc, asyncio.CancelledError):
            _log.debug("asterisk: %s", context.get("message"), exc_info=exc)
        else:
            _log.error("asterisk: %s", context.get("message"), exc_info=exc)

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        try:
            loop.run_forever()
        finally:
            try:
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                if tasks:
                    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()
