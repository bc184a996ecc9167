"""A manager's calendar published to a real CalDAV server (Radicale, started on loopback by the
fixture) through the outbox: read back with a second client, updated in place, cancelled,
and delivered after the server was down. Without radicale or caldav the tests are skipped,
but they fail under CI=true (.ci/run installs both with the ``dev`` extra)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import icalendar
import pytest

from clientops import ClientOps, PluginHost, Policy
from clientops.adapters.caldav import CalDavPublisher
from clientops.adapters.memory import MemoryStorage
from clientops.calendar import PUBLISH_TOPIC
from clientops.errors import BackendError, ConfigurationError, NotFoundError
from clientops.model import EmployeeId, Reaction, ReactionKind
from clientops.outbox import OutboxMessage, OutboxStatus
from clientops.testing import T0, a_client, a_reaction, a_staff, an_appeal

ANNA = EmployeeId("anna")
PASSWORD = "Pa55-w0rd-caldav"


@pytest.fixture(scope="module")
def needs_radicale() -> None:
    for module in ("radicale", "caldav"):
        if importlib.util.find_spec(module) is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{module} is not installed (CI=true: the CalDAV tests must run)")
            pytest.skip(f"{module} is not installed")


class Radicale:
    """A Radicale server on a free loopback port, its collections in ``folder``: started,
    stopped and started again on the same folder and port."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.config = folder / "radicale.conf"
        self.config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            "[auth]\ntype = none\n"
            "[rights]\ntype = authenticated\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
            "[logging]\nlevel = warning\n"
        )
        self.log = folder / "radicale.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"radicale exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail("radicale did not answer within 30 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)
            self._process = None


@pytest.fixture
def server(needs_radicale: None, tmp_path: Path) -> Iterator[Radicale]:
    radicale = Radicale(tmp_path)
    radicale.start()
    try:
        _make_calendar(radicale, "anna")
        yield radicale
    finally:
        radicale.stop()


def _client(server: Radicale) -> Any:
    from caldav.davclient import DAVClient

    return DAVClient(url=server.url, username="reader", password="x")


def _make_calendar(server: Radicale, manager: str) -> None:
    with _client(server) as client:
        assert client.mkcol(f"{server.url}{manager}/", "").status == 201
        assert client.mkcalendar(f"{server.url}{manager}/clients/").status == 201


def _events(server: Radicale, manager: str = "anna") -> dict[str, icalendar.Event]:
    """The events of the manager's calendar as a second client lists them, by UID."""
    with _client(server) as client:
        calendar = client.calendar(url=f"{server.url}{manager}/clients/")
        found: dict[str, icalendar.Event] = {}
        for resource in calendar.events():
            parsed = icalendar.Calendar.from_ical(resource.data)
            for event in parsed.walk("VEVENT"):
                uid = str(event["UID"])
                assert uid not in found, f"{uid} is in the calendar twice"
                found[uid] = event
        return found


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> Any:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ops(server: Radicale, clock: Clock) -> Iterator[ClientOps]:
    host = PluginHost(entry_points=False)
    publisher = CalDavPublisher(
        url_template=server.url + "{manager}/clients/",
        username="clientops",
        password=PASSWORD,
        timeout=5,
    )
    host.register(publisher, name="clientops.caldav")
    policy = Policy(outbox_retry_delays=(timedelta(minutes=1), timedelta(minutes=10)))
    with ClientOps(MemoryStorage(), host=host, clock=clock, policy=policy) as ops:
        ops.clients.add_staff(a_staff())
        yield ops


def _reactions(ops: ClientOps) -> tuple[Reaction, ...]:
    """Three reactions of Anna's client (one of them done) and one of Igor's."""
    client = a_client(manager_id=ANNA)
    appeal = an_appeal(client)
    reactions = (
        a_reaction(
            appeal,
            id="r-call",
            kind=ReactionKind.OUTGOING_CALL,
            topic="Приветственный звонок",
            employee_id=ANNA,
            due_at=T0 + timedelta(days=1),
        ),
        a_reaction(
            appeal,
            id="r-meet",
            kind=ReactionKind.MEETING,
            topic="Встреча: обучение",
            employee_id=ANNA,
            due_at=T0 + timedelta(days=2),
        ),
        a_reaction(appeal, id="r-done", employee_id=ANNA, done_at=T0),
        a_reaction(appeal, id="r-igor", employee_id=EmployeeId("petrov")),
    )
    with ops.storage.unit_of_work() as uow:
        uow.clients.add(client)
        uow.appeals.add(appeal)
        for reaction in reactions:
            uow.appeals.add_reaction(reaction)
    return reactions


def _change(ops: ClientOps, reaction_id: str, **changes: Any) -> None:
    with ops.storage.unit_of_work() as uow:
        current = uow.appeals.get_reaction(reaction_id)  # type: ignore[arg-type]
        uow.appeals.update_reaction(attrs.evolve(current, **changes))


def test_a_managers_reactions_are_published_to_her_calendar(
    ops: ClientOps, server: Radicale
) -> None:
    _reactions(ops)
    recorded = ops.agenda.publish_calendar(ANNA)
    assert {m.topic for m in recorded} == {PUBLISH_TOPIC}
    assert _events(server) == {}  # recorded, not yet delivered

    report = ops.outbox.deliver()
    assert len(report.delivered) == 2
    assert not report.retried

    events = _events(server)
    assert set(events) == {"reaction-r-call@clientops.invalid", "reaction-r-meet@clientops.invalid"}
    call = events["reaction-r-call@clientops.invalid"]
    assert str(call["SUMMARY"]) == "Исходящий звонок: Приветственный звонок — ООО «Ромашка»"
    assert call.decoded("DTSTART") == T0 + timedelta(days=1)
    # nothing changed: nothing more to publish
    assert ops.agenda.publish_calendar(ANNA) == ()


def test_a_rescheduled_reaction_is_updated_in_place(ops: ClientOps, server: Radicale) -> None:
    _reactions(ops)
    ops.agenda.publish_calendar(ANNA)
    ops.outbox.deliver()
    before = _events(server)["reaction-r-call@clientops.invalid"]

    _change(ops, "r-call", due_at=T0 + timedelta(days=3))
    recorded = ops.agenda.publish_calendar(ANNA)
    assert [m.data()["uid"] for m in recorded] == ["reaction-r-call@clientops.invalid"]
    assert ops.agenda.publish_calendar(ANNA) == ()  # the same state is recorded once
    assert len(ops.outbox.deliver().delivered) == 1

    events = _events(server)
    assert len(events) == 2  # one event moved, not a second one
    after = events["reaction-r-call@clientops.invalid"]
    assert after.decoded("DTSTART") == T0 + timedelta(days=3)
    assert int(after.get("SEQUENCE", 0)) == int(before.get("SEQUENCE", 0)) + 1


def test_a_reaction_done_or_handed_over_is_removed(ops: ClientOps, server: Radicale) -> None:
    _reactions(ops)
    ops.agenda.publish_calendar(ANNA)
    ops.outbox.deliver()

    _change(ops, "r-meet", done_at=T0 + timedelta(hours=1))
    _change(ops, "r-call", employee_id=EmployeeId("petrov"))
    recorded = ops.agenda.publish_calendar(ANNA)
    assert sorted((m.data()["uid"], m.data()["cancelled"]) for m in recorded) == [
        ("reaction-r-call@clientops.invalid", True),
        ("reaction-r-meet@clientops.invalid", True),
    ]
    assert len(ops.outbox.deliver().delivered) == 2
    assert _events(server) == {}
    assert ops.agenda.publish_calendar(ANNA) == ()


def test_the_server_down_then_back(ops: ClientOps, server: Radicale, clock: Clock) -> None:
    _reactions(ops)
    ops.agenda.publish_calendar(ANNA)
    server.stop()

    report = ops.outbox.deliver()
    assert report.delivered == ()
    assert len(report.retried) == 2
    for message in report.retried:
        assert message.last_error is not None
        assert "caldav: put failed" in message.last_error
        assert PASSWORD not in message.last_error

    server.start()  # the same folder and port
    assert ops.outbox.deliver().delivered == ()  # not due yet: nothing taken twice
    clock.now += timedelta(minutes=1)
    report = ops.outbox.deliver()
    assert len(report.delivered) == 2
    assert ops.outbox.messages(OutboxStatus.PENDING) == ()
    assert len(_events(server)) == 2


def test_a_retried_old_state_does_not_move_the_event_back(
    ops: ClientOps, server: Radicale, clock: Clock
) -> None:
    _reactions(ops)
    ops.agenda.publish_calendar(ANNA)
    first = {m.data()["uid"]: m for m in ops.outbox.messages()}
    _change(ops, "r-call", due_at=T0 + timedelta(days=5))
    ops.agenda.publish_calendar(ANNA)
    ops.outbox.deliver()  # oldest first: the first state, then the second
    assert _events(server)["reaction-r-call@clientops.invalid"].decoded("DTSTART") == (
        T0 + timedelta(days=5)
    )
    # the first state delivered again (a worker that died after the PUT): nothing moves back
    again = CalDavPublisher(url_template=server.url + "{manager}/clients/")
    again.deliver(first["reaction-r-call@clientops.invalid"])
    assert _events(server)["reaction-r-call@clientops.invalid"].decoded("DTSTART") == (
        T0 + timedelta(days=5)
    )


def test_an_unknown_manager_is_refused(ops: ClientOps) -> None:
    with pytest.raises(NotFoundError):
        ops.agenda.publish_calendar(EmployeeId("nobody"))


def test_the_password_is_never_shown(needs_radicale: None) -> None:
    publisher = CalDavPublisher(
        calendars={"anna": f"http://user:{PASSWORD}@127.0.0.1:9/anna/"},
        username="clientops",
        password=PASSWORD,
        timeout=1,
    )
    assert PASSWORD not in repr(publisher)
    assert publisher.calendar_url("anna").endswith("/anna/")
    with pytest.raises(ConfigurationError, match="no calendar configured for manager 'boris'"):
        publisher.calendar_url("boris")
    with pytest.raises(ConfigurationError):
        CalDavPublisher(url_template="http://cal.example.ru/clients/")
    with pytest.raises(ConfigurationError):
        CalDavPublisher()
    message = OutboxMessage.new(
        PUBLISH_TOPIC,
        {"manager": "anna", "uid": "u1", "sequence": 0, "cancelled": True, "ics": ""},
        now=T0,
    )
    with pytest.raises(BackendError) as failed:
        publisher.deliver(message)  # nothing listens on port 9
    assert "caldav: delete failed" in str(failed.value)
    assert PASSWORD not in str(failed.value)


def test_trainings_and_order_deadlines_are_published_too(ops: ClientOps, server: Radicale) -> None:
    from datetime import date

    from clientops.testing import an_order

    card = ops.clients.add(a_client(manager_id=ANNA))
    other = ops.clients.add(
        a_client(name="ООО «Лютик»", city="Омск", manager_id=EmployeeId("petrov"))
    )
    training = ops.service.open_training(card.id, manager=ANNA, by=ANNA, topic="Работа с отчётами")
    ops.service.schedule_training(
        training.id, starts_at=T0 + timedelta(days=2), by=ANNA, duration=timedelta(hours=2)
    )
    spec = an_order(card).specification
    mine = ops.orders.open(card.id, spec, number="З-7001", by=ANNA).order
    theirs = ops.orders.open(other.id, spec, number="З-7002", by=ANNA).order  # not hers

    recorded = ops.agenda.publish_calendar(ANNA)
    assert len(ops.outbox.deliver().delivered) == len(recorded)
    events = _events(server)
    training_uid = f"training-{training.id}@clientops.invalid"
    assert set(events) >= {  # with the reactions opening the order made
        training_uid,
        f"order_production-{mine.id}@clientops.invalid",
        f"order_delivery-{mine.id}@clientops.invalid",
    }
    assert not [uid for uid in events if theirs.id in uid]
    held = events[training_uid]
    assert str(held["SUMMARY"]) == "Обучение: Работа с отчётами — ООО «Ромашка»"
    assert held.decoded("DTSTART") == T0 + timedelta(days=2)
    assert held.decoded("DURATION") == timedelta(hours=2)
    assert events[f"order_delivery-{mine.id}@clientops.invalid"].decoded("DTSTART") == date(
        2025, 7, 20
    )

    # the training moved: the same event updated in place, with a higher SEQUENCE
    ops.service.reschedule_training(
        training.id, starts_at=T0 + timedelta(days=4), reason="клиент в отпуске", by=ANNA
    )
    [moved] = ops.agenda.publish_calendar(ANNA)
    assert moved.data()["uid"] == training_uid
    ops.outbox.deliver()
    after = _events(server)
    assert set(after) == set(events)
    assert after[training_uid].decoded("DTSTART") == T0 + timedelta(days=4)
    assert int(after[training_uid]["SEQUENCE"]) > int(held.get("SEQUENCE", 0))
