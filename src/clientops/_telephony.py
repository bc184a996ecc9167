"""Telephony: one contract for every PBX, a call log that stays right, and what it measures.

A PBX (Asterisk, a cloud PBX such as Zadarma, the console for examples) tells clientops what
happens to a call as **call events**: :class:`CallStarted`, :class:`CallRinging`,
:class:`CallAnswered`, :class:`CallTransferred`, :class:`CallEnded` and
:class:`CallRecorded`. An adapter turns the PBX's own notifications into these values and
nothing else; everything after that is provider-agnostic.

The events of one call fold into one :class:`CallLogEntry` with :func:`apply_event`. PBXs
deliver notifications at least once and in no guaranteed order, so the fold is built to not
care: an entry keeps the set of events it was made from and every other field is computed
from that set. Hence

* the same event twice gives the same entry (the second is recognised and ignored);
* any order gives the same entry (an end that arrives before its start is kept, and the entry
  is complete once the start arrives);
* a later, poorer duplicate never overwrites better data: an end without a recording does not
  remove the recording another end brought, the first answer stays the answer time.

A number that is not a phone (an extension, ``anonymous``, an empty caller id) is kept as
raw text in a :class:`CallNumber` whose ``phone`` is ``None``: recorded as unknown, never an
error.

From the log come the call manager's figures of seed 004 (:func:`call_metrics`: calls, calls
of at least N seconds, airtime, per employee and per day) and the call-back for a missed
incoming call (:func:`missed_call_reaction`). Commands go the other way, through the
:class:`Telephony` port: click-to-call (:meth:`Telephony.originate`) and
:meth:`Telephony.transfer`.

Example::

    >>> from datetime import datetime, timedelta, UTC
    >>> t0 = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
    >>> start = CallStarted(call_id="c1", direction=CallDirection.INCOMING,
    ...     from_number=CallNumber.parse("8 912 345-67-89"),
    ...     to_number=CallNumber.parse("+74951234567"), line="+74951234567", at=t0)
    >>> end = CallEnded(call_id="c1", at=t0 + timedelta(seconds=95), status=CallStatus.ANSWERED,
    ...     duration_seconds=95, talk_seconds=80, recording="rec-1")
    >>> entry = apply_event(apply_event(None, end), start)      # the end came first
    >>> entry == apply_event(apply_event(apply_event(None, start), end), end)
    True
    >>> entry.caller.phone.e164, entry.outcome.value, entry.talk_seconds, entry.recording
    ('+79123456789', 'answered', 80, 'rec-1')
    >>> CallNumber.parse("anonymous")
    CallNumber(raw='anonymous', phone=None)
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs

from clientops._checks import aware, not_blank
from clientops._text import template_validator
from clientops.errors import BackendError, FieldError, InvalidPhoneError, ValidationError
from clientops.events import Event
from clientops.model import (
    Appeal,
    AppealId,
    AppealType,
    Client,
    ClientId,
    DepartmentId,
    Employee,
    EmployeeId,
    Phone,
    Reaction,
    ReactionId,
    ReactionKind,
    new_id,
)

__all__ = [
    "CallAnswered",
    "CallDirection",
    "CallEnded",
    "CallFigures",
    "CallLogEntry",
    "CallMetrics",
    "CallMissed",
    "CallNumber",
    "CallRecorded",
    "CallRinging",
    "CallSignal",
    "CallStarted",
    "CallStatus",
    "CallTransferred",
    "IncomingCallNotice",
    "OriginateRequest",
    "Origination",
    "ReplayError",
    "SignatureError",
    "Telephony",
    "TelephonyError",
    "TelephonyFactory",
    "TelephonyPolicy",
    "UnsupportedNotificationError",
    "WebhookError",
    "apply_event",
    "build_call_log",
    "call_metrics",
    "missed_call_appeal",
    "missed_call_reaction",
]


# --------------------------------------------------------------------------- errors


class TelephonyError(BackendError):
    """A telephony backend failed or refused (``backend``, ``operation``: ``originate``,
    ``transfer``, ``webhook``…). ``codes`` holds the PBX's own error codes when it gave any."""

    def __init__(
        self, backend: str, operation: str, message: str, *, codes: Iterable[str] = ()
    ) -> None:
        self.codes: tuple[str, ...] = tuple(codes)
        super().__init__(backend, operation, message)


