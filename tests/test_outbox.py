"""The outbox: side effects recorded with their change, delivered after, retried, delivered once."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clientops import (
    ClientOps,
    NotFoundError,
    PluginError,
    Policy,
    StorageError,
    ValidationError,
    hookimpl,
)
from clientops.adapters.memory import MemoryStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.hookspecs import RegisterDeliverer
from clientops.host import PluginHost
from clientops.outbox import DeliveryReport, OutboxMessage, OutboxPage, OutboxStatus
from clientops.ports import Storage, UnitOfWork
from clientops.testing import T0, a_client


class Backend:
    """A remote service that, like CDEK with an order number, does nothing twice per key."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.failures_left = 0
        #: called after each successful delivery, before the deliverer returns
        self.on_delivery: Callable[[], None] = lambda: None

    @property
    def effects(self) -> set[str]:
        return set(self.received)

    @hookimpl
    def clientops_register_deliverer(self, register: RegisterDeliverer) -> None:
        def deliver(message: OutboxMessage) -> None:
            if self.failures_left:
                self.failures_left -= 1
                raise TimeoutError("backend timed out")
            self.received.append(message.key)
            self.on_delivery()

        register("courier.pickup", deliver)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _ops(storage: Storage, backend: Backend, clock: Clock) -> ClientOps:
    host = PluginHost(entry_points=False)
    host.register(backend, "backend")
    policy = Policy(outbox_retry_delays=(timedelta(minutes=1), timedelta(minutes=10)))
    return ClientOps(storage, host=host, clock=clock, policy=policy)


@pytest.fixture
def ops(tmp_path: Path, backend: Backend, clock: Clock) -> Iterator[ClientOps]:
    with _ops(SQLiteStorage(tmp_path / "outbox.db"), backend, clock) as ops:
        yield ops


def test_a_message_is_delivered_once(ops: ClientOps, backend: Backend) -> None:
    message = ops.outbox.enqueue("courier.pickup", {"parcel": "P-1"}, key="pickup:P-1")
    assert message is not None
    assert message.data() == {"parcel": "P-1"}
    report = ops.outbox.deliver()
    assert [m.key for m in report.delivered] == ["pickup:P-1"]
    assert report.delivered[0].delivered_at == T0
    assert ops.outbox.deliver().delivered == ()
    assert backend.received == ["pickup:P-1"]
    (stored,) = ops.outbox.messages(OutboxStatus.DELIVERED)
    assert (stored.attempts, stored.status) == (1, OutboxStatus.DELIVERED)


def test_the_same_key_is_enqueued_once(ops: ClientOps, backend: Backend) -> None:
    assert ops.outbox.enqueue("courier.pickup", {"n": 1}, key="pickup:P-1") is not None
    assert ops.outbox.enqueue("courier.pickup", {"n": 2}, key="pickup:P-1") is None
    ops.outbox.deliver()
    assert backend.received == ["pickup:P-1"]


def test_a_message_is_kept_only_with_its_change(ops: ClientOps, backend: Backend) -> None:
    card = a_client()
    with pytest.raises(ZeroDivisionError), ops.storage.unit_of_work() as uow:  # noqa: PT012
        uow.clients.add(card)
        uow.outbox.enqueue(OutboxMessage.new("courier.pickup", {"client": card.id}, now=T0))
        _ = 1 / 0
    assert ops.outbox.messages() == ()
    assert ops.outbox.deliver().delivered == ()
    assert backend.received == []


def test_failures_are_retried_after_the_policy_delays_then_dead(
    ops: ClientOps, backend: Backend, clock: Clock
) -> None:
    backend.failures_left = 3
    ops.outbox.enqueue("courier.pickup", {}, key="k")
    first = ops.outbox.deliver()
    assert [m.key for m in first.retried] == ["k"]
    assert "timed out" in (first.retried[0].last_error or "")
    assert first.retried[0].next_attempt_at == T0 + timedelta(minutes=1)
    clock.now = T0 + timedelta(seconds=59)
    assert ops.outbox.deliver() == type(first)()  # not due yet: nothing taken
    clock.now = T0 + timedelta(minutes=1)
    second = ops.outbox.deliver()
    assert second.retried[0].next_attempt_at == clock.now + timedelta(minutes=10)
    clock.now += timedelta(minutes=10)
    third = ops.outbox.deliver()
    assert [m.attempts for m in third.dead] == [3]
    clock.now += timedelta(days=30)
    assert ops.outbox.deliver().delivered == ()
    assert [m.key for m in ops.outbox.messages(OutboxStatus.DEAD)] == ["k"]
    assert backend.received == []


