"""Zadarma (Задарма) cloud PBX: its call notifications (webhooks) as clientops call events.

Zadarma posts a form (``application/x-www-form-urlencoded``) to the notification URL set on
the API page of its personal account (https://my.zadarma.com/api/), one notification per step
of a call, the kind in the ``event`` field. :func:`parse_webhook` checks one and turns it into a
:class:`~clientops.telephony.CallSignal`; :func:`webhook_app` is a WSGI application that does
it for every request and hands the events on, to mount in any WSGI server or framework.

==================  ==========================================  ===============================
``event``           what happened (Zadarma's words)             clientops event
==================  ==========================================  ===============================
NOTIFY_START        start of an incoming call to the PBX        CallStarted (incoming)
NOTIFY_INTERNAL     the call goes to an extension               CallRinging
NOTIFY_ANSWER       an extension answered                       CallAnswered
NOTIFY_END          end of an incoming call                     CallEnded (incoming)
NOTIFY_OUT_START    start of an outgoing call from the PBX      CallStarted (outgoing)
NOTIFY_OUT_END      end of an outgoing call                     CallEnded (outgoing)
NOTIFY_RECORD       the call's recording is ready               CallRecorded
==================  ==========================================  ===============================

Any other kind (``NOTIFY_IVR``, ``SMS``, ``SPEECH_RECOGNITION``…) raises
:class:`~clientops.telephony.UnsupportedNotificationError`; the WSGI application acknowledges
and ignores it.

**The signature.** Every notification carries a ``Signature`` header: base64 of the
HMAC-SHA1, keyed with the API secret, of some of its fields concatenated in a fixed order
(:data:`SIGNED_FIELDS`). Sources, followed exactly here:

* Zadarma's API documentation, «Webhooks» (https://zadarma.com/en/support/api/#api_webhooks):
  the fields of each notification and the PHP example
  ``base64_encode(hash_hmac('sha1', $caller_id . $called_did . $call_start, API_SECRET))``;
* Zadarma's official PHP library (https://github.com/zadarma/user-api-v1),
  ``lib/Webhook/Notify*.php``: ``getSignatureString()`` names the fields and their order for
  every kind, ``lib/Api.php`` ``getWebhookEvent()`` compares the header with it.

PHP's ``hash_hmac`` returns the *hexadecimal* digest unless told otherwise, so the header is
base64 of the 40 lowercase hex characters, not of the 20 raw bytes. A missing optional field
(``internal``) counts as empty, as in PHP. The comparison takes constant time.

**What the signature does not cover.** Zadarma signs only those fields: ``event``,
``pbx_call_id``, ``duration``, ``disposition``, ``internal`` of an incoming call… are not
covered, and a start, a ringing, an answer and an end of one call share their signed
fields. So a genuine signature, captured once, fits a notification of another kind or
another call. Three checks stand against that:

* **freshness**: the signed ``call_start`` must be within ``max_delay`` (5 minutes) of the
  time received for a start, within ``max_call + max_delay`` (4 hours 5 minutes) for a
  ringing, an answer or an end, which carry the start of their call; else
  :class:`~clientops.telephony.ReplayError` (``NOTIFY_RECORD`` has no signed time);
* **no repeats** (:class:`ReplayCache`): the same kind of the same call, or a signature seen
  with another call id or the other direction, is refused;
* **the sender**: only the address check (``trusted_addresses=(NOTIFY_ADDRESS,)``) protects
  the unsigned fields themselves, e.g. a captured start posted as the "no answer" end of
  the *same* call before Zadarma's own end. :func:`webhook_app` therefore requires
  ``trusted_addresses``, or an explicit ``allow_any_address=True``.

**Times and lengths.** ``call_start`` is the local time of the account's time zone (Moscow
unless changed there: pass ``timezone``; a wrong one makes every notification stale).
Zadarma gives no time for an answer or a ringing extension; those events take the time they
are received (``clock``). It reports one length per call, ``duration``; clientops reads it as
the call's length and, for an answered call, as its airtime (``talk_seconds``), and puts the
end at ``call_start + duration``.

**Employees.** Zadarma names extensions (``internal``: ``100``, ``101``…); pass
``extensions={"101": EmployeeId("anna")}`` to have the events name the employee too.

Example::

    >>> form = {"event": "NOTIFY_START", "call_start": "2025-06-23 10:00:00",
    ...         "pbx_call_id": "in_1", "caller_id": "79123456789", "called_did": "74951234567"}
    >>> headers = {"Signature": signature(form, "s3cret")}
    >>> received_at = lambda: datetime(2025, 6, 23, 7, 0, 2, tzinfo=UTC)  # 10:00:02 in Moscow
    >>> event = parse_webhook(form, headers, secret="s3cret", clock=received_at)
    >>> event.direction.value, event.from_number.phone.e164, event.at.isoformat()
    ('incoming', '+79123456789', '2025-06-23T10:00:00+03:00')
    >>> parse_webhook(form, {"Signature": "Zm9v"}, secret="s3cret", clock=received_at)
    Traceback (most recent call last):
    ...
    clientops.telephony.SignatureError: zadarma: webhook failed: Signature: does not match ...
    >>> a_day_later = lambda: datetime(2025, 6, 24, 7, 0, 2, tzinfo=UTC)
    >>> parse_webhook(form, headers, secret="s3cret", clock=a_day_later)
    Traceback (most recent call last):
    ...
    clientops.telephony.ReplayError: zadarma: webhook failed: call_start: ... is too old ...
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import EmailMessage
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    ReplayError,
    SignatureError,
    UnsupportedNotificationError,
    WebhookError,
)
from clientops.errors import ConfigurationError
from clientops.model import EmployeeId

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "BACKEND",
    "DEFAULT_MAX_CALL",
    "DEFAULT_MAX_DELAY",
    "DISPOSITIONS",
    "ECHO_PARAMETER",
    "NOTIFY_ADDRESS",
    "SIGNATURE_HEADER",
    "SIGNED_FIELDS",
    "ReplayCache",
    "parse_webhook",
    "signature",
    "webhook_app",
]

BACKEND = "zadarma"
#: The header that carries the signature.
SIGNATURE_HEADER = "Signature"
#: The query parameter of the GET Zadarma sends to check a new notification URL; the URL must
#: answer with its value.
ECHO_PARAMETER = "zd_echo"
#: The address Zadarma's own example accepts notifications from
#: (``examples/callinfo_callback.php`` in zadarma/user-api-v1); check it is still current.
NOTIFY_ADDRESS = "185.45.152.42"

#: For each notification kind, the fields whose values, concatenated in this order, are
#: signed (``getSignatureString()`` of ``lib/Webhook/Notify*.php`` in zadarma/user-api-v1).
SIGNED_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "NOTIFY_START": ("caller_id", "called_did", "call_start"),
        "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
        "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
        "NOTIFY_END": ("caller_id", "called_did", "call_start"),
        "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
        "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
        "NOTIFY_RECORD": ("pbx_call_id", "call_id_with_rec"),
    }
)

#: How late a notification may come after the moment it is about, or how early (clock skew):
#: Zadarma posts at once, so a few minutes cover the delivery and the two clocks.
DEFAULT_MAX_DELAY = timedelta(minutes=5)
#: The longest call expected. A call's later notifications (ringing, answer, end) carry its
#: *start* as their signed time, so they are fresh until ``call_start + max_call + max_delay``.
#: Zadarma documents no limit; four hours covers any real conversation of a small business,
#: and the end of a longer call is refused (raise it if yours last longer).
DEFAULT_MAX_CALL = timedelta(hours=4)

#: The kinds that are posted when the call starts: their signed time is the time they are
#: about, so they are fresh only for ``max_delay``.
_OPENING = frozenset({"NOTIFY_START", "NOTIFY_OUT_START"})
#: The kinds a call may have more than one of, and the field that tells them apart (one
#: ringing per extension, an answer per extension when the call is transferred).
_REPEATS_BY: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"NOTIFY_INTERNAL": ("internal",), "NOTIFY_ANSWER": ("internal",)}
)

#: The kinds whose signatures may be alike for one call. Zadarma signs neither the kind nor
#: the call id, and a start, a ringing, an answer and an end of one incoming call can carry
#: the very same signed text (the answer's ``destination`` may be the ``called_did``), so
#: within one family a signature cannot be told from another; across families (a call is
#: incoming or outgoing, never both) a reused signature is a forgery.
_FAMILIES: Mapping[str, str] = MappingProxyType(
    {
        "NOTIFY_START": "incoming",
        "NOTIFY_INTERNAL": "incoming",
        "NOTIFY_ANSWER": "incoming",
        "NOTIFY_END": "incoming",
        "NOTIFY_OUT_START": "outgoing",
        "NOTIFY_OUT_END": "outgoing",
        "NOTIFY_RECORD": "recording",
    }
)

#: Zadarma's ``disposition`` values (``lib/Webhook/NotifyEnd.php``) in clientops terms. Any
#: other non-empty value (one Zadarma may add) counts as FAILED.
DISPOSITIONS: Mapping[str, CallStatus] = MappingProxyType(
    {
        "answered": CallStatus.ANSWERED,
        "busy": CallStatus.BUSY,
        "cancel": CallStatus.CANCELLED,
        "no answer": CallStatus.NO_ANSWER,
        "failed": CallStatus.FAILED,
        "no money": CallStatus.FAILED,
        "unallocated number": CallStatus.FAILED,
        "no limit": CallStatus.FAILED,
        "no day limit": CallStatus.FAILED,
        "line limit": CallStatus.FAILED,
        "no money, no limit": CallStatus.FAILED,
    }
)

_log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- the signature


def signature(form: Mapping[str, str], secret: str) -> str:
    """The ``Signature`` header Zadarma sends with ``form`` (what a stand-in must send).

    >>> signature({"event": "NOTIFY_RECORD", "pbx_call_id": "in_1",
    ...            "call_id_with_rec": "1750662000.123"}, "s3cret")
    'MTRkNDdjMDQzYjMwNzI5NTdkYTIzMTRjNzUxMTY5YzBmN2Q4ZDVmZg=='
    """
    kind = form.get("event", "")
    if kind not in SIGNED_FIELDS:
        raise UnsupportedNotificationError(BACKEND, kind)
    text = _signed_text(form, kind)
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


def _signed_text(form: Mapping[str, str], kind: str) -> str:
    return "".join(form.get(name, "") for name in SIGNED_FIELDS[kind])


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _verify(form: Mapping[str, str], headers: Mapping[str, str], secret: str) -> None:
    given = (_header(headers, SIGNATURE_HEADER) or "").strip()
    if not given:
        raise SignatureError(BACKEND, "missing", field=SIGNATURE_HEADER)
    expected = signature(form, secret)
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
        raise SignatureError(
            BACKEND,
            "does not match the notification (wrong secret, or changed on the way)",
            field=SIGNATURE_HEADER,
        )


# --------------------------------------------------------------------------- replays


class ReplayCache:
    """The notifications already accepted, to refuse them when they come again.

    A genuine signature can be captured and posted again: Zadarma signs neither the call id
    nor the kind, and a start, a ringing, an answer and an end of one call may carry the same
    signature. The cache refuses (:class:`~clientops.telephony.ReplayError`):

    * the same kind for the same call id again (``field`` ``pbx_call_id``); a ringing or an
      answer counts once per extension (``internal``);
    * a signature already seen with another call id, or on an outgoing call's notification
      when it came on an incoming call's (or the other way round) (``field``
      ``Signature``): a start posted again as the end of a made-up call.

    Each entry is kept until the freshness window refuses its notification on its own
    (``call_start + max_call + max_delay``; ``NOTIFY_RECORD``, which has no signed time, for
    ``max_call + max_delay`` after it came), and at most ``max_entries`` of them (the oldest
    go first, with a warning in the log: make it larger than about seven entries per call in
    that window). It lives in one process: with several worker processes, each refuses what
    it has seen itself (the stored call log is idempotent by call anyway; an address check,
    ``trusted_addresses``, closes the rest). Thread-safe.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 2:
            raise ConfigurationError("zadarma: max_entries of the replay cache must be >= 2")
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, ...], tuple[datetime, tuple[str, ...]]] = (
            OrderedDict()
        )
        self._warned = False

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ReplayCache(max_entries={self.max_entries}, entries={len(self)})"

    def release(self, form: Mapping[str, str]) -> None:
        """Forget that ``form`` was accepted, so that the PBX may post it again: call it when
        handling the event of a notification checked with this cache failed."""
        kind = form.get("event", "")
        if kind in SIGNED_FIELDS:
            with self._lock:
                self._entries.pop(_pair(form, kind), None)

    def _claim(self, form: Mapping[str, str], kind: str, now: datetime, until: datetime) -> None:
        call_id = (form.get("pbx_call_id") or "").strip()
        family = _FAMILIES[kind]
        text = _signed_text(form, kind).encode("utf-8")
        signed_key = ("signed", hashlib.sha256(text).hexdigest())
        pair_key = _pair(form, kind)
        with self._lock:
            self._forget_expired(now)
            bound = self._live(signed_key, now)
            if bound is not None:
                bound_call, bound_family = bound[1]
                if bound_family != family:
                    kinds = ", ".join(k for k, f in _FAMILIES.items() if f == bound_family)
                    raise ReplayError(
                        BACKEND,
                        f"was made for another kind of notification ({kinds}), not {kind}",
                        field=SIGNATURE_HEADER,
                    )
                if bound_call != call_id:
                    raise ReplayError(
                        BACKEND,
                        "already used by the notification of another call",
                        field=SIGNATURE_HEADER,
                    )
            if self._live(pair_key, now) is not None:
                raise ReplayError(
                    BACKEND,
                    f"{kind} of call {call_id!r} was already received",
                    field="pbx_call_id",
                )
            if bound is not None:
                until = max(until, bound[0])
            self._put(signed_key, until, (call_id, family))
            self._put(pair_key, until, ())

    def _forget_expired(self, now: datetime) -> None:
        # entries come in about the order they expire: drop them from the front
        while self._entries:
            key, (until, _) = next(iter(self._entries.items()))
            if until > now:
                break
            del self._entries[key]

    def _live(self, key: tuple[str, ...], now: datetime) -> tuple[datetime, tuple[str, ...]] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] <= now:
            del self._entries[key]
            return None
        return entry

    def _put(self, key: tuple[str, ...], until: datetime, value: tuple[str, ...]) -> None:
        self._entries[key] = (until, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
            if not self._warned:
                self._warned = True
                _log.warning(
                    "zadarma: the replay cache is full (%d entries): the oldest are forgotten "
                    "before their notifications go stale; make max_entries larger",
                    self.max_entries,
                )


def _pair(form: Mapping[str, str], kind: str) -> tuple[str, ...]:
    extra = (form.get(name, "").strip() for name in _REPEATS_BY.get(kind, ()))
    return ("pair", kind, (form.get("pbx_call_id") or "").strip(), *extra)


# --------------------------------------------------------------------------- fields


@attrs.frozen
class _Options:
    secret: str = attrs.field(repr=_redact.field)
    tz: tzinfo
    extensions: Mapping[str, EmployeeId]
    region: str
    strict_phones: bool
    clock: Callable[[], datetime]
    max_delay: timedelta
    max_call: timedelta

    def number(self, text: str | None) -> CallNumber:
        return CallNumber.parse(text, self.region, strict=self.strict_phones)

    def employee(self, extension: str | None) -> EmployeeId | None:
        return self.extensions.get(extension) if extension else None


def _options(
    secret: str,
    timezone: str | tzinfo,
    extensions: Mapping[str, EmployeeId] | None,
    region: str,
    strict_phones: bool,
    clock: Callable[[], datetime],
    max_delay: timedelta,
    max_call: timedelta,
) -> _Options:
    for name, value in (("max_delay", max_delay), ("max_call", max_call)):
        if not isinstance(value, timedelta) or value < timedelta(0):
            raise ConfigurationError(f"zadarma: {name} must be a timedelta of zero or more")
    if not isinstance(secret, str) or not secret:
        raise ConfigurationError("zadarma: the API secret is required to check signatures")
    if isinstance(timezone, str):
        try:
            tz: tzinfo = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(f"zadarma: unknown time zone {timezone!r}") from exc
    else:
        tz = timezone
    return _Options(
        secret,
        tz,
        MappingProxyType(dict(extensions or {})),
        region,
        strict_phones,
        clock,
        max_delay,
        max_call,
    )


def _text(form: Mapping[str, str], name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    return value.strip() or None


def _required(form: Mapping[str, str], name: str) -> str:
    value = _text(form, name)
    if value is None:
        raise WebhookError(BACKEND, "missing", field=name)
    return value


def _time(form: Mapping[str, str], name: str, tz: tzinfo) -> datetime:
    value = _required(form, name)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise WebhookError(
            BACKEND, f"{value!r} is not a time (YYYY-MM-DD HH:MM:SS)", field=name
        ) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=tz)


def _seconds(form: Mapping[str, str], name: str) -> int:
    value = _required(form, name)
    if not value.isascii() or not value.isdigit():
        raise WebhookError(BACKEND, f"{value!r} is not a whole number of seconds", field=name)
    return int(value)


def _status(form: Mapping[str, str]) -> CallStatus:
    value = _required(form, "disposition")
    return DISPOSITIONS.get(value.lower(), CallStatus.FAILED)


def _recording(form: Mapping[str, str]) -> str | None:
    if _text(form, "is_recorded") == "0":
        return None
    return _text(form, "call_id_with_rec")


# --------------------------------------------------------------------------- notifications


def _started(form: Mapping[str, str], o: _Options) -> CallStarted:
    did = _text(form, "called_did")
    return CallStarted(
        call_id=_required(form, "pbx_call_id"),
        direction=CallDirection.INCOMING,
        from_number=o.number(_text(form, "caller_id")),
        to_number=o.number(did),
        line=did,
        at=_time(form, "call_start", o.tz),
    )


def _ringing(form: Mapping[str, str], o: _Options) -> CallRinging:
    _time(form, "call_start", o.tz)  # checked, though the ringing takes the time received
    internal = _text(form, "internal")
    return CallRinging(
        call_id=_required(form, "pbx_call_id"),
        at=o.clock(),
        extension=internal,
        employee_id=o.employee(internal),
    )


def _answered(form: Mapping[str, str], o: _Options) -> CallAnswered:
    _time(form, "call_start", o.tz)
    internal = _text(form, "internal")
    return CallAnswered(
        call_id=_required(form, "pbx_call_id"),
        at=o.clock(),
        extension=internal,
        employee_id=o.employee(internal),
    )


def _ended(form: Mapping[str, str], o: _Options, direction: CallDirection) -> CallEnded:
    call_id = _required(form, "pbx_call_id")
    start = _time(form, "call_start", o.tz)
    duration = _seconds(form, "duration")
    status = _status(form)
    internal = _text(form, "internal")
    if direction is CallDirection.INCOMING:
        did = _text(form, "called_did")
        caller, callee, line = o.number(_text(form, "caller_id")), o.number(did), did
    else:
        line = _text(form, "caller_id")
        caller = o.number(internal or line)
        callee = o.number(_text(form, "destination"))
    return CallEnded(
        call_id=call_id,
        at=start + timedelta(seconds=duration),
        status=status,
        duration_seconds=duration,
        talk_seconds=duration if status is CallStatus.ANSWERED else 0,
        recording=_recording(form),
        extension=internal,
        employee_id=o.employee(internal),
        direction=direction,
        from_number=caller,
        to_number=callee,
        line=line,
        started_at=start,
    )


def _out_started(form: Mapping[str, str], o: _Options) -> CallStarted:
    internal = _text(form, "internal")
    line = _text(form, "caller_id")
    return CallStarted(
        call_id=_required(form, "pbx_call_id"),
        direction=CallDirection.OUTGOING,
        from_number=o.number(internal or line),
        to_number=o.number(_text(form, "destination")),
        line=line,
        at=_time(form, "call_start", o.tz),
        extension=internal,
        employee_id=o.employee(internal),
    )


def _recorded(form: Mapping[str, str], o: _Options) -> CallRecorded:
    return CallRecorded(
        call_id=_required(form, "pbx_call_id"), recording=_required(form, "call_id_with_rec")
    )


_PARSERS: Mapping[str, Callable[[Mapping[str, str], _Options], CallSignal]] = MappingProxyType(
    {
        "NOTIFY_START": _started,
        "NOTIFY_INTERNAL": _ringing,
        "NOTIFY_ANSWER": _answered,
        "NOTIFY_END": lambda f, o: _ended(f, o, CallDirection.INCOMING),
        "NOTIFY_OUT_START": _out_started,
        "NOTIFY_OUT_END": lambda f, o: _ended(f, o, CallDirection.OUTGOING),
        "NOTIFY_RECORD": _recorded,
    }
)


def _fresh(form: Mapping[str, str], kind: str, o: _Options, now: datetime) -> datetime:
    """Refuse a notification signed outside the freshness window; the moment after which the
    window refuses it anyway (how long a replay cache must remember it)."""
    if "call_start" not in SIGNED_FIELDS[kind]:  # NOTIFY_RECORD: no signed time
        return now + o.max_call + o.max_delay
    signed_at = _time(form, "call_start", o.tz)
    lag = timedelta(0) if kind in _OPENING else o.max_call
    if signed_at > now + o.max_delay:
        raise ReplayError(
            BACKEND,
            f"{signed_at.isoformat()} is later than the time received "
            f"({now.astimezone(o.tz).isoformat()}) by more than {o.max_delay} "
            "(is `timezone` the account's time zone?)",
            field="call_start",
        )
    if signed_at < now - lag - o.max_delay:
        raise ReplayError(
            BACKEND,
            f"{signed_at.isoformat()} is too old for a {kind} received at "
            f"{now.astimezone(o.tz).isoformat()} (at most {lag + o.max_delay}): a replay, "
            "or `timezone` is not the account's time zone",
            field="call_start",
        )
    return signed_at + o.max_call + o.max_delay


def _parse(
    form: Mapping[str, str],
    headers: Mapping[str, str],
    o: _Options,
    replays: ReplayCache | None,
) -> CallSignal:
    kind = _text(form, "event")
    if kind is None:
        raise WebhookError(BACKEND, "missing", field="event")
    if kind not in _PARSERS:
        raise UnsupportedNotificationError(BACKEND, kind)
    _verify(form, headers, o.secret)
    now = o.clock()
    until = _fresh(form, kind, o, now)
    event = _PARSERS[kind](form, o)
    if replays is not None:
        replays._claim(form, kind, now, until)
    return event


def parse_webhook(
    form: Mapping[str, str],
    headers: Mapping[str, str],
    *,
    secret: str,
    timezone: str | tzinfo = "Europe/Moscow",
    extensions: Mapping[str, EmployeeId] | None = None,
    region: str = "RU",
    strict_phones: bool = True,
    clock: Callable[[], datetime] = _utcnow,
    max_delay: timedelta = DEFAULT_MAX_DELAY,
    max_call: timedelta = DEFAULT_MAX_CALL,
    replay_cache: ReplayCache | None = None,
) -> CallSignal:
    """The call event of one Zadarma notification: ``form`` is the posted form, ``headers``
    the request's headers (any case), ``secret`` the API secret of the account.

    Raises, producing nothing: :class:`~clientops.telephony.SignatureError` for a missing or
    wrong signature; :class:`~clientops.telephony.ReplayError` for a genuine signature on a
    notification that is stale (its signed ``call_start``, in ``timezone``, more than
    ``max_delay`` from ``clock()``; ``max_call + max_delay`` for a ringing, an answer or an
    end, which carry the start of their call) or, given a ``replay_cache``, was already
    received (see :class:`ReplayCache`; when handling the event then fails, call
    ``replay_cache.release(form)``); :class:`~clientops.telephony.WebhookError` naming the
    field for a missing or malformed one (``pbx_call_id``, ``call_start``, ``duration``,
    ``disposition``…); :class:`~clientops.telephony.UnsupportedNotificationError` for a kind
    that is not about the call log. A number that is not a phone is kept as unknown.
    """
    options = _options(
        secret, timezone, extensions, region, strict_phones, clock, max_delay, max_call
    )
    return _parse(form, headers, options, replay_cache)


# --------------------------------------------------------------------------- WSGI


def _reply(
    start_response: StartResponse,
    status: str,
    text: str = "",
    extra: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    body = text.encode("utf-8")
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
            *extra,
        ],
    )
    return [body]