class WebhookError(TelephonyError):
    """A notification from a PBX that cannot be accepted: nothing was produced from it.
    ``field`` names the bad field (``call_start``, ``disposition``…) when one is to blame."""

    def __init__(self, backend: str, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(backend, "webhook", f"{field}: {message}" if field else message)


class SignatureError(WebhookError):
    """A notification whose signature is missing or does not match: it may not come from the
    PBX, or it was changed on the way. Rejected; nothing recorded."""


class ReplayError(SignatureError):
    """A notification whose signature is genuine but which is not accepted here: its signed
    time is outside the freshness window (``field`` ``call_start``: a replay of an old
    notification, or the wrong time zone configured), or it was already received (``field``
    names what repeats: the call id, or the ``Signature`` reused for another call or another
    kind). Rejected; nothing recorded."""


class UnsupportedNotificationError(WebhookError):
    """A notification of a kind that says nothing about the call log (an IVR step, an SMS…).
    ``kind`` is the PBX's name for it. A webhook endpoint acknowledges and ignores it."""

    def __init__(self, backend: str, kind: str) -> None:
        self.kind = kind
        super().__init__(backend, f"{kind!r} is not a call notification", field="event")


# --------------------------------------------------------------------------- values


def _seconds(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{attribute.name} must be a whole number of seconds >= 0, got {value!r}")


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


@attrs.frozen
class CallNumber:
    """A number as the PBX gave it: ``raw`` text, and ``phone`` when it is a phone number.

    Build one with :meth:`parse`, which never raises: an extension (``101``), a hidden number
    (``anonymous``, an empty caller id) or garbage keeps its text with ``phone=None``.
    """

    raw: str = attrs.field(validator=attrs.validators.instance_of(str))
    phone: Phone | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Phone))
    )

    @classmethod
    def parse(cls, text: str | None, region: str = "RU", *, strict: bool = True) -> CallNumber:
        """The number ``text`` (any usual way of writing it; ``79123456789`` as PBXs send it).

        >>> CallNumber.parse("79123456789").phone
        Phone(e164='+79123456789')
        >>> CallNumber.parse(" 101 ")
        CallNumber(raw='101', phone=None)
        """
        raw = "" if text is None else str(text).strip()
        try:
            phone: Phone | None = Phone.parse(raw, region, strict=strict)
        except InvalidPhoneError:
            phone = None
        return cls(raw, phone)

    @property
    def known(self) -> bool:
        """Whether this is a phone number (not an extension, a hidden or a garbled number)."""
        return self.phone is not None

    def __str__(self) -> str:
        if self.phone is not None:
            return self.phone.international()
        return self.raw or "unknown"