def test_a_retry_that_succeeds_delivers_once(
    ops: ClientOps, backend: Backend, clock: Clock
) -> None:
    backend.failures_left = 1
    ops.outbox.enqueue("courier.pickup", {}, key="k")
    assert ops.outbox.deliver().retried
    clock.now += timedelta(minutes=1)
    assert [m.attempts for m in ops.outbox.deliver().delivered] == [2]
    assert backend.received == ["k"]


def test_a_topic_without_a_deliverer_waits(ops: ClientOps, clock: Clock) -> None:
    ops.outbox.enqueue("calendar.publish", {}, key="cal")
    report = ops.outbox.deliver()
    assert "no deliverer for topic 'calendar.publish'" in (report.retried[0].last_error or "")


def test_a_limit_below_one_is_refused(ops: ClientOps) -> None:
    with pytest.raises(ValidationError, match="limit"):
        ops.outbox.deliver(limit=0)


def test_two_deliverers_for_one_topic_are_refused(backend: Backend) -> None:
    host = PluginHost(entry_points=False)
    host.register(backend, "one")
    host.register(Backend(), "two")
    with pytest.raises(PluginError, match="two deliverers"):
        host.deliverers()


# -- reading the outbox: whole, or page by page ----------------------------------------------
@pytest.fixture(params=["memory", "sqlite", "postgres"])
def any_ops(
    request: pytest.FixtureRequest, tmp_path: Path, backend: Backend, clock: Clock
) -> Iterator[ClientOps]:
    if request.param == "memory":
        storage: Storage = MemoryStorage()
    elif request.param == "sqlite":
        storage = SQLiteStorage(tmp_path / "outbox.db")
    else:
        url = request.getfixturevalue("postgres_url")
        storage = PluginHost(entry_points=False).load().open_storage(url)
    with _ops(storage, backend, clock) as ops:
        yield ops


def test_the_outbox_is_read_whole_or_page_by_page_to_its_end(
    any_ops: ClientOps, backend: Backend
) -> None:
    # more than the 1,000 a store used to return at most, a third of them delivered
    messages = [
        OutboxMessage.new("courier.pickup" if n % 3 == 0 else "later", {"n": n}, now=T0)
        for n in range(1001)
    ]
    with any_ops.storage.unit_of_work() as uow:
        for message in messages:
            uow.outbox.enqueue(message)
    assert len(any_ops.outbox.deliver(limit=1001).delivered) == 334
    everything = any_ops.outbox.messages()
    assert [m.id for m in everything] == [m.id for m in messages]
    assert [m.id for m in any_ops.outbox.messages(OutboxStatus.DELIVERED)] == [
        m.id for m in messages[::3]
    ]

    pages = [any_ops.outbox.page(limit=400)]
    while pages[-1].next_cursor is not None:
        pages.append(any_ops.outbox.page(after=pages[-1].next_cursor, limit=400))
    assert [len(p.messages) for p in pages] == [400, 400, 201]
    assert tuple(m for p in pages for m in p.messages) == everything

    # a page that ends exactly at the last message says no message follows
    first = any_ops.outbox.page(OutboxStatus.DELIVERED, limit=167)
    second = any_ops.outbox.page(OutboxStatus.DELIVERED, after=first.next_cursor, limit=167)
    assert first.next_cursor == messages[498].id
    assert second == OutboxPage(any_ops.outbox.messages(OutboxStatus.DELIVERED)[167:], None)
    assert any_ops.outbox.page(OutboxStatus.DEAD) == OutboxPage((), None)


def test_a_page_of_the_outbox_refuses_a_bad_limit_or_cursor(ops: ClientOps) -> None:
    ops.outbox.enqueue("courier.pickup", {}, key="k")
    for bad in (0, -1, "5", True, 2.5):
        with pytest.raises(ValidationError) as caught:
            ops.outbox.page(limit=bad)  # type: ignore[arg-type]
        assert caught.value.paths == ("limit",)
    with pytest.raises(ValidationError) as caught:
        ops.outbox.page(after=5)  # type: ignore[arg-type]
    assert caught.value.paths == ("after",)
    with pytest.raises(ValidationError) as caught:
        ops.outbox.page("dead")  # type: ignore[arg-type]
    assert caught.value.paths == ("status",)
    with pytest.raises(NotFoundError, match="outbox message"):
        ops.outbox.page(after="no-such-message")


