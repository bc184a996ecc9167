"""The change feed's values: the stored entries, the consumers' saved positions, the typed
errors, and the signature of the webhook that posts the feed (made by the sender, checked by
the receiver with :func:`verify_webhook`).

Every event of the stream (:class:`clientops.events.Event`) is also kept in the store's feed,
written in the unit of work of the change that caused it, at a position one above the last:
positions are gapless and increase in the order the changes committed. An entry keeps the
event as JSON (the clientops wire form, :mod:`clientops.serialization`) with its ``kind``
(the event class's name) and the ``schema`` of that JSON::

    >>> from datetime import datetime, timezone
    >>> from clientops.events import ClientCreated
    >>> from clientops.model import ClientId
    >>> at = datetime(2026, 1, 12, 9, 0, tzinfo=timezone.utc)
    >>> record = FeedRecord.of(ClientCreated(ClientId("c1"), at))
    >>> record.kind, record.schema, record.payload
    ('ClientCreated', 1, '{"client_id":"c1","at":"2026-01-12T09:00:00+00:00"}')
    >>> entry = FeedEntry(7, record.kind, record.schema, record.at, record.payload)
    >>> entry.event() == ClientCreated(ClientId("c1"), at)
    True
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from clientops._outbox import OutboxStatus
from clientops.errors import ClientopsError, FieldError, ValidationError
from clientops.events import Event
from clientops.serialization import compact_encoder, make_converter

__all__ = [
    "FEED_SCHEMA",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "FeedCursor",
    "FeedEntry",
    "FeedPositionError",
    "FeedRecord",
    "WebhookSignatureError",
    "event_kinds",
    "sign_webhook",
    "verify_webhook",
]

#: The schema of an entry's JSON: raised when the wire form of the events changes in a way
#: a consumer must know of (a field renamed or removed; a new field does not raise it).
FEED_SCHEMA = 1

_CONVERTER = make_converter()
_ENCODE = compact_encoder()


def event_kinds() -> dict[str, type[Event]]:
    """Every event class by its kind (its class name), as far as they are imported (every
    area's are, once :mod:`clientops` is)."""
    found: dict[str, type[Event]] = {}
    todo: list[type[Event]] = [Event]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__name__ not in found:
                found[sub.__name__] = sub
                todo.append(sub)
    return found


@attrs.frozen
class FeedRecord:
    """An event on its way into the feed (its position is given when it is appended)."""

    kind: str
    schema: int
    at: datetime
    payload: str

    @classmethod
    def of(cls, event: Event) -> FeedRecord:
        kind = type(event)
        unstructure = _UNSTRUCTURE.get(kind)
        if unstructure is None:
            unstructure = _UNSTRUCTURE[kind] = _CONVERTER.get_unstructure_hook(kind)
        return cls(kind.__name__, FEED_SCHEMA, event.at, _ENCODE(unstructure(event)))


#: the converter's unstructuring function of each event class, looked up once per class (an
#: incoming call appends four records)
_UNSTRUCTURE: dict[type[Any], Any] = {}


@attrs.frozen
class FeedEntry:
    """One committed entry of the feed.

    ``position`` is its place (1, 2, 3… with no gap); ``kind`` the event class's name
    (``ClientCreated``, ``InvoiceIssued``…); ``schema`` the version of the JSON in
    ``payload`` (:data:`FEED_SCHEMA`); ``at`` when the event happened."""

    position: int
    kind: str
    schema: int
    at: datetime
    payload: str

    def data(self) -> Any:
        """The event as JSON (a ``dict``)."""
        return json.loads(self.payload)

    def event(self) -> Event:
        """The event as the value it was published as. ValidationError for a kind this
        clientops does not know (written by a newer one) or a payload that does not fit."""
        cls = event_kinds().get(self.kind)
        if cls is None:
            raise ValidationError([FieldError("kind", f"unknown event kind {self.kind!r}")])
        try:
            event: Event = _CONVERTER.structure(self.data(), cls)
        except Exception as exc:  # cattrs' grouped errors: one typed error naming the entry
            raise ValidationError(
                [FieldError("payload", f"entry {self.position} ({self.kind}): {exc}")]
            ) from None
        return event

    def to_json(self) -> dict[str, Any]:
        """The entry as the webhook posts it: position, kind, schema, at and the event."""
        return {
            "position": self.position,
            "kind": self.kind,
            "schema": self.schema,
            "at": self.at.isoformat(),
            "event": self.data(),
        }


@attrs.frozen
class FeedCursor:
    """A consumer's saved position in the feed (``name`` is the consumer's).

    ``message_id`` and ``batch_after`` are set by :meth:`Feed.forward`: the outbox message
    carrying the entries after ``batch_after`` up to ``position``; ``message_status`` is that
    message's status, read with the cursor (not stored)."""

    name: str
    position: int = 0
    message_id: str | None = None
    batch_after: int | None = None
    message_status: OutboxStatus | None = attrs.field(default=None, eq=False)


class FeedPositionError(ValidationError):
    """A position the feed has not reached: ``position`` was asked, ``head`` is the last
    committed one. Nothing was read (a position saved against another store, or a store
    restored from an older backup)."""

    def __init__(self, position: int, head: int, *, path: str = "after") -> None:
        self.position = position
        self.head = head
        super().__init__(
            [
                FieldError(
                    path,
                    f"feed position {position} is in the future: the feed ends at {head}",
                )
            ]
        )


# -- the webhook's signature -----------------------------------------------------------------

#: The header holding the Unix time (seconds) the body was signed at.
TIMESTAMP_HEADER = "Clientops-Timestamp"
#: The header holding ``v1=`` and the hex HMAC-SHA256 of ``"{timestamp}.{body}"``.
SIGNATURE_HEADER = "Clientops-Signature"


class WebhookSignatureError(ClientopsError):
    """A webhook request that fails verification: ``reason`` says why (a missing header, a
    signature that does not match, a timestamp outside the tolerance). It never holds the
    secret or the expected signature."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"webhook request refused: {reason}")


def _key(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not key:
        raise ValidationError([FieldError("secret", "required")])
    return key


def _digest(key: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def sign_webhook(body: bytes, secret: str | bytes, *, now: datetime) -> dict[str, str]:
    """The headers that sign ``body`` at ``now`` (what :class:`FeedWebhook` sends)::

    >>> from datetime import datetime, UTC
    >>> headers = sign_webhook(b"{}", "s3cret", now=datetime(2026, 1, 12, tzinfo=UTC))
    >>> headers["Clientops-Timestamp"], headers["Clientops-Signature"][:3]
    ('1768176000', 'v1=')
    """
    timestamp = str(int(now.timestamp()))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: "v1=" + _digest(_key(secret), timestamp, body),
    }


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | bytes,
    *,
    tolerance: timedelta = timedelta(minutes=5),
    now: datetime | None = None,
) -> Any:
    """Check a request the feed's webhook posted and return its JSON body: raise
    :class:`WebhookSignatureError` unless ``headers`` (any letter case) carry a timestamp
    within ``tolerance`` of ``now`` and a ``v1=`` HMAC-SHA256 of ``"{timestamp}.{body}"``
    under ``secret`` (compared in constant time). Pass the body exactly as received, before
    any parsing::

    >>> from datetime import datetime, UTC
    >>> at = datetime(2026, 1, 12, tzinfo=UTC)
    >>> body = b'{"entries":[]}'
    >>> verify_webhook(body, sign_webhook(body, "s3cret", now=at), "s3cret", now=at)
    {'entries': []}
    >>> try:
    ...     verify_webhook(body + b" ", sign_webhook(body, "s3cret", now=at), "s3cret", now=at)
    ... except WebhookSignatureError as exc:
    ...     print(exc.reason)
    the signature does not match
    """
    key = _key(secret)
    lower = {name.lower(): value for name, value in headers.items()}
    timestamp = lower.get(TIMESTAMP_HEADER.lower())
    signatures = lower.get(SIGNATURE_HEADER.lower())
    if not timestamp or not signatures:
        raise WebhookSignatureError("the timestamp or signature header is missing")
    try:
        signed_at = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookSignatureError("the timestamp is not a Unix time") from None
    moment = now if now is not None else datetime.now(UTC)
    if abs(moment - signed_at) > tolerance:
        raise WebhookSignatureError(
            f"the timestamp is {abs(moment - signed_at)} away, more than {tolerance}"
        )
    expected = "v1=" + _digest(key, timestamp, body)
    # several signatures may be sent while a secret is rolled over: any one must match
    if not any(
        hmac.compare_digest(expected.encode(), candidate.strip().encode())
        for candidate in signatures.split(",")
    ):
        raise WebhookSignatureError("the signature does not match")
    try:
        return json.loads(body)
    except ValueError:
        raise WebhookSignatureError("the body is not JSON") from None
