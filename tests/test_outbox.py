"""The outbox: side effects recorded with their change, delivered after, retried, delivered once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clientops import ClientOps, PluginError, Policy, ValidationError, hookimpl
from clientops.adapters.sqlite import SQLiteStorage
from clientops.hookspecs import RegisterDeliverer
from clientops.host import PluginHost
from clientops.outbox import OutboxMessage, OutboxStatus
from clientops.testing import T0, a_client


class Backend:
    """A remote service that, like CDEK with an order number, does nothing twice per key."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.failures_left = 0

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


@pytest.fixture
def ops(tmp_path: Path, backend: Backend, clock: Clock) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    host.register(backend, "backend")
    policy = Policy(outbox_retry_delays=(timedelta(minutes=1), timedelta(minutes=10)))
    with ClientOps(
        SQLiteStorage(tmp_path / "outbox.db"), host=host, clock=clock, policy=policy
    ) as ops:
        yield ops


def test_a_message_is_delivered_once(ops: ClientOps, backend: Backend) -> None:
    message = ops.enqueue("courier.pickup", {"parcel": "P-1"}, key="pickup:P-1")
    assert message is not None
    assert message.data() == {"parcel": "P-1"}
    report = ops.deliver_outbox()
    assert [m.key for m in report.delivered] == ["pickup:P-1"]
    assert report.delivered[0].delivered_at == T0
    assert ops.deliver_outbox().delivered == ()
    assert backend.received == ["pickup:P-1"]
    (stored,) = ops.outbox(OutboxStatus.DELIVERED)
    assert (stored.attempts, stored.status) == (1, OutboxStatus.DELIVERED)


def test_the_same_key_is_enqueued_once(ops: ClientOps, backend: Backend) -> None:
    assert ops.enqueue("courier.pickup", {"n": 1}, key="pickup:P-1") is not None
    assert ops.enqueue("courier.pickup", {"n": 2}, key="pickup:P-1") is None
    ops.deliver_outbox()
    assert backend.received == ["pickup:P-1"]


def test_a_message_is_kept_only_with_its_change(ops: ClientOps, backend: Backend) -> None:
    card = a_client()
    with pytest.raises(ZeroDivisionError), ops.storage.unit_of_work() as uow:  # noqa: PT012
        uow.add_client(card)
        uow.enqueue(OutboxMessage.new("courier.pickup", {"client": card.id}, now=T0))
        _ = 1 / 0
    assert ops.outbox() == ()
    assert ops.deliver_outbox().delivered == ()
    assert backend.received == []


def test_failures_are_retried_after_the_policy_delays_then_dead(
    ops: ClientOps, backend: Backend, clock: Clock
) -> None:
    backend.failures_left = 3
    ops.enqueue("courier.pickup", {}, key="k")
    first = ops.deliver_outbox()
    assert [m.key for m in first.retried] == ["k"]
    assert "timed out" in (first.retried[0].last_error or "")
    assert first.retried[0].next_attempt_at == T0 + timedelta(minutes=1)
    clock.now = T0 + timedelta(seconds=59)
    assert ops.deliver_outbox() == type(first)()  # not due yet: nothing taken
    clock.now = T0 + timedelta(minutes=1)
    second = ops.deliver_outbox()
    assert second.retried[0].next_attempt_at == clock.now + timedelta(minutes=10)
    clock.now += timedelta(minutes=10)
    third = ops.deliver_outbox()
    assert [m.attempts for m in third.dead] == [3]
    clock.now += timedelta(days=30)
    assert ops.deliver_outbox().delivered == ()
    assert [m.key for m in ops.outbox(OutboxStatus.DEAD)] == ["k"]
    assert backend.received == []


def test_a_retry_that_succeeds_delivers_once(
    ops: ClientOps, backend: Backend, clock: Clock
) -> None:
    backend.failures_left = 1
    ops.enqueue("courier.pickup", {}, key="k")
    assert ops.deliver_outbox().retried
    clock.now += timedelta(minutes=1)
    assert [m.attempts for m in ops.deliver_outbox().delivered] == [2]
    assert backend.received == ["k"]


def test_a_topic_without_a_deliverer_waits(ops: ClientOps, clock: Clock) -> None:
    ops.enqueue("calendar.publish", {}, key="cal")
    report = ops.deliver_outbox()
    assert "no deliverer for topic 'calendar.publish'" in (report.retried[0].last_error or "")


def test_a_limit_below_one_is_refused(ops: ClientOps) -> None:
    with pytest.raises(ValidationError, match="limit"):
        ops.deliver_outbox(limit=0)


def test_two_deliverers_for_one_topic_are_refused(backend: Backend) -> None:
    host = PluginHost(entry_points=False)
    host.register(backend, "one")
    host.register(Backend(), "two")
    with pytest.raises(PluginError, match="two deliverers"):
        host.deliverers()
