"""Real processes against one SQLite file and one PostgreSQL schema: concurrent edits of one
card, concurrent outbox workers, and processes killed with SIGKILL in the middle of a batch."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

import clientops
from clientops import ClientOps, PluginHost
from clientops.model import EmployeeId
from clientops.outbox import OutboxStatus
from clientops.testing import T0, a_client, a_staff

WORKER = Path(__file__).parent / "workers" / "worker.py"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'team.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def ops(url: str) -> Iterator[ClientOps]:
    with clientops.connect(url, host=PluginHost(entry_points=False), clock=lambda: T0) as ops:
        yield ops


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> list[str]:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out.split("\n")


def test_two_managers_saving_one_card_get_one_success_and_one_conflict(
    ops: ClientOps, url: str, tmp_path: Path
) -> None:
    card = ops.clients.add(a_client(city="Москва"))
    go = tmp_path / "go"
    managers = [start("edit", url, card.id, city, str(go)) for city in ("Омск", "Тула")]
    for proc in managers:  # both have read version 0 before either writes
        assert proc.stdout is not None
        assert proc.stdout.readline().split() == ["read", "0"]
    go.touch()
    outcomes = sorted(" ".join(finish(p)[0].split()[:1]) for p in managers)
    assert outcomes == ["conflict", "saved"]
    stored = ops.clients.get(card.id)
    assert stored.version == 1
    assert stored.city in ("Омск", "Тула")


def test_the_conflict_names_the_record_and_both_versions(
    ops: ClientOps, url: str, tmp_path: Path
) -> None:
    card = ops.clients.add(a_client())
    go = tmp_path / "go"
    managers = [start("edit", url, card.id, city, str(go)) for city in ("Омск", "Тула")]
    for proc in managers:
        assert proc.stdout is not None
        proc.stdout.readline()
    go.touch()
    reports = [finish(p)[0].split() for p in managers]
    (conflict,) = [r for r in reports if r[0] == "conflict"]
    assert conflict == ["conflict", "client", card.id, "0", "1"]


def test_concurrent_read_modify_write_loses_no_update(ops: ClientOps, url: str) -> None:
    card = ops.clients.add(a_client())
    workers = [start("append", url, card.id, tag, "15") for tag in ("A", "B", "C")]
    conflicts = sum(int(finish(p)[0].split()[1]) for p in workers)
    stored = ops.clients.get(card.id)
    expected = {f"{tag}-{i}" for tag in "ABC" for i in range(15)}
    assert set(stored.contract_numbers) == expected
    assert stored.version == 45
    assert conflicts >= 0  # how many depends on scheduling; none is lost either way


def _effects(url: str, ops: ClientOps, n: int) -> list[str]:
    keys = [f"effect:{i}" for i in range(n)]
    for key in keys:
        assert ops.outbox.enqueue("test.effect", {"n": key}, key=key) is not None
    return keys


def _sent(log: Path) -> Counter[str]:
    if not log.exists():
        return Counter()
    return Counter(line.split()[1] for line in log.read_text().splitlines())


def test_concurrent_outbox_workers_deliver_each_message_once(
    ops: ClientOps, url: str, tmp_path: Path
) -> None:
    keys = _effects(url, ops, 60)
    log = tmp_path / "backend.log"
    now = T0.isoformat()
    workers = [start("deliver", url, str(log), now, "0") for _ in range(3)]
    delivered = sum(int(finish(p)[0].split()[1]) for p in workers)
    assert delivered == 60
    assert _sent(log) == Counter(keys)  # every key sent, none twice
    assert {m.key for m in ops.outbox.messages(OutboxStatus.DELIVERED)} == set(keys)


def test_a_worker_killed_after_sending_is_relieved_after_its_lease_with_the_same_key(
    ops: ClientOps, url: str, tmp_path: Path
) -> None:
    keys = _effects(url, ops, 10)
    log = tmp_path / "backend.log"
    doomed = start("deliver", url, str(log), T0.isoformat(), "1")
    doomed.communicate(timeout=120)
    assert doomed.returncode == -9  # SIGKILL, after one backend call
    (first_key,) = _sent(log)
    # the dead worker had taken 7 (its limit): before its lease runs out, another worker
    # delivers only the other 3
    early = start("deliver", url, str(log), (T0 + timedelta(minutes=1)).isoformat(), "0")
    assert finish(early)[0] == "delivered 3"
    later = T0 + ops.policy.outbox_lease + timedelta(seconds=1)
    rescuer = start("deliver", url, str(log), later.isoformat(), "0")
    assert finish(rescuer)[0] == "delivered 7"
    sent = _sent(log)
    assert set(sent) == set(keys)
    # the one the dead worker sent went again, with the same key, for the backend to dedupe
    assert sent[first_key] == 2
    assert sum(sent.values()) == 11
    assert {m.key for m in ops.outbox.messages(OutboxStatus.DELIVERED)} == set(keys)


def test_an_import_killed_before_commit_leaves_nothing_and_a_rerun_stores_all_once(
    ops: ClientOps, url: str, tmp_path: Path
) -> None:
    rows = "".join(
        f"ООО «Партия {i}»;Москва;+7 495 {100 + i // 100:03d}-{i % 100:02d}-00;П-{i}\n"
        for i in range(300)
    )
    path = tmp_path / "clients.csv"
    path.write_bytes(("Наименование;Город;Телефон;Договор\n" + rows).encode("cp1251"))
    doomed = start("bulk", url, str(path), "1")
    out, err = doomed.communicate(timeout=120)
    assert doomed.returncode == -9, err
    assert out.split() == ["written", "300"]  # killed with every row written, uncommitted
    with ops.storage.unit_of_work() as uow:
        assert uow.clients.count() == 0
    assert finish(start("bulk", url, str(path), "0"))[0] == "imported 300 skipped 0"
    assert finish(start("bulk", url, str(path), "0"))[0] == "imported 0 skipped 1"
    with ops.storage.unit_of_work() as uow:
        assert uow.clients.count() == 300
        assert len(uow.clients.contract_owners(f"П-{i}" for i in range(300))) == 300


def test_an_agenda_is_read_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'team.db'}"
    anna, day = EmployeeId("anna"), T0.date()
    with clientops.connect(url, host=PluginHost(entry_points=False), clock=lambda: T0) as ops:
        ops.clients.add_staff(a_staff())
        ops.clients.add(a_client(manager_id=anna, birthday=day.replace(year=1980)))
        before = ops.agenda.for_manager(anna, day)
        go = tmp_path / "go"
        writer = start("hold", url, day.replace(year=1990).isoformat(), str(go))
        assert writer.stdout is not None
        assert writer.stdout.readline().split() == ["holding"]
        try:
            # the writer commits only after `go`: these reads ran beside its open write
            during = ops.agenda.for_manager(anna, day)
            everyone = ops.agenda.for_everyone(day)
        finally:
            go.touch()
        assert finish(writer)[0] == "committed"
        after = ops.agenda.for_manager(anna, day)
    assert during == before  # the last committed state, not the pending write
    assert [a for a in everyone if a.employee_id == anna] == [before]
    assert len(after.items) == len(before.items) + 1  # the card written meanwhile
