"""The outbox: side effects recorded with the change that makes them and delivered, at least
once, by the deliverers the plugins register (``ops.outbox``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from clientops._billing_helpers import ACCOUNTING_TOPICS, deliver_accounting
from clientops._checks import check_entry_points, positive_int
from clientops._context import Context
from clientops._onboarding_service import PICKUP_TOPIC, book_pickup
from clientops._outbox import (
    OutboxMessage,
    OutboxPage,
    OutboxStatus,
    after_failure,
    after_success,
)
from clientops.errors import (
    ClientopsError,
    StorageError,
    TransitionError,
)
from clientops.ports import UnitOfWork

__all__ = ["DeliveryReport", "OutboxService"]


#: How many times :meth:`ops.outbox.deliver` tries to store the outcome of a delivery
#: while the store fails (a SQLite file locked beyond its busy timeout, a dropped connection),
#: and the pause before the second try, doubled before each next one.
_RECORD_ATTEMPTS = 5
_RECORD_BACKOFF = 0.05


@attrs.frozen
class DeliveryReport:
    """What one :meth:`ops.outbox.deliver` did with the messages it took."""

    delivered: tuple[OutboxMessage, ...] = ()
    #: failed this time; due again after the policy's next delay
    retried: tuple[OutboxMessage, ...] = ()
    #: failed for the last time; waiting for a person
    dead: tuple[OutboxMessage, ...] = ()
    #: taken over by another worker after this one's lease ran out; its outcome was not stored
    lost_lease: tuple[OutboxMessage, ...] = ()


@check_entry_points
class OutboxService:
    """Side effects recorded first, delivered after (retried, never twice)::

    >>> import clientops
    >>> from clientops.testing import T0, a_client, a_staff
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> ops.clients.add_staff(a_staff())
    >>> ops.outbox.enqueue("demo.topic", {"n": 1}, key="k1").topic
    'demo.topic'
    >>> ops.outbox.enqueue("demo.topic", {"n": 1}, key="k1") is None
    True
    >>> [m.key for m in ops.outbox.messages()]
    ['k1']
    >>> ops.close()
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def enqueue(
        self, topic: str, payload: Mapping[str, Any], *, key: str | None = None
    ) -> OutboxMessage | None:
        """Record a side effect for :meth:`deliver_outbox`, in a unit of work of its own.
        Returns the message, or ``None`` when one with the same ``key`` is already recorded.

        To record it together with a change, call ``uow.outbox.enqueue(OutboxMessage.new(...))``
        inside that change's unit of work instead."""
        message = OutboxMessage.new(topic, payload, now=self._context.now(), key=key)
        with self._context.storage.unit_of_work() as uow:
            return message if uow.outbox.enqueue(message) else None

    def deliver(self, *, limit: int = 100) -> DeliveryReport:
        """Deliver up to ``limit`` due outbox messages through the deliverers registered for
        their topics (``clientops_register_deliverer``).

        Messages are taken under a lease (:attr:`Policy.outbox_lease`) in one short unit of
        work, delivered outside any transaction, and each outcome is stored in a unit of work
        of its own: a delivered message is never taken again; a failed one (the deliverer
        raised, or no deliverer knows its topic) is due again after the policy's next retry
        delay, or dead when the delays are used up. A worker that dies mid-way leaves its
        messages to the next one once the lease runs out; several workers may run at once.

        While the store fails to store an outcome (a SQLite file locked by another process
        beyond its busy timeout), it is tried again a few times with a growing pause; a
        success is never recorded as a failure. When every try fails, the call stops and
        raises StorageError: that message and those not yet tried stay leased, and are
        delivered again (with the same key) once the lease runs out.
        """
        positive_int("limit", limit)
        deliverers = self._context.host.deliverers()
        with self._context.storage.unit_of_work() as uow:
            claimed = uow.outbox.claim(
                now=self._context.now(), lease=self._context.policy.outbox_lease, limit=limit
            )
        delivered: list[OutboxMessage] = []
        retried: list[OutboxMessage] = []
        dead: list[OutboxMessage] = []
        lost: list[OutboxMessage] = []
        for taken, message in enumerate(claimed, start=1):
            deliver = deliverers.get(message.topic)
            finish: Callable[[UnitOfWork], None] | None = None
            try:
                if message.topic == PICKUP_TOPIC:
                    finish = book_pickup(self._context, message)
                elif message.topic in ACCOUNTING_TOPICS:
                    deliver_accounting(self._context, message)
                elif deliver is None:
                    raise LookupError(f"no deliverer for topic {message.topic!r}")
                else:
                    deliver(message)
            except Exception as exc:
                outcome = after_failure(
                    message, repr(exc), now=self._context.now(), policy=self._context.policy
                )
                finish = None
            else:
                outcome = after_success(message, now=self._context.now())
            kept, outcome = self._record_outcome(message, outcome, finish, len(claimed) - taken)
            if not kept:
                lost.append(outcome)
            elif outcome.status is OutboxStatus.DELIVERED:
                delivered.append(outcome)
            elif outcome.status is OutboxStatus.DEAD:
                dead.append(outcome)
            else:
                retried.append(outcome)
        return DeliveryReport(tuple(delivered), tuple(retried), tuple(dead), tuple(lost))

    def _record_outcome(
        self,
        message: OutboxMessage,
        outcome: OutboxMessage,
        finish: Callable[[UnitOfWork], None] | None,
        untried: int,
    ) -> tuple[bool, OutboxMessage]:
        """Store the outcome of one delivery (with ``finish``, the change it brings), and say
        whether the lease was still held. A store that fails is tried again, a bounded number
        of times with a growing pause: its failure never turns a delivery into a retry. When
        every try failed, StorageError: the message stays leased (delivered again, with the
        same key, once the lease runs out), and so do the ``untried`` messages after it."""
        failures = 0
        while True:
            try:
                with self._context.storage.unit_of_work() as uow:
                    kept = uow.outbox.finish(outcome)
                    if kept and finish is not None:
                        finish(uow)
            except StorageError as exc:
                failures += 1
                if failures >= _RECORD_ATTEMPTS:
                    raise StorageError(
                        exc.backend,
                        "deliver_outbox",
                        f"the outcome of outbox message {message.key!r} "
                        f"({outcome.status.value}) could not be stored in {failures} tries "
                        f"(last: {exc}); it and the {untried} message(s) taken after it stay "
                        "leased and are delivered again, with the same key, once the lease "
                        "runs out",
                    ) from exc
                time.sleep(_RECORD_BACKOFF * 2 ** (failures - 1))
            except ClientopsError as exc:
                if finish is None:
                    raise
                # the change could not be stored with the outcome (the record moved on
                # meanwhile): count the delivery as failed, so it is made again (with its key)
                outcome = after_failure(
                    message, repr(exc), now=self._context.now(), policy=self._context.policy
                )
                finish = None
            else:
                return kept, outcome

    def retry(self, message_ids: tuple[str, ...] = ()) -> tuple[OutboxMessage, ...]:
        """Give dead messages another round of deliveries: each is pending again, due now,
        with its attempts back to 0 (so the policy's retry delays start over) and its last
        error kept. Every dead message, or those ``message_ids`` name; an id naming no message
        raises NotFoundError, one naming a message that is not dead TransitionError, and
        nothing is changed then. Returns the messages revived."""
        now = self._context.now()
        with self._context.storage.unit_of_work() as uow:
            dead = {m.id: m for m in uow.outbox.messages(OutboxStatus.DEAD)}
            chosen = []
            for message_id in dict.fromkeys(message_ids):
                if message_id not in dead:
                    # raises NotFoundError when no message has the id (one read, no listing)
                    uow.outbox.messages(after=message_id, limit=1)
                    raise TransitionError(
                        f"outbox message {message_id!r}",
                        current="pending or delivered",
                        attempted="retry",
                        reason="only a dead message is retried by hand",
                    )
                chosen.append(dead[message_id])
            revived = tuple(
                attrs.evolve(m, status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now)
                for m in (chosen if message_ids else dead.values())
            )
            for message in revived:
                uow.outbox.revive(message)
        return revived

    def messages(self, status: OutboxStatus | None = None) -> tuple[OutboxMessage, ...]:
        """Every message of the outbox, oldest first, or only those with ``status``
        (``OutboxStatus.DEAD`` for those a person must look at). Delivered messages are kept,
        so the outbox only grows: read a large one page by page with :meth:`page`."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.outbox.messages(status)

    def page(
        self,
        status: OutboxStatus | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
    ) -> OutboxPage:
        """At most ``limit`` messages of the outbox, oldest first (only those with ``status``
        when given), created after the message whose id is ``after``: ``None`` for the first
        page, then the page's ``next_cursor`` until it is ``None`` (no message follows).
        A ``limit`` below 1 or an ``after`` that is not a string raises ValidationError; an
        ``after`` naming no message raises NotFoundError."""
        positive_int("limit", limit)  # the types of all three: check_entry_points
        with self._context.storage.unit_of_work(readonly=True) as uow:
            found = uow.outbox.messages(status, after=after, limit=limit + 1)
        if len(found) > limit:
            return OutboxPage(found[:limit], found[limit - 1].id)
        return OutboxPage(found, None)