class CallDirection(enum.Enum):
    """Into the company, or out of it."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"


class CallStatus(enum.Enum):
    """How a call ended."""

    ANSWERED = "answered"
    #: the other side (or every line) was busy
    BUSY = "busy"
    #: it rang and nobody picked up
    NO_ANSWER = "no_answer"
    #: the network or the PBX could not put it through (no money, bad number, a limit…)
    FAILED = "failed"
    #: the caller hung up before anyone answered
    CANCELLED = "cancelled"


_number = attrs.validators.instance_of(CallNumber)
_optional_number = attrs.validators.optional(_number)


# --------------------------------------------------------------------------- events


@attrs.frozen(kw_only=True)
class CallStarted:
    """A call began: an incoming call reached the PBX, or an outgoing one was dialled.

    ``line`` is the company's number the call came in on or goes out by, when the PBX says;
    ``extension``/``employee_id`` the one who dials an outgoing call.
    """

    call_id: str = attrs.field(validator=not_blank)
    direction: CallDirection = attrs.field(validator=attrs.validators.instance_of(CallDirection))
    from_number: CallNumber = attrs.field(validator=_number)
    to_number: CallNumber = attrs.field(validator=_number)
    at: datetime = attrs.field(validator=aware)
    line: str | None = attrs.field(default=None, converter=_optional_text)
    extension: str | None = attrs.field(default=None, converter=_optional_text)
    employee_id: EmployeeId | None = None


@attrs.frozen(kw_only=True)
class CallRinging:
    """An incoming call rings an extension (possibly one of several in turn)."""

    call_id: str = attrs.field(validator=not_blank)
    at: datetime = attrs.field(validator=aware)
    extension: str | None = attrs.field(default=None, converter=_optional_text)
    employee_id: EmployeeId | None = None


@attrs.frozen(kw_only=True)
class CallAnswered:
    """Someone picked up: the extension (and the employee behind it) that answered."""

    call_id: str = attrs.field(validator=not_blank)
    at: datetime = attrs.field(validator=aware)
    extension: str | None = attrs.field(default=None, converter=_optional_text)
    employee_id: EmployeeId | None = None


@attrs.frozen(kw_only=True)
class CallTransferred:
    """The call was put through to another extension or employee."""

    call_id: str = attrs.field(validator=not_blank)
    at: datetime = attrs.field(validator=aware)
    to_extension: str | None = attrs.field(default=None, converter=_optional_text)
    to_employee_id: EmployeeId | None = None
    from_extension: str | None = attrs.field(default=None, converter=_optional_text)
    from_employee_id: EmployeeId | None = None

    def __attrs_post_init__(self) -> None:
        if self.to_extension is None and self.to_employee_id is None:
            raise ValueError("a transfer goes to an extension or an employee")


@attrs.frozen(kw_only=True)
class CallEnded:
    """The call is over: when, how (``status``), how long in all (``duration_seconds``) and
    talking (``talk_seconds``, when the PBX tells), and the recording's reference.

    Many PBXs repeat what they know of the call at its end; an adapter passes it on
    (``direction``, the numbers, ``line``, ``started_at``) so that a lost start does not lose
    the call. ``extension``/``employee_id`` are the last one to have it (for a missed call,
    the one whose phone rang).
    """

    call_id: str = attrs.field(validator=not_blank)
    at: datetime = attrs.field(validator=aware)
    status: CallStatus = attrs.field(validator=attrs.validators.instance_of(CallStatus))
    duration_seconds: int = attrs.field(validator=_seconds)
    talk_seconds: int | None = attrs.field(default=None, validator=_seconds)
    recording: str | None = attrs.field(default=None, converter=_optional_text)
    extension: str | None = attrs.field(default=None, converter=_optional_text)
    employee_id: EmployeeId | None = None
    direction: CallDirection | None = None
    from_number: CallNumber | None = attrs.field(default=None, validator=_optional_number)
    to_number: CallNumber | None = attrs.field(default=None, validator=_optional_number)
    line: str | None = attrs.field(default=None, converter=_optional_text)
    started_at: datetime | None = attrs.field(default=None, validator=aware)


@attrs.frozen(kw_only=True)
class CallRecorded:
    """The recording of a call is ready; ``recording`` is the PBX's reference to fetch it."""

    call_id: str = attrs.field(validator=not_blank)
    recording: str = attrs.field(validator=not_blank)


CallSignal = CallStarted | CallRinging | CallAnswered | CallTransferred | CallEnded | CallRecorded
"""What a PBX reports about a call (not an :class:`~clientops.events.Event` of the stream: the
call log folds these signals into a :class:`CallLogEntry`)."""


@attrs.frozen
class CallMissed(Event):
    """An incoming call turned out to be missed (published once per call, when the log first
    sees it missed); ``client_id`` is the card it was put on (``None`` when no card holds the
    number and none was made), ``appeal_id`` the call-back appeal made for it."""

    call_id: str
    client_id: ClientId | None
    appeal_id: AppealId | None
    at: datetime


_KINDS: tuple[type, ...] = (
    CallStarted,
    CallRinging,
    CallAnswered,
    CallTransferred,
    CallEnded,
    CallRecorded,
)