# -- recording an outcome while the store is locked or failing --------------------------------
class Outage:
    """Wraps a store: the next ``failures`` units of work fail to begin, as on a locked file."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.name = inner.name
        self.failures = 0

    def unit_of_work(self, *, readonly: bool = False) -> AbstractContextManager[UnitOfWork]:
        if self.failures:
            self.failures -= 1
            raise StorageError(self.name, "begin", "database is locked")
        return self.inner.unit_of_work(readonly=readonly)

    def close(self) -> None:
        self.inner.close()


def test_a_success_recorded_while_the_file_is_locked_is_not_delivered_again(
    tmp_path: Path, backend: Backend, clock: Clock
) -> None:
    path = tmp_path / "locked.db"
    holder: list[threading.Thread] = []

    def hold_the_write_lock(locked: threading.Event) -> None:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(0.5)  # longer than the store's busy timeout
            other.execute("ROLLBACK")
        finally:
            other.close()

    def lock_the_file() -> None:
        # another process writes right while the success is being recorded
        locked = threading.Event()
        holder.append(threading.Thread(target=hold_the_write_lock, args=(locked,)))
        holder[-1].start()
        assert locked.wait(10)

    backend.on_delivery = lock_the_file
    with _ops(SQLiteStorage(path, timeout=0.1), backend, clock) as ops:
        ops.outbox.enqueue("courier.pickup", {}, key="pickup:P-1")
        report = ops.outbox.deliver()
        backend.on_delivery = lambda: None
        holder[0].join()
        assert [m.key for m in report.delivered] == ["pickup:P-1"]
        clock.now += timedelta(days=1)  # past the lease and every retry delay
        assert ops.outbox.deliver() == DeliveryReport()
        (stored,) = ops.outbox.messages()
        assert (stored.status, stored.attempts, stored.delivered_at) == (
            OutboxStatus.DELIVERED,
            1,
            T0,
        )
    assert backend.received == ["pickup:P-1"]


def test_a_store_failing_briefly_does_not_turn_a_success_into_a_retry(
    backend: Backend, clock: Clock
) -> None:
    outage = Outage(MemoryStorage())

    def fail_twice() -> None:
        outage.failures = 2

    backend.on_delivery = fail_twice
    with _ops(outage, backend, clock) as ops:
        ops.outbox.enqueue("courier.pickup", {}, key="pickup:P-1")
        assert [m.key for m in ops.outbox.deliver().delivered] == ["pickup:P-1"]
        clock.now += timedelta(days=1)
        assert ops.outbox.deliver() == DeliveryReport()
        assert [m.key for m in ops.outbox.messages(OutboxStatus.DELIVERED)] == ["pickup:P-1"]
    assert backend.received == ["pickup:P-1"]


def test_an_outcome_that_cannot_be_stored_is_delivered_again_after_the_lease(
    backend: Backend, clock: Clock
) -> None:
    outage = Outage(MemoryStorage())

    def fail_for_good() -> None:
        outage.failures = 1_000

    backend.on_delivery = fail_for_good
    with _ops(outage, backend, clock) as ops:
        ops.outbox.enqueue("courier.pickup", {}, key="k1")
        ops.outbox.enqueue("courier.pickup", {}, key="k2")
        with pytest.raises(StorageError) as caught:
            ops.outbox.deliver()
        assert "'k1' (delivered) could not be stored" in str(caught.value)
        assert "1 message(s) taken after it stay leased" in str(caught.value)
        # the call stopped: k1 was not delivered again, k2 not at all
        assert backend.received == ["k1"]
        backend.on_delivery = lambda: None
        outage.failures = 0
        assert ops.outbox.deliver() == DeliveryReport()  # both still leased
        clock.now += ops.policy.outbox_lease
        report = ops.outbox.deliver()
        assert [(m.key, m.attempts) for m in report.delivered] == [("k1", 2), ("k2", 2)]
    # at least once, with the same key: the backend makes the effect once per key
    assert backend.received == ["k1", "k1", "k2"]
    assert backend.effects == {"k1", "k2"}