def _pairs(body: bytes, content_type: str) -> list[tuple[str, str]]:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in ("", "application/x-www-form-urlencoded"):
        try:
            return parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=200
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise WebhookError(BACKEND, f"the form cannot be read ({exc})") from None
    if kind == "multipart/form-data":
        return _multipart(body, content_type)
    raise WebhookError(BACKEND, f"a form was expected, not {kind!r}")


def _multipart(body: bytes, content_type: str) -> list[tuple[str, str]]:
    try:
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    except UnicodeEncodeError:
        raise WebhookError(BACKEND, "a Content-Type that is not Latin-1") from None
    message = email.message_from_bytes(head + body, policy=email.policy.HTTP)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise WebhookError(BACKEND, "a multipart form without parts")
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            raise WebhookError(BACKEND, "a part of the multipart form has no name or value")
        try:
            pairs.append((name, payload.decode("utf-8")))
        except UnicodeDecodeError:
            raise WebhookError(BACKEND, "is not UTF-8", field=name) from None
    return pairs


def _form(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise WebhookError(BACKEND, "given twice", field=name)
        form[name] = value
    return form


def _trusted(addresses: Collection[str] | None, allow_any: bool) -> frozenset[str] | None:
    if allow_any is not True and allow_any is not False:
        raise ConfigurationError("zadarma: allow_any_address must be True or False")
    if addresses is None:
        if not allow_any:
            raise ConfigurationError(
                "zadarma: say who may post notifications: trusted_addresses=(NOTIFY_ADDRESS,) "
                "(Zadarma's address; behind a proxy, the address it passes on), or "
                "allow_any_address=True to accept any sender (the unsigned fields, such as "
                "the disposition and the duration, are then unprotected)"
            )
        return None
    if allow_any:
        raise ConfigurationError(
            "zadarma: trusted_addresses and allow_any_address=True contradict each other"
        )
    if isinstance(addresses, str | bytes) or not all(isinstance(a, str) for a in addresses):
        raise ConfigurationError(
            "zadarma: trusted_addresses is a collection of addresses (strings), "
            "e.g. (NOTIFY_ADDRESS,)"
        )
    if not addresses:
        raise ConfigurationError("zadarma: trusted_addresses is empty: nothing could post")
    return frozenset(addresses)


def webhook_app(
    on_event: Callable[[CallSignal], object],
    secret: str,
    *,
    timezone: str | tzinfo = "Europe/Moscow",
    extensions: Mapping[str, EmployeeId] | None = None,
    region: str = "RU",
    strict_phones: bool = True,
    clock: Callable[[], datetime] = _utcnow,
    trusted_addresses: Collection[str] | None = None,
    allow_any_address: bool = False,
    max_delay: timedelta = DEFAULT_MAX_DELAY,
    max_call: timedelta = DEFAULT_MAX_CALL,
    replay_cache: ReplayCache | None = None,
    max_body: int = 64 * 1024,
) -> WSGIApplication:
    """A WSGI application for Zadarma's notifications: mount it at the URL given to Zadarma.

    ``GET ?zd_echo=X`` answers ``X`` (Zadarma's check of a new URL). ``POST`` reads the form,
    checks it with :func:`parse_webhook` (same options) and calls ``on_event(event)``; it
    answers ``200`` with an empty body (Zadarma then goes on with the call as configured).
    A wrong or missing signature, a stale or repeated notification is ``403``, a malformed
    notification ``400``, a kind that is not about calls ``200`` (ignored); ``on_event`` is
    not called for any of them. When ``on_event`` raises, the answer is ``500``, the error is
    logged and the notification is not remembered (Zadarma may post it again).

    Zadarma signs only a few fields, not the kind, the duration or the disposition: say who
    may post. ``trusted_addresses`` refuses (``403``) requests from other addresses
    (``(NOTIFY_ADDRESS,)``; behind a proxy, pass the client's address on as ``REMOTE_ADDR``);
    ``allow_any_address=True`` accepts any sender, relying on the signature, the freshness
    window and the replay cache alone. One of the two is required
    (:class:`~clientops.errors.ConfigurationError` otherwise). ``replay_cache`` defaults to
    one of the application's own (:class:`ReplayCache`).
    """
    options = _options(
        secret, timezone, extensions, region, strict_phones, clock, max_delay, max_call
    )
    trusted = _trusted(trusted_addresses, allow_any_address)
    replays = replay_cache if replay_cache is not None else ReplayCache()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        remote = str(environ.get("REMOTE_ADDR", ""))
        if trusted is not None and remote not in trusted:
            _log.warning("zadarma: notification from untrusted address %s refused", remote)
            return _reply(start_response, "403 Forbidden", "address not trusted\n")
        if method == "GET":
            echo = parse_qs(str(environ.get("QUERY_STRING", ""))).get(ECHO_PARAMETER)
            if not echo:
                return _reply(start_response, "400 Bad Request", f"{ECHO_PARAMETER} missing\n")
            return _reply(start_response, "200 OK", echo[0])
        if method != "POST":
            return _reply(
                start_response, "405 Method Not Allowed", "GET or POST\n", [("Allow", "GET, POST")]
            )
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, "400 Bad Request", "bad Content-Length\n")
        if length < 0 or length > max_body:
            return _reply(start_response, "413 Content Too Large", "notification too large\n")
        body = environ["wsgi.input"].read(length) if length else b""
        headers = (
            {SIGNATURE_HEADER: str(environ["HTTP_SIGNATURE"])}
            if "HTTP_SIGNATURE" in environ
            else {}
        )
        try:
            form = _form(_pairs(body, str(environ.get("CONTENT_TYPE", ""))))
            event = _parse(form, headers, options, replays)
        except UnsupportedNotificationError as exc:
            _log.debug("zadarma: %s ignored", exc.kind)
            return _reply(start_response, "200 OK")
        except SignatureError as exc:
            _log.warning("zadarma: notification from %s rejected: %s", remote, exc)
            return _reply(start_response, "403 Forbidden", f"{exc}\n")
        except WebhookError as exc:
            _log.warning("zadarma: malformed notification from %s: %s", remote, exc)
            return _reply(start_response, "400 Bad Request", f"{exc}\n")
        try:
            on_event(event)
        except Exception:
            replays.release(form)
            _log.exception("zadarma: handling %r failed", event)
            return _reply(start_response, "500 Internal Server Error", "not recorded\n")
        return _reply(start_response, "200 OK")

    return app
