"""The change feed: every event of the stream stored with its change at a gapless position,
read after a position (never a future one), on the three stores; a consumer killed with
SIGKILL resumes from its saved position and sees every change once; concurrent writers on
PostgreSQL never make a reader skip a position that commits late."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import psycopg
import pytest
from tests.test_event_stream import SIDOROV, Clock, Recorder, drive_every_area

import clientops
from clientops import ClientOps, PluginHost
from clientops.adapters.postgres import PostgresStorage
from clientops.adapters.sqlite import SQLiteStorage
from clientops.errors import DuplicateError, StorageError, ValidationError
from clientops.events import ClientCreated, Event
from clientops.feed import Feed, FeedEntry, FeedPositionError, FeedRecord
from clientops.model import ClientId, Department, DepartmentId, Employee, Role
from clientops.ports import Storage, UnitOfWork
from clientops.testing import T0, FailingStorage, a_client, a_staff

ROOT = Path(__file__).resolve().parents[1]
STORES = ("memory", "sqlite", "postgresql")


@pytest.fixture(params=STORES)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clientops.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


def _open(url: str, recorder: Recorder | None = None, clock: Any = None) -> ClientOps:
    host = PluginHost(entry_points=False)
    if recorder is not None:
        host.register(recorder, name="recorder")
    ops = ClientOps(host.load().open_storage(url), host=host, clock=clock or (lambda: T0))
    ops.clients.add_staff(a_staff())
    return ops


# ----------------------------------------------------------------- what is in the feed


def test_every_published_event_is_in_the_feed_in_order_and_reads_back_equal(url: str) -> None:
    clock, recorder = Clock(), Recorder()
    with _open(url, recorder, clock) as ops:
        ops.clients.add_department(
            Department(DepartmentId("tech_support"), "Техническая поддержка", SIDOROV)
        )
        ops.clients.add_employee(
            Employee(
                SIDOROV,
                "Сидоров Пётр Ильич",
                "Пётр",
                DepartmentId("tech_support"),
                (Role.TECH_SUPPORT,),
            )
        )
        drive_every_area(ops, clock)
        feed = Feed(ops)
        entries = feed.read(after=0, limit=100_000)
    assert len(recorder.events) > 30
    assert [e.position for e in entries] == list(range(1, len(recorder.events) + 1))
    assert [e.kind for e in entries] == [type(e).__name__ for e in recorder.events]
    assert all(e.schema == clientops.feed.FEED_SCHEMA for e in entries)
    # through the JSON and back: the same values (instants compared as instants)
    assert [e.event() for e in entries] == recorder.events


def test_the_listener_hears_an_event_whose_entry_is_already_committed(url: str) -> None:
    heard: list[tuple[Event, tuple[FeedEntry, ...]]] = []

    class Reader:
        @clientops.hookimpl
        def clientops_event(self, event: Event) -> None:
            heard.append((event, Feed(ops).read()))

    with _open(url) as ops:
        ops.context.host.register(Reader(), name="reader")
        card = ops.clients.add(a_client())
        (event, seen), *_ = heard
        assert event == ClientCreated(card.id, T0)
        assert [(e.position, e.event()) for e in seen] == [(1, event)]


def test_a_refused_change_stores_no_entry_and_takes_no_position(url: str) -> None:
    with _open(url) as ops:
        card = ops.clients.add(a_client())
        with pytest.raises(DuplicateError):
            ops.clients.add(card)
        again = ops.clients.add(a_client())
        feed = Feed(ops)
        assert [(e.position, e.data()["client_id"]) for e in feed.read()] == [
            (1, card.id),
            (2, again.id),
        ]
        assert feed.head() == 2


def test_an_unchanged_update_publishes_nothing_and_stores_nothing(url: str) -> None:
    with _open(url) as ops:
        card = ops.clients.add(a_client())
        ops.clients.update(card)
        assert Feed(ops).head() == 1


def test_a_feed_that_cannot_be_written_keeps_the_change_from_being_stored(url: str) -> None:
    """The entry is written in the change's unit of work: when it fails, so does the change,
    and nobody hears of it."""
    recorder = Recorder()
    with _open(url, recorder) as ops:
        card = ops.clients.add(a_client())
        failing = FailingStorage(ops.storage, "feed.append")
        other = ClientOps(failing, host=ops.context.host, clock=lambda: T0)
        with pytest.raises(StorageError, match=r"feed\.append"):
            other.clients.add(a_client(name="АО «Вектор»"))
        with pytest.raises(StorageError):
            other.clients.update(attrs.evolve(card, city="Томск"))
        assert ops.clients.get(card.id) == card
        assert ops.clients.find(name="Вектор") == ()
        assert Feed(ops).head() == 1
        assert [type(e).__name__ for e in recorder.events] == ["ClientCreated"]


def test_publishing_outside_a_unit_of_work_of_the_context_is_refused() -> None:
    with _open("memory://") as ops:
        with pytest.raises(RuntimeError, match="inside the unit of work"):
            ops.context.publish((ClientCreated(ClientId("c1"), T0),))
        with ops.context.storage.unit_of_work(), pytest.raises(RuntimeError):
            ops.context.publish((ClientCreated(ClientId("c1"), T0),))
        assert Feed(ops).head() == 0


# ----------------------------------------------------------------- reading it


def test_reading_after_a_position_pages_through_the_feed(url: str) -> None:
    with _open(url) as ops:
        cards = [ops.clients.add(a_client()) for _ in range(7)]
        feed = Feed(ops)
        seen: list[str] = []
        position = 0
        while page := feed.read(after=position, limit=3):
            assert len(page) <= 3
            seen += [e.data()["client_id"] for e in page]
            position = page[-1].position
        assert seen == [c.id for c in cards]
        assert feed.read(after=7) == ()


def test_a_position_in_the_future_is_a_typed_error_naming_it(url: str) -> None:
    with _open(url) as ops:
        ops.clients.add(a_client())
        feed = Feed(ops)
        with pytest.raises(FeedPositionError) as err:
            feed.read(after=2)
        assert (err.value.position, err.value.head) == (2, 1)
        assert err.value.paths == ("after",)
        assert "feed position 2 is in the future: the feed ends at 1" in str(err.value)
        with pytest.raises(FeedPositionError) as err:
            feed.save_position("crm", 5)
        assert err.value.paths == ("position",)
        assert feed.position("crm") == 0  # nothing saved
        with pytest.raises(ValidationError) as bad:
            feed.read(after=-1)
        assert bad.value.paths == ("after",)
        with pytest.raises(ValidationError) as bad:
            feed.read(after=0, limit=0)
        assert bad.value.paths == ("limit",)
        with pytest.raises(ValidationError) as bad:
            feed.position(" ")
        assert bad.value.paths == ("consumer",)


def test_a_saved_position_is_kept_and_may_go_back_to_read_again(url: str) -> None:
    with _open(url) as ops:
        for _ in range(3):
            ops.clients.add(a_client())
        feed = Feed(ops)
        feed.save_position("index", 3)
        feed.save_position("index", 1)
        assert feed.position("index") == 1
        assert [e.position for e in feed.read(after=feed.position("index"))] == [2, 3]


# ----------------------------------------------------------------- the sequence-gap trap


def test_a_plain_sequence_lets_a_reader_skip_a_row_that_commits_late(postgres_url: str) -> None:
    """Why the feed does not use an identity column: the trap is real."""
    base, schema = postgres_url.split("?schema=")
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        admin.execute(f"CREATE TABLE {schema}.naive (position bigserial PRIMARY KEY)")
    with psycopg.connect(base) as early, psycopg.connect(base) as late:
        early.execute(f"INSERT INTO {schema}.naive DEFAULT VALUES")  # takes 1, commits late
        late.execute(f"INSERT INTO {schema}.naive DEFAULT VALUES")  # takes 2
        late.commit()
        with psycopg.connect(base) as reader:
            rows = reader.execute(f"SELECT position FROM {schema}.naive WHERE position>0")
            assert rows.fetchall() == [(2,)]  # a reader saving 2 has skipped 1 for good
        early.commit()


def test_a_writer_that_commits_late_holds_back_the_next_position(postgres_url: str) -> None:
    storage = PostgresStorage.from_url(postgres_url)
    record = FeedRecord.of(ClientCreated(ClientId("c"), T0))
    started = threading.Event()
    try:
        with storage.unit_of_work() as early:
            assert early.feed.append([record]) == 1

            def late() -> None:
                with storage.unit_of_work() as uow:
                    started.set()
                    uow.feed.append([record])

            thread = threading.Thread(target=late)
            thread.start()
            started.wait(10)
            time.sleep(0.3)  # gives the late writer time to commit, if it could
            with _reader(storage) as uow:
                assert uow.feed.read(after=0, limit=10) == ()
        thread.join(10)
        with _reader(storage) as uow:
            assert [e.position for e in uow.feed.read(after=0, limit=10)] == [1, 2]
    finally:
        storage.close()


@contextmanager
def _reader(storage: PostgresStorage) -> Iterator[UnitOfWork]:
    """A read-only unit of work from another thread (one unit of work per thread)."""
    result: list[Any] = []
    done = threading.Event()
    release = threading.Event()

    def run() -> None:
        with storage.unit_of_work(readonly=True) as uow:
            result.append(uow)
            done.set()
            release.wait(10)

    thread = threading.Thread(target=run)
    thread.start()
    done.wait(10)
    try:
        yield result[0]
    finally:
        release.set()
        thread.join(10)


class _SlowCommits:
    """A store whose writing units of work wait a random moment before they commit (after
    the feed's append, the last write), so concurrent writers commit out of order."""

    def __init__(self, inner: Storage) -> None:
        self._inner = inner
        self.name = inner.name

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[UnitOfWork]:
        with self._inner.unit_of_work(readonly=readonly) as uow:
            yield uow
            if not readonly:
                time.sleep(random.uniform(0, 0.01))

    def close(self) -> None:
        self._inner.close()


def test_eight_concurrent_writers_never_make_a_reader_skip_a_position(postgres_url: str) -> None:
    writers, cards_each = 8, 15
    inner = PostgresStorage.from_url(postgres_url + "&pool_max_size=12")
    host = PluginHost(entry_points=False).load()  # loaded before the threads share it
    ops = ClientOps(_SlowCommits(inner), host=host, clock=lambda: T0)
    feed = Feed(ops)
    written: list[str] = []
    seen: list[FeedEntry] = []
    problems: list[str] = []
    done = threading.Event()

    def write() -> None:
        for _ in range(cards_each):
            written.append(ops.clients.add(a_client()).id)

    def read() -> None:
        position = 0
        while True:
            finished = done.is_set()
            page = feed.read(after=position, limit=7)
            expected = list(range(position + 1, position + 1 + len(page)))
            if [e.position for e in page] != expected:
                problems.append(f"after {position}: {[e.position for e in page]}")
                return
            seen.extend(page)
            position += len(page)
            if finished and not page:
                return

    try:
        reader = threading.Thread(target=read)
        reader.start()
        threads = [threading.Thread(target=write) for _ in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        done.set()
        reader.join(120)
        assert problems == []
        assert len(written) == writers * cards_each
        assert [e.position for e in seen] == list(range(1, len(written) + 1))
        assert sorted(e.data()["client_id"] for e in seen) == sorted(written)
    finally:
        ops.close()


# ----------------------------------------------------------------- a consumer killed mid-way

CONSUMER = textwrap.dedent(
    """
    import sqlite3, sys, time
    import clientops
    from clientops.feed import Feed

    url, sink, until = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ops = clientops.connect(url)
    db = sqlite3.connect(sink, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS seen (position INTEGER, client_id TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS cursor (position INTEGER)")
    if db.execute("SELECT count(*) FROM cursor").fetchone()[0] == 0:
        db.execute("INSERT INTO cursor VALUES (0)")
    feed = Feed(ops)
    while True:
        (position,) = db.execute("SELECT position FROM cursor").fetchone()
        if position >= until:
            break
        for entry in feed.read(after=position, limit=5):
            # what the consumer does and the position it has reached: one transaction
            db.execute("BEGIN")
            db.execute(
                "INSERT INTO seen VALUES (?, ?)", (entry.position, entry.data()["client_id"])
            )
            db.execute("UPDATE cursor SET position=?", (entry.position,))
            db.execute("COMMIT")
            print(entry.position, flush=True)
            time.sleep(0.002)
    ops.close()
    """
)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_consumer_killed_mid_way_resumes_and_sees_every_change_once(
    store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'clientops.db'}"
        if store == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    script, sink = tmp_path / "consumer.py", tmp_path / "sink.db"
    script.write_text(CONSUMER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with _open(url) as ops:
        written = [ops.clients.add(a_client()).id for _ in range(60)]
        total = 120
        consumer = subprocess.Popen(
            [sys.executable, str(script), url, str(sink), str(total)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert consumer.stdout is not None
        for line in consumer.stdout:  # wait until it is mid-way, then kill it
            if int(line) >= 25:
                break
        consumer.send_signal(signal.SIGKILL)
        consumer.wait(30)
        consumer.stdout.close()
        assert consumer.returncode == -signal.SIGKILL
        # the store goes on changing while the consumer is dead
        written += [ops.clients.add(a_client()).id for _ in range(total - len(written))]
        again = subprocess.run(
            [sys.executable, str(script), url, str(sink), str(total)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        assert int(again.stdout.split()[0]) > 25  # it resumed, not restarted
    with sqlite3.connect(sink) as db:
        rows = db.execute("SELECT position, client_id FROM seen ORDER BY rowid").fetchall()
    assert [p for p, _ in rows] == list(range(1, total + 1))  # each once, in order
    assert [c for _, c in rows] == written


def test_a_sqlite_store_keeps_the_feed_across_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "clientops.db"
    with _open(f"sqlite:///{path}") as ops:
        card = ops.clients.add(a_client())
        ops.clients.update(attrs.evolve(card, city="Томск"))
    storage = SQLiteStorage(path)
    try:
        with storage.unit_of_work(readonly=True) as uow:
            assert [e.kind for e in uow.feed.read(after=0, limit=9)] == [
                "ClientCreated",
                "ClientUpdated",
            ]
    finally:
        storage.close()