def _event_key(event: CallSignal) -> tuple[int, float, str]:
    """A total order on events: kind, time, then the whole value (so that the order in which
    events arrived never shows in an entry)."""
    at = getattr(event, "at", None)
    return (_KINDS.index(type(event)), at.timestamp() if at is not None else 0.0, repr(event))


# --------------------------------------------------------------------------- the call log


@attrs.frozen(kw_only=True)
class CallLogEntry:
    """One call in the log: who, when, how long, how it ended, the recording, and the client
    and appeal it is about.

    Every field but the links (``client_id``, ``appeal_id``) is computed by
    :func:`apply_event` from ``events``, the distinct events received for the call, in a
    canonical order. A field is ``None`` while no event has told it: ``direction`` and the
    numbers until a start (or an end that repeats them), ``outcome``, ``duration_seconds``
    and ``talk_seconds`` until the end.

    ``employee_id``/``extension``: who took the call (the first to answer), who made it (an
    outgoing call), or, for a missed call, whose phone rang last. ``talk_seconds`` is the
    airtime: the PBX's talk time, else the time from the answer to the end, else the whole
    duration of an answered call; 0 for a call nobody answered.
    """

    call_id: str = attrs.field(validator=not_blank)
    direction: CallDirection | None = None
    caller: CallNumber | None = attrs.field(default=None, validator=_optional_number)
    callee: CallNumber | None = attrs.field(default=None, validator=_optional_number)
    line: str | None = None
    extension: str | None = None
    employee_id: EmployeeId | None = None
    started_at: datetime | None = attrs.field(default=None, validator=aware)
    answered_at: datetime | None = attrs.field(default=None, validator=aware)
    ended_at: datetime | None = attrs.field(default=None, validator=aware)
    duration_seconds: int | None = attrs.field(default=None, validator=_seconds)
    talk_seconds: int | None = attrs.field(default=None, validator=_seconds)
    outcome: CallStatus | None = None
    recording: str | None = None
    client_id: ClientId | None = None
    appeal_id: AppealId | None = None
    events: tuple[CallSignal, ...] = attrs.field(
        default=(),
        validator=attrs.validators.deep_iterable(
            attrs.validators.instance_of(_KINDS), attrs.validators.instance_of(tuple)
        ),
    )
    #: Stored changes of the entry (optimistic concurrency), as for the other records.
    version: int = 0

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    @property
    def answered(self) -> bool:
        return self.outcome is CallStatus.ANSWERED

    @property
    def missed(self) -> bool:
        """An incoming call that ended without anyone answering it."""
        return (
            self.direction is CallDirection.INCOMING
            and self.outcome is not None
            and self.outcome is not CallStatus.ANSWERED
        )

    @property
    def outside_number(self) -> CallNumber | None:
        """The client's side: the caller of an incoming call, the callee of an outgoing one."""
        return self.callee if self.direction is CallDirection.OUTGOING else self.caller

    @property
    def at(self) -> datetime | None:
        """When the call happened: its start, else its answer, else its end."""
        return self.started_at or self.answered_at or self.ended_at

    @property
    def transfers(self) -> tuple[CallTransferred, ...]:
        """The transfers of the call, oldest first."""
        return tuple(e for e in self.events if isinstance(e, CallTransferred))


_T = TypeVar("_T")


def _first(values: Iterable[_T | None]) -> _T | None:
    return next((v for v in values if v is not None), None)


def _end_rank(end: CallEnded) -> tuple[bool, int, datetime, tuple[int, float, str]]:
    """Which end tells most: an answered one, then the longest, then the latest."""
    return (
        end.status is CallStatus.ANSWERED,
        end.duration_seconds,
        end.at,
        _event_key(end),
    )


