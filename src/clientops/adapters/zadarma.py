"""Zadarma (Задарма) cloud PBX: its call notifications (webhooks) as clientops call events.

Zadarma posts a form (``application/x-www-form-urlencoded``) to the notification URL set on
the API page of its personal account (https://my.zadarma.com/api/), one notification per step
of a call, the kind in the ``event`` field. :func:`parse_webhook` checks one and turns it into a
:class:`~clientops.telephony.CallEvent`; :func:`webhook_app` is a WSGI application that does
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
(``internal``) counts as empty, as in PHP. The comparison takes constant time. Note that
Zadarma signs only those fields: ``event``, ``duration``, ``disposition``, ``internal`` of an
incoming call… are not covered. Where that matters, also accept notifications only from
Zadarma's address (``trusted_addresses=(NOTIFY_ADDRESS,)``).

**Times and lengths.** ``call_start`` is the local time of the account's time zone (Moscow
unless changed there: pass ``timezone``). Zadarma gives no time for an answer or a ringing
extension; those events take the time they are received (``clock``). It reports one length
per call, ``duration``; clientops reads it as the call's length and, for an answered call, as
its airtime (``talk_seconds``), and puts the end at ``call_start + duration``.

**Employees.** Zadarma names extensions (``internal``: ``100``, ``101``…); pass
``extensions={"101": EmployeeId("anna")}`` to have the events name the employee too.

Example::

    >>> form = {"event": "NOTIFY_START", "call_start": "2025-06-23 10:00:00",
    ...         "pbx_call_id": "in_1", "caller_id": "79123456789", "called_did": "74951234567"}
    >>> headers = {"Signature": signature(form, "s3cret")}
    >>> event = parse_webhook(form, headers, secret="s3cret")
    >>> event.direction.value, event.from_number.phone.e164, event.at.isoformat()
    ('incoming', '+79123456789', '2025-06-23T10:00:00+03:00')
    >>> parse_webhook(form, {"Signature": "Zm9v"}, secret="s3cret")
    Traceback (most recent call last):
    ...
    clientops.telephony.SignatureError: zadarma: webhook failed: Signature: does not match ...
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from email.message import EmailMessage
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, parse_qsl
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from clientops import _redact
from clientops.errors import ConfigurationError
from clientops.model import EmployeeId
from clientops.telephony import (
    CallAnswered,
    CallDirection,
    CallEnded,
    CallEvent,
    CallNumber,
    CallRecorded,
    CallRinging,
    CallStarted,
    CallStatus,
    SignatureError,
    UnsupportedNotificationError,
    WebhookError,
)

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "BACKEND",
    "DISPOSITIONS",
    "ECHO_PARAMETER",
    "NOTIFY_ADDRESS",
    "SIGNATURE_HEADER",
    "SIGNED_FIELDS",
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
    text = "".join(form.get(name, "") for name in SIGNED_FIELDS[kind])
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


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


# --------------------------------------------------------------------------- fields


@attrs.frozen
class _Options:
    secret: str = attrs.field(repr=_redact.field)
    tz: tzinfo
    extensions: Mapping[str, EmployeeId]
    region: str
    strict_phones: bool
    clock: Callable[[], datetime]

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
) -> _Options:
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
        secret, tz, MappingProxyType(dict(extensions or {})), region, strict_phones, clock
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


_PARSERS: Mapping[str, Callable[[Mapping[str, str], _Options], CallEvent]] = MappingProxyType(
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


def _parse(form: Mapping[str, str], headers: Mapping[str, str], o: _Options) -> CallEvent:
    kind = _text(form, "event")
    if kind is None:
        raise WebhookError(BACKEND, "missing", field="event")
    if kind not in _PARSERS:
        raise UnsupportedNotificationError(BACKEND, kind)
    _verify(form, headers, o.secret)
    return _PARSERS[kind](form, o)


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
) -> CallEvent:
    """The call event of one Zadarma notification: ``form`` is the posted form, ``headers``
    the request's headers (any case), ``secret`` the API secret of the account.

    Raises, producing nothing: :class:`~clientops.telephony.SignatureError` for a missing or
    wrong signature; :class:`~clientops.telephony.WebhookError` naming the field for a
    missing or malformed one (``pbx_call_id``, ``call_start``, ``duration``,
    ``disposition``…); :class:`~clientops.telephony.UnsupportedNotificationError` for a kind
    that is not about the call log. A number that is not a phone is kept as unknown.
    """
    return _parse(
        form, headers, _options(secret, timezone, extensions, region, strict_phones, clock)
    )


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


def webhook_app(
    on_event: Callable[[CallEvent], object],
    secret: str,
    *,
    timezone: str | tzinfo = "Europe/Moscow",
    extensions: Mapping[str, EmployeeId] | None = None,
    region: str = "RU",
    strict_phones: bool = True,
    clock: Callable[[], datetime] = _utcnow,
    trusted_addresses: Collection[str] | None = None,
    max_body: int = 64 * 1024,
) -> WSGIApplication:
    """A WSGI application for Zadarma's notifications: mount it at the URL given to Zadarma.

    ``GET ?zd_echo=X`` answers ``X`` (Zadarma's check of a new URL). ``POST`` reads the form,
    checks it with :func:`parse_webhook` (same options) and calls ``on_event(event)``; it
    answers ``200`` with an empty body (Zadarma then goes on with the call as configured).
    A wrong or missing signature is ``403``, a malformed notification ``400``, a kind that is
    not about calls ``200`` (ignored); ``on_event`` is not called for any of them. When
    ``on_event`` raises, the answer is ``500`` and the error is logged.
    ``trusted_addresses``, when given, refuses (``403``) requests from other addresses.
    """
    options = _options(secret, timezone, extensions, region, strict_phones, clock)
    trusted = frozenset(trusted_addresses) if trusted_addresses is not None else None

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
            event = _parse(form, headers, options)
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
            _log.exception("zadarma: handling %r failed", event)
            return _reply(start_response, "500 Internal Server Error", "not recorded\n")
        return _reply(start_response, "200 OK")

    return app
