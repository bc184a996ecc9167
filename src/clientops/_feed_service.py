"""Reading the change feed, and handing it to the outbox a batch at a time (the webhook).

:class:`Feed` works over the store of a :class:`~clientops.ClientOps` (or anything with its
``context``): ``Feed(ops).read(after=n)``.
"""

from __future__ import annotations

from typing import Protocol

import attrs

from clientops._checks import ID_LENGTH, check_entry_points, fail, positive_int, text_argument
from clientops._context import Context
from clientops._feed import FeedCursor, FeedEntry, FeedPositionError
from clientops._outbox import OutboxMessage, OutboxStatus

__all__ = ["Feed"]


class _HasContext(Protocol):
    @property
    def context(self) -> Context: ...


def _position(name: str, value: int) -> int:
    positive_int(name, value, minimum=0)
    return value


def _name(path: str, value: str) -> None:
    text_argument(path, value, limit=ID_LENGTH)
    if not value.strip():
        fail(path, "required")


@check_entry_points
class Feed:
    """The change feed of one store: every event of the stream, at gapless positions in
    commit order, kept with the change that caused it::

    >>> import clientops
    >>> from clientops.feed import Feed
    >>> from clientops.testing import T0, a_client
    >>> ops = clientops.connect("memory://", clock=lambda: T0)
    >>> feed = Feed(ops)
    >>> _ = ops.clients.add(a_client(name="ООО «Ромашка»"))
    >>> [(e.position, e.kind) for e in feed.read(after=0)]
    [(1, 'ClientCreated')]
    >>> feed.read(after=1), feed.head()
    ((), 1)
    >>> feed.save_position("search-index", 1)
    >>> feed.position("search-index")
    1
    >>> ops.close()

    A consumer keeps the last position it has handled, as one write with what it did (in its
    own database, or here with :meth:`save_position`), and asks for what comes after it:
    nothing is skipped or read twice across its crashes. A position beyond the feed's head
    raises :class:`~clientops.feed.FeedPositionError`."""

    def __init__(self, ops: _HasContext) -> None:
        self._context = ops.context

    def head(self) -> int:
        """The last committed position (0 while the feed is empty)."""
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.feed.head()

    def read(self, *, after: int = 0, limit: int = 1000) -> tuple[FeedEntry, ...]:
        """At most ``limit`` committed entries after position ``after``, in position order
        (an empty tuple when there is nothing new). ``after`` beyond the head raises
        FeedPositionError and reads nothing; a negative one or a ``limit`` below 1
        ValidationError."""
        _position("after", after)
        positive_int("limit", limit)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            entries = uow.feed.read(after=after, limit=limit)
            # an entry after ``after`` proves it is not beyond the head: one query a page
            if not entries and after > (head := uow.feed.head()):
                raise FeedPositionError(after, head)
            return entries

    def position(self, consumer: str) -> int:
        """The position ``consumer`` saved last (0 when it never saved one)."""
        _name("consumer", consumer)
        with self._context.storage.unit_of_work(readonly=True) as uow:
            return uow.feed.cursor(consumer).position

    def save_position(self, consumer: str, position: int) -> None:
        """Save ``consumer``'s position (the last one it has handled), in a unit of work of
        its own. A position beyond the head raises FeedPositionError naming ``position``,
        and nothing is saved; a lower one than before is allowed (to read again)."""
        _name("consumer", consumer)
        _position("position", position)
        with self._context.storage.unit_of_work() as uow:
            head = uow.feed.head()
            if position > head:
                raise FeedPositionError(position, head, path="position")
            cursor = uow.feed.cursor(consumer, lock=True)
            uow.feed.save_cursor(attrs.evolve(cursor, position=position))

    def forward(self, topic: str, *, limit: int = 100) -> OutboxMessage | None:
        """Hand the next entries (at most ``limit``) to the outbox as one message of
        ``topic``, the deliverer of that topic (:class:`~clientops.adapters.webhook
        .FeedWebhook`) posts them; returns the message, or ``None`` when there is nothing
        to send or the last batch is not delivered yet.

        One batch is in flight per topic at a time, so they arrive in order: the next one
        is made once the outbox marked the last one delivered. The topic's saved position
        moves with the message, in one unit of work: an entry is handed over once, never
        skipped. A batch that went dead (every retry failed) is handed over again, the same
        entries under a new key. The message's payload is ``{"topic", "first", "last",
        "entries"}``, each entry as :meth:`FeedEntry.to_json` gives it."""
        _name("topic", topic)
        positive_int("limit", limit)
        now = self._context.now()
        with self._context.storage.unit_of_work() as uow:
            cursor = uow.feed.cursor(topic, lock=True)
            after, count, retry = cursor.position, limit, ""
            if cursor.message_id is not None:
                if cursor.message_status is OutboxStatus.PENDING:
                    return None
                if cursor.message_status is OutboxStatus.DEAD and cursor.batch_after is not None:
                    after = cursor.batch_after
                    count = cursor.position - cursor.batch_after
                    retry = f":after-{cursor.message_id}"
            entries = uow.feed.read(after=after, limit=count)
            if not entries:
                return None
            first, last = entries[0].position, entries[-1].position
            payload = {
                "topic": topic,
                "first": first,
                "last": last,
                "entries": [entry.to_json() for entry in entries],
            }
            key = f"feed:{topic}:{first}-{last}{retry}"
            message = OutboxMessage.new(topic, payload, now=now, key=key)
            if not uow.outbox.enqueue(message):  # sent before: its position was moved back
                message = OutboxMessage.new(topic, payload, now=now, key=f"{key}:{message.id}")
                uow.outbox.enqueue(message)
            uow.feed.save_cursor(FeedCursor(topic, max(last, cursor.position), message.id, after))
        return message