def _derive(
    call_id: str,
    events: tuple[CallSignal, ...],
    client_id: ClientId | None,
    appeal_id: AppealId | None,
    version: int = 0,
) -> CallLogEntry:
    starts = [e for e in events if isinstance(e, CallStarted)]
    rings = [e for e in events if isinstance(e, CallRinging)]
    answers = [e for e in events if isinstance(e, CallAnswered)]
    ends = sorted((e for e in events if isinstance(e, CallEnded)), key=_end_rank, reverse=True)
    records = [e for e in events if isinstance(e, CallRecorded)]
    end = ends[0] if ends else None

    started = [s.at for s in starts] + [e.started_at for e in ends if e.started_at is not None]
    answered_at = min(a.at for a in answers) if answers else None
    ended_at = end.at if end is not None else None
    was_answered = bool(answers) or any(e.status is CallStatus.ANSWERED for e in ends)

    outcome: CallStatus | None = None
    duration: int | None = None
    talk: int | None = None
    if end is not None:
        outcome = CallStatus.ANSWERED if was_answered else end.status
        duration = end.duration_seconds
        if not was_answered:
            talk = 0
        elif end.status is CallStatus.ANSWERED and end.talk_seconds is not None:
            talk = end.talk_seconds
        elif answered_at is not None and ended_at is not None:
            talk = max(0, int((ended_at - answered_at).total_seconds()))
        else:
            talk = end.duration_seconds

    # who the call belongs to: the first to answer, the one who dialled, the last to have it
    people: list[tuple[str | None, EmployeeId | None]] = [
        *((a.extension, a.employee_id) for a in answers),
        *((s.extension, s.employee_id) for s in starts),
        *((e.extension, e.employee_id) for e in ends),
        *((r.extension, r.employee_id) for r in reversed(rings)),
    ]
    return CallLogEntry(
        call_id=call_id,
        direction=_first([*(s.direction for s in starts), *(e.direction for e in ends)]),
        caller=_first([*(s.from_number for s in starts), *(e.from_number for e in ends)]),
        callee=_first([*(s.to_number for s in starts), *(e.to_number for e in ends)]),
        line=_first([*(s.line for s in starts), *(e.line for e in ends)]),
        extension=_first(p[0] for p in people),
        employee_id=_first(p[1] for p in people),
        started_at=min(started) if started else None,
        answered_at=answered_at,
        ended_at=ended_at,
        duration_seconds=duration,
        talk_seconds=talk,
        outcome=outcome,
        recording=_first([*(r.recording for r in records), *(e.recording for e in ends)]),
        client_id=client_id,
        appeal_id=appeal_id,
        events=events,
        version=version,
    )


def apply_event(entry: CallLogEntry | None, event: CallSignal) -> CallLogEntry:
    """The call log entry after ``event``: a new entry when ``entry`` is ``None``.

    Pure, idempotent and order-independent: the same event twice returns ``entry`` itself,
    and any order of the same events gives the same entry. The links (``client_id``,
    ``appeal_id``) and ``version`` of ``entry`` are kept. An event of another call is misuse
    (ValidationError naming ``call_id``).
    """
    if not isinstance(event, _KINDS):
        raise TypeError(f"not a call event: {event!r}")
    if entry is None:
        return _derive(event.call_id, (event,), None, None)
    if event.call_id != entry.call_id:
        raise ValidationError(
            [
                FieldError(
                    "call_id", f"event of call {event.call_id!r} applied to {entry.call_id!r}"
                )
            ],
            subject="call event",
        )
    if event in entry.events:
        return entry
    events = tuple(sorted((*entry.events, event), key=_event_key))
    return _derive(entry.call_id, events, entry.client_id, entry.appeal_id, entry.version)


def build_call_log(events: Iterable[CallSignal]) -> tuple[CallLogEntry, ...]:
    """Fold events of any number of calls into one entry per call, oldest call first.

    >>> from datetime import datetime, UTC
    >>> t = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
    >>> log = build_call_log([
    ...     CallRecorded(call_id="b", recording="r"),
    ...     CallAnswered(call_id="a", at=t, extension="101"),
    ... ])
    >>> [(e.call_id, e.extension, e.recording) for e in log]
    [('a', '101', None), ('b', None, 'r')]
    """
    entries: dict[str, CallLogEntry] = {}
    for event in events:
        entries[event.call_id] = apply_event(entries.get(event.call_id), event)

    def order(entry: CallLogEntry) -> tuple[bool, float, str]:
        at = entry.at
        return (at is None, at.timestamp() if at is not None else 0.0, entry.call_id)

    return tuple(sorted(entries.values(), key=order))


