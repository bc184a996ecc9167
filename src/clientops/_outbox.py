"""The outbox: side effects recorded with the change that causes them, delivered after.

A courier pickup, a calendar publish or an invoice sent to accounting leaves the process, so it
cannot be rolled back. clientops never performs such a call inside a unit of work. The unit of
work records an :class:`OutboxMessage` instead, in the same transaction as the change: both
are kept, or neither. :meth:`ops.outbox.deliver` then hands due messages to the
deliverer registered for their topic, marks each delivered, or schedules a retry after a delay
from :attr:`clientops.Policy.outbox_retry_delays`. When the delays are used up, the message
is marked *dead* and waits for a person.

A message's ``key`` is unique: enqueueing the same side effect twice (a batch run again after a
crash) keeps the first. Deliverers get the key and must pass it to the backend as its
idempotency key (CDEK's order number, an invoice number). A crash between the backend's answer
and the "delivered" mark then delivers again with the same key, and the backend does nothing
twice.

Example::

    >>> from datetime import datetime, timedelta, UTC
    >>> from clientops._outbox import after_failure
    >>> from clientops.outbox import OutboxMessage
    >>> from clientops import Policy
    >>> now = datetime(2025, 6, 23, 7, 0, tzinfo=UTC)
    >>> msg = OutboxMessage.new("courier.pickup", {"parcel": "P-1"}, key="pickup:P-1", now=now)
    >>> msg.data()
    {'parcel': 'P-1'}
    >>> retry = after_failure(msg, "timeout", now=now, policy=Policy())
    >>> retry.status.value, retry.next_attempt_at - now, retry.last_error
    ('pending', datetime.timedelta(seconds=60), 'timeout')
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from clientops._checks import aware, not_blank, text_problem
from clientops.errors import FieldError, ValidationError
from clientops.model import new_id

if TYPE_CHECKING:
    from clientops.policy import Policy

__all__ = ["OutboxMessage", "OutboxPage", "OutboxStatus", "after_failure", "after_success"]


class OutboxStatus(enum.Enum):
    """Where a message is in its life."""

    PENDING = "pending"
    DELIVERED = "delivered"
    #: every retry failed; a person has to look at it
    DEAD = "dead"


def _json(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        json.loads(value)
    except ValueError as exc:
        raise ValueError(f"{attribute.name}: not JSON ({exc})") from None


@attrs.frozen
class OutboxMessage:
    """One side effect waiting to be delivered.

    ``topic`` chooses the deliverer (``courier.pickup``, ``calendar.publish``…); ``payload`` is
    a JSON document; ``attempts`` counts deliveries started. ``next_attempt_at`` is when the
    message is next due.
    """

    id: str = attrs.field(validator=not_blank)
    topic: str = attrs.field(validator=not_blank)
    key: str = attrs.field(validator=not_blank)
    payload: str = attrs.field(validator=_json)
    created_at: datetime = attrs.field(validator=aware)
    next_attempt_at: datetime = attrs.field(validator=aware)
    attempts: int = 0
    status: OutboxStatus = OutboxStatus.PENDING
    delivered_at: datetime | None = attrs.field(default=None, validator=aware)
    last_error: str | None = None

    @classmethod
    def new(
        cls, topic: str, payload: Mapping[str, Any], *, now: datetime, key: str | None = None
    ) -> OutboxMessage:
        """A pending message due at once. ``key`` defaults to a fresh id (no deduplication)."""
        message_id = new_id()
        try:
            text = json.dumps(dict(payload), ensure_ascii=False, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:  # not JSON: refused, not stored
            raise ValidationError([FieldError("payload", f"not JSON-ready: {exc}")]) from None
        if problem := text_problem(text, limit=len(text) + 1, multiline=True, required=False):
            raise ValidationError([FieldError("payload", problem)])
        return cls(
            id=message_id,
            topic=topic,
            key=key if key is not None else message_id,
            payload=text,
            created_at=now,
            next_attempt_at=now,
        )

    def data(self) -> Any:
        """The payload, parsed."""
        return json.loads(self.payload)


@attrs.frozen
class OutboxPage:
    """One page of the outbox (:meth:`ops.outbox.page`): ``messages`` in order
    of creation, and ``next_cursor``, to pass as ``after`` for the next page, or ``None`` when
    no message follows this page."""

    messages: tuple[OutboxMessage, ...] = ()
    next_cursor: str | None = None


def after_success(message: OutboxMessage, *, now: datetime) -> OutboxMessage:
    """The message once its deliverer returned."""
    return attrs.evolve(message, status=OutboxStatus.DELIVERED, delivered_at=now, last_error=None)


def after_failure(
    message: OutboxMessage, error: str, *, now: datetime, policy: Policy
) -> OutboxMessage:
    """The message once a delivery failed: due again after the next delay of the policy, or
    dead when ``message.attempts`` (counting this one) has used every delay."""
    delays = policy.outbox_retry_delays
    # attempts counts the failed one only when it was claimed from a store
    failed = max(message.attempts, 1)
    if failed > len(delays):
        return attrs.evolve(message, status=OutboxStatus.DEAD, last_error=error)
    return attrs.evolve(message, next_attempt_at=now + delays[failed - 1], last_error=error)