# --------------------------------------------------------------------------- policy


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise ValueError(f"{attribute.name} must be a non-negative timedelta, got {value!r}")


@attrs.frozen
class TelephonyPolicy:
    """The telephony defaults; every one can be changed (``attrs.evolve``)."""

    #: "Calls of a given length" (seed 004): a call counts when its airtime is at least this.
    min_call_seconds: int = attrs.field(default=60, validator=_seconds)
    #: A missed incoming call is to be returned this long after it ended.
    callback_delay: timedelta = attrs.field(default=timedelta(minutes=15), validator=_non_negative)
    #: The department that returns missed calls.
    callback_department: DepartmentId = DepartmentId("client")
    #: The call-back goes to the employee whose phone rang, when known (else the department).
    callback_to_employee: bool = True
    #: The topic of a call-back reaction; ``{number}`` is the caller's number.
    callback_topic: str = attrs.field(
        default="Перезвонить: пропущенный звонок с {number}",
        validator=template_validator("number"),
    )
    #: The topic of the appeal opened for a missed call when there is none.
    missed_call_topic: str = attrs.field(default="Пропущенный звонок", validator=not_blank)
    #: A missed call from a number no card holds: make a card for it (so that the call-back
    #: has somewhere to live), or only keep the call in the log.
    callback_unknown_callers: bool = True
    #: The name and city of such a card until the manager who calls back fills them in;
    #: ``{number}`` is the caller's number.
    unknown_caller_name: str = attrs.field(
        default="Неизвестный абонент {number}", validator=template_validator("number")
    )
    unknown_caller_city: str = attrs.field(default="не указан", validator=not_blank)
    #: How often :meth:`ops.calls.record_event` tries again when another worker
    #: changed the same call meanwhile (events of one call handled at once).
    conflict_retries: int = attrs.field(default=5, validator=_seconds)


# --------------------------------------------------------------------------- missed calls


def _check_now(now: datetime) -> None:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError([FieldError("now", f"must be timezone-aware, got {now!r}")])


def missed_call_appeal(
    entry: CallLogEntry,
    *,
    client_id: ClientId,
    policy: TelephonyPolicy,
    now: datetime,
    make_id: Callable[[], str] = new_id,
) -> Appeal:
    """An appeal to hang the call-back of a missed call on, when the caller's card has none
    open: for the department that returns missed calls."""
    _check_now(now)
    number = entry.outside_number
    return Appeal(
        id=AppealId(make_id()),
        client_id=client_id,
        topic=policy.missed_call_topic,
        department_id=policy.callback_department,
        created_at=now,
        type=AppealType.CLIENT_DEPARTMENT,
        note=str(number) if number is not None else None,
    )


def missed_call_reaction(
    entry: CallLogEntry,
    *,
    policy: TelephonyPolicy,
    now: datetime,
    make_id: Callable[[], str] = new_id,
) -> Reaction | None:
    """The call-back for a missed incoming call; ``None`` for any other call (answered,
    outgoing, not over yet).

    An outgoing-call reaction on the entry's appeal, for the department that returns missed
    calls and the employee whose phone rang, due ``policy.callback_delay`` after the call
    ended. The entry must be linked to the caller's card and an appeal (``client_id``,
    ``appeal_id``; see :func:`missed_call_appeal`): ValidationError names the missing link.
    Pass ``make_id=lambda: f"callback:{entry.call_id}"`` to get one id per call, so that a
    second attempt to store it is refused by the store.

    >>> from datetime import datetime, UTC
    >>> t = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
    >>> entry = build_call_log([
    ...     CallStarted(call_id="m1", direction=CallDirection.INCOMING, at=t,
    ...                 from_number=CallNumber.parse("+79123456789"),
    ...                 to_number=CallNumber.parse("+74951234567")),
    ...     CallEnded(call_id="m1", at=t, status=CallStatus.NO_ANSWER, duration_seconds=20,
    ...               extension="101", employee_id=EmployeeId("anna")),
    ... ])[0]
    >>> entry = attrs.evolve(entry, client_id=ClientId("c1"), appeal_id=AppealId("a1"))
    >>> back = missed_call_reaction(entry, policy=TelephonyPolicy(), now=t, make_id=lambda: "r1")
    >>> back.kind.value, back.employee_id, back.due_at.isoformat()
    ('outgoing_call', 'anna', '2025-06-23T07:15:00+00:00')
    >>> back.topic
    'Перезвонить: пропущенный звонок с +7 912 345-67-89'
    """
    _check_now(now)
    if not entry.missed:
        return None
    errors = [
        FieldError(name, "link the missed call to the caller's card and an appeal first")
        for name in ("client_id", "appeal_id")
        if getattr(entry, name) is None
    ]
    if errors or entry.client_id is None or entry.appeal_id is None:
        raise ValidationError(errors, subject="missed call")
    number = entry.outside_number
    missed_at = entry.ended_at or entry.at or now
    return Reaction(
        id=ReactionId(make_id()),
        appeal_id=entry.appeal_id,
        client_id=entry.client_id,
        kind=ReactionKind.OUTGOING_CALL,
        topic=policy.callback_topic.format(number=str(number) if number is not None else "unknown"),
        due_at=missed_at + policy.callback_delay,
        created_at=now,
        department_id=policy.callback_department,
        employee_id=entry.employee_id if policy.callback_to_employee else None,
    )


# --------------------------------------------------------------------------- metrics


@attrs.frozen
class CallFigures:
    """What a set of calls adds up to: ``calls``; ``answered`` and ``missed`` (incoming calls
    nobody answered); ``long_calls``, answered with at least the minimum airtime; and
    ``airtime_seconds``, the talk time of them all."""

    calls: int = 0
    answered: int = 0
    missed: int = 0
    long_calls: int = 0
    airtime_seconds: int = 0

    @property
    def airtime(self) -> timedelta:
        return timedelta(seconds=self.airtime_seconds)

    def _plus(self, entry: CallLogEntry, min_seconds: int) -> CallFigures:
        talk = entry.talk_seconds or 0
        return CallFigures(
            calls=self.calls + 1,
            answered=self.answered + entry.answered,
            missed=self.missed + entry.missed,
            long_calls=self.long_calls + (entry.answered and talk >= min_seconds),
            airtime_seconds=self.airtime_seconds + talk,
        )


@attrs.frozen
class CallMetrics:
    """The call manager's figures (seed 004, «Точки контроля»): in all, per employee, per
    day, and per employee and day. Employees and days without calls are left out; ask
    :meth:`for_employee` or :meth:`for_day` to get zeros for them."""

    min_seconds: int
    total: CallFigures
    by_employee: tuple[tuple[EmployeeId | None, CallFigures], ...]
    by_day: tuple[tuple[date, CallFigures], ...]
    by_employee_day: tuple[tuple[EmployeeId | None, date, CallFigures], ...]

    def for_employee(self, employee_id: EmployeeId | None) -> CallFigures:
        return next((f for e, f in self.by_employee if e == employee_id), CallFigures())

    def for_day(self, day: date) -> CallFigures:
        return next((f for d, f in self.by_day if d == day), CallFigures())


def call_metrics(
    entries: Iterable[CallLogEntry],
    *,
    min_seconds: int,
    tz: tzinfo,
    direction: CallDirection | None = None,
) -> CallMetrics:
    """Add up the call log: calls, calls of at least ``min_seconds`` of airtime, airtime; in
    all, per employee and per day (the local day in ``tz`` of :attr:`CallLogEntry.at`).

    ``direction`` keeps only incoming or outgoing calls (a call manager's plan counts the
    calls made: ``CallDirection.OUTGOING``). An entry that says nothing of when the call was
    (only a recording arrived so far) is left out, as is one whose direction is not known
    when a ``direction`` is asked for. Calls with no known employee are counted under
    ``None``.
    """
    if not isinstance(min_seconds, int) or isinstance(min_seconds, bool) or min_seconds < 0:
        raise ValidationError([FieldError("min_seconds", f"must be >= 0, got {min_seconds!r}")])
    total = CallFigures()
    per_employee: dict[EmployeeId | None, CallFigures] = {}
    per_day: dict[date, CallFigures] = {}
    per_both: dict[tuple[EmployeeId | None, date], CallFigures] = {}
    for entry in entries:
        at = entry.at
        if at is None or (direction is not None and entry.direction is not direction):
            continue
        day = at.astimezone(tz).date()
        total = total._plus(entry, min_seconds)
        who = entry.employee_id
        per_employee[who] = per_employee.get(who, CallFigures())._plus(entry, min_seconds)
        per_day[day] = per_day.get(day, CallFigures())._plus(entry, min_seconds)
        per_both[who, day] = per_both.get((who, day), CallFigures())._plus(entry, min_seconds)

    def who_key(who: EmployeeId | None) -> tuple[bool, str]:
        return (who is None, who or "")

    return CallMetrics(
        min_seconds=min_seconds,
        total=total,
        by_employee=tuple(sorted(per_employee.items(), key=lambda i: who_key(i[0]))),
        by_day=tuple(sorted(per_day.items())),
        by_employee_day=tuple(
            (who, day, figures)
            for (who, day), figures in sorted(
                per_both.items(), key=lambda i: (who_key(i[0][0]), i[0][1])
            )
        ),
    )


# --------------------------------------------------------------------------- the port

#: An idempotency key: printable ASCII without spaces, at most 64 characters.
_KEY = re.compile(r"[\x21-\x7e]{1,64}")


def _key(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise ValueError(
            f"{attribute.name} must be 1 to 64 printable ASCII characters without spaces, "
            f"got {value!r}"
        )


@attrs.frozen(kw_only=True)
class OriginateRequest:
    """Click-to-call: ring ``extension`` (the employee's phone) and, once it is picked up,
    dial ``to``. ``line`` is the company's number to show, when the PBX lets one choose.

    ``key`` is the caller's idempotency key: a PBX places at most one call per key, so a
    request that timed out can be retried with the same key.
    """

    key: str = attrs.field(validator=_key)
    extension: str = attrs.field(validator=not_blank)
    to: Phone = attrs.field(validator=attrs.validators.instance_of(Phone))
    employee_id: EmployeeId | None = None
    line: str | None = attrs.field(default=None, converter=_optional_text)


@attrs.frozen
class Origination:
    """A call placed by :meth:`Telephony.originate`: the backend, the request's key and the
    PBX's id of the call when it gives one at once (its events will carry that id)."""

    backend: str
    key: str
    call_id: str | None = None


@runtime_checkable
class Telephony(Protocol):
    """A PBX, as clientops commands it.

    ``name`` says which backend it is; every :class:`TelephonyError` it raises carries that
    name and the operation (``originate``, ``transfer``). What happens to the calls comes
    back as call events, through the adapter's own channel (AMI events, webhooks).
    """

    name: str

    def originate(self, request: OriginateRequest) -> Origination:
        """Place a click-to-call. At most one call per ``request.key``: the same key again
        returns the first origination instead of ringing twice."""

    def transfer(self, call_id: str, to_extension: str) -> None:
        """Put a call in progress through to another extension. TelephonyError when the PBX
        does not know the call or refuses."""

    def close(self) -> None:
        """Release connections. Idempotent."""


@attrs.frozen(kw_only=True)
class IncomingCallNotice:
    """What the operator's screen shows when an incoming call starts (the
    ``clientops_incoming_call`` hook): the call so far, the caller's card when a card holds
    the number, and where the call should go — the card's manager when the card names one who
    is not away today, else nobody yet (the operator asks, as the incoming-call rule says).
    ``greeting`` is the first line of the script for whoever answers (``{manager}`` left for
    their first name)."""

    entry: CallLogEntry
    client: Client | None = None
    manager: Employee | None = None
    greeting: str = ""


#: What a telephony plugin registers under a name: builds a backend from keyword options.
TelephonyFactory = Callable[..., Telephony]
